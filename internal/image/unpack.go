package image

import (
	"fmt"
	"io"
)

// unpackLayer reads layer l's compressed blob from r and unpacks it into
// dir, verifying the compressed digest and size and the uncompressed diff
// id. When tee is not nil the compressed bytes are also written to it, so a
// download is stored and unpacked in one pass. It records l.DiffSize.
func (s *Store) unpackLayer(dir string, r io.Reader, l *Layer, tee io.Writer) (int64, error) {
	cv := newVerifier(r, l.Digest, l.Size)
	var src io.Reader = cv
	if tee != nil {
		src = io.TeeReader(cv, tee)
	}
	n, uv, err := s.applyStream(dir, src, l)
	// Whatever failed, a compressed blob that does not match its digest
	// is the clearest explanation: check it first.
	_, cerr := io.Copy(io.Discard, src)
	if verr := cv.Verify(); verr != nil {
		return 0, verr
	}
	if err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("layer %s: %w", ShortID(l.Digest.Hex), err)
	}
	l.DiffSize = uv.n
	return n, nil
}

// applyStream decompresses src and applies it to dir, checking the diff id.
func (s *Store) applyStream(dir string, src io.Reader, l *Layer) (int64, *verifier, error) {
	dr, err := s.opts.Decompress(src)
	if err != nil {
		return 0, nil, err
	}
	defer dr.Close()
	uv := newVerifier(dr, l.DiffID, -1)
	n, err := s.opts.Apply(dir, uv)
	if err != nil {
		return 0, nil, fmt.Errorf("unpack: %w", err)
	}
	if err := drainVerify(uv); err != nil {
		return 0, nil, fmt.Errorf("uncompressed content does not match its diff id: %w", err)
	}
	return n, uv, nil
}

// drainVerify reads what the tar reader left (end-of-archive padding) and
// checks the digest.
func drainVerify(v *verifier) error {
	if _, err := io.Copy(io.Discard, v); err != nil {
		return err
	}
	return v.Verify()
}

// unpackFromBlob unpacks layer l from its stored blob.
func (s *Store) unpackFromBlob(l *Layer) error {
	_, err := s.opts.Layers.EnsureLayer(l.ChainID, func(dir string) (int64, error) {
		f, err := s.blobs.Open(l.Digest)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		return s.unpackLayer(dir, f, l, nil)
	})
	return err
}
