package imagetest

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// node is what the tests compare of one file: type, permission bits,
// owner, content (regular files) and target (symlinks).
type node struct {
	Type    byte // tar type flag
	Mode    int64
	UID     int
	GID     int
	Content string
	Target  string
}

func (n node) String() string {
	return fmt.Sprintf("type %c mode %o owner %d:%d target %q content %d bytes", n.Type, n.Mode, n.UID, n.GID, n.Target, len(n.Content))
}

type tree map[string]node

// readTree walks dir into a tree keyed by slash paths ("a/b").
func readTree(t testing.TB, dir string) tree {
	t.Helper()
	out := tree{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		n, err := nodeOf(p)
		out[filepath.ToSlash(rel)] = n
		return err
	})
	if err != nil {
		t.Fatalf("read tree %s: %v", dir, err)
	}
	return out
}

func nodeOf(p string) (node, error) {
	fi, err := os.Lstat(p)
	if err != nil {
		return node{}, err
	}
	st := fi.Sys().(*syscall.Stat_t)
	n := node{Mode: int64(fi.Mode().Perm()), UID: int(st.Uid), GID: int(st.Gid)}
	if fi.Mode()&fs.ModeSetuid != 0 {
		n.Mode |= 0o4000
	}
	if fi.Mode()&fs.ModeSticky != 0 {
		n.Mode |= 0o1000
	}
	switch {
	case fi.Mode().IsRegular():
		n.Type = tar.TypeReg
		data, err := os.ReadFile(p)
		n.Content = string(data)
		return n, err
	case fi.IsDir():
		n.Type = tar.TypeDir
	case fi.Mode()&fs.ModeSymlink != 0:
		n.Type = tar.TypeSymlink
		n.Target, err = os.Readlink(p)
		n.Mode = 0o777
	default:
		n.Type = '?'
	}
	return n, err
}

// assertSameTree fails with every difference between want and got.
func assertSameTree(t testing.TB, want, got tree) {
	t.Helper()
	var diffs []string
	for p, w := range want {
		g, ok := got[p]
		switch {
		case !ok:
			diffs = append(diffs, "missing "+p)
		case g != w:
			diffs = append(diffs, fmt.Sprintf("%s: got %v, want %v", p, g, w))
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			diffs = append(diffs, "unexpected "+p)
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		if len(diffs) > 20 {
			diffs = append(diffs[:20], "...")
		}
		t.Fatalf("trees differ:\n%s", strings.Join(diffs, "\n"))
	}
}

// entry is one tar entry of a hand-made layer.
type entry struct {
	name string
	node
	link string // hard link target
}

func dir(name string, mode int64, uid int) entry {
	return entry{name: name, node: node{Type: tar.TypeDir, Mode: mode, UID: uid, GID: uid}}
}
func file(name, content string, mode int64, uid int) entry {
	return entry{name: name, node: node{Type: tar.TypeReg, Mode: mode, UID: uid, GID: uid, Content: content}}
}
func symlink(name, target string) entry {
	return entry{name: name, node: node{Type: tar.TypeSymlink, Mode: 0o777, Target: target}}
}
func hardlink(name, target string) entry {
	return entry{name: name, node: node{Type: tar.TypeLink}, link: target}
}
func whiteout(name string) entry {
	d, b := filepath.Split(name)
	return entry{name: d + ".wh." + b, node: node{Type: tar.TypeReg, Mode: 0o600}}
}
func opaque(dirName string) entry {
	return entry{name: dirName + "/.wh..wh..opq", node: node{Type: tar.TypeReg, Mode: 0o600}}
}

// layerTar writes entries as an uncompressed tar.
func layerTar(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.Type, Mode: e.Mode, Uid: e.UID, Gid: e.GID,
			Linkname: e.Target, Size: int64(len(e.Content)), Format: tar.FormatPAX}
		if e.Type == tar.TypeLink {
			h.Linkname, h.Size = e.link, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.Content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
