package integration

import (
	"path/filepath"
	"strconv"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// cgroupCheck is one cgroup file and the value an update must leave there
// (want on v1; want2, when set, on v2 where the file and unit differ).
type cgroupCheck struct {
	ctrl, v1File, v2File, want, want2 string
}

func checkCgroup(t *testing.T, pid int, checks []cgroupCheck) {
	t.Helper()
	for _, c := range checks {
		_, v2 := cgroupDir(t, pid, c.ctrl)
		want := c.want
		if v2 && c.want2 != "" {
			want = c.want2
		}
		if got := cgroupValue(t, pid, c.ctrl, c.v1File, c.v2File); got != want {
			t.Errorf("%s: %q, want %q", c.v1File, got, want)
		}
	}
}

func TestUpdateFlags(t *testing.T) {
	e := setup(t)
	c := runningContainer(e)
	pid := c.pid()
	mustRun(t, "update",
		"--memory", "64M",
		"--cpu-share", "512", // runc's spelling, which engines use
		"--cpu-period", "100000",
		"--cpu-quota", "50000",
		"--cpuset-cpus", "0",
		"--pids-limit", "42",
		c.id)
	checkCgroup(t, pid, []cgroupCheck{
		{"memory", "memory.limit_in_bytes", "memory.max", strconv.Itoa(64 << 20), ""},
		{"cpu", "cpu.shares", "cpu.weight", "512", "20"},
		{"cpu", "cpu.cfs_quota_us", "cpu.max", "50000", "50000 100000"},
		{"cpu", "cpu.cfs_period_us", "cpu.max", "100000", "50000 100000"},
		{"cpuset", "cpuset.cpus", "cpuset.cpus", "0", ""},
		{"pids", "pids.max", "pids.max", "42", ""},
	})
}

// TestUpdateCPUSharesAlias checks the --cpu-shares spelling the hull issue
// names, besides runc's --cpu-share.
func TestUpdateCPUSharesAlias(t *testing.T) {
	skipIfRunc(t, "runc 1.1 only knows --cpu-share")
	e := setup(t)
	c := runningContainer(e)
	mustRun(t, "update", "--cpu-shares", "300", c.id)
	checkCgroup(t, c.pid(), []cgroupCheck{{"cpu", "cpu.shares", "cpu.weight", "300", "12"}})
}

func TestUpdateResourcesFile(t *testing.T) {
	e := setup(t)
	c := runningContainer(e)
	pid := c.pid()
	limit, shares, quota, period, pids := int64(96<<20), uint64(256), int64(20000), uint64(100000), int64(17)
	r := specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: &limit},
		CPU:    &specs.LinuxCPU{Shares: &shares, Quota: &quota, Period: &period},
		Pids:   &specs.LinuxPids{Limit: &pids},
	}
	path := filepath.Join(t.TempDir(), "resources.json")
	writeJSON(t, path, r)
	mustRun(t, "update", "-r", path, c.id)
	checkCgroup(t, pid, []cgroupCheck{
		{"memory", "memory.limit_in_bytes", "memory.max", strconv.FormatInt(limit, 10), ""},
		{"cpu", "cpu.shares", "cpu.weight", "256", "10"},
		{"cpu", "cpu.cfs_quota_us", "cpu.max", "20000", "20000 100000"},
		{"pids", "pids.max", "pids.max", "17", ""},
	})
}

func TestUpdateStoppedFails(t *testing.T) {
	e := setup(t)
	c := e.newContainer("true")
	if _, errOut, code := c.runForeground("--keep"); code != 0 {
		t.Fatalf("run --keep: %s", errOut)
	}
	mustFail(t, "update", "--pids-limit", "10", c.id)
}
