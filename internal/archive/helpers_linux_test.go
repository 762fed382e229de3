package archive

import (
	"archive/tar"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// ent is one entry of a tar built in memory.
type ent struct {
	hdr  tar.Header
	body string
}

var (
	testUID  = os.Getuid()
	testGID  = os.Getgid()
	testTime = time.Unix(1700000000, 123456789)
)

func hdrOf(typ byte, name string, mode int64) tar.Header {
	return tar.Header{Typeflag: typ, Name: name, Mode: mode, Uid: testUID, Gid: testGID, ModTime: testTime, Format: tar.FormatPAX}
}

func reg(name, body string) ent {
	h := hdrOf(tar.TypeReg, name, 0o644)
	h.Size = int64(len(body))
	return ent{hdr: h, body: body}
}

func dir(name string) ent { return ent{hdr: hdrOf(tar.TypeDir, name, 0o755)} }

func sym(name, target string) ent {
	h := hdrOf(tar.TypeSymlink, name, 0o777)
	h.Linkname = target
	return ent{hdr: h}
}

func hard(name, target string) ent {
	h := hdrOf(tar.TypeLink, name, 0o644)
	h.Linkname = target
	return ent{hdr: h}
}

func fifo(name string) ent { return ent{hdr: hdrOf(tar.TypeFifo, name, 0o600)} }

// with returns e changed by f.
func (e ent) with(f func(h *tar.Header)) ent { f(&e.hdr); return e }

func mktar(t testing.TB, ents ...ent) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		h := e.hdr
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatalf("write header %q: %v", h.Name, err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			t.Fatalf("write body %q: %v", h.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func isRoot() bool { return os.Geteuid() == 0 }

func requireRoot(t testing.TB) {
	t.Helper()
	if !isRoot() {
		t.Skip("needs root (device nodes, chown, trusted.* xattrs)")
	}
}

// layerDirs returns a fresh layer dir and its empty sibling "outside".
func layerDirs(t testing.TB) (layer, outside string) {
	t.Helper()
	tmp := t.TempDir()
	t.Cleanup(func() { makeRemovable(tmp) })
	layer, outside = filepath.Join(tmp, "layer"), filepath.Join(tmp, "outside")
	for _, d := range []string{layer, outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return layer, outside
}

// makeRemovable opens up directory modes so that a non-root RemoveAll works.
func makeRemovable(root string) {
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
}

func assertEmpty(t testing.TB, dir string) {
	t.Helper()
	names, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read %s: %v", dir, err)
	}
	for _, n := range names {
		t.Errorf("found %q in %s, which must stay empty", n.Name(), dir)
	}
}
