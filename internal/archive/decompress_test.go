package archive

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func gzipBytes(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstdBytes(t testing.TB, b []byte) []byte {
	zw, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer zw.Close()
	return zw.EncodeAll(b, nil)
}

func TestDecompress(t *testing.T) {
	plain := bytes.Repeat([]byte("layer data "), 1000)
	tests := []struct {
		name string
		in   []byte
		want []byte
		bad  bool
	}{
		{name: "plain", in: plain, want: plain},
		{name: "gzip", in: gzipBytes(t, plain), want: plain},
		{name: "zstd", in: zstdBytes(t, plain), want: plain},
		{name: "empty", in: nil, want: []byte{}},
		{name: "short", in: []byte{0x1f}, want: []byte{0x1f}},
		{name: "xz", in: []byte{0xfd, '7', 'z', 'X', 'Z', 0, 1, 2}, bad: true},
		{name: "bzip2", in: []byte("BZh91AY&SY"), bad: true},
		{name: "broken gzip", in: []byte{0x1f, 0x8b, 0, 0}, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := Decompress(bytes.NewReader(tt.in))
			if err == nil {
				var got []byte
				got, err = io.ReadAll(rc)
				rc.Close()
				if err == nil && !bytes.Equal(got, tt.want) {
					t.Fatalf("got %d bytes, want %d", len(got), len(tt.want))
				}
			}
			if (err != nil) != tt.bad {
				t.Fatalf("err = %v, want error %v", err, tt.bad)
			}
		})
	}
}
