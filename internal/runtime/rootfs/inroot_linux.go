package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// root is a directory in which container paths are resolved as if it were
// "/": symlinks (absolute or with "..") cannot leave it, and magic links
// (/proc/self/root and friends) are refused.
type root struct {
	fd   int
	path string // where fd is, as this process sees it
}

const resolveInRoot = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS

func openRoot(dir string) (*root, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	p, err := fdPath(fd)
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &root{fd: fd, path: p}, nil
}

func (r *root) close() { unix.Close(r.fd) }

// procfd is the path through which the kernel reaches exactly what fd is.
func procfd(fd int) string { return "/proc/self/fd/" + strconv.Itoa(fd) }

func fdPath(fd int) (string, error) {
	p, err := os.Readlink(procfd(fd))
	if err != nil {
		return "", fmt.Errorf("resolve fd %d: %w", fd, err)
	}
	return p, nil
}

// open opens the container path p inside the root.
func (r *root) open(p string, flags int) (int, error) {
	how := unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC), Resolve: resolveInRoot}
	var err error
	for range 16 {
		var fd int
		fd, err = unix.Openat2(r.fd, p, &how)
		if err == nil {
			return fd, nil
		}
		if err != unix.EINTR && err != unix.EAGAIN {
			break // EAGAIN: a rename raced with the walk; retry a few times only
		}
	}
	return -1, &os.PathError{Op: "openat2", Path: p, Err: err}
}

// contains reports whether the host path p is the root or below it.
func (r *root) contains(p string) bool {
	if r.path == "/" {
		return strings.HasPrefix(p, "/")
	}
	return p == r.path || strings.HasPrefix(p, r.path+"/")
}

// where returns the container path that fd, opened inside the root, is at.
func (r *root) where(fd int) (string, error) {
	p, err := fdPath(fd)
	if err != nil {
		return "", err
	}
	if !r.contains(p) {
		return "", fmt.Errorf("%s is outside the rootfs %s", p, r.path)
	}
	return path.Join("/", strings.TrimPrefix(p, r.path)), nil
}

// at opens the container path p and calls fn with the /proc/self/fd path of
// it and the symlink-free path it resolved to inside the root. Afterwards
// that path must still lead to the same place: a component swapped for a
// symlink during the call would show here.
func (r *root) at(p string, fn func(target, resolved string) error) error {
	fd, err := r.open(p, unix.O_PATH)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	before, err := r.where(fd)
	if err != nil {
		return err
	}
	if err := fn(procfd(fd), before); err != nil {
		return err
	}
	after, err := r.resolve(before)
	if err != nil {
		return fmt.Errorf("reopen %s: %w", before, err)
	}
	if after != before {
		return fmt.Errorf("%s moved to %s during the mount", before, after)
	}
	return nil
}

// resolve returns the symlink-free container path that p leads to.
func (r *root) resolve(p string) (string, error) {
	fd, err := r.open(p, unix.O_PATH)
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	return r.where(fd)
}

// mkdirAll creates the directory p and its missing parents, one component at
// a time: each component is looked up from the root (so symlinks resolve
// inside it) and created with mkdirat in its opened parent. A component that
// is a symlink to a path that does not exist yet has that path created,
// inside the root, as runc's MkdirAllInRoot does.
func (r *root) mkdirAll(p string) error {
	// Mount points mostly exist already; one lookup says so.
	if fd, err := r.open(p, unix.O_PATH|unix.O_DIRECTORY); err == nil {
		return unix.Close(fd)
	}
	return r.mkdirAllFollowing(p, 0)
}

func (r *root) mkdirAllFollowing(p string, links int) error {
	if links > 40 {
		return &os.PathError{Op: "mkdir", Path: p, Err: unix.ELOOP}
	}
	cur := "/"
	parts := strings.Split(strings.Trim(path.Clean(p), "/"), "/")
	// Start below the deepest ancestor that is a directory already (or a
	// link to one inside the root): mostly the parent.
	start := 0
	for i := len(parts) - 1; i > 0; i-- {
		dir := "/" + path.Join(parts[:i]...)
		if fd, err := r.open(dir, unix.O_PATH|unix.O_DIRECTORY); err == nil {
			unix.Close(fd)
			cur, start = dir, i
			break
		}
	}
	for i := start; i < len(parts); i++ {
		name := parts[i]
		if name == "" {
			continue
		}
		next := path.Join(cur, name)
		if fd, err := r.open(next, unix.O_PATH|unix.O_DIRECTORY); err == nil {
			unix.Close(fd) // a directory, or a link to one inside the root
			cur = next
			continue
		}
		if target, ok := r.danglingLink(next); ok {
			if !path.IsAbs(target) {
				target = path.Join(cur, target)
			}
			return r.mkdirAllFollowing(path.Join(append([]string{target}, parts[i+1:]...)...), links+1)
		}
		if err := r.mkdirIn(cur, name); err != nil {
			return fmt.Errorf("mkdir %s: %w", next, err)
		}
		cur = next
	}
	fd, err := r.open(cur, unix.O_PATH|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	return unix.Close(fd)
}

// danglingLink reports whether the container path p is a symlink whose
// target does not exist, and returns the target.
func (r *root) danglingLink(p string) (string, bool) {
	fd, err := r.open(p, unix.O_PATH|unix.O_NOFOLLOW)
	if err != nil {
		return "", false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFLNK {
		return "", false
	}
	if followed, err := r.open(p, unix.O_PATH); err == nil {
		unix.Close(followed)
		return "", false
	} else if !errors.Is(err, unix.ENOENT) {
		return "", false
	}
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(fd, "", buf)
	if err != nil {
		return "", false
	}
	return string(buf[:n]), true
}

// mkdirIn creates name in the directory dir unless it exists.
func (r *root) mkdirIn(dir, name string) error {
	if fd, err := r.open(path.Join(dir, name), unix.O_PATH); err == nil {
		return unix.Close(fd)
	} else if !errors.Is(err, unix.ENOENT) {
		return err
	}
	parent, err := r.open(dir, unix.O_PATH|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	defer unix.Close(parent)
	if err := unix.Mkdirat(parent, name, 0o755); err != nil && err != unix.EEXIST {
		return err
	}
	return nil
}

// createFile creates an empty file at p (and its parents) unless something
// already exists there.
func (r *root) createFile(p string, mode uint32) error {
	dir, name := path.Split(path.Clean(p))
	if err := r.mkdirAll(dir); err != nil {
		return err
	}
	parent, err := r.open(dir, unix.O_PATH|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	defer unix.Close(parent)
	fd, err := unix.Openat(parent, name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
	if err == unix.EEXIST {
		return nil
	}
	if err != nil {
		return &os.PathError{Op: "create", Path: p, Err: err}
	}
	return unix.Close(fd)
}

// lstatMode returns the file type and mode of p in the root, without
// following p's last component if it is a symlink.
func (r *root) lstatMode(p string) (uint32, error) {
	fd, err := r.open(p, unix.O_PATH|unix.O_NOFOLLOW)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, &os.PathError{Op: "fstat", Path: p, Err: err}
	}
	return st.Mode, nil
}

// stat is fstat of the container path p (symlinks followed inside the root).
func (r *root) stat(p string) (unix.Stat_t, error) {
	var st unix.Stat_t
	fd, err := r.open(p, unix.O_PATH)
	if err != nil {
		return st, err
	}
	defer unix.Close(fd)
	if err := unix.Fstat(fd, &st); err != nil {
		return st, &os.PathError{Op: "fstat", Path: p, Err: err}
	}
	return st, nil
}

// symlink creates the symlink link (a container path) pointing to target,
// unless link already exists.
func (r *root) symlink(target, link string) error {
	dir, name := path.Split(path.Clean(link))
	parent, err := r.open(dir, unix.O_PATH|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	defer unix.Close(parent)
	if err := unix.Symlinkat(target, parent, name); err != nil && err != unix.EEXIST {
		return &os.LinkError{Op: "symlink", Old: target, New: link, Err: err}
	}
	return nil
}

// sameFile reports whether two descriptors are the same inode.
func sameFile(a, b int) bool {
	var sa, sb unix.Stat_t
	if unix.Fstat(a, &sa) != nil || unix.Fstat(b, &sb) != nil {
		return false
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}
