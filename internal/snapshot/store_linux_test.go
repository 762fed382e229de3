package snapshot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hull-project/hull/internal/errdefs"
)

func chain(i int) string { return "sha256:" + hexN(i) }

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := New(filepath.Join(t.TempDir(), "snapshots"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writeFiles returns an unpack func that writes files (name -> content).
func writeFiles(files map[string]string) func(string) (int64, error) {
	return func(dir string) (int64, error) {
		var n int64
		for name, body := range files {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return 0, err
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				return 0, err
			}
			n += int64(len(body))
		}
		return n, nil
	}
}

func TestEnsureLayer(t *testing.T) {
	s := newStore(t)
	created, err := s.EnsureLayer(chain(0), writeFiles(map[string]string{"etc/hostname": "box\n"}))
	if err != nil || !created {
		t.Fatalf("EnsureLayer = %v, %v; want created", created, err)
	}
	created, err = s.EnsureLayer(chain(0), func(string) (int64, error) { panic("unpacked twice") })
	if err != nil || created {
		t.Fatalf("second EnsureLayer = %v, %v; want existing", created, err)
	}
	if !s.HasLayer(chain(0)) || s.HasLayer(chain(1)) || s.HasLayer("bogus") {
		t.Error("HasLayer wrong")
	}
	if b, err := os.ReadFile(filepath.Join(s.LayerDir(chain(0)), "etc/hostname")); err != nil || string(b) != "box\n" {
		t.Errorf("layer content = %q, %v", b, err)
	}
	if size, err := s.LayerSize(chain(0)); err != nil || size != 4 {
		t.Errorf("LayerSize = %d, %v; want 4", size, err)
	}
	if _, err := s.LayerSize(chain(1)); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("LayerSize(missing) = %v, want not found", err)
	}
	if ids, err := s.Layers(); err != nil || !reflect.DeepEqual(ids, []string{chain(0)}) {
		t.Errorf("Layers = %v, %v", ids, err)
	}
	if err := s.RemoveLayer(chain(0)); err != nil || s.HasLayer(chain(0)) {
		t.Errorf("RemoveLayer = %v, still there %v", err, s.HasLayer(chain(0)))
	}
	if err := s.RemoveLayer(chain(0)); err != nil {
		t.Errorf("RemoveLayer(absent) = %v", err)
	}
	assertNoTemps(t, s)
}

func TestEnsureLayerFailureLeavesNothing(t *testing.T) {
	s := newStore(t)
	_, err := s.EnsureLayer(chain(0), func(dir string) (int64, error) {
		os.WriteFile(filepath.Join(dir, "half"), []byte("x"), 0o644)
		os.Mkdir(filepath.Join(dir, "ro"), 0o555)
		return 0, fmt.Errorf("layer is not a tar")
	})
	if err == nil {
		t.Fatal("EnsureLayer succeeded, want error")
	}
	if s.HasLayer(chain(0)) {
		t.Error("failed layer is present")
	}
	if ids, _ := s.Layers(); len(ids) != 0 {
		t.Errorf("Layers = %v", ids)
	}
	assertNoTemps(t, s)
	if _, err := s.EnsureLayer("sha256:nothex", writeFiles(nil)); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("EnsureLayer(bad id) = %v, want invalid argument", err)
	}
}

func TestEnsureLayerConcurrent(t *testing.T) {
	s := newStore(t)
	var unpacks, creators atomic.Int32
	files := map[string]string{}
	for i := range 200 {
		files[fmt.Sprintf("d%d/f%d", i%10, i)] = fmt.Sprint(i)
	}
	unpack := writeFiles(files)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			created, err := s.EnsureLayer(chain(7), func(dir string) (int64, error) {
				unpacks.Add(1)
				return unpack(dir)
			})
			if created {
				creators.Add(1)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if unpacks.Load() != 1 || creators.Load() != 1 {
		t.Errorf("unpack ran %d times, %d callers created; want 1 and 1", unpacks.Load(), creators.Load())
	}
	for name, body := range files {
		if b, err := os.ReadFile(filepath.Join(s.LayerDir(chain(7)), name)); err != nil || string(b) != body {
			t.Fatalf("%s = %q, %v; want %q", name, b, err, body)
		}
	}
	assertNoTemps(t, s)
}

func assertNoTemps(t *testing.T, s *Store) {
	t.Helper()
	if ents, _ := os.ReadDir(s.tmp()); len(ents) != 0 {
		t.Errorf("tmp/ holds %v", ents)
	}
}

func TestPrepareWithoutMounting(t *testing.T) {
	s := newStore(t)
	for i := range 3 {
		if _, err := s.EnsureLayer(chain(i), writeFiles(map[string]string{"f": "x"})); err != nil {
			t.Fatal(err)
		}
	}
	ids := []string{chain(0), chain(1), chain(2)}
	ms, err := s.Prepare("c1", ids)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Mounts("c1")
	if err != nil || !reflect.DeepEqual(ms, again) {
		t.Errorf("Mounts = %+v, %v; want %+v", again, err, ms)
	}
	for i := range ids {
		// Each lower/<n> link reaches layer n.
		if _, err := os.Stat(filepath.Join(filepath.Dir(s.UpperDir("c1")), "lower", fmt.Sprint(i), "f")); err != nil {
			t.Errorf("lower/%d: %v", i, err)
		}
	}
	if _, err := s.Prepare("c1", ids); !errors.Is(err, errdefs.ErrAlreadyExists) {
		t.Errorf("Prepare twice = %v, want already exists", err)
	}
	if _, err := s.Prepare("c2", []string{chain(0), chain(9)}); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Prepare(missing layer) = %v, want not found", err)
	}
	if _, err := s.Prepare("../c3", ids); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("Prepare(bad id) = %v, want invalid argument", err)
	}
	os.WriteFile(filepath.Join(s.UpperDir("c1"), "new"), []byte("12345"), 0o644)
	os.Link(filepath.Join(s.UpperDir("c1"), "new"), filepath.Join(s.UpperDir("c1"), "link"))
	if n, err := s.Usage("c1"); err != nil || n != 5 {
		t.Errorf("Usage = %d, %v; want 5", n, err)
	}
	if err := s.Remove("c1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Mounts("c1"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Mounts after Remove = %v, want not found", err)
	}
	if err := s.Remove("c1"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Remove twice = %v, want not found", err)
	}
	assertNoTemps(t, s)
}

func TestNewRefusesOptionSeparators(t *testing.T) {
	if _, err := New(filepath.Join(t.TempDir(), "a,b")); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("New(a,b) = %v, want invalid argument", err)
	}
}
