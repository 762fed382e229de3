package cgroups

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func ptr[T any](v T) *T { return &v }

func TestSharesToWeight(t *testing.T) {
	tests := []struct{ shares, weight uint64 }{
		{2, 1},
		{1, 1}, // below the v1 minimum: clamped
		{512, 20},
		{1024, 39}, // the v1 default maps to about the v2 default of 100 / 2.56
		{262144, 10000},
		{1 << 20, 10000}, // above the v1 maximum: clamped
	}
	for _, tt := range tests {
		if got := sharesToWeight(tt.shares); got != tt.weight {
			t.Errorf("sharesToWeight(%d) = %d, want %d", tt.shares, got, tt.weight)
		}
	}
}

func TestBlkioWeightToIOWeight(t *testing.T) {
	for w, want := range map[uint16]uint64{10: 1, 500: 4950, 1000: 10000, 1: 1} {
		if got := blkioWeightToIOWeight(w); got != want {
			t.Errorf("blkioWeightToIOWeight(%d) = %d, want %d", w, got, want)
		}
	}
}

func TestSwapV2(t *testing.T) {
	tests := []struct {
		limit, swap int64
		want        string
		wantErr     bool
	}{
		{0, 0, "", false},
		{100, 0, "", false},
		{-1, 0, "max", false}, // unlimited memory: unlimited swap
		{100, -1, "max", false},
		{100, 100, "0", false}, // memory+swap == memory: no swap
		{100, 300, "200", false},
		{0, 300, "", true},   // swap without a memory limit
		{-1, 300, "", true},  // nor with an unlimited one
		{300, 100, "", true}, // memory+swap below memory
		{100, -5, "", true},
	}
	for _, tt := range tests {
		got, err := swapV2(tt.limit, tt.swap)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("swapV2(%d, %d) = %q, %v; want %q (error %v)", tt.limit, tt.swap, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestCPUMax(t *testing.T) {
	tests := []struct {
		quota   *int64
		period  *uint64
		current string
		want    string
	}{
		{ptr[int64](50000), ptr[uint64](100000), "max 100000", "50000 100000"},
		{ptr[int64](-1), nil, "50000 100000", "max 100000"},
		{nil, ptr[uint64](200000), "50000 100000", "50000 200000"}, // the quota stays
		{ptr[int64](25000), nil, "max 50000", "25000 50000"},       // so does the period
		{ptr[int64](25000), nil, "", "25000 100000"},
	}
	for _, tt := range tests {
		if got := cpuMax(tt.quota, tt.period, tt.current); got != tt.want {
			t.Errorf("cpuMax(%v, %v, %q) = %q, want %q", deref(tt.quota), deref(tt.period), tt.current, got, tt.want)
		}
	}
}

func TestPidsMax(t *testing.T) {
	for limit, want := range map[int64]string{0: "max", -1: "max", 100: "100"} {
		if got := pidsMax(limit); got != want {
			t.Errorf("pidsMax(%d) = %q, want %q", limit, got, want)
		}
	}
}

func TestV1DeviceWrites(t *testing.T) {
	dev := func(allow bool, typ string, major, minor *int64, access string) specs.LinuxDeviceCgroup {
		return specs.LinuxDeviceCgroup{Allow: allow, Type: typ, Major: major, Minor: minor, Access: access}
	}
	tests := []struct {
		name  string
		rules []specs.LinuxDeviceCgroup
		want  []deviceWrite
	}{
		{"empty", nil, []deviceWrite{{"devices.deny", "a"}}},
		{"docker default", []specs.LinuxDeviceCgroup{
			dev(false, "", nil, nil, "rwm"),
			dev(true, "c", nil, nil, "m"),
			dev(true, "c", ptr[int64](1), ptr[int64](3), "rwm"),
			dev(true, "c", ptr[int64](136), nil, "rwm"),
			dev(false, "c", ptr[int64](1), ptr[int64](3), "w"),
		}, []deviceWrite{
			{"devices.deny", "a"},
			{"devices.deny", "a"},
			{"devices.allow", "c *:* m"},
			{"devices.allow", "c 1:3 rwm"},
			{"devices.allow", "c 136:* rwm"},
			{"devices.deny", "c 1:3 w"},
		}},
		{"allow all", []specs.LinuxDeviceCgroup{dev(true, "a", nil, nil, "")}, []deviceWrite{
			{"devices.deny", "a"},
			{"devices.allow", "a"},
		}},
		{"narrow a", []specs.LinuxDeviceCgroup{dev(true, "a", ptr[int64](1), nil, "r")}, []deviceWrite{
			{"devices.deny", "a"},
			{"devices.allow", "c 1:* r"},
			{"devices.allow", "b 1:* r"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, err := deviceRules(tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			if got := v1DeviceWrites(rules); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDeviceRulesInvalid(t *testing.T) {
	for _, d := range []specs.LinuxDeviceCgroup{
		{Type: "p"},
		{Type: "c", Access: "rx"},
		{Type: "c", Major: ptr[int64](-2)},
		{Type: "b", Minor: ptr[int64](1 << 33)},
	} {
		if _, err := deviceRules([]specs.LinuxDeviceCgroup{d}); err == nil {
			t.Errorf("deviceRules(%+v) accepted", d)
		}
	}
}
