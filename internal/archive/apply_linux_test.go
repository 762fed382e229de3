package archive

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// treeEntries reads a tar into a map by name, with file bodies.
func treeEntries(t *testing.T, b []byte) map[string]ent {
	t.Helper()
	m := map[string]ent{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return m
		}
		if err != nil {
			t.Fatalf("read tree tar: %v", err)
		}
		body, _ := io.ReadAll(tr)
		m[h.Name] = ent{hdr: *h, body: string(body)}
	}
}

func xattrMap(h *tar.Header) map[string]string {
	m := map[string]string{}
	for _, x := range entryXattrs(h) {
		m[x.name] = string(x.value)
	}
	return m
}

// roundTripEntries are applied, written back with WriteTree and compared.
func roundTripEntries() []ent {
	es := []ent{
		dir("d/").with(func(h *tar.Header) { h.ModTime = time.Unix(1600000000, 5) }),
		reg("d/f", "hello").with(func(h *tar.Header) { h.Mode = 0o640 }),
		reg("d/exec", "#!/bin/sh\n").with(func(h *tar.Header) { h.Mode = 0o755 }),
		hard("d/hl", "d/f"),
		sym("d/s", "../nowhere"),
		sym("abs", "/etc/passwd"),
		fifo("p"),
		dir("ro/").with(func(h *tar.Header) { h.Mode = 0o555 }),
		reg("ro/f", "read only dir"),
		dir("tmp/").with(func(h *tar.Header) { h.Mode = 0o1777 }),
		dir("sgid/").with(func(h *tar.Header) { h.Mode = 0o2755 }),
		reg("x", "xattrs").with(func(h *tar.Header) {
			h.PAXRecords = map[string]string{"SCHILY.xattr.user.one": "1", "SCHILY.xattr.user.bin": "\x00\xff"}
		}),
		reg("empty", ""),
		reg(strings.Repeat("long/", 30)+"name", "deep"),
	}
	if !isRoot() {
		return es
	}
	return append(es,
		reg("suid", "s").with(func(h *tar.Header) { h.Mode, h.Uid, h.Gid = 0o4755, 0, 0 }),
		reg("owned", "o").with(func(h *tar.Header) { h.Uid, h.Gid = 1000, 1001 }),
		dir("www/").with(func(h *tar.Header) { h.Uid, h.Gid = 33, 33 }),
		ent{hdr: hdrOf(tar.TypeChar, "null", 0o666)}.with(func(h *tar.Header) { h.Devmajor, h.Devminor = 1, 3 }),
		ent{hdr: hdrOf(tar.TypeBlock, "loop", 0o660)}.with(func(h *tar.Header) { h.Devmajor, h.Devminor = 7, 200 }),
		reg("trusted", "t").with(func(h *tar.Header) {
			h.PAXRecords = map[string]string{"SCHILY.xattr.trusted.hull": "yes"}
		}),
		sym("lowned", "x").with(func(h *tar.Header) { h.Uid, h.Gid = 7, 8 }),
	)
}

func TestApplyRoundTrip(t *testing.T) {
	layer, _ := layerDirs(t)
	in := roundTripEntries()
	// The long path needs its parents, which the tar leaves implied.
	size, err := Apply(layer, bytes.NewReader(mktar(t, in...)))
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	var wantSize int64
	for _, e := range in {
		if e.hdr.Typeflag == tar.TypeReg {
			wantSize += e.hdr.Size
		}
	}
	if size != wantSize {
		t.Errorf("size = %d, want %d", size, wantSize)
	}
	var out bytes.Buffer
	if err := WriteTree(&out, layer, WriteOptions{}); err != nil {
		t.Fatalf("WriteTree: %v", err)
	}
	got := treeEntries(t, out.Bytes())
	for _, e := range in {
		name := e.hdr.Name
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: missing from WriteTree output", name)
			continue
		}
		compareEntry(t, e, g)
	}
	for _, implied := range []string{"long/", "long/long/"} {
		if got[implied].hdr.Mode != 0o755 {
			t.Errorf("implied parent %s: mode %o, want 755", implied, got[implied].hdr.Mode)
		}
	}
}

func compareEntry(t *testing.T, want, got ent) {
	t.Helper()
	w, g := want.hdr, got.hdr
	if w.Typeflag != g.Typeflag || w.Uid != g.Uid || w.Gid != g.Gid || w.Linkname != g.Linkname ||
		w.Devmajor != g.Devmajor || w.Devminor != g.Devminor {
		t.Errorf("%s: got type %c %d:%d link %q dev %d,%d; want type %c %d:%d link %q dev %d,%d", w.Name,
			g.Typeflag, g.Uid, g.Gid, g.Linkname, g.Devmajor, g.Devminor,
			w.Typeflag, w.Uid, w.Gid, w.Linkname, w.Devmajor, w.Devminor)
	}
	if w.Typeflag != tar.TypeSymlink && w.Typeflag != tar.TypeLink && w.Mode != g.Mode {
		t.Errorf("%s: mode %o, want %o", w.Name, g.Mode, w.Mode)
	}
	if w.Typeflag != tar.TypeLink && !w.ModTime.Equal(g.ModTime) {
		t.Errorf("%s: mtime %v, want %v", w.Name, g.ModTime, w.ModTime)
	}
	if want.body != got.body {
		t.Errorf("%s: body %q, want %q", w.Name, got.body, want.body)
	}
	if wx, gx := xattrMap(&w), xattrMap(&g); len(wx) > 0 && !equalMaps(wx, gx) {
		t.Errorf("%s: xattrs %q, want %q", w.Name, gx, wx)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func TestApplyAccessTime(t *testing.T) {
	layer, _ := layerDirs(t)
	atime := time.Unix(1500000000, 42)
	e := reg("f", "x").with(func(h *tar.Header) { h.AccessTime = atime })
	if _, err := Apply(layer, bytes.NewReader(mktar(t, e, dir("d/")))); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(layer, "f"), &st); err != nil {
		t.Fatal(err)
	}
	if got := time.Unix(st.Atim.Unix()); !got.Equal(atime) {
		t.Errorf("atime = %v, want %v", got, atime)
	}
	if err := unix.Lstat(filepath.Join(layer, "d"), &st); err != nil {
		t.Fatal(err)
	}
	if got := time.Unix(st.Atim.Unix()); !got.Equal(testTime) {
		t.Errorf("dir atime = %v, want the mtime %v", got, testTime)
	}
}

func TestApplyReplaces(t *testing.T) {
	layer, outside := layerDirs(t)
	tarball := mktar(t,
		sym("evil", "../outside"),
		dir("evil/"), // a directory replaces the symlink; nothing is followed
		reg("evil/x", "in"),
		dir("d/"), reg("d/f", "1"),
		reg("d", "file replaces dir"),
		reg("dup", "first"), reg("dup", "second"),
		sym("ln", "/etc/passwd"), reg("ln", "file replaces symlink"),
	)
	if _, err := Apply(layer, bytes.NewReader(tarball)); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	assertEmpty(t, outside)
	for name, want := range map[string]string{"evil/x": "in", "d": "file replaces dir", "dup": "second", "ln": "file replaces symlink"} {
		if b, err := os.ReadFile(filepath.Join(layer, name)); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", name, b, err, want)
		}
	}
}

func TestApplyAbsoluteLandsInside(t *testing.T) {
	layer, outside := layerDirs(t)
	tarball := mktar(t, reg("/etc/passwd", "root:x:0:0::/root:/bin/sh\n"), hard("/etc/link", "/etc/passwd"))
	if _, err := Apply(layer, bytes.NewReader(tarball)); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	assertEmpty(t, outside)
	for _, name := range []string{"etc/passwd", "etc/link"} {
		if _, err := os.Lstat(filepath.Join(layer, name)); err != nil {
			t.Errorf("%s not in layer: %v", name, err)
		}
	}
}

func TestApplyRefuses(t *testing.T) {
	evil := sym("evil", "../outside")
	valid := mktar(t, reg("a", strings.Repeat("x", 2000)), reg("b", "y"))
	tests := []struct {
		name string
		tar  []byte
	}{
		{"dotdot", mktar(t, reg("../x", "x"))},
		{"dotdot inside", mktar(t, reg("a/../../x", "x"))},
		{"dotdot absolute", mktar(t, reg("/../outside/x", "x"))},
		{"dotdot dir", mktar(t, dir("../outside/d/"))},
		{"symlink to root", mktar(t, sym("evil", "/"), reg("evil/x", "x"))},
		{"symlink up", mktar(t, sym("evil", "../.."), reg("evil/x", "x"))},
		{"symlink to sibling", mktar(t, evil, reg("evil/x", "x"))},
		{"symlink deep parent", mktar(t, evil, reg("evil/a/b/x", "x"))},
		{"symlink in middle", mktar(t, dir("d/"), sym("d/evil", "../../outside"), reg("d/evil/x", "x"))},
		{"symlink dir entry", mktar(t, evil, dir("evil/sub/"))},
		{"symlink then symlink", mktar(t, evil, sym("evil/s", "/"))},
		{"symlink then fifo", mktar(t, evil, fifo("evil/p"))},
		{"symlink then hard link", mktar(t, reg("f", "x"), evil, hard("evil/h", "f"))},
		{"hard link through symlink", mktar(t, evil, hard("h", "evil/x"))},
		{"whiteout through symlink", mktar(t, evil, reg("evil/.wh.x", ""))},
		{"opaque through symlink", mktar(t, evil, reg("evil/.wh..wh..opq", ""))},
		{"hard link to etc passwd", mktar(t, hard("h", "/etc/passwd"))},
		{"hard link out", mktar(t, hard("h", "../outside"))},
		{"hard link out deep", mktar(t, hard("h", "a/../../outside/x"))},
		{"hard link missing", mktar(t, hard("h", "nothing"))},
		{"hard link to dir", mktar(t, dir("d/"), hard("h", "d"))},
		{"hard link to root", mktar(t, hard("h", "."))},
		{"root as file", mktar(t, reg(".", "x"))},
		{"bad whiteout", mktar(t, reg(".wh..", ""))},
		{"truncated", valid[:700]},
		{"truncated header", valid[:100]},
		{"not a tar", bytes.Repeat([]byte("this is not a tar stream\n"), 40)},
		{"negative owner", mktar(t, reg("f", "x").with(func(h *tar.Header) { h.Uid = -5 }))},
		{"sparse", sparseTar(t)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			layer, outside := layerDirs(t)
			if _, err := Apply(layer, bytes.NewReader(tt.tar)); err == nil {
				t.Errorf("Apply succeeded, want error")
			} else {
				t.Logf("refused: %v", err)
			}
			assertEmpty(t, outside)
			assertOnly(t, filepath.Dir(layer), "layer", "outside")
		})
	}
}

// assertOnly checks that dir holds exactly names.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	got, _ := os.ReadDir(dir)
	if len(got) != len(names) {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

// sparseTar is a tar holding one GNU sparse entry (the Go writer cannot make
// one, so a regular header is patched).
func sparseTar(t testing.TB) []byte {
	b := mktar(t, reg("s", "data").with(func(h *tar.Header) { h.Format = tar.FormatGNU }))
	b[156] = tar.TypeGNUSparse
	fixChecksum(b[:512])
	return b
}

func fixChecksum(h []byte) {
	copy(h[148:156], "        ")
	sum := 0
	for _, c := range h {
		sum += int(c)
	}
	copy(h[148:156], []byte(strings.Repeat("0", 6-len(itoa8(sum)))+itoa8(sum)+"\x00 "))
}

func itoa8(n int) string {
	s := ""
	for ; n > 0; n /= 8 {
		s = string(rune('0'+n%8)) + s
	}
	return s
}

func TestApplyWhiteouts(t *testing.T) {
	requireRoot(t)
	layer, _ := layerDirs(t)
	tarball := mktar(t,
		dir("a/"), reg("a/.wh.gone", ""), reg("a/kept", "k"),
		dir("b/"), reg("b/.wh..wh..opq", ""), reg("b/new", "n"),
		reg("implied/.wh.x", ""),
		reg(".wh.top", ""),
		reg("c/.wh..wh.plnk", ""),
	)
	if _, err := Apply(layer, bytes.NewReader(tarball)); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	for _, name := range []string{"a/gone", "implied/x", "top"} {
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(layer, name), &st); err != nil {
			t.Errorf("%s: %v", name, err)
		} else if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
			t.Errorf("%s: mode %o rdev %d, want a 0/0 char device", name, st.Mode, st.Rdev)
		}
	}
	buf := make([]byte, 8)
	if n, err := unix.Lgetxattr(filepath.Join(layer, "b"), OpaqueXattr, buf); err != nil || string(buf[:n]) != "y" {
		t.Errorf("b: opaque xattr %q, %v", buf[:n], err)
	}
	for _, name := range []string{"a/.wh.gone", "b/.wh..wh..opq", "c/.wh..wh.plnk", "a/kept", "b/new"} {
		_, err := os.Lstat(filepath.Join(layer, name))
		if want := !strings.Contains(name, ".wh."); (err == nil) != want {
			t.Errorf("%s: exists=%v, want %v", name, err == nil, want)
		}
	}
}

func TestApplyDrainsStream(t *testing.T) {
	layer, _ := layerDirs(t)
	r := &countingReader{r: bytes.NewReader(append(mktar(t, reg("f", "x")), make([]byte, 10240)...))}
	if _, err := Apply(layer, r); err != nil {
		t.Fatal(err)
	}
	if r.r.Len() != 0 {
		t.Errorf("%d bytes left unread", r.r.Len())
	}
}

type countingReader struct{ r *bytes.Reader }

func (c *countingReader) Read(p []byte) (int, error) { return c.r.Read(p) }
