package archive

import "io"

const blockSize = 512

// endReader remembers the last block read from r, so that the end of a tar
// can be told from a stream cut at a header boundary: archive/tar reports
// io.EOF for both, but only a real end has a zero block before it.
type endReader struct {
	r    io.Reader
	n    int64
	tail [blockSize]byte // the last blockSize bytes read, oldest first
}

func (e *endReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.n += int64(n)
	if n >= blockSize {
		copy(e.tail[:], p[n-blockSize:n])
	} else {
		copy(e.tail[:], e.tail[n:])
		copy(e.tail[blockSize-n:], p[:n])
	}
	return n, err
}

// endedWithZeroBlock reports whether the bytes read so far end with an
// aligned block of zeros: the tar end-of-archive marker.
func (e *endReader) endedWithZeroBlock() bool {
	if e.n == 0 || e.n%blockSize != 0 {
		return false
	}
	for _, b := range e.tail {
		if b != 0 {
			return false
		}
	}
	return true
}
