package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cgroupMount is one cgroup or cgroup2 mount of the host.
type cgroupMount struct {
	root, point string
	v2          bool
	options     []string // super options: controller names, name=...
}

// cgroupMounts parses the host's cgroup mounts from mountinfo.
func cgroupMounts(t testing.TB) []cgroupMount {
	t.Helper()
	var out []cgroupMount
	for _, line := range lines(readFile(t, "/proc/self/mountinfo")) {
		pre, post, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) < 5 || len(g) < 3 || (g[0] != "cgroup" && g[0] != "cgroup2") {
			continue
		}
		out = append(out, cgroupMount{root: f[3], point: f[4], v2: g[0] == "cgroup2",
			options: strings.Split(g[2], ",")})
	}
	return out
}

// cgroupDirs maps each of pid's cgroup controllers (v1 names such as
// "memory" or "name=systemd"; "" for the v2 hierarchy) to its directory.
func cgroupDirs(t testing.TB, pid int) map[string]string {
	t.Helper()
	mounts := cgroupMounts(t)
	dirs := map[string]string{}
	for _, line := range lines(readFile(t, fmt.Sprintf("/proc/%d/cgroup", pid))) {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, ctrl := range strings.Split(parts[1], ",") {
			if m, ok := findCgroupMount(mounts, ctrl); ok {
				rel := strings.TrimPrefix(parts[2], m.root)
				dirs[ctrl] = filepath.Join(m.point, rel)
			}
		}
	}
	return dirs
}

func findCgroupMount(mounts []cgroupMount, ctrl string) (cgroupMount, bool) {
	for _, m := range mounts {
		if ctrl == "" && m.v2 {
			return m, true
		}
		if ctrl != "" && !m.v2 && contains(m.options, ctrl) {
			return m, true
		}
	}
	return cgroupMount{}, false
}

// cgroupDir returns the directory holding controller ctrl's files for pid:
// the v1 hierarchy when there is one, else the v2 directory.
func cgroupDir(t testing.TB, pid int, ctrl string) (dir string, v2 bool) {
	t.Helper()
	dirs := cgroupDirs(t, pid)
	if d, ok := dirs[ctrl]; ok {
		return d, false
	}
	if d, ok := dirs[""]; ok {
		if ctrls, err := os.ReadFile(filepath.Join(d, "cgroup.controllers")); err == nil &&
			contains(strings.Fields(string(ctrls)), ctrl) {
			return d, true
		}
	}
	t.Fatalf("pid %d has no cgroup with the %s controller: %v", pid, ctrl, dirs)
	return "", false
}

// cgroupValue reads the first of files that exists in ctrl's directory of
// pid: a v1 name and its v2 equivalent.
func cgroupValue(t testing.TB, pid int, ctrl string, v1File, v2File string) string {
	t.Helper()
	dir, v2 := cgroupDir(t, pid, ctrl)
	name := v1File
	if v2 {
		name = v2File
	}
	return strings.TrimSpace(readFile(t, filepath.Join(dir, name)))
}
