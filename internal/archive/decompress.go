package archive

import (
	"bufio"
	"bytes"
	"fmt"
	"github.com/klauspost/compress/gzip"
	"io"

	"github.com/klauspost/compress/zstd"
)

// Compression magic numbers.
var (
	magicGzip  = []byte{0x1f, 0x8b}
	magicZstd  = []byte{0x28, 0xb5, 0x2f, 0xfd}
	magicXz    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magicBzip2 = []byte{'B', 'Z', 'h'}
)

// Decompress returns a reader of the uncompressed stream: gzip, zstd or plain
// tar, detected by magic bytes. Anything else is passed through unchanged for
// the tar reader to judge; xz and bzip2 are refused (OCI layers never use them).
// Closing the result releases the decompressor, not r.
func Decompress(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(6)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, fmt.Errorf("read layer header: %w", err)
	}
	switch {
	case bytes.HasPrefix(head, magicGzip):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("open gzip stream: %w", err)
		}
		return zr, nil
	case bytes.HasPrefix(head, magicZstd):
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("open zstd stream: %w", err)
		}
		return zr.IOReadCloser(), nil
	case bytes.HasPrefix(head, magicXz):
		return nil, fmt.Errorf("unsupported layer compression: xz")
	case bytes.HasPrefix(head, magicBzip2):
		return nil, fmt.Errorf("unsupported layer compression: bzip2")
	}
	return io.NopCloser(br), nil
}
