package cli

import (
	"testing"
	"time"
)

func TestScanDetachKeys(t *testing.T) {
	cases := []struct {
		in      string
		pending bool
		out     string
		left    bool
		detach  bool
	}{
		{"abc", false, "abc", false, false},
		{"a\x10\x11", false, "a", false, true},
		{"a\x10", false, "a", true, false}, // ctrl-p held back until the next byte
		{"\x11", true, "", false, true},    // ...which completes the sequence
		{"x", true, "\x10x", false, false}, // ...or releases the ctrl-p
		{"\x10\x10", false, "\x10", true, false},
	}
	for _, tc := range cases {
		out, left, detach := scanDetachKeys([]byte(tc.in), tc.pending)
		if string(out) != tc.out || left != tc.left || detach != tc.detach {
			t.Errorf("scanDetachKeys(%q, %v) = %q, %v, %v; want %q, %v, %v", tc.in, tc.pending, out, left, detach, tc.out, tc.left, tc.detach)
		}
	}
}

func TestParseRestart(t *testing.T) {
	good := map[string]string{"": "no", "no": "no", "always": "always", "unless-stopped": "unless-stopped", "on-failure": "on-failure", "on-failure:3": "on-failure"}
	for in, want := range good {
		p, err := parseRestart(in)
		if err != nil || p.Name != want {
			t.Errorf("parseRestart(%q) = %+v, %v", in, p, err)
		}
	}
	if p, _ := parseRestart("on-failure:3"); p.MaximumRetryCount != 3 {
		t.Errorf("on-failure:3 retries = %d", p.MaximumRetryCount)
	}
	for _, bad := range []string{"sometimes", "always:2", "on-failure:x", "on-failure:-1"} {
		if _, err := parseRestart(bad); err == nil {
			t.Errorf("parseRestart(%q) accepted", bad)
		}
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	cases := map[string]time.Time{
		"42m":                  now.Add(-42 * time.Minute),
		"2026-12-03T09:00:00Z": time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC),
		"1764748800":           time.Unix(1764748800, 0),
	}
	for in, want := range cases {
		got, err := parseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseSince("yesterday", now); err == nil {
		t.Error("parseSince(yesterday) accepted")
	}
}

func TestTableHeader(t *testing.T) {
	got := tableHeader("{{.ID}}\t{{ .Names }}\t{{.Status}}\t{{.Custom}}", psHeaders)
	if want := "CONTAINER ID\tNAMES\tSTATUS\tCUSTOM"; got != want {
		t.Errorf("header %q, want %q", got, want)
	}
}
