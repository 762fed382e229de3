package archive

import (
	"archive/tar"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// setFdMeta sets owner, mode and xattrs of an open file, in that order:
// chown clears setuid bits and security.capability.
func setFdMeta(fd int, hdr *tar.Header) error {
	if err := setOwner(fd, hdr); err != nil {
		return err
	}
	if err := unix.Fchmod(fd, uint32(hdr.Mode)&0o7777); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	return setFdXattrs(fd, hdr)
}

func setOwner(fd int, hdr *tar.Header) error {
	if err := unix.Fchown(fd, hdr.Uid, hdr.Gid); err != nil {
		return fmt.Errorf("chown %d:%d: %w", hdr.Uid, hdr.Gid, err)
	}
	return nil
}

func setFdXattrs(fd int, hdr *tar.Header) error {
	for _, x := range entryXattrs(hdr) {
		if err := unix.Fsetxattr(fd, x.name, x.value, 0); err != nil {
			return fmt.Errorf("set xattr %s: %w", x.name, err)
		}
	}
	return nil
}

// setPathMeta sets owner, mode (unless a symlink), xattrs and times of base
// in directory pfd, an entry that cannot be opened (symlink, device, fifo).
func setPathMeta(pfd int, base string, hdr *tar.Header, chmod bool) error {
	if err := unix.Fchownat(pfd, base, hdr.Uid, hdr.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("chown %d:%d: %w", hdr.Uid, hdr.Gid, err)
	}
	// Fchmodat follows symlinks; callers pass chmod only for an entry they
	// have just created as a device or fifo.
	if chmod {
		if err := unix.Fchmodat(pfd, base, uint32(hdr.Mode)&0o7777, 0); err != nil {
			return fmt.Errorf("chmod: %w", err)
		}
	}
	for _, x := range entryXattrs(hdr) {
		if err := unix.Lsetxattr(fdPath(pfd, base), x.name, x.value, 0); err != nil {
			return fmt.Errorf("set xattr %s: %w", x.name, err)
		}
	}
	return setTimes(pfd, base, hdr)
}

func setTimes(pfd int, base string, hdr *tar.Header) error {
	if err := unix.UtimesNanoAt(pfd, base, timespecs(hdr), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	return nil
}

// timespecs returns hdr's access and modification times; a missing access
// time is the modification time.
func timespecs(hdr *tar.Header) []unix.Timespec {
	atime := hdr.AccessTime
	if atime.IsZero() {
		atime = hdr.ModTime
	}
	return []unix.Timespec{timespec(atime), timespec(hdr.ModTime)}
}

func timespec(t time.Time) unix.Timespec {
	return unix.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}
