package caps

import (
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      *specs.LinuxCapabilities
		last    Cap
		want    Set
		wantErr string
	}{
		{
			name: "nil drops everything",
			in:   nil,
			last: Last,
		},
		{
			name: "canonical names",
			in: &specs.LinuxCapabilities{
				Bounding:    []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"},
				Effective:   []string{"CAP_CHOWN"},
				Inheritable: []string{"CAP_KILL"},
				Permitted:   []string{"CAP_CHOWN", "CAP_KILL"},
				Ambient:     []string{"CAP_KILL"},
			},
			last: Last,
			want: Set{
				Bounding:    1<<0 | 1<<5 | 1<<10,
				Effective:   1 << 0,
				Inheritable: 1 << 5,
				Permitted:   1<<0 | 1<<5,
				Ambient:     1 << 5,
			},
		},
		{
			name: "lowercase and no prefix are normalised",
			in: &specs.LinuxCapabilities{
				Bounding: []string{"chown", "cap_sys_admin", "Net_Raw", " CAP_KILL "},
			},
			last: Last,
			want: Set{Bounding: 1<<0 | 1<<21 | 1<<13 | 1<<5},
		},
		{
			name: "repeats are harmless",
			in:   &specs.LinuxCapabilities{Effective: []string{"CAP_KILL", "kill", "CAP_KILL"}},
			last: Last,
			want: Set{Effective: 1 << 5},
		},
		{
			name: "capabilities above the kernel's last are dropped and reported",
			in: &specs.LinuxCapabilities{
				Bounding:  []string{"CAP_CHOWN", "CAP_BPF", "CAP_PERFMON", "CAP_CHECKPOINT_RESTORE"},
				Permitted: []string{"CAP_BPF", "CAP_AUDIT_READ"},
			},
			last: 37, // CAP_AUDIT_READ: a 5.x-era kernel
			want: Set{
				Bounding:  1 << 0,
				Permitted: 1 << 37,
				Unknown:   []string{"CAP_BPF", "CAP_CHECKPOINT_RESTORE", "CAP_PERFMON"},
			},
		},
		{
			name:    "unknown name",
			in:      &specs.LinuxCapabilities{Bounding: []string{"CAP_CHOWN", "CAP_FOO"}},
			last:    Last,
			wantErr: `caps: bounding set: unknown capability "CAP_FOO"`,
		},
		{
			name:    "unknown name without prefix is reported normalised",
			in:      &specs.LinuxCapabilities{Ambient: []string{"foo"}},
			last:    Last,
			wantErr: `caps: ambient set: unknown capability "CAP_FOO"`,
		},
		{
			name:    "empty name",
			in:      &specs.LinuxCapabilities{Effective: []string{""}},
			last:    Last,
			wantErr: `unknown capability "CAP_"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(tt.in, tt.last)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parse error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if !equalSets(got, &tt.want) {
				t.Fatalf("parse = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func equalSets(a, b *Set) bool {
	return a.Bounding == b.Bounding && a.Effective == b.Effective &&
		a.Inheritable == b.Inheritable && a.Permitted == b.Permitted &&
		a.Ambient == b.Ambient && slices.Equal(a.Unknown, b.Unknown)
}

func TestParseUsesRunningKernel(t *testing.T) {
	s, err := Parse(&specs.LinuxCapabilities{Bounding: []string{"CAP_CHOWN"}})
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if s.Bounding != MaskOf(0) {
		t.Fatalf("bounding = %s, want CAP_CHOWN only", s.Bounding)
	}
}

func TestNames(t *testing.T) {
	got := Names()
	if len(got) != int(Last)+1 {
		t.Fatalf("Names has %d entries, want %d", len(got), Last+1)
	}
	if !slices.IsSorted(got) {
		t.Fatalf("Names is not sorted: %v", got)
	}
	for _, want := range []string{"CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_CHECKPOINT_RESTORE", "CAP_BPF"} {
		if !slices.Contains(got, want) {
			t.Errorf("Names lacks %s", want)
		}
	}
	got[0] = "mutated"
	if Names()[0] == "mutated" {
		t.Fatal("Names returns the package's own slice")
	}
}

func TestCapNumbers(t *testing.T) {
	// The kernel's numbering, spot-checked against linux/capability.h.
	want := map[string]Cap{
		"CAP_CHOWN": 0, "CAP_KILL": 5, "CAP_SETPCAP": 8, "CAP_NET_RAW": 13,
		"CAP_SYS_ADMIN": 21, "CAP_MKNOD": 27, "CAP_SETFCAP": 31,
		"CAP_AUDIT_READ": 37, "CAP_PERFMON": 38, "CAP_BPF": 39,
		"CAP_CHECKPOINT_RESTORE": 40,
	}
	for name, n := range want {
		c, _, ok := Lookup(name)
		if !ok || c != n {
			t.Errorf("Lookup(%s) = %d, %v; want %d", name, c, ok, n)
		}
		if c.String() != name {
			t.Errorf("Cap(%d).String() = %s, want %s", n, c, name)
		}
	}
	if got := Cap(50).String(); got != "CAP_50" {
		t.Errorf("Cap(50).String() = %s", got)
	}
}

func TestMask(t *testing.T) {
	m := MaskOf(0, 5, 40)
	if !m.Has(0) || !m.Has(5) || !m.Has(40) || m.Has(1) || m.Has(64) {
		t.Fatalf("Has is wrong for %s", m)
	}
	if m.Len() != 3 {
		t.Fatalf("Len = %d, want 3", m.Len())
	}
	if got, want := m.String(), "0000010000000021"; got != want {
		t.Fatalf("String = %s, want %s", got, want)
	}
	if got := m.Names(); !slices.Equal(got, []string{"CAP_CHOWN", "CAP_KILL", "CAP_CHECKPOINT_RESTORE"}) {
		t.Fatalf("Names = %v", got)
	}
	if m.With(64) != m {
		t.Fatal("With(64) changed the mask")
	}
	if got := upTo(40); got != 0x1ffffffffff {
		t.Fatalf("upTo(40) = %s", got)
	}
	if got := upTo(63); got != ^Mask(0) {
		t.Fatalf("upTo(63) = %s", got)
	}
}

func TestRaisableAmbient(t *testing.T) {
	s := &Set{
		Permitted:   MaskOf(0, 5, 7),
		Inheritable: MaskOf(5, 7, 9),
		Ambient:     MaskOf(0, 5, 9),
	}
	if got := s.raisableAmbient(); got != MaskOf(5) {
		t.Fatalf("raisableAmbient = %v, want [CAP_KILL]", got.Names())
	}
}

func TestStringsRoundTrip(t *testing.T) {
	in := &specs.LinuxCapabilities{
		Bounding:  []string{"CAP_KILL", "CAP_CHOWN"},
		Permitted: []string{"CAP_NET_RAW"},
	}
	s, err := parse(in, Last)
	if err != nil {
		t.Fatal(err)
	}
	out := s.Strings()
	if !slices.Equal(out.Bounding, []string{"CAP_CHOWN", "CAP_KILL"}) || !slices.Equal(out.Permitted, []string{"CAP_NET_RAW"}) {
		t.Fatalf("Strings = %+v", out)
	}
	if len(out.Effective) != 0 {
		t.Fatalf("effective = %v, want empty", out.Effective)
	}
}

const sampleStatus = `Name:	cat
Umask:	0022
State:	R (running)
CapInh:	0000000000000021
CapPrm:	0000000000000021
CapEff:	0000000000000021
CapBnd:	000001ffffffffff
CapAmb:	0000000000000020
NoNewPrivs:	0
`

func TestParseStatus(t *testing.T) {
	s, err := ParseStatus(strings.NewReader(sampleStatus))
	if err != nil {
		t.Fatal(err)
	}
	want := Set{
		Inheritable: 0x21, Permitted: 0x21, Effective: 0x21,
		Bounding: 0x1ffffffffff, Ambient: 0x20,
	}
	if !equalSets(s, &want) {
		t.Fatalf("ParseStatus = %+v, want %+v", *s, want)
	}
}

func TestParseStatusErrors(t *testing.T) {
	for name, in := range map[string]string{
		"missing lines": "CapInh:\t0\nCapPrm:\t0\n",
		"bad hex":       strings.Replace(sampleStatus, "0000000000000020", "zz", 1),
	} {
		if _, err := ParseStatus(strings.NewReader(in)); err == nil {
			t.Errorf("%s: ParseStatus succeeded", name)
		} else if !strings.HasPrefix(err.Error(), "caps: ") {
			t.Errorf("%s: error %q lacks the package prefix", name, err)
		}
	}
}
