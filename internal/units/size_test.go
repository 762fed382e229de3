package units

import "testing"

func TestHumanSize(t *testing.T) {
	tests := []struct {
		size float64
		want string
	}{
		{0, "0B"},
		{999, "999B"},
		{1000, "1kB"},
		{1024, "1.02kB"},
		{1234567, "1.23MB"},
		{4_310_000, "4.31MB"},
		{796_000, "796kB"},
		{1e9, "1GB"},
		{1e30, "1e+06YB"},
	}
	for _, tt := range tests {
		if got := HumanSize(tt.size); got != tt.want {
			t.Errorf("HumanSize(%v) = %q, want %q", tt.size, got, tt.want)
		}
	}
	if got := HumanSizeWithPrecision(2746000, 4); got != "2.746MB" {
		t.Errorf("HumanSizeWithPrecision(2746000, 4) = %q", got)
	}
}

func TestBytesSize(t *testing.T) {
	tests := []struct {
		size float64
		want string
	}{
		{0, "0B"},
		{1023, "1023B"},
		{1024, "1KiB"},
		{1536 * 1024, "1.5MiB"},
		{1024 * 1024 * 1024, "1GiB"},
		{3.42 * 1024 * 1024 * 1024, "3.42GiB"},
		{1024 * 1024 * 1024 * 1024 * 1024, "1PiB"},
	}
	for _, tt := range tests {
		if got := BytesSize(tt.size); got != tt.want {
			t.Errorf("BytesSize(%v) = %q, want %q", tt.size, got, tt.want)
		}
	}
}

func TestRAMInBytes(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"32", 32},
		{"32b", 32},
		{"32B", 32},
		{"1024b", 1024},
		{"100k", 100 * KiB},
		{"32kb", 32 * KiB},
		{"32KiB", 32 * KiB},
		{"512m", 512 * MiB},
		{"32Mb", 32 * MiB},
		{"1g", GiB},
		{"1.5g", GiB + GiB/2},
		{"2 GiB", 2 * GiB},
		{"1t", TiB},
		{"1p", PiB},
		{"0.5k", 512},
	}
	for _, tt := range tests {
		got, err := RAMInBytes(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("RAMInBytes(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "hello", "-32", " 32 ", "32m b", "32bm", "32mib b", "32x", "32mbb", "32kib2", "1..2m", "m"} {
		if got, err := RAMInBytes(bad); err == nil {
			t.Errorf("RAMInBytes(%q) = %d, want an error", bad, got)
		}
	}
}

func TestFromHumanSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{"32", 32},
		{"32kb", 32 * KB},
		{"32MB", 32 * MB},
		{"1.5 GB", 1_500_000_000},
		{"2t", 2 * TB},
		{"1PB", PB},
	}
	for _, tt := range tests {
		got, err := FromHumanSize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("FromHumanSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	if _, err := FromHumanSize("12 parsecs"); err == nil {
		t.Error("FromHumanSize accepted an unknown unit")
	}
}
