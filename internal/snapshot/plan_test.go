package snapshot

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/hull-project/hull/internal/errdefs"
)

func hexN(i int) string { return fmt.Sprintf("%064x", i+1) }

func TestPlanTwoLayers(t *testing.T) {
	ms, err := plan("/s", "c1", []string{hexN(0), hexN(1)})
	if err != nil {
		t.Fatal(err)
	}
	want := []Mount{{Type: "overlay", Source: "overlay", Options: []string{
		"index=off",
		"upperdir=/s/containers/c1/upper",
		"workdir=/s/containers/c1/work",
		"lowerdir=/s/layers/" + hexN(1) + "/fs:/s/layers/" + hexN(0) + "/fs",
	}}}
	if !reflect.DeepEqual(ms, want) {
		t.Errorf("plan =\n%+v\nwant\n%+v", ms, want)
	}
}

func TestPlanNoLayers(t *testing.T) {
	ms, err := plan("/s", "c1", nil)
	want := []Mount{{Type: "bind", Source: "/s/containers/c1/upper", Options: []string{"rbind", "rw"}}}
	if err != nil || !reflect.DeepEqual(ms, want) {
		t.Errorf("plan = %+v, %v; want %+v", ms, err, want)
	}
}

func TestPlanLongChains(t *testing.T) {
	root := "/var/lib/hull/snapshots"
	id := strings.Repeat("c", 64)
	tests := []struct {
		layers int
		chdir  bool
		bad    bool
	}{
		{layers: 1},
		{layers: 20},
		{layers: 50, chdir: true},
		{layers: 128, chdir: true},
		{layers: 500, chdir: true},
		{layers: 1500, bad: true},
	}
	for _, tt := range tests {
		hexes := make([]string, tt.layers)
		for i := range hexes {
			hexes[i] = hexN(i)
		}
		ms, err := plan(root, id, hexes)
		if tt.bad {
			if err == nil {
				t.Errorf("%d layers: want error", tt.layers)
			}
			continue
		}
		if err != nil || len(ms) != 1 {
			t.Fatalf("%d layers: %+v, %v", tt.layers, ms, err)
		}
		data := strings.Join(ms[0].Options, ",")
		if len(data) > 4095 {
			t.Errorf("%d layers: mount data is %d bytes, more than a page", tt.layers, len(data))
		}
		if (ms[0].Chdir != "") != tt.chdir {
			t.Errorf("%d layers: chdir %q, want chdir %v", tt.layers, ms[0].Chdir, tt.chdir)
		}
		lower := strings.Split(strings.TrimPrefix(ms[0].Options[3], "lowerdir="), ":")
		top, bottom := lower[0], lower[len(lower)-1]
		if tt.chdir {
			if top != strconv.Itoa(tt.layers-1) || bottom != "0" || ms[0].Chdir != root+"/containers/"+id+"/lower" {
				t.Errorf("%d layers: lowerdir %s..%s in %s", tt.layers, top, bottom, ms[0].Chdir)
			}
		} else if !strings.Contains(top, hexN(tt.layers-1)) || !strings.Contains(bottom, hexN(0)) {
			t.Errorf("%d layers: lowerdir not top first: %s .. %s", tt.layers, top, bottom)
		}
	}
}

func TestChainHex(t *testing.T) {
	tests := []struct {
		id, hex string
	}{
		{"sha256:" + hexN(0), hexN(0)},
		{"sha512:" + strings.Repeat("ab", 64), strings.Repeat("ab", 64)},
		{"sha256:" + strings.ToUpper(hexN(10)), ""},
		{"sha256:../../etc", ""},
		{"sha256:" + hexN(0)[:63], ""},
		{"md5:" + hexN(0), ""},
		{hexN(0), ""},
		{"", ""},
	}
	for _, tt := range tests {
		hex, err := chainHex(tt.id)
		if tt.hex == "" {
			if !errors.Is(err, errdefs.ErrInvalidArgument) {
				t.Errorf("chainHex(%q) = %q, %v; want invalid argument", tt.id, hex, err)
			}
		} else if hex != tt.hex || err != nil {
			t.Errorf("chainHex(%q) = %q, %v", tt.id, hex, err)
		}
	}
}

func TestCheckContainerID(t *testing.T) {
	for id, ok := range map[string]bool{
		"abc": true, strings.Repeat("f", 64): true, "my_name.1-2": true,
		"": false, "../x": false, "a/b": false, ".hidden": false, "-x": false, strings.Repeat("a", 129): false,
	} {
		if err := checkContainerID(id); (err == nil) != ok {
			t.Errorf("checkContainerID(%q) = %v, want ok %v", id, err, ok)
		}
	}
}
