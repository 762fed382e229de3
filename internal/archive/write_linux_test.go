package archive

import (
	"archive/tar"
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestWriteTreeOrderAndReproducible(t *testing.T) {
	layer, _ := layerDirs(t)
	tarball := mktar(t, reg("b", "b"), dir("a/"), reg("a/z", "z"), reg("a.txt", "t"), reg("a/b/c", "c"))
	if _, err := Apply(layer, bytes.NewReader(tarball)); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(filepath.Join(layer, "sock"), unix.S_IFSOCK|0o600, 0); err != nil {
		t.Fatal(err)
	}
	var one, two bytes.Buffer
	if err := WriteTree(&one, layer, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteTree(&two, layer, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(one.Bytes(), two.Bytes()) {
		t.Error("two WriteTree runs of one tree differ")
	}
	want := []string{"a/", "a/b/", "a/b/c", "a/z", "a.txt", "b"}
	if got := names(t, one.Bytes()); !equalStrings(got, want) {
		t.Errorf("names = %q, want %q (parents first, sorted, no socket)", got, want)
	}
}

// names lists a tar's entry names in stream order.
func names(t *testing.T, b []byte) []string {
	var ns []string
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err != nil {
			return ns
		}
		ns = append(ns, h.Name)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestWriteTreeWhiteouts(t *testing.T) {
	requireRoot(t)
	layer, _ := layerDirs(t)
	tarball := mktar(t, dir("a/"), reg("a/.wh.gone", ""), dir("b/"), reg("b/.wh..wh..opq", ""), reg("b/new", "n"))
	if _, err := Apply(layer, bytes.NewReader(tarball)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		opts    WriteOptions
		want    []string
		opaqueX bool
	}{
		{WriteOptions{}, []string{"a/", "a/gone", "b/", "b/new"}, true},
		{WriteOptions{SkipOverlayWhiteouts: true}, []string{"a/", "b/", "b/new"}, false},
		{WriteOptions{OCIWhiteouts: true}, []string{"a/", "a/.wh.gone", "b/", "b/.wh..wh..opq", "b/new"}, false},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := WriteTree(&buf, layer, tt.opts); err != nil {
			t.Fatal(err)
		}
		if got := names(t, buf.Bytes()); !equalStrings(got, tt.want) {
			t.Errorf("%+v: names %q, want %q", tt.opts, got, tt.want)
		}
		b := treeEntries(t, buf.Bytes())["b/"]
		if _, ok := xattrMap(&b.hdr)[OpaqueXattr]; ok != tt.opaqueX {
			t.Errorf("%+v: opaque xattr written = %v, want %v", tt.opts, ok, tt.opaqueX)
		}
	}
}

// TestWriteTreeOCIRoundTrip checks that a layer written with OCI whiteouts
// and applied again gives the same tree, byte for byte.
func TestWriteTreeOCIRoundTrip(t *testing.T) {
	requireRoot(t)
	layer, _ := layerDirs(t)
	second, _ := layerDirs(t)
	tarball := mktar(t, append(roundTripEntries(), dir("w/"), reg("w/.wh.gone", ""), dir("o/"), reg("o/.wh..wh..opq", ""))...)
	if _, err := Apply(layer, bytes.NewReader(tarball)); err != nil {
		t.Fatal(err)
	}
	var oci, raw1, raw2 bytes.Buffer
	if err := WriteTree(&oci, layer, WriteOptions{OCIWhiteouts: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(second, &oci); err != nil {
		t.Fatal(err)
	}
	WriteTree(&raw1, layer, WriteOptions{})
	WriteTree(&raw2, second, WriteOptions{})
	if !bytes.Equal(raw1.Bytes(), raw2.Bytes()) {
		t.Errorf("trees differ after an OCI round trip:\n%q\n%q", names(t, raw1.Bytes()), names(t, raw2.Bytes()))
	}
}

func TestWriteTreeMissingDir(t *testing.T) {
	err := WriteTree(&bytes.Buffer{}, filepath.Join(t.TempDir(), "nope"), WriteOptions{})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want not exist", err)
	}
}
