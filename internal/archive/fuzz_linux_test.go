package archive

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// hostileTars is the seed corpus of FuzzApply, checked into
// testdata/fuzz/FuzzApply. Regenerate with
//
//	HULL_UPDATE_CORPUS=1 go test -run TestFuzzCorpus ./internal/archive
func hostileTars(t testing.TB) map[string][]byte {
	evil := sym("evil", "../outside")
	valid := seedTar(t, dir("d/"), reg("d/f", "hello"), hard("d/h", "d/f"), sym("s", "d/f"), fifo("p"))
	return map[string][]byte{
		"valid":                 valid,
		"dotdot":                seedTar(t, reg("../x", "x")),
		"dotdot-inside":         seedTar(t, reg("a/../../x", "x")),
		"absolute":              seedTar(t, reg("/etc/passwd", "root::0:0::/:/bin/sh\n")),
		"symlink-root":          seedTar(t, sym("evil", "/"), reg("evil/x", "x")),
		"symlink-up":            seedTar(t, sym("evil", "../.."), reg("evil/x", "x")),
		"symlink-sibling":       seedTar(t, evil, reg("evil/x", "x")),
		"symlink-dir":           seedTar(t, evil, dir("evil/d/")),
		"symlink-whiteout":      seedTar(t, evil, reg("evil/.wh.x", "")),
		"symlink-opaque":        seedTar(t, evil, reg("evil/.wh..wh..opq", "")),
		"hardlink-etc-passwd":   seedTar(t, hard("h", "/etc/passwd")),
		"hardlink-outside":      seedTar(t, hard("h", "../outside")),
		"hardlink-via-symlink":  seedTar(t, evil, hard("h", "evil/x")),
		"whiteouts":             seedTar(t, dir("a/"), reg("a/.wh.b", ""), reg("a/.wh..wh..opq", ""), reg(".wh..", "")),
		"devices":               seedTar(t, ent{hdr: hdrOf(tar.TypeChar, "c", 0o600)}.with(func(h *tar.Header) { h.Devmajor = 1 })),
		"xattrs":                seedTar(t, reg("x", "x").with(func(h *tar.Header) { h.PAXRecords = map[string]string{"SCHILY.xattr.trusted.overlay.redirect": "/"} })),
		"truncated":             valid[:1100],
		"not-a-tar":             []byte("not a tar at all\n"),
		"long-name":             seedTar(t, reg(string(bytes.Repeat([]byte("d/"), 60))+"f", "x")),
		"replace-dir-with-link": seedTar(t, dir("d/"), reg("d/f", "x"), sym("d", "/")),
	}
}

// seedTar is mktar with owners fixed at 0:0, so the corpus is the same
// whoever generates it, and whole-second times, so it stays small.
func seedTar(t testing.TB, es ...ent) []byte {
	for i := range es {
		h := &es[i].hdr
		h.Uid, h.Gid, h.ModTime, h.Format = 0, 0, testTime.Truncate(time.Second), tar.FormatUnknown
	}
	return mktar(t, es...)
}

func corpusFile(b []byte) []byte {
	return []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n")
}

// TestFuzzCorpus keeps testdata/fuzz/FuzzApply equal to hostileTars.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzApply")
	update := os.Getenv("HULL_UPDATE_CORPUS") == "1"
	if update {
		os.MkdirAll(dir, 0o755)
	}
	seeds := hostileTars(t)
	names := make([]string, 0, len(seeds))
	for name := range seeds {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p, want := filepath.Join(dir, name), corpusFile(seeds[name])
		if update {
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale or missing (%v); run with HULL_UPDATE_CORPUS=1", p, err)
		}
	}
}

func FuzzApply(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		layer, outside := layerDirs(t)
		Apply(layer, bytes.NewReader(data))
		assertEmpty(t, outside)
		if ents, _ := os.ReadDir(filepath.Dir(layer)); len(ents) != 2 {
			t.Errorf("Apply wrote beside the layer: %v", ents)
		}
	})
}

func FuzzDecompress(f *testing.F) {
	tarball := mktar(f, reg("f", "hello"))
	for _, seed := range [][]byte{tarball, gzipBytes(f, tarball), zstdBytes(f, tarball), {0x1f, 0x8b}, {0x28, 0xb5, 0x2f, 0xfd}, nil} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rc, err := Decompress(bytes.NewReader(data))
		if err != nil {
			return
		}
		defer rc.Close()
		if _, err := io.CopyN(io.Discard, rc, 64<<20); err != nil && err != io.EOF {
			return
		}
	})
}
