package rootfs

import (
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Prepare builds the container's mounts and devices under c.Rootfs. It runs
// in the container's init, in its new mount namespace, before Pivot.
func Prepare(c *Config) error {
	return prepare(c, sysMounter{}, realHost())
}

// prepare is the privileged sequence of Prepare; its order is the contract.
func prepare(c *Config, m mounter, h host) error {
	if err := Validate(c); err != nil {
		return err
	}
	rootfs, err := filepath.EvalSymlinks(c.Rootfs)
	if err != nil {
		return fmt.Errorf("resolve rootfs: %w", err)
	}
	// 1. Nothing mounted from here on may propagate back to the host: make
	// every mount a slave (or what RootfsPropagation asks, recursively).
	if err := m.mount("", "/", "", rootPropagation(c.RootfsPropagation), ""); err != nil {
		return fmt.Errorf("set propagation of /: %w", err)
	}
	// 2. pivot_root refuses a shared parent of the new root, and the bind
	// below would propagate through one: make the rootfs's parent private.
	if err := parentPrivate(m, h, rootfs); err != nil {
		return err
	}
	// 3. The rootfs becomes a mount point of its own, to pivot to.
	if err := m.mount(rootfs, rootfs, "bind", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind rootfs %s: %w", rootfs, err)
	}
	if err := m.mount("", rootfs, "", unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make rootfs %s private: %w", rootfs, err)
	}
	// 4. From here on every container path is resolved inside the rootfs.
	r, err := openRoot(rootfs)
	if err != nil {
		return err
	}
	defer r.close()
	s := &setup{c: c, m: m, host: h, root: r}
	// 5. The spec's mounts, in order: a later one may sit in an earlier one.
	for _, mnt := range c.Mounts {
		if err := s.mountEntry(newEntry(mnt)); err != nil {
			return err
		}
	}
	// 6. Devices go into the /dev the mounts made, unless it is the host's.
	if !needsDev(c) {
		return nil
	}
	return s.setupDev()
}

func (s *setup) setupDev() error {
	devpts := hasMountAt(s.c, "/dev/pts")
	if err := s.createDevices(devpts); err != nil {
		return err
	}
	if devpts {
		if err := s.ptmxSymlink(); err != nil {
			return err
		}
	}
	return s.devSymlinks()
}

// rootPropagation is the propagation "/" gets first: rslave by default, or
// the recursive form of the requested one.
func rootPropagation(p string) uintptr {
	if p == "" {
		return unix.MS_SLAVE | unix.MS_REC
	}
	return propagationOptions[p] | unix.MS_REC
}

// parentPrivate makes the mount holding rootfs private if it is shared.
func parentPrivate(m mounter, h host, rootfs string) error {
	b, err := h.mountinfo()
	if err != nil {
		return err
	}
	mounts, err := parseMountinfo(b)
	if err != nil {
		return err
	}
	parent, ok := mountOf(mounts, rootfs)
	if !ok || !hasOptional(parent, "shared:") {
		return nil
	}
	if err := m.mount("", parent.mountpoint, "", unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make %s private: %w", parent.mountpoint, err)
	}
	return nil
}

// needsDev reports whether devices are made: not when /dev is a bind of
// the host's.
func needsDev(c *Config) bool {
	for _, m := range c.Mounts {
		if e := newEntry(m); e.typ == "bind" && e.dest == "/dev" {
			return false
		}
	}
	return true
}

func hasMountAt(c *Config, dest string) bool {
	for _, m := range c.Mounts {
		if cleanDest(m.Destination) == dest {
			return true
		}
	}
	return false
}
