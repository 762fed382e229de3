package archive

import (
	"archive/tar"
	"fmt"
	"math"
	"path"
	"sort"
	"strings"
)

const (
	whiteoutPrefix = ".wh."
	whiteoutMeta   = ".wh..wh."
	whiteoutOpaque = ".wh..wh..opq"

	// OpaqueXattr marks an overlayfs directory whose lower contents are hidden.
	OpaqueXattr  = "trusted.overlay.opaque"
	overlayXattr = "trusted.overlay."
	paxXattr     = "SCHILY.xattr."
)

// cleanName turns a tar entry name into a clean path relative to the layer
// root ("." for the root itself). A leading "/" is read as the layer root;
// a name that climbs out of the layer with ".." is refused.
func cleanName(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("empty entry name")
	}
	if strings.IndexByte(name, 0) >= 0 {
		return "", fmt.Errorf("entry name %q contains NUL", name)
	}
	p := path.Clean(strings.TrimLeft(name, "/"))
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", fmt.Errorf("entry name %q leaves the layer", name)
	}
	return p, nil
}

// whiteoutKind says what a tar entry means to overlayfs.
type whiteoutKind int

const (
	notWhiteout whiteoutKind = iota
	whiteoutFile
	whiteoutDirOpaque
	whiteoutIgnored
)

// classify tells whether rel (a clean relative path) is a whiteout, and for a
// file whiteout returns the path it hides.
func classify(rel string) (whiteoutKind, string, error) {
	dir, base := path.Split(rel)
	switch {
	case !strings.HasPrefix(base, whiteoutPrefix):
		return notWhiteout, "", nil
	case base == whiteoutOpaque:
		return whiteoutDirOpaque, path.Clean(dir), nil
	case strings.HasPrefix(base, whiteoutMeta):
		return whiteoutIgnored, "", nil
	}
	name := strings.TrimPrefix(base, whiteoutPrefix)
	if name == "" || name == "." || name == ".." {
		return notWhiteout, "", fmt.Errorf("invalid whiteout %q", rel)
	}
	return whiteoutFile, path.Join(dir, name), nil
}

// xattr is one extended attribute of an entry.
type xattr struct {
	name  string
	value []byte
}

// entryXattrs returns the xattrs carried in hdr's PAX records, sorted by name,
// without the overlayfs ones a layer may not set (all but opaque).
func entryXattrs(hdr *tar.Header) []xattr {
	var xs []xattr
	for k, v := range hdr.PAXRecords {
		name, ok := strings.CutPrefix(k, paxXattr)
		if !ok || name == "" || !keepXattr(name) {
			continue
		}
		xs = append(xs, xattr{name: name, value: []byte(v)})
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i].name < xs[j].name })
	return xs
}

func keepXattr(name string) bool {
	return !strings.HasPrefix(name, overlayXattr) || name == OpaqueXattr
}

// checkHeader refuses owners and sizes no file system can hold.
func checkHeader(hdr *tar.Header) error {
	if hdr.Uid < 0 || hdr.Gid < 0 || int64(hdr.Uid) >= math.MaxUint32 || int64(hdr.Gid) >= math.MaxUint32 {
		return fmt.Errorf("invalid owner %d:%d", hdr.Uid, hdr.Gid)
	}
	if hdr.Size < 0 {
		return fmt.Errorf("invalid size %d", hdr.Size)
	}
	if isSparse(hdr) {
		return fmt.Errorf("sparse files are not supported in layers")
	}
	return nil
}

// isSparse reports a GNU or PAX sparse file. Its holes would be written out
// as zeros: a few bytes of tar could fill the disk.
func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}
