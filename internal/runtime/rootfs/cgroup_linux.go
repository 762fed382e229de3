package rootfs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// cgroupRoot is where the host's cgroup hierarchies are mounted.
const cgroupRoot = "/sys/fs/cgroup"

// hierarchy is one cgroup hierarchy mounted on the host.
type hierarchy struct {
	mountpoint  string // e.g. /sys/fs/cgroup/cpu,cpuacct, or /sys/fs/cgroup itself on a pure v2 host
	v2          bool
	controllers string // v1: the controllers (or name=...) as mount(2)'s data
	own         string // host path of this process's cgroup in it
}

// procCgroup is one line of /proc/self/cgroup.
type procCgroup struct {
	controllers []string // empty for v2
	path        string
}

func parseProcCgroup(b []byte) []procCgroup {
	var out []procCgroup
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		pc := procCgroup{path: parts[2]}
		if parts[1] != "" {
			pc.controllers = strings.Split(parts[1], ",")
		}
		out = append(out, pc)
	}
	return out
}

// hierarchies finds the cgroup hierarchies under /sys/fs/cgroup and this
// process's cgroup in each. A stacked mountpoint counts once (the top one).
func hierarchies(mounts []mountInfo, own []procCgroup) []hierarchy {
	var out []hierarchy
	for _, mi := range mounts {
		if mi.fstype != "cgroup" && mi.fstype != "cgroup2" {
			continue
		}
		if mi.mountpoint != cgroupRoot && path.Dir(mi.mountpoint) != cgroupRoot {
			continue
		}
		h, ok := newHierarchy(mi, own)
		if !ok {
			continue
		}
		out = slices.DeleteFunc(out, func(o hierarchy) bool { return o.mountpoint == h.mountpoint })
		out = append(out, h)
	}
	return out
}

func newHierarchy(mi mountInfo, own []procCgroup) (hierarchy, bool) {
	h := hierarchy{mountpoint: mi.mountpoint, v2: mi.fstype == "cgroup2"}
	for _, pc := range own {
		if h.v2 != (len(pc.controllers) == 0) {
			continue
		}
		if !h.v2 && !containsAll(mi.superOpts, pc.controllers) {
			continue
		}
		h.controllers = strings.Join(pc.controllers, ",")
		h.own = mi.mountpoint
		if pathHasPrefix(pc.path, mi.root) {
			h.own = path.Join(mi.mountpoint, strings.TrimPrefix(pc.path, mi.root))
		}
		return h, true
	}
	return h, false
}

func containsAll(set, items []string) bool {
	for _, it := range items {
		if !slices.Contains(set, it) {
			return false
		}
	}
	return len(items) > 0
}

// unifiedOnly reports a pure cgroup v2 host.
func unifiedOnly(hs []hierarchy) bool {
	return len(hs) == 1 && hs[0].v2 && hs[0].mountpoint == cgroupRoot
}

// cgroupMount is one mount of a cgroup plan, with what to bind instead if a
// fresh cgroup2 mount is refused (a user namespace without cgroupns).
type cgroupMount struct {
	entry
	fallback *entry
}

// cgroupPlan expands an OCI "cgroup" mount, following runc:
//   - pure v2: a fresh cgroup2 with its own cgroup namespace, else a bind of
//     this process's cgroup;
//   - v1 or hybrid: a tmpfs, and in it one mount per hierarchy named as on
//     the host: fresh cgroup (or cgroup2 for "unified") mounts, which show
//     the namespace's root, with a cgroup namespace; else binds of this
//     process's cgroup in each. Co-mounted controllers get symlinks
//     (cpu -> cpu,cpuacct).
func cgroupPlan(e entry, hs []hierarchy, cgroupNS bool) (mounts []cgroupMount, links [][2]string) {
	if unifiedOnly(hs) {
		bind := cgroupBind(e, hs[0].own, e.dest)
		if !cgroupNS {
			return []cgroupMount{{entry: bind}}, nil
		}
		fresh := e
		fresh.typ = "cgroup2"
		return []cgroupMount{{entry: fresh, fallback: &bind}}, nil
	}
	tmpfs := entry{source: "tmpfs", dest: e.dest, typ: "tmpfs", opts: mountOptions{
		flags: defaultMountFlags, data: []string{"mode=755"}, propagation: e.opts.propagation,
	}}
	mounts = append(mounts, cgroupMount{entry: tmpfs})
	for _, h := range hs {
		base := path.Base(h.mountpoint)
		dest := path.Join(e.dest, base)
		bind := cgroupBind(e, h.own, dest)
		if !cgroupNS {
			mounts = append(mounts, cgroupMount{entry: bind})
		} else {
			mounts = append(mounts, cgroupMount{entry: freshCgroup(e, h, dest), fallback: &bind})
		}
		if strings.Contains(base, ",") {
			for _, ctrl := range strings.Split(base, ",") {
				links = append(links, [2]string{base, path.Join(e.dest, ctrl)})
			}
		}
	}
	return mounts, links
}

// cgroupBind binds src (on the host) to dest with e's options.
func cgroupBind(e entry, src, dest string) entry {
	b := entry{source: src, dest: dest, typ: "bind", opts: e.opts}
	b.opts.flags |= unix.MS_BIND | unix.MS_REC
	return b
}

// freshCgroup mounts hierarchy h anew, nosuid/nodev/noexec, read-only if e is.
func freshCgroup(e entry, h hierarchy, dest string) entry {
	opts := mountOptions{flags: defaultMountFlags | e.opts.flags&unix.MS_RDONLY, propagation: e.opts.propagation}
	if h.v2 {
		return entry{source: "cgroup2", dest: dest, typ: "cgroup2", opts: opts}
	}
	opts.data = []string{h.controllers}
	return entry{source: "cgroup", dest: dest, typ: "cgroup", opts: opts}
}

// mountCgroup makes the mounts of cgroupPlan, then the symlinks, then makes
// the v1 tmpfs read-only if the mount is.
func (s *setup) mountCgroup(e entry) error {
	hs, err := s.hierarchies()
	if err != nil {
		return err
	}
	if len(hs) == 0 {
		return errors.New("no cgroup hierarchy found under " + cgroupRoot)
	}
	mounts, links := cgroupPlan(e, hs, s.c.CgroupNS)
	for _, m := range mounts {
		err := s.mountPart(m.entry)
		if err != nil && m.fallback != nil && (errors.Is(err, unix.EPERM) || errors.Is(err, unix.EBUSY)) {
			err = s.mountPart(*m.fallback)
		}
		if err != nil {
			return err
		}
	}
	for _, l := range links {
		if err := s.root.symlink(l[0], l[1]); err != nil {
			return err
		}
	}
	if unifiedOnly(hs) || e.opts.flags&unix.MS_RDONLY == 0 {
		return nil
	}
	return s.root.at(e.dest, func(target, _ string) error {
		return s.m.mount("", target, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY|defaultMountFlags, "")
	})
}

// mountPart makes one mount of a cgroup plan: a bind, a tmpfs, or a fresh
// cgroup or cgroup2 file system.
func (s *setup) mountPart(e entry) error {
	var err error
	switch e.typ {
	case "bind":
		err = s.mountBind(e)
	case "tmpfs":
		err = s.mountTmpfs(e)
	default:
		err = s.mountFS(e, e.opts.dataString())
	}
	if err != nil {
		return fmt.Errorf("mount %s on %s (type %s): %w", e.source, e.dest, e.typ, err)
	}
	return nil
}

func (s *setup) hierarchies() ([]hierarchy, error) {
	mi, err := s.host.mountinfo()
	if err != nil {
		return nil, err
	}
	mounts, err := parseMountinfo(mi)
	if err != nil {
		return nil, err
	}
	own, err := s.host.cgroup()
	if err != nil {
		return nil, fmt.Errorf("read own cgroup: %w", err)
	}
	return hierarchies(mounts, parseProcCgroup(own)), nil
}
