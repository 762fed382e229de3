package snapshot

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/archive"
	"github.com/hull-project/hull/internal/errdefs"
)

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (overlay mounts, whiteouts)")
	}
}

// tarOf builds a layer tar: names ending in "/" are directories, others
// files with the given content.
func tarOf(t *testing.T, entries ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		name, body, _ := strings.Cut(e, "=")
		h := &tar.Header{Name: name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(body))}
		if strings.HasSuffix(name, "/") {
			h.Mode, h.Typeflag, h.Size = 0o755, tar.TypeDir, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	return buf.Bytes()
}

func ensureTar(t *testing.T, s *Store, chainID string, b []byte) {
	t.Helper()
	_, err := s.EnsureLayer(chainID, func(dir string) (int64, error) { return archive.Apply(dir, bytes.NewReader(b)) })
	if err != nil {
		t.Fatal(err)
	}
}

// mountRoot applies ms on a fresh target and unmounts it when the test ends.
func mountRoot(t *testing.T, ms []Mount) string {
	t.Helper()
	target := filepath.Join(t.TempDir(), "root")
	os.Mkdir(target, 0o755)
	t.Cleanup(func() { Unmount(target) })
	if err := Apply(ms, target); err != nil {
		t.Fatal(err)
	}
	return target
}

// assertNoMounts checks that no mount mentions dir.
func assertNoMounts(t *testing.T, dir string) {
	t.Helper()
	b, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, dir) {
			t.Errorf("mount left behind: %s", line)
		}
	}
}

func TestOverlayRoot(t *testing.T) {
	requireRoot(t)
	s := newStore(t)
	ensureTar(t, s, chain(1), tarOf(t, "etc/", "etc/gone=bye", "etc/kept=k", "opt/", "opt/old=o", "opt/sub/", "opt/sub/old2=o"))
	ensureTar(t, s, chain(2), tarOf(t, "etc/", "etc/.wh.gone=", "opt/", "opt/.wh..wh..opq=", "opt/new=n"))
	ms, err := s.Prepare("c1", []string{chain(1), chain(2)})
	if err != nil {
		t.Fatal(err)
	}
	root := mountRoot(t, ms)
	assertTree(t, root, map[string]string{"etc/kept": "k", "opt/new": "n"}, []string{"etc/gone", "opt/old", "opt/sub"})
	if err := os.WriteFile(filepath.Join(root, "etc/written"), []byte("w"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(root, "etc/kept")); err != nil {
		t.Fatal(err)
	}
	upper := s.UpperDir("c1")
	assertTree(t, upper, map[string]string{"etc/written": "w"}, nil)
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(upper, "etc/kept"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR {
		t.Errorf("deleting a lower file left no whiteout in upper: %v", err)
	}
	if n, err := s.Usage("c1"); err != nil || n != 1 {
		t.Errorf("Usage = %d, %v; want 1", n, err)
	}
	if err := s.Remove("c1"); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("Remove while mounted = %v, want conflict", err)
	}
	if err := Unmount(root); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("c1"); err != nil {
		t.Fatal(err)
	}
	assertNoMounts(t, s.root)
	assertNoMounts(t, root)
}

func assertTree(t *testing.T, root string, files map[string]string, absent []string) {
	t.Helper()
	for name, want := range files {
		if b, err := os.ReadFile(filepath.Join(root, name)); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", name, b, err, want)
		}
	}
	for _, name := range absent {
		if _, err := os.Lstat(filepath.Join(root, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: %v, want absent", name, err)
		}
	}
}

func TestOverlay128Layers(t *testing.T) {
	requireRoot(t)
	s := newStore(t)
	var ids []string
	for i := range 128 {
		ensureTar(t, s, chain(i), tarOf(t, fmt.Sprintf("l%d=%d", i, i), fmt.Sprintf("top=%d", i)))
		ids = append(ids, chain(i))
	}
	ms, err := s.Prepare(strings.Repeat("c", 64), ids)
	if err != nil {
		t.Fatal(err)
	}
	if ms[0].Chdir == "" {
		t.Fatalf("128 layers in %s fit without short names; test needs a longer root", s.root)
	}
	cwd, _ := os.Getwd()
	root := mountRoot(t, ms)
	if now, _ := os.Getwd(); now != cwd {
		t.Errorf("Apply changed the working directory to %s", now)
	}
	assertTree(t, root, map[string]string{"l0": "0", "l127": "127", "l64": "64", "top": "127"}, nil)
	if err := Unmount(root); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(strings.Repeat("c", 64)); err != nil {
		t.Fatal(err)
	}
	assertNoMounts(t, s.root)
}

func TestBindRootNoLayers(t *testing.T) {
	requireRoot(t)
	s := newStore(t)
	ms, err := s.Prepare("scratch", nil)
	if err != nil {
		t.Fatal(err)
	}
	root := mountRoot(t, ms)
	if err := os.WriteFile(filepath.Join(root, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	assertTree(t, s.UpperDir("scratch"), map[string]string{"f": "x"}, nil)
	if err := s.Remove("scratch"); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("Remove while mounted = %v, want conflict", err)
	}
	if err := Unmount(root); err != nil {
		t.Fatal(err)
	}
	if err := Unmount(root); err != nil {
		t.Errorf("second Unmount = %v, want nil", err)
	}
	if err := s.Remove("scratch"); err != nil {
		t.Fatal(err)
	}
	assertNoMounts(t, s.root)
}

func TestApplyFailureUndoes(t *testing.T) {
	requireRoot(t)
	s := newStore(t)
	ms, err := s.Prepare("c1", nil)
	if err != nil {
		t.Fatal(err)
	}
	ms = append(ms, Mount{Type: "overlay", Source: "overlay", Options: []string{"lowerdir=/nonexistent"}})
	target := filepath.Join(t.TempDir(), "root")
	os.Mkdir(target, 0o755)
	if err := Apply(ms, target); err == nil {
		Unmount(target)
		t.Fatal("Apply succeeded, want error")
	}
	assertNoMounts(t, target)
}

// TestVolatileRootAndHide mounts a container's root volatile, as run --rm
// does, then removes it in Hide's two steps: gone from the store at once,
// its files deleted when asked.
func TestVolatileRootAndHide(t *testing.T) {
	requireRoot(t)
	s := newStore(t)
	ensureTar(t, s, chain(1), tarOf(t, "etc/", "etc/kept=k"))
	ms, err := s.Prepare("c1", []string{chain(1)})
	if err != nil {
		t.Fatal(err)
	}
	if v := volatile(ms); slices.Contains(ms[0].Options, "volatile") || !slices.Contains(v[0].Options, "volatile") {
		t.Fatalf("volatile: options %v, from %v", v[0].Options, ms[0].Options)
	}
	root := filepath.Join(t.TempDir(), "root")
	os.Mkdir(root, 0o755)
	t.Cleanup(func() { Unmount(root) })
	if err := ApplyVolatile(ms, root); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile("/proc/self/mountinfo"); !strings.Contains(string(b), "volatile") {
		t.Skip("this kernel mounts overlays without volatile") // before 5.10
	}
	if err := os.WriteFile(filepath.Join(root, "etc/written"), []byte("w"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Hide("c1"); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("Hide while mounted = %v, want conflict", err)
	}
	if err := Unmount(root); err != nil {
		t.Fatal(err)
	}
	deleteFiles, err := s.HideUnmounted("c1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Mounts("c1"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Mounts after Hide = %v, want not found", err)
	}
	if trash, _ := os.ReadDir(s.tmp()); len(trash) != 1 {
		t.Errorf("tmp/ holds %d entries after Hide, want the hidden snapshot", len(trash))
	}
	if err := deleteFiles(); err != nil {
		t.Fatal(err)
	}
	if trash, _ := os.ReadDir(s.tmp()); len(trash) != 0 {
		t.Errorf("tmp/ holds %v after the files were deleted", trash)
	}
}
