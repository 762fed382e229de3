package image

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hull-project/hull/internal/errdefs"
)

// blobs is the content-addressed store: blobs/sha256/<hex>, written through
// ingest/ and renamed into place once digest and size are verified.
type blobs struct{ root string }

func (b blobs) path(d v1.Hash) string {
	return filepath.Join(b.root, "blobs", d.Algorithm, d.Hex)
}

func (b blobs) init() error {
	for _, d := range []string{"blobs/sha256", "ingest"} {
		if err := os.MkdirAll(filepath.Join(b.root, d), 0o700); err != nil {
			return fmt.Errorf("create blob store: %w", err)
		}
	}
	return nil
}

// Has reports whether the blob is present (and so verified).
func (b blobs) Has(d v1.Hash) bool {
	_, err := os.Stat(b.path(d))
	return err == nil
}

// Open opens a blob for reading.
func (b blobs) Open(d v1.Hash) (*os.File, error) {
	f, err := os.Open(b.path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errdefs.NotFound(fmt.Sprintf("blob %s not found", d))
	}
	return f, err
}

// Read returns a whole blob.
func (b blobs) Read(d v1.Hash) ([]byte, error) {
	data, err := os.ReadFile(b.path(d))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errdefs.NotFound(fmt.Sprintf("blob %s not found", d))
	}
	return data, err
}

// Delete removes a blob; a missing blob is not an error.
func (b blobs) Delete(d v1.Hash) error {
	if err := os.Remove(b.path(d)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove blob %s: %w", d, err)
	}
	return nil
}

// Put stores data and returns its descriptor.
func (b blobs) Put(data []byte) (v1.Hash, error) {
	sum := sha256.Sum256(data)
	d := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
	return d, b.Ingest(d, int64(len(data)), bytes.NewReader(data))
}

// Ingest copies r into the store as blob d of the given size (size < 0:
// unknown). Nothing appears under blobs/ unless the content matches both.
func (b blobs) Ingest(d v1.Hash, size int64, r io.Reader) error {
	if b.Has(d) {
		return nil
	}
	w, err := b.begin()
	if err != nil {
		return err
	}
	defer w.Abort()
	if err := copyVerified(w, r, d, size); err != nil {
		return err
	}
	return w.Commit(d)
}

// IngestUnknown copies r into the store and returns its digest and size.
func (b blobs) IngestUnknown(r io.Reader) (v1.Hash, int64, error) {
	w, err := b.begin()
	if err != nil {
		return v1.Hash{}, 0, err
	}
	defer w.Abort()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), r)
	if err != nil {
		return v1.Hash{}, 0, fmt.Errorf("write blob: %w", err)
	}
	d := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
	return d, n, w.Commit(d)
}

// ingest is one in-flight blob write. The caller verifies what it writes;
// Commit only moves the file into place.
type ingest struct {
	*os.File
	b    blobs
	done bool
}

func (b blobs) begin() (*ingest, error) {
	f, err := b.ingestFile()
	if err != nil {
		return nil, err
	}
	return &ingest{File: f, b: b}, nil
}

// Commit syncs the file and renames it to blob d.
func (w *ingest) Commit(d v1.Hash) error {
	if d.Algorithm != "sha256" {
		return errdefs.InvalidArgument(fmt.Sprintf("unsupported digest algorithm %q", d.Algorithm))
	}
	w.done = true
	defer os.Remove(w.Name())
	if err := finishFile(w.File, 0o600); err != nil {
		return fmt.Errorf("write blob %s: %w", d, err)
	}
	if err := os.Rename(w.Name(), w.b.path(d)); err != nil {
		return fmt.Errorf("commit blob %s: %w", d, err)
	}
	return nil
}

// Abort drops the write unless it was committed.
func (w *ingest) Abort() {
	if !w.done {
		w.done = true
		w.Close()
		os.Remove(w.Name())
	}
}

func (b blobs) ingestFile() (*os.File, error) {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	name := filepath.Join(b.root, "ingest", hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create ingest file: %w", err)
	}
	return f, nil
}

// copyVerified copies r to w and fails unless exactly size bytes (when
// size >= 0) with digest d came through.
func copyVerified(w io.Writer, r io.Reader, d v1.Hash, size int64) error {
	v := newVerifier(r, d, size)
	if _, err := io.Copy(w, v); err != nil {
		return err
	}
	return v.Verify()
}

// verifier hashes and counts what is read through it.
type verifier struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	want v1.Hash
	size int64
}

func newVerifier(r io.Reader, d v1.Hash, size int64) *verifier {
	if size >= 0 {
		r = io.LimitReader(r, size+1)
	}
	return &verifier{r: r, h: sha256.New(), want: d, size: size}
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if v.size >= 0 && v.n > v.size {
		return n, fmt.Errorf("blob %s: more than the expected %d bytes: %w", v.want, v.size, errdefs.ErrInvalidArgument)
	}
	return n, err
}

// Verify checks size and digest after the reader was drained.
func (v *verifier) Verify() error {
	if v.size >= 0 && v.n != v.size {
		return errdefs.InvalidArgument(fmt.Sprintf("blob %s: size mismatch: got %d bytes, want %d (truncated?)", v.want, v.n, v.size))
	}
	got := hex.EncodeToString(v.h.Sum(nil))
	if got != v.want.Hex {
		return errdefs.InvalidArgument(fmt.Sprintf("blob %s: digest mismatch: content has sha256:%s", v.want, got))
	}
	return nil
}
