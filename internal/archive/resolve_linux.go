package archive

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// inLayer resolves beneath the layer root and refuses symlinks and mount
// crossings anywhere on the way.
const inLayer = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV

// openDir returns a new O_PATH descriptor of the directory rel inside the
// layer rooted at root, creating missing directories (0755) if create is set.
func openDir(root int, rel string, create bool) (int, error) {
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: inLayer}
	fd, err := unix.Openat2(root, rel, &how)
	if errors.Is(err, unix.ENOENT) && create {
		return mkdirAll(root, rel)
	}
	if err != nil {
		return -1, resolveError(rel, err)
	}
	return fd, nil
}

// mkdirAll creates rel under root one component at a time, never following
// a symlink, and returns an O_PATH descriptor of the last directory.
func mkdirAll(root int, rel string) (int, error) {
	cur, err := unix.FcntlInt(uintptr(root), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("dup layer fd: %w", err)
	}
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: inLayer}
	for _, comp := range strings.Split(rel, "/") {
		if err := unix.Mkdirat(cur, comp, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
			unix.Close(cur)
			return -1, fmt.Errorf("create directory %q in %q: %w", comp, rel, err)
		}
		next, err := unix.Openat2(cur, comp, &how)
		unix.Close(cur)
		if err != nil {
			return -1, resolveError(rel, err)
		}
		cur = next
	}
	return cur, nil
}

// resolveError explains why a path inside the layer could not be resolved.
func resolveError(rel string, err error) error {
	switch {
	case errors.Is(err, unix.ELOOP):
		return fmt.Errorf("path %q goes through a symlink: %w", rel, err)
	case errors.Is(err, unix.ENOTDIR):
		return fmt.Errorf("path %q goes through a non-directory: %w", rel, err)
	case errors.Is(err, unix.EXDEV):
		return fmt.Errorf("path %q crosses a mount point: %w", rel, err)
	}
	return fmt.Errorf("resolve %q in layer: %w", rel, err)
}

// splitParent splits a clean relative path into its parent directory and base.
func splitParent(rel string) (string, string) {
	dir, base := path.Split(rel)
	if dir == "" {
		return ".", base
	}
	return strings.TrimSuffix(dir, "/"), base
}

// removeAt removes name from the directory pfd, recursively if it is a
// directory. It reports whether a directory was removed.
func removeAt(pfd int, name string) (bool, error) {
	err := unix.Unlinkat(pfd, name, 0)
	switch {
	case err == nil, errors.Is(err, unix.ENOENT):
		return false, nil
	case errors.Is(err, unix.EISDIR):
		return true, removeAllAt(pfd, name)
	}
	return false, fmt.Errorf("remove %q: %w", name, err)
}

// removeAllAt removes the directory name under pfd and everything in it,
// without following symlinks.
func removeAllAt(pfd int, name string) error {
	fd, err := unix.Openat(pfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %q for removal: %w", name, err)
	}
	names, err := readNames(fd)
	if err != nil {
		unix.Close(fd)
		return err
	}
	for _, n := range names {
		if _, err := removeAt(fd, n); err != nil {
			unix.Close(fd)
			return err
		}
	}
	unix.Close(fd)
	if err := unix.Unlinkat(pfd, name, unix.AT_REMOVEDIR); err != nil {
		return fmt.Errorf("remove directory %q: %w", name, err)
	}
	return nil
}

// readNames lists the directory open at fd (which stays open).
func readNames(fd int) ([]string, error) {
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("dup directory fd: %w", err)
	}
	f := os.NewFile(uintptr(dup), "dir")
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("read directory: %w", err)
	}
	return names, nil
}

// fdPath names the entry base in directory fd through /proc, for calls that
// have no *at form (lsetxattr, llistxattr). Only the directory is reached
// through the magic link; base itself is never followed by the l* calls.
func fdPath(fd int, base string) string {
	return fmt.Sprintf("/proc/self/fd/%d/%s", fd, base)
}
