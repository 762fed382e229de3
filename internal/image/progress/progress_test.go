package progress

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hull-project/hull/internal/image"
)

func TestHumanSize(t *testing.T) {
	tests := []struct {
		n    int64
		p    int
		want string
	}{
		{0, 3, "0B"}, {999, 3, "999B"}, {1000, 3, "1kB"}, {1234567, 3, "1.23MB"},
		{4261234, 4, "4.261MB"}, {1e9, 3, "1GB"}, {1536, 4, "1.536kB"},
	}
	for _, tt := range tests {
		if got := HumanSizePrecision(tt.n, tt.p); got != tt.want {
			t.Errorf("HumanSizePrecision(%d, %d) = %q, want %q", tt.n, tt.p, got, tt.want)
		}
	}
}

func TestBar(t *testing.T) {
	if got := Bar(0, 0); got != "" {
		t.Errorf("Bar(0,0) = %q", got)
	}
	got := Bar(500, 1000)
	want := "[" + strings.Repeat("=", 25) + ">" + strings.Repeat(" ", 25) + "] " + "    500B/1kB"
	if got != want {
		t.Errorf("Bar(500,1000) = %q, want %q", got, want)
	}
	if got := Bar(2000, 1000); !strings.HasPrefix(got, "["+strings.Repeat("=", 50)+">]") {
		t.Errorf("overfull bar = %q", got)
	}
}

func TestPlainLines(t *testing.T) {
	var b bytes.Buffer
	w := New(&b, false)
	for _, ev := range []image.Progress{
		{ID: "abc", Status: "Pulling fs layer"},
		{ID: "abc", Status: "Downloading", Current: 10, Total: 100},
		{ID: "abc", Status: "Download complete"},
		{ID: "abc", Status: "Download complete"},
		{ID: "abc", Status: "Pull complete"},
		{Status: "Digest: sha256:x"},
	} {
		w.Update(ev)
	}
	want := "abc: Pulling fs layer\nabc: Download complete\nabc: Pull complete\nDigest: sha256:x\n"
	if b.String() != want {
		t.Errorf("plain output %q, want %q", b.String(), want)
	}
}

func TestTTYRewritesInPlace(t *testing.T) {
	var b bytes.Buffer
	w := New(&b, true)
	w.Update(image.Progress{ID: "a", Status: "Pulling fs layer"})
	w.Update(image.Progress{ID: "b", Status: "Pulling fs layer"})
	w.Update(image.Progress{ID: "a", Status: "Pull complete"})
	want := "a: Pulling fs layer\nb: Pulling fs layer\n\x1b[2A\x1b[2K\ra: Pull complete\x1b[2B\r"
	if b.String() != want {
		t.Errorf("tty output %q, want %q", b.String(), want)
	}
}
