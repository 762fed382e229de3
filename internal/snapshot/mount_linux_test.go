package snapshot

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		opts  []string
		flags uintptr
		data  string
	}{
		{[]string{"index=off", "lowerdir=a:b", "upperdir=/u"}, 0, "index=off,lowerdir=a:b,upperdir=/u"},
		{[]string{"rbind", "rw"}, unix.MS_BIND | unix.MS_REC, ""},
		{[]string{"bind", "ro", "nosuid", "nodev"}, unix.MS_BIND | unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV, ""},
		{[]string{"ro", "rw", "mode=755"}, 0, "mode=755"},
	}
	for _, tt := range tests {
		flags, data := parseOptions(tt.opts)
		if flags != tt.flags || data != tt.data {
			t.Errorf("parseOptions(%q) = %#x, %q; want %#x, %q", tt.opts, flags, data, tt.flags, tt.data)
		}
	}
}

const sampleMountinfo = `22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
101 22 0:60 / /run/c1/rootfs rw,relatime shared:50 - overlay overlay rw,lowerdir=0:1,upperdir=/var/lib/hull/snapshots/containers/c1/upper,workdir=/var/lib/hull/snapshots/containers/c1/work,index=off
102 22 254:1 /var/lib/hull/snapshots/containers/c2/upper /run/c2\040root rw,relatime shared:1 - ext4 /dev/vda1 rw
`

func TestParseMountinfo(t *testing.T) {
	ms, err := parseMountinfo(strings.NewReader(sampleMountinfo))
	if err != nil || len(ms) != 3 {
		t.Fatalf("parseMountinfo = %d entries, %v", len(ms), err)
	}
	want := mountEntry{dev: "254:1", root: "/var/lib/hull/snapshots/containers/c2/upper", mountPoint: "/run/c2 root", fsType: "ext4", superOpts: []string{"rw"}}
	if !reflect.DeepEqual(ms[2], want) {
		t.Errorf("entry = %+v, want %+v", ms[2], want)
	}
	base := "/var/lib/hull/snapshots/containers/"
	tests := []struct {
		id      string
		mounted string
	}{
		{"c1", "/run/c1/rootfs"},
		{"c2", "/run/c2 root"},
		{"c3", ""},
	}
	for _, tt := range tests {
		got := ""
		for _, m := range ms {
			if m.usesUpper(base+tt.id+"/upper", "254:1", base+tt.id+"/merged") {
				got = m.mountPoint
			}
		}
		if got != tt.mounted {
			t.Errorf("%s: mounted at %q, want %q", tt.id, got, tt.mounted)
		}
	}
	if _, err := parseMountinfo(strings.NewReader("garbage\n")); err == nil {
		t.Error("parseMountinfo(garbage): want error")
	}
}
