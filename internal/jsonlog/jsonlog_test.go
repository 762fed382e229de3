package jsonlog

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestStreamSplitsLines(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.now = func() time.Time { return time.Date(2026, 12, 3, 8, 0, 0, 5, time.UTC) }
	out := w.Stream("stdout")
	out.Write([]byte("hello wo"))
	out.Write([]byte("rld\nsecond\nthird without newline"))
	w.Stream("stderr").Write([]byte("oops\n"))
	out.Close()
	want := `{"log":"hello world\n","stream":"stdout","time":"2026-12-03T08:00:00.000000005Z"}
{"log":"second\n","stream":"stdout","time":"2026-12-03T08:00:00.000000005Z"}
{"log":"oops\n","stream":"stderr","time":"2026-12-03T08:00:00.000000005Z"}
{"log":"third without newline","stream":"stdout","time":"2026-12-03T08:00:00.000000005Z"}
`
	if buf.String() != want {
		t.Fatalf("log =\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestLongLineIsSplit(t *testing.T) {
	var buf bytes.Buffer
	out := NewWriter(&buf).Stream("stdout")
	out.Write([]byte(strings.Repeat("x", maxLine+10) + "\n"))
	var parts []string
	Decode(&buf, func(e Entry) error { parts = append(parts, e.Log); return nil })
	if len(parts) != 2 || len(parts[0]) != maxLine || parts[1] != strings.Repeat("x", 10)+"\n" {
		t.Fatalf("got %d parts of lengths %v", len(parts), lens(parts))
	}
}

func TestDecodeSkipsTornLines(t *testing.T) {
	in := "{\"log\":\"a\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-03T08:00:00Z\"}\n{\"log\":\"tor\n"
	var got []Entry
	if err := Decode(strings.NewReader(in), func(e Entry) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Log != "a\n" || got[0].Stream != "stdout" {
		t.Fatalf("decoded %+v", got)
	}
}

func lens(s []string) []int {
	var out []int
	for _, x := range s {
		out = append(out, len(x))
	}
	return out
}
