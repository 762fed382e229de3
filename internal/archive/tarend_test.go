package archive

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"
)

func TestEndReader(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "f", Mode: 0o644, Size: 3, Typeflag: tar.TypeReg})
	tw.Write([]byte("abc"))
	tw.Close()
	full := buf.Bytes()
	tests := []struct {
		name  string
		in    []byte
		ended bool
	}{
		{"complete", full, true},
		{"one zero block", full[:1536], true},
		{"cut after data", full[:1024], false},
		{"cut after header", full[:512], false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		e := &endReader{r: bytes.NewReader(tt.in)}
		tr := tar.NewReader(e)
		for {
			if _, err := tr.Next(); err != nil {
				break
			}
			io.Copy(io.Discard, tr)
		}
		if got := e.endedWithZeroBlock(); got != tt.ended {
			t.Errorf("%s: ended = %v, want %v", tt.name, got, tt.ended)
		}
	}
}
