package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// device is a node to create under the rootfs.
type device struct {
	path         string
	typ          string // c, u, b or p
	major, minor int64
	mode         uint32 // permission bits
	uid, gid     uint32
}

// defaultDevices are the nodes every container gets (runc's defaults).
var defaultDevices = []device{
	{path: "/dev/null", typ: "c", major: 1, minor: 3, mode: 0o666},
	{path: "/dev/zero", typ: "c", major: 1, minor: 5, mode: 0o666},
	{path: "/dev/full", typ: "c", major: 1, minor: 7, mode: 0o666},
	{path: "/dev/random", typ: "c", major: 1, minor: 8, mode: 0o666},
	{path: "/dev/urandom", typ: "c", major: 1, minor: 9, mode: 0o666},
	{path: "/dev/tty", typ: "c", major: 5, minor: 0, mode: 0o666},
}

func deviceFromSpec(d specs.LinuxDevice) device {
	dev := device{path: cleanDest(d.Path), typ: d.Type, major: d.Major, minor: d.Minor, mode: 0o666}
	if d.FileMode != nil {
		dev.mode = uint32(d.FileMode.Perm())
	}
	if d.UID != nil {
		dev.uid = *d.UID
	}
	if d.GID != nil {
		dev.gid = *d.GID
	}
	return dev
}

// devicesToCreate is the spec's devices followed by the defaults the spec
// does not name.
func devicesToCreate(extra []specs.LinuxDevice) []device {
	var out []device
	named := map[string]bool{}
	for _, d := range extra {
		dev := deviceFromSpec(d)
		out = append(out, dev)
		named[dev.path] = true
	}
	for _, d := range defaultDevices {
		if !named[d.path] {
			out = append(out, d)
		}
	}
	return out
}

// fileType is the S_IF* type of a device type letter.
func fileType(typ string) (uint32, error) {
	switch typ {
	case "c", "u":
		return unix.S_IFCHR, nil
	case "b":
		return unix.S_IFBLK, nil
	case "p":
		return unix.S_IFIFO, nil
	}
	return 0, fmt.Errorf("unknown device type %q", typ)
}

// createDevices makes the device nodes with umask 0, so modes are exact.
func (s *setup) createDevices(skipPtmx bool) error {
	old := unix.Umask(0)
	defer unix.Umask(old)
	for _, d := range devicesToCreate(s.c.Devices) {
		if skipPtmx && d.path == "/dev/ptmx" {
			continue // a symlink to the devpts instance's ptmx
		}
		if err := s.createDevice(d); err != nil {
			return fmt.Errorf("create device %s: %w", d.path, err)
		}
	}
	return nil
}

// createDevice makes one node with mknod, or binds the host's node where
// mknod is not allowed (user namespaces). An existing node is kept.
func (s *setup) createDevice(d device) error {
	typ, err := fileType(d.typ)
	if err != nil {
		return err
	}
	dir, name := path.Split(d.path)
	if err := s.root.mkdirAll(dir); err != nil {
		return err
	}
	if s.c.UserNS {
		return s.bindDevice(d)
	}
	err = s.root.at(dir, func(target, _ string) error {
		dev := unix.Mkdev(uint32(d.major), uint32(d.minor))
		return s.m.mknod(target+"/"+name, typ|d.mode, dev, int(d.uid), int(d.gid))
	})
	switch {
	case errors.Is(err, unix.EEXIST):
		return nil
	case errors.Is(err, unix.EPERM):
		return s.bindDevice(d)
	}
	return err
}

// bindDevice binds the host's node at the same path onto an empty file.
func (s *setup) bindDevice(d device) error {
	if err := s.root.createFile(d.path, 0o666); err != nil {
		return err
	}
	return s.root.at(d.path, func(target, _ string) error {
		return s.m.mount(d.path, target, "bind", unix.MS_BIND, "")
	})
}

// devSymlinks creates /dev/fd, /dev/std{in,out,err} and, if the kernel has
// /proc/kcore, /dev/core.
func (s *setup) devSymlinks() error {
	links := [][2]string{
		{"/proc/self/fd", "/dev/fd"},
		{"/proc/self/fd/0", "/dev/stdin"},
		{"/proc/self/fd/1", "/dev/stdout"},
		{"/proc/self/fd/2", "/dev/stderr"},
	}
	if s.host.exists("/proc/kcore") {
		links = append(links, [2]string{"/proc/kcore", "/dev/core"})
	}
	for _, l := range links {
		if err := s.root.symlink(l[0], l[1]); err != nil {
			return err
		}
	}
	return nil
}

// ptmxSymlink makes /dev/ptmx point at the container's own devpts instance.
func (s *setup) ptmxSymlink() error {
	dev, err := s.root.open("/dev", unix.O_PATH|unix.O_DIRECTORY)
	if err != nil {
		return err
	}
	defer unix.Close(dev)
	if err := unix.Unlinkat(dev, "ptmx", 0); err != nil && err != unix.ENOENT {
		return &os.PathError{Op: "unlink", Path: "/dev/ptmx", Err: err}
	}
	if err := unix.Symlinkat("pts/ptmx", dev, "ptmx"); err != nil {
		return &os.LinkError{Op: "symlink", Old: "pts/ptmx", New: "/dev/ptmx", Err: err}
	}
	return nil
}
