package rootfs

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Finish makes read-only and masks what the spec asks. It runs after Pivot,
// with the container's /proc mounted, and after sysctls are written, since
// /proc/sys is usually read-only afterwards.
func Finish(c *Config) error {
	return finish(c, sysMounter{}, "/")
}

// finish is Finish's sequence, with the root directory as a parameter so it
// can be planned on a directory in tests.
func finish(c *Config, m mounter, rootDir string) error {
	if err := Validate(c); err != nil {
		return err
	}
	r, err := openRoot(rootDir)
	if err != nil {
		return err
	}
	defer r.close()
	s := &setup{c: c, m: m, root: r}
	// 1. Read-only tmpfs and /dev mounts stayed writable while they were
	// filled; now they become what the spec says.
	for _, mnt := range c.Mounts {
		if e := newEntry(mnt); delayedReadonly(e) {
			if err := s.remount(e.dest, e.opts); err != nil {
				return fmt.Errorf("make %s read-only: %w", e.dest, err)
			}
		}
	}
	// 2. Readonly and masked paths, over the mounts of step 1.
	for _, p := range c.ReadonlyPaths {
		if err := s.readonlyPath(p); err != nil {
			return fmt.Errorf("make %s read-only: %w", p, err)
		}
	}
	for _, p := range c.MaskedPaths {
		if err := s.maskPath(p); err != nil {
			return fmt.Errorf("mask %s: %w", p, err)
		}
	}
	// 3. The root, once nothing more is created in it.
	if c.Readonly {
		if err := s.remount("/", mountOptions{flags: unix.MS_RDONLY}); err != nil {
			return fmt.Errorf("make / read-only: %w", err)
		}
	}
	// 4. Propagation last, so a peer never sees the steps above half done.
	if c.RootfsPropagation == "" {
		return nil
	}
	return s.root.at("/", func(target, _ string) error {
		if err := m.mount("", target, "", propagationOptions[c.RootfsPropagation], ""); err != nil {
			return fmt.Errorf("set rootfs propagation %s: %w", c.RootfsPropagation, err)
		}
		return nil
	})
}

// remount applies o to the mount at p with MS_BIND|MS_REMOUNT, keeping the
// flags the mount has (and may have locked).
func (s *setup) remount(p string, o mountOptions) error {
	return s.root.at(p, func(target, _ string) error {
		cur, err := s.m.flags(target)
		if err != nil {
			return err
		}
		return s.m.mount("", target, "", bindRemountFlags(o, cur), "")
	})
}

// readonlyPath binds p onto itself and makes the bind read-only, keeping
// nosuid, nodev, noexec (and the atime mode) of the mount it is in. A
// missing path is skipped.
func (s *setup) readonlyPath(p string) error {
	err := s.root.at(p, func(target, _ string) error {
		return s.m.mount(target, target, "", unix.MS_BIND|unix.MS_REC, "")
	})
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.remount(p, mountOptions{flags: unix.MS_RDONLY})
}

// maskPath hides p: a directory under an empty read-only tmpfs, anything
// else under a bind of /dev/null. A missing path is skipped.
func (s *setup) maskPath(p string) error {
	st, err := s.root.stat(p)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.root.at(p, func(target, _ string) error {
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			return s.m.mount("tmpfs", target, "tmpfs", unix.MS_RDONLY, "")
		}
		return s.m.mount("/dev/null", target, "", unix.MS_BIND, "")
	})
}
