package rootfs

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// mountTmpfsCopyUp mounts a tmpfs and copies into it what the destination
// directory held (the "tmpcopyup" extension). The directory stays readable
// through a descriptor opened before the mount, so nothing has to be staged
// on the host.
func (s *setup) mountTmpfsCopyUp(e entry, data string) error {
	src, err := s.root.open(e.dest, unix.O_RDONLY|unix.O_DIRECTORY)
	if errors.Is(err, unix.ENOENT) {
		return s.mountFS(e, data) // nothing to copy
	}
	if err != nil {
		return err
	}
	defer unix.Close(src)
	if err := s.mountFS(e, data); err != nil {
		return err
	}
	dst, err := s.root.open(e.dest, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	defer unix.Close(dst)
	if sameFile(src, dst) {
		return nil // nothing was mounted over it
	}
	if err := copyDir(src, dst); err != nil {
		return fmt.Errorf("tmpcopyup: %w", err)
	}
	return nil
}

// copyDir copies the contents of the directory src into dst, keeping modes
// and owners. Every name is one component opened without following it.
func copyDir(src, dst int) error {
	fd, err := unix.Dup(src)
	if err != nil {
		return err
	}
	dir := os.NewFile(uintptr(fd), "tmpcopyup source")
	defer dir.Close()
	if _, err := dir.Seek(0, io.SeekStart); err != nil {
		return err
	}
	entries, err := dir.ReadDir(-1)
	if err != nil {
		return err
	}
	for _, ent := range entries {
		if err := copyEntry(src, dst, ent.Name()); err != nil {
			return fmt.Errorf("copy %s: %w", ent.Name(), err)
		}
	}
	return nil
}

func copyEntry(src, dst int, name string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(src, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	var err error
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		err = copySubdir(src, dst, name)
	case unix.S_IFREG:
		err = copyFile(src, dst, name)
	case unix.S_IFLNK:
		err = copySymlink(src, dst, name)
	case unix.S_IFSOCK:
		return nil // a socket is only meaningful to the process bound to it
	default:
		err = unix.Mknodat(dst, name, st.Mode, int(st.Rdev))
	}
	if err != nil {
		return err
	}
	if err := unix.Fchownat(dst, name, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return nil
	}
	// After chown, which clears set-id bits.
	return unix.Fchmodat(dst, name, st.Mode&0o7777, 0)
}

func copySubdir(src, dst int, name string) error {
	if err := unix.Mkdirat(dst, name, 0o700); err != nil {
		return err
	}
	from, err := unix.Openat(src, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(from)
	to, err := unix.Openat(dst, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(to)
	return copyDir(from, to)
}

func copyFile(src, dst int, name string) error {
	from, err := unix.Openat(src, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	in := os.NewFile(uintptr(from), name)
	defer in.Close()
	to, err := unix.Openat(dst, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	out := os.NewFile(uintptr(to), name)
	defer out.Close()
	_, err = io.Copy(out, in)
	return err
}

func copySymlink(src, dst int, name string) error {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(src, name, buf)
	if err != nil {
		return err
	}
	return unix.Symlinkat(string(buf[:n]), dst, name)
}
