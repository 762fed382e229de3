package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Pivot makes the prepared rootfs the process's root and drops the old one
// from the mount namespace (with NoPivot: moves it onto "/" and chroots).
func Pivot(c *Config) error {
	return pivot(c, sysMounter{}, realHost())
}

func pivot(c *Config, m mounter, h host) error {
	if err := Validate(c); err != nil {
		return err
	}
	rootfs, err := filepath.EvalSymlinks(c.Rootfs)
	if err != nil {
		return fmt.Errorf("resolve rootfs: %w", err)
	}
	if c.NoPivot {
		err = moveRoot(m, h, rootfs)
	} else {
		err = pivotRoot(m, rootfs)
	}
	if err != nil {
		return err
	}
	if needsDev(c) {
		return reopenDevNull()
	}
	return nil
}

// pivotRoot uses pivot_root(".", "."), which needs no directory for the old
// root: afterwards "/" is the new root and "." the old one, stacked on the
// same mount point, and the old one is detached from there.
func pivotRoot(m mounter, rootfs string) error {
	oldroot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: "/", Err: err}
	}
	defer unix.Close(oldroot)
	newroot, err := unix.Open(rootfs, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: rootfs, Err: err}
	}
	defer unix.Close(newroot)
	if err := unix.Fchdir(newroot); err != nil {
		return fmt.Errorf("chdir to rootfs: %w", err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	// The kernel leaves "." at the old root today; make sure of it.
	if err := unix.Fchdir(oldroot); err != nil {
		return fmt.Errorf("chdir to old root: %w", err)
	}
	// rslave, not rprivate: the unmount must not reach the host, yet the
	// host may still be unmounting things we hold a copy of.
	if err := m.mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make old root rslave: %w", err)
	}
	if err := m.unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	return unix.Chdir("/")
}

// moveRoot is for NoPivot (e.g. a rootfs on a ramfs, where pivot_root
// fails): it moves the rootfs onto "/" and chroots. The host's proc and
// sysfs mounts stay reachable in the namespace after a chroot, and a full
// one lets the container mount a fresh unmasked one; so they are detached
// (or covered with a tmpfs if that fails) first, as runc does.
func moveRoot(m mounter, h host, rootfs string) error {
	if err := unix.Chdir(rootfs); err != nil {
		return &os.PathError{Op: "chdir", Path: rootfs, Err: err}
	}
	if err := hideHostKernelFS(m, h, rootfs); err != nil {
		return err
	}
	if err := m.mount(rootfs, "/", "", unix.MS_MOVE, ""); err != nil {
		return fmt.Errorf("move rootfs onto /: %w", err)
	}
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot: %w", err)
	}
	return unix.Chdir("/")
}

func hideHostKernelFS(m mounter, h host, rootfs string) error {
	b, err := h.mountinfo()
	if err != nil {
		return err
	}
	mounts, err := parseMountinfo(b)
	if err != nil {
		return err
	}
	for _, mi := range mounts {
		if mi.root != "/" || (mi.fstype != "proc" && mi.fstype != "sysfs") || pathHasPrefix(mi.mountpoint, rootfs) {
			continue
		}
		if err := hideMount(m, mi.mountpoint); err != nil {
			return fmt.Errorf("hide host %s at %s: %w", mi.fstype, mi.mountpoint, err)
		}
	}
	return nil
}

func hideMount(m mounter, p string) error {
	if err := m.mount("", p, "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil // a parent is gone already
		}
		return err
	}
	err := m.unmount(p, unix.MNT_DETACH)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EPERM) {
		return m.mount("tmpfs", p, "tmpfs", 0, "")
	}
	return err
}

// reopenDevNull points stdin, stdout and stderr that are the host's
// /dev/null at the container's one.
func reopenDevNull() error {
	f, err := os.OpenFile("/dev/null", os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	var null unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &null); err != nil {
		return err
	}
	for fd := 0; fd < 3; fd++ {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			continue // closed: nothing to repoint
		}
		if st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == null.Rdev {
			if err := unix.Dup3(int(f.Fd()), fd, 0); err != nil {
				return fmt.Errorf("reopen /dev/null as fd %d: %w", fd, err)
			}
		}
	}
	return nil
}

// BindConsole creates /dev/console and binds the pty slave onto it, as
// runc does. It runs after Pivot, so slavePath is a path inside the
// container (its devpts instance).
func BindConsole(slavePath string) error {
	return bindConsole(sysMounter{}, "/", slavePath)
}

func bindConsole(m mounter, rootDir, slavePath string) error {
	r, err := openRoot(rootDir)
	if err != nil {
		return err
	}
	defer r.close()
	old := unix.Umask(0)
	err = r.createFile("/dev/console", 0o666)
	unix.Umask(old)
	if err != nil {
		return err
	}
	err = r.at("/dev/console", func(target, _ string) error {
		return m.mount(slavePath, target, "bind", unix.MS_BIND, "")
	})
	if err != nil {
		return fmt.Errorf("mount %s on /dev/console (type bind): %w", slavePath, err)
	}
	return nil
}
