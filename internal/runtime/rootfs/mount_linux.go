package rootfs

import (
	"errors"
	"fmt"
	"path"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// setup is one run of this package's steps: the config, the calls it makes
// and the root it resolves container paths in.
type setup struct {
	c    *Config
	m    mounter
	host host
	root *root
}

// entry is one mount to make, with its options read and its destination
// made absolute.
type entry struct {
	source, dest, typ string
	opts              mountOptions
}

// newEntry reads an OCI mount. Any type with the bind or rbind option (or
// the type "bind" alone) is a bind mount.
func newEntry(m specs.Mount) entry {
	e := entry{source: m.Source, dest: cleanDest(m.Destination), typ: m.Type, opts: parseOptions(m.Options)}
	if e.typ == "bind" {
		e.opts.flags |= unix.MS_BIND
	}
	if e.opts.isBind() {
		e.typ = "bind"
	}
	return e
}

// cleanDest makes a destination absolute and clean; runc 1.2 accepts
// relative destinations as relative to "/".
func cleanDest(dest string) string { return path.Join("/", dest) }

// delayedReadonly reports whether e is mounted writable first and made
// read-only only by Finish: files are still created in a read-only /dev or
// tmpfs (device nodes, tmpcopyup, submounts' mount points), as in runc.
func delayedReadonly(e entry) bool {
	return e.opts.flags&unix.MS_RDONLY != 0 && e.typ != "bind" && (e.typ == "tmpfs" || e.dest == "/dev")
}

// mountEntry makes one mount inside the rootfs.
func (s *setup) mountEntry(e entry) error {
	var err error
	switch e.typ {
	case "bind":
		err = s.mountBind(e)
	case "proc", "sysfs":
		err = s.mountKernelFS(e)
	case "tmpfs":
		err = s.mountTmpfs(e)
	case "cgroup":
		err = s.mountCgroup(e)
	default:
		err = s.mountFS(e, e.opts.dataString())
	}
	if err != nil {
		return fmt.Errorf("mount %s on %s (type %s): %w", e.source, e.dest, e.typ, err)
	}
	return nil
}

// mountFS creates the destination directory and mounts a file system of
// e's type on it, then applies propagation and recursive attributes.
func (s *setup) mountFS(e entry, data string) error {
	if err := checkProcDest(e.dest, e.typ == "proc"); err != nil {
		return err
	}
	if err := s.root.mkdirAll(e.dest); err != nil {
		return err
	}
	flags := e.opts.flags
	if delayedReadonly(e) {
		flags &^= unix.MS_RDONLY
	}
	err := s.root.at(e.dest, func(target, resolved string) error {
		if err := checkProcDest(resolved, e.typ == "proc"); err != nil {
			return err
		}
		// Later steps reopen the destination: use the path it resolved
		// to, as the mount may hide a symlink on the way (a link to its
		// parent).
		e.dest = resolved
		return s.m.mount(e.source, target, e.typ, flags, data)
	})
	if err != nil {
		return err
	}
	return s.afterMount(e)
}

// afterMount applies what mount(2) cannot do in the same call: propagation
// changes, and recursive attributes with mount_setattr(2). The destination
// is opened again, so the calls act on the new mount.
func (s *setup) afterMount(e entry) error {
	if len(e.opts.propagation) == 0 && !e.opts.hasRecAttr() {
		return nil
	}
	return s.root.at(e.dest, func(target, _ string) error {
		for _, p := range e.opts.propagation {
			if err := s.m.mount("", target, "", p, ""); err != nil {
				return fmt.Errorf("set propagation: %w", err)
			}
		}
		if !e.opts.hasRecAttr() {
			return nil
		}
		attr := e.opts.recAttr
		if err := s.m.setattr(target, unix.AT_RECURSIVE, &attr); err != nil {
			return fmt.Errorf("mount_setattr: %w", err)
		}
		return nil
	})
}

// mountKernelFS mounts proc or sysfs. They may only go on a real directory:
// mounting them through a symlink has been an attack before (runc's
// CVE-2019-19921 family).
func (s *setup) mountKernelFS(e entry) error {
	mode, err := s.root.lstatMode(e.dest)
	switch {
	case err == nil && mode&unix.S_IFMT != unix.S_IFDIR:
		return fmt.Errorf("%s must be mounted on a directory and %s is not one", e.typ, e.dest)
	case err != nil && !errors.Is(err, unix.ENOENT):
		return err
	}
	if e.typ != "sysfs" || s.c.NetNS {
		return s.mountFS(e, e.opts.dataString())
	}
	// Without its own network namespace a user namespace cannot mount
	// sysfs; bind the host's /sys instead, as runc does.
	if s.c.UserNS {
		return s.mountBind(sysfsBind(e))
	}
	err = s.mountFS(e, e.opts.dataString())
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EBUSY) {
		return s.mountBind(sysfsBind(e))
	}
	return err
}

// sysfsBind is the rbind of the host's /sys that stands in for a sysfs
// mount; the nosuid, nodev, noexec and ro options apply to every submount.
func sysfsBind(e entry) entry {
	b := e
	b.source, b.typ = "/sys", "bind"
	b.opts.flags |= unix.MS_BIND | unix.MS_REC
	for _, f := range []struct {
		ms   uintptr
		attr uint64
	}{
		{unix.MS_RDONLY, unix.MOUNT_ATTR_RDONLY},
		{unix.MS_NOSUID, unix.MOUNT_ATTR_NOSUID},
		{unix.MS_NODEV, unix.MOUNT_ATTR_NODEV},
		{unix.MS_NOEXEC, unix.MOUNT_ATTR_NOEXEC},
	} {
		if e.opts.flags&f.ms != 0 {
			b.opts.recAttr.Attr_set |= f.attr
		}
	}
	return b
}

// mountTmpfs mounts a tmpfs; one over an existing directory gets that
// directory's mode unless the options say otherwise.
func (s *setup) mountTmpfs(e entry) error {
	data := e.opts.dataString()
	st, err := s.root.stat(e.dest)
	switch {
	case err == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR:
		data = strings.TrimSuffix(fmt.Sprintf("mode=%04o,%s", st.Mode&0o7777, data), ",")
	case err != nil && !errors.Is(err, unix.ENOENT):
		return err
	}
	if e.opts.copyUp {
		return s.mountTmpfsCopyUp(e, data)
	}
	return s.mountFS(e, data)
}

// mountBind binds the host path e.source onto the destination (a directory
// or a file, as the source is), then remounts it to apply the flags, which
// the first MS_BIND call ignores.
func (s *setup) mountBind(e entry) error {
	isDir, err := s.host.isDir(e.source)
	if err != nil {
		return err // nothing to bind
	}
	isProc := isProcFS(e.source)
	if err := checkProcDest(e.dest, isProc); err != nil {
		return err
	}
	if isDir {
		err = s.root.mkdirAll(e.dest)
	} else {
		err = s.root.createFile(e.dest, 0o644)
	}
	if err != nil {
		return err
	}
	if e.opts.flags&unix.MS_REMOUNT == 0 { // "bind,remount" changes an existing mount's flags only
		err = s.root.at(e.dest, func(target, resolved string) error {
			if err := checkProcDest(resolved, isProc); err != nil {
				return err
			}
			// Later steps reopen the destination by the path it resolved to.
			e.dest = resolved
			return s.m.mount(e.source, target, "bind", unix.MS_BIND|e.opts.flags&unix.MS_REC, "")
		})
	} else {
		e.dest, err = s.root.resolve(e.dest)
	}
	if err != nil {
		return err
	}
	if e.opts.needsBindRemount() {
		if err := s.bindRemount(e); err != nil {
			return err
		}
	}
	return s.afterMount(e)
}

// bindRemount applies e's flags to the bind mount at e.dest, keeping the
// locked flags of the mount it was bound from (see bindRemountFlags).
func (s *setup) bindRemount(e entry) error {
	return s.root.at(e.dest, func(target, _ string) error {
		cur, err := s.m.flags(target)
		if err != nil {
			return err
		}
		if err := s.m.mount("", target, "", bindRemountFlags(e.opts, cur), ""); err != nil {
			return fmt.Errorf("remount: %w", err)
		}
		return nil
	})
}

// allowedProcMounts are the files under /proc that may be covered: lxcfs
// emulates them so top and free show the container's numbers.
var allowedProcMounts = map[string]bool{
	"/proc/cpuinfo":                true,
	"/proc/diskstats":              true,
	"/proc/meminfo":                true,
	"/proc/stat":                   true,
	"/proc/swaps":                  true,
	"/proc/uptime":                 true,
	"/proc/loadavg":                true,
	"/proc/slabinfo":               true,
	"/proc/net/dev":                true,
	"/proc/sys/kernel/ns_last_pid": true,
}

// checkProcDest refuses mounts that would hide or fake parts of /proc:
// /proc itself takes only a proc file system, and below it only the lxcfs
// files may be covered.
func checkProcDest(dest string, isProc bool) error {
	switch {
	case dest == "/proc":
		if !isProc {
			return errors.New("only a proc file system may be mounted on /proc")
		}
		return nil
	case !strings.HasPrefix(dest, "/proc/") || allowedProcMounts[dest]:
		return nil
	}
	return fmt.Errorf("%s cannot be mounted because it is inside /proc", dest)
}

func isProcFS(p string) bool {
	var st unix.Statfs_t
	return unix.Statfs(p, &st) == nil && st.Type == unix.PROC_SUPER_MAGIC
}
