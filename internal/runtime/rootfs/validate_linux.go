package rootfs

import (
	"fmt"
	"path"

	"github.com/hull-project/hull/internal/errdefs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Validate checks c before anything is mounted. Errors are
// errdefs.ErrInvalidArgument, or errdefs.ErrNotImplemented for idmapped
// mounts.
//
// Relative mount destinations are accepted as relative to "/" (runc 1.2).
// Unknown mount types go to mount(2) as they are, and so do options that
// are not mount flags: they are the file system's data ("size=64m",
// "newinstance"). A bind mount has no data, so an unknown word there is an
// error.
func Validate(c *Config) error {
	if !path.IsAbs(c.Rootfs) {
		return invalid("rootfs %q is not an absolute path", c.Rootfs)
	}
	if _, ok := propagationOptions[c.RootfsPropagation]; !ok && c.RootfsPropagation != "" {
		return invalid("unknown rootfs propagation %q", c.RootfsPropagation)
	}
	for _, m := range c.Mounts {
		if err := validateMount(m); err != nil {
			return err
		}
	}
	for _, d := range c.Devices {
		if err := validateDevice(d); err != nil {
			return err
		}
	}
	for _, lists := range []struct {
		name  string
		paths []string
	}{{"masked", c.MaskedPaths}, {"readonly", c.ReadonlyPaths}} {
		for _, p := range lists.paths {
			if !path.IsAbs(p) {
				return invalid("%s path %q is not absolute", lists.name, p)
			}
		}
	}
	return nil
}

func validateMount(m specs.Mount) error {
	if m.Destination == "" {
		return invalid("mount of %q has no destination", m.Source)
	}
	e := newEntry(m)
	for _, opt := range m.Options {
		if opt == "" {
			return invalid("mount on %s: empty option", e.dest)
		}
	}
	switch {
	case e.dest == "/":
		return invalid("mount on /: the root is root.path, not a mount")
	case e.opts.idmap:
		return errdefs.NotImplemented(fmt.Sprintf("mount on %s: idmapped mounts are not supported", e.dest))
	case e.typ == "":
		return invalid("mount on %s: no type and no bind option", e.dest)
	case e.typ == "bind" && e.source == "":
		return invalid("bind mount on %s: no source", e.dest)
	case e.typ == "bind" && len(e.opts.bare) > 0:
		return invalid("bind mount on %s: unknown option %q", e.dest, e.opts.bare[0])
	case e.typ == "proc" && e.dest != "/proc":
		return invalid("proc may only be mounted on /proc, not %s", e.dest)
	case e.opts.copyUp && e.typ != "tmpfs":
		return invalid("mount on %s: tmpcopyup is for tmpfs only", e.dest)
	}
	return nil
}

func validateDevice(d specs.LinuxDevice) error {
	if !path.IsAbs(d.Path) || cleanDest(d.Path) == "/" {
		return invalid("device path %q is not an absolute file path", d.Path)
	}
	if _, err := fileType(d.Type); err != nil {
		return invalid("device %s: %v", d.Path, err)
	}
	if d.Major < 0 || d.Minor < 0 || d.Major > 0xfff || d.Minor > 0xfffff {
		return invalid("device %s: bad number %d:%d", d.Path, d.Major, d.Minor)
	}
	return nil
}

func invalid(format string, args ...any) error {
	return errdefs.InvalidArgument(fmt.Sprintf(format, args...))
}
