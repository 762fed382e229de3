package cgroups

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/hull-project/hull/internal/mountinfo"
)

// hierarchy is one mounted cgroup file system.
type hierarchy struct {
	mountpoint string   // where it is mounted, e.g. /sys/fs/cgroup/memory
	root       string   // the cgroup shown at mountpoint, "/" unless a bind mount
	unified    bool     // cgroup2
	names      []string // v1 only: controllers and "name=..." of the hierarchy
}

// host is the cgroup setup as the calling process sees it.
type host struct {
	hierarchies []hierarchy
	self        map[string]string // controller, "name=..." or "" (v2) -> own cgroup
}

// v1Controllers are the v1 controllers a container's cgroup is made on.
var v1Controllers = []string{
	"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio",
	"pids", "hugetlb", "net_cls", "net_prio", "perf_event", "rdma", "misc",
}

// systemdName is the named v1 hierarchy systemd keeps; containers join it too.
const systemdName = "name=systemd"

func readHost(mountinfoPath, selfCgroupPath string) (*host, error) {
	mi, err := os.Open(mountinfoPath)
	if err != nil {
		return nil, fmt.Errorf("read cgroup mounts: %w", err)
	}
	defer mi.Close()
	hs, err := parseMountinfo(mi)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", mountinfoPath, err)
	}
	sc, err := os.Open(selfCgroupPath)
	if err != nil {
		return nil, fmt.Errorf("read own cgroup: %w", err)
	}
	defer sc.Close()
	self, err := parseSelfCgroup(sc)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", selfCgroupPath, err)
	}
	return &host{hierarchies: hs, self: self}, nil
}

// parseMountinfo returns the cgroup and cgroup2 mounts of a
// /proc/<pid>/mountinfo text, keeping the first mount of each hierarchy.
func parseMountinfo(r io.Reader) ([]hierarchy, error) {
	var hs []hierarchy
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		h, ok, err := parseMountinfoLine(sc.Text())
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		key := strings.Join(h.names, ",") // "" for the cgroup2 hierarchy
		if seen[key] {
			continue
		}
		seen[key] = true
		hs = append(hs, h)
	}
	return hs, sc.Err()
}

// parseMountinfoLine reads one line:
//
//	36 35 98:0 /root /mnt/point rw,noatime master:1 - cgroup cgroup rw,memory
//
// ok is false for mounts of other file systems and v1 hierarchies no
// container joins.
func parseMountinfoLine(line string) (h hierarchy, ok bool, err error) {
	pre, post, found := strings.Cut(line, " - ")
	fields, tail := strings.Fields(pre), strings.Fields(post)
	if !found || len(fields) < 6 || len(tail) < 3 {
		return h, false, fmt.Errorf("bad mountinfo line %q", line)
	}
	h.root, h.mountpoint = mountinfo.Unescape(fields[3]), mountinfo.Unescape(fields[4])
	switch tail[0] {
	case "cgroup2":
		h.unified = true
		return h, true, nil
	case "cgroup":
		h.names = v1Names(tail[2])
		return h, len(h.names) > 0, nil
	}
	return h, false, nil
}

// v1Names picks the controllers and the systemd name out of a v1 mount's
// super options ("rw,cpu,cpuacct", "rw,xattr,name=systemd").
func v1Names(superOptions string) []string {
	var names []string
	for _, o := range strings.Split(superOptions, ",") {
		if o == systemdName || slices.Contains(v1Controllers, o) {
			names = append(names, o)
		}
	}
	return names
}

// parseSelfCgroup reads /proc/self/cgroup ("4:memory:/a/b", "0::/") into a
// map from each controller or "name=..." (or "" for v2) to the cgroup.
func parseSelfCgroup(r io.Reader) (map[string]string, error) {
	self := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("bad cgroup line %q", sc.Text())
		}
		if parts[1] == "" {
			self[""] = parts[2]
			continue
		}
		for _, name := range strings.Split(parts[1], ",") {
			self[name] = parts[2]
		}
	}
	return self, sc.Err()
}

// layout tells the layout from the mounts: v1 controllers with or without a
// cgroup2 mount, or cgroup2 alone.
func (h *host) layout() (Layout, error) {
	var v1, v2 bool
	for _, hy := range h.hierarchies {
		if hy.unified {
			v2 = true
		} else if hy.hasController() {
			v1 = true
		}
	}
	switch {
	case v1 && v2:
		return Hybrid, nil
	case v1:
		return Legacy, nil
	case v2:
		return Unified, nil
	}
	return 0, errors.New("no cgroup file system is mounted")
}

// hasController reports whether a v1 hierarchy has a real controller, not
// only a name.
func (hy hierarchy) hasController() bool {
	return slices.ContainsFunc(hy.names, func(n string) bool { return n != systemdName })
}

// selfKey is the key of /proc/self/cgroup for this hierarchy.
func (hy hierarchy) selfKey() string {
	if hy.unified {
		return ""
	}
	return hy.names[0]
}
