package cgroups

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// These tests use the host's real cgroup hierarchies and need root.

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: uses the real cgroup hierarchies")
	}
}

func testName(t *testing.T) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "hull-test-" + hex.EncodeToString(b)
}

// assertGone fails if a directory called name is left under /sys/fs/cgroup.
func assertGone(t *testing.T, name string) {
	t.Helper()
	_ = filepath.WalkDir("/sys/fs/cgroup", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && strings.Contains(d.Name(), name) {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

func TestRealCgroup(t *testing.T) {
	requireRoot(t)
	layout, err := Mode()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("layout: %s", layout)
	name := testName(t)
	m, err := New("/"+name, "unused")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Destroy(); err != nil {
			t.Error(err)
		}
		assertGone(t, name)
	})

	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: ptr[int64](64 << 20)},
		Pids:   &specs.LinuxPids{Limit: ptr[int64](32)},
		CPU:    &specs.LinuxCPU{Shares: ptr[uint64](512), Quota: ptr[int64](50000), Period: ptr[uint64](100000), Cpus: "0"},
		Devices: []specs.LinuxDeviceCgroup{
			{Allow: false, Access: "rwm"},
			{Allow: true, Type: "c", Major: ptr[int64](1), Minor: ptr[int64](3), Access: "rwm"},
		},
	}
	if hugetlbAvailable(m.(*manager)) {
		r.HugepageLimits = []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}
	}
	if err := m.Create(r); err != nil {
		t.Fatal(err)
	}
	for _, f := range m.ProcsFiles() {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("procs file: %v", err)
		}
	}
	checkLimits(t, m, layout, r)

	cmd := exec.Command("sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	if err := m.Apply(pid); err != nil {
		t.Fatal(err)
	}
	pids, err := m.Pids()
	if err != nil || !slices.Contains(pids, pid) {
		t.Fatalf("Pids() = %v, %v; want %d in it", pids, err, pid)
	}

	checkFreeze(t, m, pid)
	checkStats(t, m, pid)

	if err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](0)}}); err != nil {
		t.Fatal(err)
	}
	if got := readTrim(t, m.Paths()["pids"], "pids.max"); m.Paths()["pids"] != "" && got != "max" {
		t.Errorf("pids.max after update = %q, want max", got)
	}

	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// TestRealRelativePath makes a cgroup under the test's own cgroups, which
// on the development machines is nested in the memory hierarchy.
func TestRealRelativePath(t *testing.T) {
	requireRoot(t)
	name := testName(t)
	m, err := New(name, "unused")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Destroy(); err != nil {
			t.Error(err)
		}
		assertGone(t, name)
	})
	h, err := readHost(mountinfoFile, selfCgroupFile)
	if err != nil {
		t.Fatal(err)
	}
	for key, dir := range m.Paths() {
		if own := h.self[key]; !strings.HasSuffix(dir, filepath.Join(own, name)) {
			t.Errorf("%q: %s is not under the own cgroup %s", key, dir, own)
		}
	}
	r := &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](8)}, CPU: &specs.LinuxCPU{Mems: "0"}}
	if err := m.Create(r); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	if err := m.Apply(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if pids, err := m.Pids(); err != nil || !slices.Contains(pids, cmd.Process.Pid) {
		t.Errorf("Pids() = %v, %v; want %d in it", pids, err, cmd.Process.Pid)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// hugetlbAvailable reports whether the cgroup can have 2MB page limits.
func hugetlbAvailable(m *manager) bool {
	if _, err := os.Stat("/sys/kernel/mm/hugepages/hugepages-2048kB"); err != nil {
		return false
	}
	if _, ok := m.v1["hugetlb"]; ok {
		return true
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(m.v2), "cgroup.controllers"))
	return m.v2 != "" && err == nil && slices.Contains(strings.Fields(string(b)), "hugetlb")
}

func readTrim(t *testing.T, dir, file string) string {
	t.Helper()
	if dir == "" {
		return ""
	}
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func checkLimits(t *testing.T, m Manager, layout Layout, r *specs.LinuxResources) {
	t.Helper()
	p := m.Paths()
	want := map[[2]string]string{}
	if layout == Unified {
		want[[2]string{p[""], "memory.max"}] = "67108864"
		want[[2]string{p[""], "pids.max"}] = "32"
		want[[2]string{p[""], "cpu.max"}] = "50000 100000"
		want[[2]string{p[""], "cpu.weight"}] = "20"
	} else {
		want[[2]string{p["memory"], "memory.limit_in_bytes"}] = "67108864"
		want[[2]string{p["pids"], "pids.max"}] = "32"
		want[[2]string{p["cpu"], "cpu.cfs_quota_us"}] = "50000"
		want[[2]string{p["cpu"], "cpu.shares"}] = "512"
		want[[2]string{p["cpuset"], "cpuset.cpus"}] = "0"
		want[[2]string{p["devices"], "devices.list"}] = "c 1:3 rwm"
	}
	if len(r.HugepageLimits) > 0 {
		dir, file := p["hugetlb"], "hugetlb.2MB.limit_in_bytes"
		if dir == "" {
			dir, file = p[""], "hugetlb.2MB.max"
		}
		want[[2]string{dir, file}] = "4194304"
	}
	for k, v := range want {
		if got := readTrim(t, k[0], k[1]); got != v {
			t.Errorf("%s/%s = %q, want %q", k[0], k[1], got, v)
		}
	}
}

func checkFreeze(t *testing.T, m Manager, pid int) {
	t.Helper()
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	t.Logf("frozen: %s", procState(t, pid))
	if d := m.Paths()["freezer"]; d != "" {
		if got := readTrim(t, d, "freezer.state"); got != "FROZEN" {
			t.Errorf("freezer.state = %q, want FROZEN", got)
		}
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	if d := m.Paths()["freezer"]; d != "" {
		if got := readTrim(t, d, "freezer.state"); got != "THAWED" {
			t.Errorf("freezer.state = %q, want THAWED", got)
		}
	}
	t.Logf("thawed: %s", procState(t, pid))
}

func procState(t *testing.T, pid int) string {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if s, ok := strings.CutPrefix(l, "State:"); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

func checkStats(t *testing.T, m Manager, pid int) {
	t.Helper()
	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.Pids.Current < 1 || s.Pids.Limit != 32 {
		t.Errorf("pids stats = %+v, want current >= 1, limit 32", s.Pids)
	}
	if s.Memory.Usage.Limit != 64<<20 {
		t.Errorf("memory limit stat = %d, want %d", s.Memory.Usage.Limit, 64<<20)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stats: %.300s", b)
	if n, err := m.OOMKillCount(); err != nil || n != 0 {
		t.Errorf("OOMKillCount() = %d, %v; want 0", n, err)
	}
}

// TestRealDeviceFilter loads the eBPF device filter into a cgroup on the
// host's cgroup2 hierarchy and checks that it decides device access.
func TestRealDeviceFilter(t *testing.T) {
	requireRoot(t)
	h, err := readHost(mountinfoFile, selfCgroupFile)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(h.hierarchies, func(hy hierarchy) bool { return hy.unified })
	if i < 0 {
		t.Skip("no cgroup2 hierarchy")
	}
	name := testName(t)
	dir := filepath.Join(h.hierarchies[i].mountpoint, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := removeTree(dir); err != nil {
			t.Error(err)
		}
		assertGone(t, name)
	})
	rules, err := deviceRules([]specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: ptr[int64](1), Minor: ptr[int64](3), Access: "rw"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second time replaces the first program
		if err := attachDeviceFilter(dir, rules); err != nil {
			t.Fatal(err)
		}
	}
	cg, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(cg)
	if ids, err := attachedPrograms(cg); err != nil || len(ids) != 1 {
		t.Errorf("attached programs = %v, %v; want one", ids, err)
	}
	run := func(path string) error {
		cmd := exec.Command("head", "-c1", path)
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: cg}
		return cmd.Run()
	}
	if err := run("/dev/null"); err != nil {
		t.Errorf("reading /dev/null (allowed): %v", err)
	}
	if err := run("/dev/zero"); err == nil {
		t.Error("reading /dev/zero (denied) succeeded")
	}
	if err := attachDeviceFilter(dir, []deviceRule{{allow: true, kind: 'a', major: -1, minor: -1, access: "rwm"}}); err != nil {
		t.Fatal(err)
	}
	if err := run("/dev/zero"); err != nil {
		t.Errorf("reading /dev/zero after allowing all: %v", err)
	}
}
