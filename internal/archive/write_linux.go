package archive

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// WriteOptions tune WriteTree.
type WriteOptions struct {
	// SkipOverlayWhiteouts leaves out 0/0 character devices and overlayfs
	// xattrs: for exporting a merged root, where they are private to overlay.
	SkipOverlayWhiteouts bool
	// OCIWhiteouts writes overlayfs whiteouts as OCI ones (".wh.NAME" and
	// ".wh..wh..opq"): for making a layer tar out of a layer or upper dir.
	OCIWhiteouts bool
}

// WriteTree writes the tree under dir to w as a tar stream: regular files,
// directories, symlinks, hard links (by inode), devices, fifos, xattrs as PAX
// records, numeric owners and modification times. Names are relative ("./"
// omitted, like docker export) and entries come in sorted order, parents
// first, so the same tree gives the same bytes. Sockets are skipped. The walk
// never follows a symlink, so a tree that changes underneath (a running
// container's root) cannot make it read outside dir.
func WriteTree(w io.Writer, dir string, opts WriteOptions) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open tree: %w", &os.PathError{Op: "open", Path: dir, Err: err})
	}
	defer unix.Close(fd)
	t := &treeWriter{tw: tar.NewWriter(w), opts: opts, links: map[inode]string{}}
	if err := t.children(fd, ""); err != nil {
		return err
	}
	if err := t.tw.Close(); err != nil {
		return fmt.Errorf("finish tar: %w", err)
	}
	return nil
}

type inode struct{ dev, ino uint64 }

type treeWriter struct {
	tw    *tar.Writer
	opts  WriteOptions
	links map[inode]string // first name written for each multiply linked file
}

// children writes the entries of the directory open at fd, named under prefix.
func (t *treeWriter) children(fd int, prefix string) error {
	names, err := readNames(fd)
	if err != nil {
		return fmt.Errorf("list %q: %w", prefix, err)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := t.entry(fd, prefix, name); err != nil {
			return err
		}
	}
	return nil
}

// entry writes one entry of directory pfd.
func (t *treeWriter) entry(pfd int, prefix, name string) error {
	rel := prefix + name
	var st unix.Stat_t
	if err := unix.Fstatat(pfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil // removed while we walked
		}
		return fmt.Errorf("stat %q: %w", rel, err)
	}
	hdr := header(rel, &st)
	var err error
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		err = t.dir(pfd, name, hdr)
	case unix.S_IFREG:
		err = t.file(pfd, name, hdr, &st)
	case unix.S_IFLNK:
		err = t.symlink(pfd, name, hdr)
	case unix.S_IFCHR, unix.S_IFBLK, unix.S_IFIFO:
		err = t.node(pfd, name, hdr, &st)
	}
	if err != nil {
		return fmt.Errorf("write %q: %w", rel, err)
	}
	return nil
}

// header is the part of a tar header every entry type shares.
func header(rel string, st *unix.Stat_t) *tar.Header {
	return &tar.Header{
		Name:    rel,
		Mode:    int64(st.Mode & 0o7777),
		Uid:     int(st.Uid),
		Gid:     int(st.Gid),
		ModTime: time.Unix(st.Mtim.Sec, st.Mtim.Nsec),
		Format:  tar.FormatPAX,
	}
}

func (t *treeWriter) dir(pfd int, name string, hdr *tar.Header) error {
	fd, err := unix.Openat(pfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open directory: %w", err)
	}
	defer unix.Close(fd)
	hdr.Typeflag, hdr.Name = tar.TypeDir, hdr.Name+"/"
	xs, err := fdXattrs(fd)
	if err != nil {
		return err
	}
	opaque := t.setXattrs(hdr, xs)
	if err := t.tw.WriteHeader(hdr); err != nil {
		return err
	}
	if opaque && t.opts.OCIWhiteouts {
		if err := t.marker(hdr.Name+whiteoutOpaque, hdr); err != nil {
			return err
		}
	}
	return t.children(fd, hdr.Name)
}

func (t *treeWriter) file(pfd int, name string, hdr *tar.Header, st *unix.Stat_t) error {
	id := inode{dev: st.Dev, ino: st.Ino}
	if first, ok := t.links[id]; ok && st.Nlink > 1 {
		hdr.Typeflag, hdr.Linkname = tar.TypeLink, first
		return t.tw.WriteHeader(hdr)
	}
	fd, err := unix.Openat(pfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	f := os.NewFile(uintptr(fd), hdr.Name)
	defer f.Close()
	var now unix.Stat_t
	if err := unix.Fstat(fd, &now); err != nil || now.Ino != st.Ino || now.Mode&unix.S_IFMT != unix.S_IFREG {
		return fmt.Errorf("file changed while writing the tree")
	}
	xs, err := fdXattrs(fd)
	if err != nil {
		return err
	}
	t.setXattrs(hdr, xs)
	hdr.Typeflag, hdr.Size = tar.TypeReg, now.Size
	if err := t.tw.WriteHeader(hdr); err != nil {
		return err
	}
	if n, err := io.CopyN(t.tw, f, now.Size); err != nil {
		return fmt.Errorf("copy contents (%d of %d bytes): %w", n, now.Size, err)
	}
	if st.Nlink > 1 {
		t.links[id] = hdr.Name
	}
	return nil
}

func (t *treeWriter) symlink(pfd int, name string, hdr *tar.Header) error {
	target, err := readlinkat(pfd, name)
	if err != nil {
		return err
	}
	xs, err := pathXattrs(fdPath(pfd, name))
	if err != nil {
		return err
	}
	t.setXattrs(hdr, xs)
	hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, target
	return t.tw.WriteHeader(hdr)
}

func (t *treeWriter) node(pfd int, name string, hdr *tar.Header, st *unix.Stat_t) error {
	typ := st.Mode & unix.S_IFMT
	if typ == unix.S_IFCHR && st.Rdev == 0 {
		if t.opts.OCIWhiteouts {
			dir := strings.TrimSuffix(hdr.Name, name)
			return t.marker(dir+whiteoutPrefix+name, hdr)
		}
		if t.opts.SkipOverlayWhiteouts {
			return nil
		}
	}
	xs, err := pathXattrs(fdPath(pfd, name))
	if err != nil {
		return err
	}
	t.setXattrs(hdr, xs)
	hdr.Typeflag = map[uint32]byte{unix.S_IFCHR: tar.TypeChar, unix.S_IFBLK: tar.TypeBlock, unix.S_IFIFO: tar.TypeFifo}[typ]
	if typ != unix.S_IFIFO {
		hdr.Devmajor, hdr.Devminor = int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
	}
	return t.tw.WriteHeader(hdr)
}

// marker writes an empty OCI whiteout file named name, owned like like.
func (t *treeWriter) marker(name string, like *tar.Header) error {
	return t.tw.WriteHeader(&tar.Header{
		Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Uid: like.Uid, Gid: like.Gid,
		ModTime: like.ModTime, Format: tar.FormatPAX,
	})
}

// setXattrs records xs in hdr as PAX records and reports whether the entry is
// an opaque overlayfs directory. Overlayfs xattrs are written only in raw mode.
func (t *treeWriter) setXattrs(hdr *tar.Header, xs []xattr) bool {
	opaque := false
	raw := !t.opts.OCIWhiteouts && !t.opts.SkipOverlayWhiteouts
	for _, x := range xs {
		if x.name == OpaqueXattr && string(x.value) == "y" {
			opaque = true
		}
		if strings.HasPrefix(x.name, overlayXattr) && !raw {
			continue
		}
		if hdr.PAXRecords == nil {
			hdr.PAXRecords = map[string]string{}
		}
		hdr.PAXRecords[paxXattr+x.name] = string(x.value)
	}
	return opaque
}

func readlinkat(pfd int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(pfd, name, buf)
		if err != nil {
			return "", fmt.Errorf("readlink: %w", err)
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}

// fdXattrs reads the xattrs of an open file.
func fdXattrs(fd int) ([]xattr, error) {
	return readXattrs(
		func(b []byte) (int, error) { return unix.Flistxattr(fd, b) },
		func(n string, b []byte) (int, error) { return unix.Fgetxattr(fd, n, b) })
}

// pathXattrs reads the xattrs of p itself, not following a final symlink.
func pathXattrs(p string) ([]xattr, error) {
	return readXattrs(
		func(b []byte) (int, error) { return unix.Llistxattr(p, b) },
		func(n string, b []byte) (int, error) { return unix.Lgetxattr(p, n, b) })
}

func readXattrs(list func([]byte) (int, error), get func(string, []byte) (int, error)) ([]xattr, error) {
	names, err := growRead(list)
	if err != nil {
		if errors.Is(err, unix.ENOTSUP) {
			return nil, nil
		}
		return nil, fmt.Errorf("list xattrs: %w", err)
	}
	var xs []xattr
	for _, name := range strings.Split(string(bytes.TrimRight(names, "\x00")), "\x00") {
		if name == "" {
			continue
		}
		v, err := growRead(func(b []byte) (int, error) { return get(name, b) })
		if errors.Is(err, unix.ENODATA) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("get xattr %s: %w", name, err)
		}
		xs = append(xs, xattr{name: name, value: v})
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i].name < xs[j].name })
	return xs, nil
}

// growRead calls read with a buffer that grows until the result fits.
func growRead(read func([]byte) (int, error)) ([]byte, error) {
	for size := 1024; ; size *= 4 {
		buf := make([]byte, size)
		n, err := read(buf)
		if errors.Is(err, unix.ERANGE) && size < 1<<20 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}
