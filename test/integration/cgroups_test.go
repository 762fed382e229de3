package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestCgroupsMemoryOOMKill: under a 32 MB limit without swap, busybox tail
// reading /dev/zero (one endless line) is OOM-killed with SIGKILL, and the
// cgroup counts the kill.
func TestCgroupsMemoryOOMKill(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "tail /dev/zero; echo status=$?; sleep 100")
	limit := int64(32 << 20)
	c.spec.Linux.Resources.Memory = &specs.LinuxMemory{Limit: &limit, Swap: &limit}
	c.writeSpec()
	c.runDetached()
	c.waitOutput("status=")
	if out := c.stdout(); !strings.Contains(out, "status=137") {
		t.Fatalf("tail ended with %q, want status=137 (SIGKILL)\nstderr:\n%s", out, c.stderr())
	}
	pid := c.pid()
	dir, v2 := cgroupDir(t, pid, "memory")
	file, key := "memory.oom_control", "oom_kill"
	if v2 {
		file = "memory.events"
	}
	if n := keyedValue(t, filepath.Join(dir, file), key); n < 1 {
		t.Fatalf("%s: %s = %d, want >= 1", file, key, n)
	}
	if got := cgroupValue(t, pid, "memory", "memory.limit_in_bytes", "memory.max"); got != strconv.FormatInt(limit, 10) {
		t.Errorf("memory limit = %s, want %d", got, limit)
	}
}

// TestCgroupsOOMKillsInit: when the container's init is the victim, the
// container stops and run reports the SIGKILL.
func TestCgroupsOOMKillsInit(t *testing.T) {
	e := setup(t)
	c := e.newContainer("tail", "/dev/zero")
	limit := int64(32 << 20)
	c.spec.Linux.Resources.Memory = &specs.LinuxMemory{Limit: &limit, Swap: &limit}
	c.writeSpec()
	if _, errOut, code := c.runForeground(); code != 137 {
		t.Fatalf("run returned %d, want 137 (128+SIGKILL)\nstderr:\n%s", code, errOut)
	}
}

// keyedValue reads "key N" from a flat keyed cgroup file.
func keyedValue(t *testing.T, path, key string) int {
	t.Helper()
	for _, l := range lines(readFile(t, path)) {
		if f := strings.Fields(l); len(f) == 2 && f[0] == key {
			return atoi(t, f[1])
		}
	}
	t.Fatalf("%s has no %s:\n%s", path, key, readFile(t, path))
	return 0
}

// TestCgroupsPidsLimit: a pids limit of 10 stops a fork bomb.
func TestCgroupsPidsLimit(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "for i in $(seq 20); do sleep 5 & done; echo forked")
	limit := int64(10)
	c.spec.Linux.Resources.Pids = &specs.LinuxPids{Limit: &limit}
	c.writeSpec()
	out, errOut, _ := c.runForeground()
	if !strings.Contains(errOut, "can't fork") && !strings.Contains(errOut, "Resource temporarily unavailable") {
		t.Fatalf("20 forks under pids.max 10 all succeeded\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
}

// TestCgroupsResourcesAtCreate: resources in config.json reach the cgroup.
func TestCgroupsResourcesAtCreate(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	limit, swap, reservation := int64(48<<20), int64(64<<20), int64(24<<20)
	shares, quota, period := uint64(700), int64(30000), uint64(100000)
	c.spec.Linux.Resources.Memory = &specs.LinuxMemory{Limit: &limit, Swap: &swap, Reservation: &reservation}
	c.spec.Linux.Resources.CPU = &specs.LinuxCPU{Shares: &shares, Quota: &quota, Period: &period, Cpus: "0", Mems: "0"}
	pids := int64(50)
	c.spec.Linux.Resources.Pids = &specs.LinuxPids{Limit: &pids}
	c.writeSpec()
	c.create()
	checkCgroup(t, c.pid(), []cgroupCheck{
		{"memory", "memory.limit_in_bytes", "memory.max", strconv.FormatInt(limit, 10), ""},
		// v1 counts memory+swap; v2's swap.max is swap alone.
		{"memory", "memory.memsw.limit_in_bytes", "memory.swap.max", strconv.FormatInt(swap, 10), strconv.FormatInt(swap-limit, 10)},
		{"memory", "memory.soft_limit_in_bytes", "memory.low", strconv.FormatInt(reservation, 10), ""},
		{"cpuset", "cpuset.mems", "cpuset.mems", "0", ""},
		{"cpu", "cpu.shares", "cpu.weight", "700", "27"},
		{"cpu", "cpu.cfs_quota_us", "cpu.max", "30000", "30000 100000"},
		{"cpuset", "cpuset.cpus", "cpuset.cpus", "0", ""},
		{"pids", "pids.max", "pids.max", "50", ""},
	})
}

// TestCgroupsPath: cgroupsPath places the container where it says.
func TestCgroupsPath(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.spec.Linux.CgroupsPath = "/" + c.id + "-custom"
	c.writeSpec()
	e.mu.Lock()
	e.ids = append(e.ids, c.id+"-custom") // the leak check looks for it too
	e.mu.Unlock()
	c.create()
	for ctrl, dir := range cgroupDirs(t, c.pid()) {
		if ctrl != "name=systemd" && filepath.Base(dir) != c.id+"-custom" {
			t.Errorf("%s cgroup is %s, want .../%s-custom", ctrl, dir, c.id)
		}
	}
}

// TestCgroupsDevicesDenied: the default device rules deny what is not
// listed: mknod of a disk device fails even with CAP_MKNOD.
func TestCgroupsDevicesDenied(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "mknod /dev/hulldisk b 7 0 && head -c1 /dev/hulldisk; echo status=$?")
	c.spec.Process.Capabilities.Bounding = append(c.spec.Process.Capabilities.Bounding, "CAP_MKNOD")
	c.spec.Process.Capabilities.Effective = append(c.spec.Process.Capabilities.Effective, "CAP_MKNOD")
	c.spec.Process.Capabilities.Permitted = append(c.spec.Process.Capabilities.Permitted, "CAP_MKNOD")
	c.writeSpec()
	if out := c.output(); strings.Contains(out, "status=0") {
		t.Fatalf("a denied block device was usable: %q", out)
	}
}

// TestCgroupNamespace: with a cgroup namespace the container sees its
// cgroups as the root; without one, their host paths.
func TestCgroupNamespace(t *testing.T) {
	e := setup(t)
	c := e.newContainer("cat", "/proc/self/cgroup")
	for _, l := range lines(c.output()) {
		if parts := strings.SplitN(l, ":", 3); len(parts) == 3 && parts[2] != "/" {
			t.Errorf("with a cgroup namespace: %q, want path /", l)
		}
	}
	c2 := e.newContainer("cat", "/proc/self/cgroup")
	c2.removeNamespace(specs.CgroupNamespace)
	if out := c2.output(); !strings.Contains(out, c2.id) {
		t.Errorf("without a cgroup namespace the paths should name %s:\n%s", c2.id, out)
	}
}

// TestCgroupsHugetlb: a hugepage limit reaches the hugetlb controller,
// which on this machine's hybrid layout lives on the cgroup2 hierarchy alone.
func TestCgroupsHugetlb(t *testing.T) {
	if !isV2Only() {
		skipIfRunc(t, "runc 1.1 cannot set hugetlb limits when hugetlb sits on the cgroup2 part of a hybrid layout "+
			`("cannot set hugetlb limit: container could not join or create cgroup")`)
	}
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.spec.Linux.Resources.HugepageLimits = []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}
	c.writeSpec()
	c.create()
	dir, v2 := cgroupDir(t, c.pid(), "hugetlb")
	file := "hugetlb.2MB.limit_in_bytes"
	if v2 {
		file = "hugetlb.2MB.max"
	}
	if got := strings.TrimSpace(readFile(t, filepath.Join(dir, file))); got != strconv.Itoa(4<<20) {
		t.Fatalf("%s = %s, want %d", filepath.Join(dir, file), got, 4<<20)
	}
}

// isV2Only reports whether the host runs the unified hierarchy alone.
func isV2Only() bool {
	_, err := os.Stat("/sys/fs/cgroup/cgroup.controllers")
	return err == nil
}
