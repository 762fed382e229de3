package main

import "testing"

func TestParseBytes(t *testing.T) {
	good := map[string]int64{
		"1048576": 1 << 20, "512k": 512 << 10, "64m": 64 << 20, "64M": 64 << 20,
		"1g": 1 << 30, "1.5g": 3 << 29, "-1": -1, "10mb": 10 << 20,
	}
	for in, want := range good {
		got, err := parseBytes(in)
		if err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "m", "12q", "-5", "abc", "1..2m"} {
		if _, err := parseBytes(bad); err == nil {
			t.Errorf("parseBytes(%q) succeeded, want an error", bad)
		}
	}
}
