package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/hull-project/hull/internal/image/reference"
)

// fakeLayers is a snapshot store for unit tests: one directory per chain
// id, unpacked into a temporary directory and renamed into place.
type fakeLayers struct {
	root string
	mu   sync.Mutex
}

func (f *fakeLayers) dir(c string) string {
	return filepath.Join(f.root, strings.ReplaceAll(c, ":", "-"))
}
func (f *fakeLayers) LayerDir(c string) string { return f.dir(c) }
func (f *fakeLayers) HasLayer(c string) bool {
	_, err := os.Stat(f.dir(c))
	return err == nil
}
func (f *fakeLayers) LayerSize(c string) (int64, error) {
	data, err := os.ReadFile(f.dir(c) + ".size")
	if err != nil {
		return 0, err
	}
	var n int64
	for _, ch := range strings.TrimSpace(string(data)) {
		n = n*10 + int64(ch-'0')
	}
	return n, nil
}
func (f *fakeLayers) RemoveLayer(c string) error {
	os.Remove(f.dir(c) + ".size")
	return os.RemoveAll(f.dir(c))
}
func (f *fakeLayers) EnsureLayer(c string, unpack func(string) (int64, error)) (bool, error) {
	if f.HasLayer(c) {
		return false, nil
	}
	tmp, err := os.MkdirTemp(f.root, "tmp-")
	if err != nil {
		return false, err
	}
	n, err := unpack(tmp)
	if err != nil {
		os.RemoveAll(tmp)
		return false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := os.WriteFile(f.dir(c)+".size", []byte(itoa(n)), 0o600); err != nil {
		return false, err
	}
	return true, os.Rename(tmp, f.dir(c))
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// fakeApply extracts regular files and directories; enough for tests.
func fakeApply(dir string, r io.Reader) (int64, error) {
	tr := tar.NewReader(r)
	var total int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return 0, err
		}
		p := filepath.Join(dir, filepath.Clean("/"+h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			os.MkdirAll(filepath.Dir(p), 0o755)
			var data []byte
			data, err = io.ReadAll(tr)
			if err == nil {
				err = os.WriteFile(p, data, fs.FileMode(h.Mode)&0o777)
			}
			total += int64(len(data))
		}
		if err != nil {
			return 0, err
		}
	}
}

func fakeDecompress(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReader(r)
	magic, _ := br.Peek(2)
	if bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return gzip.NewReader(br)
	}
	return io.NopCloser(br), nil
}

func newTestStore(t *testing.T) *Store {
	t.Helper()
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "layers"), 0o700)
	s, err := New(Options{Root: root, Layers: &fakeLayers{root: filepath.Join(root, "layers")}, Apply: fakeApply, Decompress: fakeDecompress})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// newRegistry starts an in-process registry; wrap may alter responses.
func newRegistry(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	h := registry.New(registry.Logger(discardLogger()))
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func pushTestImage(t *testing.T, ref string, img v1.Image) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
}

func mustParse(t *testing.T, s string) reference.Reference {
	t.Helper()
	r, err := reference.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func pull(t *testing.T, s *Store, ref string) (*PullResult, error) {
	t.Helper()
	return s.Pull(context.Background(), mustParse(t, ref), PullOptions{})
}

// assertEmptyIngest checks that nothing half-written stayed behind.
func assertEmptyIngest(t *testing.T, s *Store) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(s.opts.Root, "ingest"))
	if len(entries) != 0 {
		t.Errorf("ingest/ holds %d leftover files", len(entries))
	}
}

func pushTestIndex(t *testing.T, ref string, idx v1.ImageIndex) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
}
