package archive

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Apply unpacks an uncompressed layer tar (OCI image-spec layer) into dir,
// which holds the layer's own files only (a layer directory for overlayfs, not
// a merged root). See the package comment for whiteouts and what is refused.
// After the tar's end the rest of r is read, so that a verifying reader sees
// the whole stream; its error is returned. Returns the unpacked size in bytes
// (the sum of regular file sizes). A stream that ends without the tar
// end-of-archive marker is truncated and refused. On error, dir holds a partial layer and
// nothing outside it was touched.
func Apply(dir string, r io.Reader) (int64, error) {
	a, err := newApplier(dir)
	if err != nil {
		return 0, err
	}
	defer a.close()
	er := &endReader{r: r}
	tr := tar.NewReader(er)
	for {
		hdr, err := tr.Next()
		if err == io.EOF && !er.endedWithZeroBlock() {
			return a.size, fmt.Errorf("read layer tar: %w (no end-of-archive marker)", io.ErrUnexpectedEOF)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return a.size, fmt.Errorf("read layer tar: %w", err)
		}
		if err := a.entry(hdr, tr); err != nil {
			return a.size, fmt.Errorf("apply %q: %w", hdr.Name, err)
		}
	}
	if err := a.finishDirs(); err != nil {
		return a.size, err
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return a.size, fmt.Errorf("read layer tail: %w", err)
	}
	return a.size, nil
}

// applier holds the state of one Apply.
type applier struct {
	root     int      // O_PATH fd of the layer directory
	cacheDir string   // parent directory last resolved
	cacheFd  int      // its O_PATH fd, or -1
	dirs     []dirSet // directory modes and times, set at the end
	size     int64
}

// dirSet is what is left to do for a directory once its children exist.
type dirSet struct {
	rel   string
	mode  uint32
	times []unix.Timespec
}

func newApplier(dir string) (*applier, error) {
	root, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open layer directory: %w", &os.PathError{Op: "open", Path: dir, Err: err})
	}
	return &applier{root: root, cacheFd: -1}, nil
}

func (a *applier) close() {
	a.dropCache()
	unix.Close(a.root)
}

func (a *applier) dropCache() {
	if a.cacheFd >= 0 {
		unix.Close(a.cacheFd)
	}
	a.cacheFd, a.cacheDir = -1, ""
}

// parent returns the (cached, not to be closed) directory fd that will hold
// rel, creating missing parents, and rel's base name.
func (a *applier) parent(rel string) (int, string, error) {
	dir, base := splitParent(rel)
	if a.cacheFd >= 0 && a.cacheDir == dir {
		return a.cacheFd, base, nil
	}
	fd, err := openDir(a.root, dir, true)
	if err != nil {
		return -1, "", err
	}
	a.dropCache()
	a.cacheFd, a.cacheDir = fd, dir
	return fd, base, nil
}

// clear resolves rel's parent and removes whatever is at rel, so a new
// entry can be created there.
func (a *applier) clear(rel string) (int, string, error) {
	if rel == "." {
		return -1, "", fmt.Errorf("only a directory can replace the layer root")
	}
	pfd, base, err := a.parent(rel)
	if err != nil {
		return -1, "", err
	}
	// Removing a directory here cannot invalidate the cached parent: the
	// cache only ever holds the parent of the entry being written.
	if _, err := removeAt(pfd, base); err != nil {
		return -1, "", err
	}
	return pfd, base, nil
}

// entry applies one tar entry.
func (a *applier) entry(hdr *tar.Header, r io.Reader) error {
	rel, err := cleanName(hdr.Name)
	if err != nil {
		return err
	}
	if err := checkHeader(hdr); err != nil {
		return err
	}
	kind, target, err := classify(rel)
	switch {
	case err != nil:
		return err
	case kind == whiteoutFile:
		return a.whiteout(target, hdr)
	case kind == whiteoutDirOpaque:
		return a.opaque(target)
	case kind == whiteoutIgnored:
		return nil
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		return a.dir(rel, hdr)
	case tar.TypeReg:
		return a.file(rel, hdr, r)
	case tar.TypeSymlink:
		return a.symlink(rel, hdr)
	case tar.TypeLink:
		return a.link(rel, hdr)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return a.node(rel, hdr)
	case tar.TypeXGlobalHeader:
		return nil
	}
	return fmt.Errorf("unsupported entry type %q", hdr.Typeflag)
}

// file writes a regular file.
func (a *applier) file(rel string, hdr *tar.Header, r io.Reader) error {
	pfd, base, err := a.clear(rel)
	if err != nil {
		return err
	}
	fd, err := unix.Openat(pfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("create file: %w", err)
	}
	f := os.NewFile(uintptr(fd), rel)
	defer f.Close()
	n, err := io.Copy(f, r)
	a.size += n
	if err != nil {
		return fmt.Errorf("write file: %w", err)
	}
	if err := setFdMeta(fd, hdr); err != nil {
		return err
	}
	return setTimes(pfd, base, hdr)
}

// dir creates a directory, or keeps the one already there. Its mode and
// times are set by finishDirs, after its children.
func (a *applier) dir(rel string, hdr *tar.Header) error {
	pfd, base := a.root, "."
	if rel != "." {
		var err error
		if pfd, base, err = a.parent(rel); err != nil {
			return err
		}
		if err := ensureDir(pfd, base); err != nil {
			return err
		}
	}
	fd, err := unix.Openat(pfd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open directory: %w", err)
	}
	defer unix.Close(fd)
	if err := setOwner(fd, hdr); err != nil {
		return err
	}
	if err := setFdXattrs(fd, hdr); err != nil {
		return err
	}
	a.dirs = append(a.dirs, dirSet{rel: rel, mode: uint32(hdr.Mode) & 0o7777, times: timespecs(hdr)})
	return nil
}

// ensureDir makes base under pfd a directory, replacing a non-directory.
func ensureDir(pfd int, base string) error {
	var st unix.Stat_t
	err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW)
	if err == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return nil
	}
	if err == nil {
		if _, err := removeAt(pfd, base); err != nil {
			return err
		}
	} else if !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("stat: %w", err)
	}
	if err := unix.Mkdirat(pfd, base, 0o700); err != nil {
		return fmt.Errorf("create directory: %w", err)
	}
	return nil
}

// symlink creates a symlink; its target is stored, never followed.
func (a *applier) symlink(rel string, hdr *tar.Header) error {
	pfd, base, err := a.clear(rel)
	if err != nil {
		return err
	}
	if err := unix.Symlinkat(hdr.Linkname, pfd, base); err != nil {
		return fmt.Errorf("create symlink: %w", err)
	}
	return setPathMeta(pfd, base, hdr, false)
}

// link creates a hard link to an entry already in this layer.
func (a *applier) link(rel string, hdr *tar.Header) error {
	target, err := cleanName(hdr.Linkname)
	if err != nil {
		return fmt.Errorf("hard link target: %w", err)
	}
	if target == "." {
		return fmt.Errorf("hard link to the layer root")
	}
	tdir, tbase := splitParent(target)
	tfd, err := openDir(a.root, tdir, false)
	if err != nil {
		return fmt.Errorf("hard link target %q not in layer: %w", hdr.Linkname, err)
	}
	defer unix.Close(tfd)
	var st unix.Stat_t
	if err := unix.Fstatat(tfd, tbase, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("hard link target %q not in layer: %w", hdr.Linkname, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return fmt.Errorf("hard link target %q is a directory", hdr.Linkname)
	}
	if target == rel {
		return nil
	}
	pfd, base, err := a.clear(rel)
	if err != nil {
		return err
	}
	if err := unix.Linkat(tfd, tbase, pfd, base, 0); err != nil {
		return fmt.Errorf("create hard link to %q: %w", hdr.Linkname, err)
	}
	return nil
}

// node creates a character or block device or a fifo.
func (a *applier) node(rel string, hdr *tar.Header) error {
	pfd, base, err := a.clear(rel)
	if err != nil {
		return err
	}
	typ := map[byte]uint32{tar.TypeChar: unix.S_IFCHR, tar.TypeBlock: unix.S_IFBLK, tar.TypeFifo: unix.S_IFIFO}[hdr.Typeflag]
	dev := unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor))
	if err := unix.Mknodat(pfd, base, typ|0o600, int(dev)); err != nil {
		return fmt.Errorf("create device node: %w", err)
	}
	return setPathMeta(pfd, base, hdr, true)
}

// whiteout hides target of the lower layers: a 0/0 character device, with
// the marker's times.
func (a *applier) whiteout(target string, hdr *tar.Header) error {
	pfd, base, err := a.clear(target)
	if err != nil {
		return err
	}
	if err := unix.Mknodat(pfd, base, unix.S_IFCHR, 0); err != nil {
		return fmt.Errorf("create whiteout for %q: %w", target, err)
	}
	return setTimes(pfd, base, hdr)
}

// opaque hides the lower layers' contents of directory rel.
func (a *applier) opaque(rel string) error {
	dfd, err := openDir(a.root, rel, true)
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	fd, err := unix.Openat(dfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open opaque directory %q: %w", rel, err)
	}
	defer unix.Close(fd)
	if err := unix.Fsetxattr(fd, OpaqueXattr, []byte("y"), 0); err != nil {
		return fmt.Errorf("mark %q opaque: %w", rel, err)
	}
	return nil
}

// finishDirs sets directory modes and times, deepest first, once nothing
// more will be created in them. A directory replaced since is skipped.
func (a *applier) finishDirs() error {
	sort.SliceStable(a.dirs, func(i, j int) bool {
		return strings.Count(a.dirs[i].rel, "/") > strings.Count(a.dirs[j].rel, "/")
	})
	a.dropCache()
	for _, d := range a.dirs {
		if err := a.finishDir(d); err != nil {
			return fmt.Errorf("set mode and times of %q: %w", d.rel, err)
		}
	}
	return nil
}

func (a *applier) finishDir(d dirSet) error {
	pfd, base := a.root, "."
	if d.rel != "." {
		dir, b := splitParent(d.rel)
		fd, err := openDir(a.root, dir, false)
		if err != nil {
			return nil // replaced by a later entry
		}
		defer unix.Close(fd)
		pfd, base = fd, b
	}
	fd, err := unix.Openat(pfd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil // replaced by a later entry
	}
	defer unix.Close(fd)
	if err := unix.Fchmod(fd, d.mode); err != nil {
		return err
	}
	return unix.UtimesNanoAt(pfd, base, d.times, unix.AT_SYMLINK_NOFOLLOW)
}
