package cgroups

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/internal/errdefs"
)

// A fake cgroup tree is plain directories and files in t.TempDir(), laid out
// as the kernel shows them. Only the files a test lists exist, so writes to
// any other file fail as they would on a kernel without it.

// fakeCgroup makes dir with files (name -> content), as the kernel shows a
// cgroup.
func fakeCgroup(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files["cgroup.procs"] += ""
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// assertFiles checks dir's files hold exactly the wanted contents.
func assertFiles(t *testing.T, dir string, want map[string]string) {
	t.Helper()
	for name, w := range want {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if string(b) != w {
			t.Errorf("%s = %q, want %q", name, b, w)
		}
	}
}

// fakeV1 is a legacy host in root with the given hierarchies (each a
// comma-separated list of controllers), the caller in each root cgroup.
func fakeV1(t *testing.T, hierarchies ...string) (*host, string) {
	root := t.TempDir()
	h := &host{self: map[string]string{}}
	for _, names := range hierarchies {
		mnt := filepath.Join(root, names)
		fakeCgroup(t, mnt, map[string]string{})
		h.hierarchies = append(h.hierarchies, hierarchy{mountpoint: mnt, root: "/", names: strings.Split(names, ",")})
		for _, n := range strings.Split(names, ",") {
			h.self[n] = "/"
		}
	}
	return h, root
}

func TestV1Create(t *testing.T) {
	h, root := fakeV1(t, "cpu,cpuacct", "cpuset", "memory", "pids", "blkio", "hugetlb", "net_cls,net_prio", "rdma", "name=systemd")
	fakeCgroup(t, root+"/cpuset", map[string]string{"cpuset.cpus": "0-3\n", "cpuset.mems": "0\n"})
	fakeCgroup(t, root+"/cpuset/hull", map[string]string{"cpuset.cpus": "\n", "cpuset.mems": "\n"})
	fakeCgroup(t, root+"/cpuset/hull/c1", map[string]string{"cpuset.cpus": "", "cpuset.mems": ""})
	fakeCgroup(t, root+"/cpu,cpuacct/hull/c1", files("cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us",
		"cpu.cfs_burst_us", "cpu.rt_period_us", "cpu.rt_runtime_us", "cpu.idle"))
	fakeCgroup(t, root+"/memory/hull/c1", files("memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
		"memory.soft_limit_in_bytes", "memory.swappiness", "memory.oom_control"))
	writeFake(t, root+"/memory/hull/c1/memory.limit_in_bytes", "9223372036854771712\n")
	fakeCgroup(t, root+"/pids/hull/c1", files("pids.max"))
	fakeCgroup(t, root+"/blkio/hull/c1", files("blkio.bfq.weight", "blkio.bfq.weight_device",
		"blkio.throttle.read_bps_device", "blkio.throttle.write_iops_device"))
	fakeCgroup(t, root+"/hugetlb/hull/c1", files("hugetlb.2MB.limit_in_bytes", "hugetlb.2MB.rsvd.limit_in_bytes"))
	fakeCgroup(t, root+"/net_cls,net_prio/hull/c1", files("net_cls.classid", "net_prio.ifpriomap"))
	fakeCgroup(t, root+"/rdma/hull/c1", files("rdma.max"))
	fakeCgroup(t, root+"/name=systemd/hull/c1", files())

	m, err := h.manager("/hull/c1", "c1")
	if err != nil {
		t.Fatal(err)
	}
	r := &specs.LinuxResources{
		CPU: &specs.LinuxCPU{
			Shares: ptr[uint64](512), Quota: ptr[int64](50000), Period: ptr[uint64](100000), Burst: ptr[uint64](1000),
			RealtimeRuntime: ptr[int64](950000), RealtimePeriod: ptr[uint64](1000000), Idle: ptr[int64](1), Mems: "0",
		},
		Memory: &specs.LinuxMemory{
			Limit: ptr[int64](100 << 20), Swap: ptr[int64](200 << 20), Reservation: ptr[int64](50 << 20),
			Swappiness: ptr[uint64](10), DisableOOMKiller: ptr(true), Kernel: ptr[int64](1 << 20),
		},
		Pids: &specs.LinuxPids{Limit: ptr[int64](100)},
		BlockIO: &specs.LinuxBlockIO{
			Weight:                  ptr[uint16](500),
			WeightDevice:            []specs.LinuxWeightDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8}, Weight: ptr[uint16](300)}},
			ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8}, Rate: 1 << 20}},
			ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 16}, Rate: 100}},
		},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}},
		Network:        &specs.LinuxNetwork{ClassID: ptr[uint32](0x100001), Priorities: []specs.LinuxInterfacePriority{{Name: "eth0", Priority: 5}}},
		Rdma:           map[string]specs.LinuxRdma{"mlx4_0": {HcaHandles: ptr[uint32](2), HcaObjects: ptr[uint32](2000)}},
	}
	if err := m.Create(r); err != nil {
		t.Fatal(err)
	}
	assertFiles(t, root+"/cpuset/hull", map[string]string{"cpuset.cpus": "0-3", "cpuset.mems": "0"})
	assertFiles(t, root+"/cpuset/hull/c1", map[string]string{"cpuset.cpus": "0-3", "cpuset.mems": "0"})
	assertFiles(t, root+"/cpu,cpuacct/hull/c1", map[string]string{
		"cpu.shares": "512", "cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "50000", "cpu.cfs_burst_us": "1000",
		"cpu.rt_period_us": "1000000", "cpu.rt_runtime_us": "950000", "cpu.idle": "1",
	})
	assertFiles(t, root+"/memory/hull/c1", map[string]string{
		"memory.limit_in_bytes": "104857600", "memory.memsw.limit_in_bytes": "209715200",
		"memory.soft_limit_in_bytes": "52428800", "memory.swappiness": "10", "memory.oom_control": "1",
	})
	assertFiles(t, root+"/pids/hull/c1", map[string]string{"pids.max": "100"})
	assertFiles(t, root+"/blkio/hull/c1", map[string]string{
		"blkio.bfq.weight": "500", "blkio.bfq.weight_device": "8:0 300",
		"blkio.throttle.read_bps_device": "8:0 1048576", "blkio.throttle.write_iops_device": "8:16 100",
	})
	assertFiles(t, root+"/hugetlb/hull/c1", map[string]string{
		"hugetlb.2MB.limit_in_bytes": "4194304", "hugetlb.2MB.rsvd.limit_in_bytes": "4194304",
	})
	assertFiles(t, root+"/net_cls,net_prio/hull/c1", map[string]string{"net_cls.classid": "1048577", "net_prio.ifpriomap": "eth0 5"})
	assertFiles(t, root+"/rdma/hull/c1", map[string]string{"rdma.max": "mlx4_0 hca_handle=2 hca_object=2000"})

	wantPaths := map[string]string{
		"cpu": root + "/cpu,cpuacct/hull/c1", "cpuacct": root + "/cpu,cpuacct/hull/c1", "cpuset": root + "/cpuset/hull/c1",
		"memory": root + "/memory/hull/c1", "pids": root + "/pids/hull/c1", "blkio": root + "/blkio/hull/c1",
		"hugetlb": root + "/hugetlb/hull/c1", "net_cls": root + "/net_cls,net_prio/hull/c1",
		"net_prio": root + "/net_cls,net_prio/hull/c1", "rdma": root + "/rdma/hull/c1",
		"name=systemd": root + "/name=systemd/hull/c1",
	}
	if got := m.Paths(); !reflect.DeepEqual(got, wantPaths) {
		t.Errorf("Paths() = %v, want %v", got, wantPaths)
	}
	if got := len(m.ProcsFiles()); got != 9 {
		t.Errorf("ProcsFiles() has %d files, want one per hierarchy (9): %v", got, m.ProcsFiles())
	}
	for _, f := range m.ProcsFiles() {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
}

// files lists empty files for fakeCgroup.
func files(names ...string) map[string]string {
	m := map[string]string{}
	for _, n := range names {
		m[n] = ""
	}
	return m
}

func writeFake(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestV1Refusals(t *testing.T) {
	h, root := fakeV1(t, "memory", "blkio", "cpu")
	fakeCgroup(t, root+"/memory/c1", files("memory.limit_in_bytes"))
	fakeCgroup(t, root+"/blkio/c1", files("blkio.throttle.read_bps_device"))
	fakeCgroup(t, root+"/cpu/c1", files("cpu.shares"))
	tests := []struct {
		name  string
		r     specs.LinuxResources
		words []string // the error must name these
	}{
		{"swap without accounting", specs.LinuxResources{Memory: &specs.LinuxMemory{
			Limit: ptr[int64](100), Swap: ptr[int64](200),
		}}, []string{"memory.swap", "swap accounting"}},
		{"swap below limit", specs.LinuxResources{Memory: &specs.LinuxMemory{
			Limit: ptr[int64](200), Swap: ptr[int64](100),
		}}, []string{"memory.swap"}},
		{"controller not mounted", specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](5)}},
			[]string{"pids", "not mounted"}},
		{"network not mounted", specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: ptr[uint32](1)}},
			[]string{"network.classID", "net_cls"}},
		{"no cfq", specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: ptr[uint16](100)}},
			[]string{"blockIO.weight", "blkio.weight"}},
		{"no file", specs.LinuxResources{CPU: &specs.LinuxCPU{Idle: ptr[int64](1)}}, []string{"cpu.idle", "cpu.idle"}},
		{"unified on v1", specs.LinuxResources{Unified: map[string]string{"memory.high": "1"}},
			[]string{`"memory.high"`, "no unified"}},
	}
	m, err := h.manager("c1", "c1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := m.Set(&tt.r)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.words {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	// Swap equal to the limit, or unlimited, needs no accounting; kernel
	// memory is ignored.
	ok := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](100), Swap: ptr[int64](100), Kernel: ptr[int64](5)}}
	if err := m.Set(ok); err != nil {
		t.Errorf("swap == limit: %v", err)
	}
	assertFiles(t, root+"/memory/c1", map[string]string{"memory.limit_in_bytes": "100"})
}

func TestV1FreezeStatsPids(t *testing.T) {
	h, root := fakeV1(t, "freezer", "memory", "cpuacct", "cpu", "pids")
	fakeCgroup(t, root+"/freezer/c1", map[string]string{"freezer.state": "THAWED\n", "cgroup.procs": "10\n11\n"})
	fakeCgroup(t, root+"/freezer/c1/sub", map[string]string{"cgroup.procs": "12\n"})
	fakeCgroup(t, root+"/memory/c1", map[string]string{
		"memory.stat": "cache 4096\nrss 8192\n", "memory.usage_in_bytes": "12288\n", "memory.max_usage_in_bytes": "16384\n",
		"memory.failcnt": "1\n", "memory.limit_in_bytes": "9223372036854771712\n",
		"memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n",
	})
	fakeCgroup(t, root+"/cpuacct/c1", map[string]string{
		"cpuacct.usage": "3000\n", "cpuacct.usage_percpu": "1000 2000 \n", "cpuacct.stat": "user 2\nsystem 1\n",
	})
	fakeCgroup(t, root+"/cpu/c1", map[string]string{"cpu.stat": "nr_periods 5\nnr_throttled 2\nthrottled_time 700\n"})
	fakeCgroup(t, root+"/pids/c1", map[string]string{"pids.current": "3\n", "pids.max": "max\n", "cgroup.procs": "10\n11\n"})
	m, err := h.manager("/c1", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	assertFiles(t, root+"/freezer/c1", map[string]string{"freezer.state": "FROZEN"})
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	assertFiles(t, root+"/freezer/c1", map[string]string{"freezer.state": "THAWED"})

	if pids, err := m.Pids(); err != nil || !reflect.DeepEqual(pids, []int{10, 11}) {
		t.Errorf("Pids() = %v, %v; want [10 11] from the pids hierarchy", pids, err)
	}
	if n, err := m.OOMKillCount(); err != nil || n != 3 {
		t.Errorf("OOMKillCount() = %d, %v; want 3", n, err)
	}
	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{
		CPU: CPUStats{
			Usage:      CPUUsage{Total: 3000, Percpu: []uint64{1000, 2000}, Kernel: 1e7, User: 2e7},
			Throttling: Throttling{Periods: 5, ThrottledPeriods: 2, ThrottledTime: 700},
		},
		Memory: MemoryStats{
			Cache: 4096,
			Usage: MemoryEntry{Limit: 9223372036854771712, Usage: 12288, Max: 16384, Failcnt: 1},
			Raw:   map[string]uint64{"cache": 4096, "rss": 8192},
		},
		Pids:    PidsStats{Current: 3},
		Hugetlb: map[string]HugetlbStats{},
	}
	if !reflect.DeepEqual(*s, want) {
		t.Errorf("Stats() = %+v\nwant %+v", *s, want)
	}
}

// fakeV2 is a unified host in root/unified with the cgroup "/a/c1" and the
// given controllers available everywhere.
func fakeV2(t *testing.T, controllers string, leaf map[string]string) (*host, string) {
	root := t.TempDir() + "/unified"
	for _, d := range []string{root, root + "/a"} {
		fakeCgroup(t, d, map[string]string{"cgroup.controllers": controllers + "\n", "cgroup.subtree_control": "\n"})
	}
	leaf["cgroup.controllers"] = controllers + "\n"
	fakeCgroup(t, root+"/a/c1", leaf)
	h := &host{
		hierarchies: []hierarchy{{mountpoint: root, root: "/", unified: true}},
		self:        map[string]string{"": "/a"},
	}
	return h, root
}

func TestV2Create(t *testing.T) {
	h, root := fakeV2(t, "cpuset cpu io memory hugetlb pids", map[string]string{
		"cpu.weight": "", "cpu.max": "max 100000\n", "cpu.max.burst": "", "memory.max": "", "memory.swap.max": "",
		"memory.low": "", "memory.high": "", "pids.max": "", "io.weight": "", "io.max": "", "hugetlb.2MB.max": "",
		"cpuset.cpus": "", "cpuset.mems": "",
	})
	m, err := h.manager("c1", "c1") // relative to the own cgroup, /a
	if err != nil {
		t.Fatal(err)
	}
	r := &specs.LinuxResources{
		CPU:    &specs.LinuxCPU{Shares: ptr[uint64](512), Quota: ptr[int64](50000), Burst: ptr[uint64](1000), Cpus: "1"},
		Memory: &specs.LinuxMemory{Limit: ptr[int64](100 << 20), Swap: ptr[int64](300 << 20), Reservation: ptr[int64](-1)},
		Pids:   &specs.LinuxPids{Limit: ptr[int64](0)},
		BlockIO: &specs.LinuxBlockIO{
			Weight:                ptr[uint16](500),
			ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8}, Rate: 1 << 20}},
		},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}},
		Unified:        map[string]string{"memory.high": "90000000"},
	}
	if err := m.Create(r); err != nil {
		t.Fatal(err)
	}
	enabled := "+cpuset +cpu +io +memory +hugetlb +pids"
	assertFiles(t, root, map[string]string{"cgroup.subtree_control": enabled})
	assertFiles(t, root+"/a", map[string]string{"cgroup.subtree_control": enabled})
	assertFiles(t, root+"/a/c1", map[string]string{
		"cpu.weight": "20", "cpu.max": "50000 100000", "cpu.max.burst": "1000", "cpuset.cpus": "1",
		"memory.max": "104857600", "memory.swap.max": "209715200", "memory.low": "max", "memory.high": "90000000",
		"pids.max": "max", "io.weight": "default 4950", "io.max": "8:0 rbps=1048576", "hugetlb.2MB.max": "4194304",
	})
	if got, want := m.Paths(), map[string]string{"": root + "/a/c1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Paths() = %v, want %v", got, want)
	}
	if got, want := m.ProcsFiles(), []string{root + "/a/c1/cgroup.procs"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ProcsFiles() = %v, want %v", got, want)
	}
}

func TestV2Refusals(t *testing.T) {
	h, _ := fakeV2(t, "cpu memory", files("cpu.weight", "memory.max"))
	m, err := h.manager("/a/c1", "c1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		r     specs.LinuxResources
		words []string
	}{
		{"swappiness", specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: ptr[uint64](1)}}, []string{"memory.swappiness"}},
		{"oom killer", specs.LinuxResources{Memory: &specs.LinuxMemory{DisableOOMKiller: ptr(true)}}, []string{"memory.disableOOMKiller"}},
		{"swap accounting", specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](1), Swap: ptr[int64](5)}},
			[]string{"memory.swap", "swap accounting"}},
		{"realtime", specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimeRuntime: ptr[int64](5)}}, []string{"cpu.realtimeRuntime"}},
		{"not enabled", specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](5)}}, []string{"pids", "not enabled"}},
		{"no v2 counterpart", specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: ptr[uint32](1)}},
			[]string{"network.classID", "net_cls", "v2"}},
		{"leaf weight", specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{LeafWeight: ptr[uint16](10)}}, []string{"blockIO"}},
		{"unified controller", specs.LinuxResources{Unified: map[string]string{"io.max": "8:0 rbps=1"}}, []string{`"io.max"`, "io"}},
		{"unified bad key", specs.LinuxResources{Unified: map[string]string{"../memory.max": "1"}}, []string{`"../memory.max"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := m.Set(&tt.r)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.words {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	// Unlimited swap needs no accounting.
	if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](-1)}}); err != nil {
		t.Errorf("unlimited memory: %v", err)
	}
}

func TestHybridUnifiedOnly(t *testing.T) {
	// The v1 hierarchies plus a unified one holding hugetlb, as here.
	h, root := fakeV1(t, "memory", "name=systemd")
	uroot := root + "/unified"
	fakeCgroup(t, uroot, map[string]string{"cgroup.controllers": "hugetlb\n", "cgroup.subtree_control": "\n"})
	fakeCgroup(t, uroot+"/c1", map[string]string{"cgroup.controllers": "hugetlb\n", "hugetlb.2MB.max": ""})
	fakeCgroup(t, root+"/memory/c1", files("memory.limit_in_bytes"))
	h.hierarchies = append(h.hierarchies, hierarchy{mountpoint: uroot, root: "/", unified: true})
	m, err := h.manager("", "c1")
	if err != nil {
		t.Fatal(err)
	}
	r := &specs.LinuxResources{
		Memory:         &specs.LinuxMemory{Limit: ptr[int64](1 << 20)},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 2 << 20}},
	}
	if err := m.Create(r); err != nil {
		t.Fatal(err)
	}
	assertFiles(t, uroot, map[string]string{"cgroup.subtree_control": "+hugetlb"})
	assertFiles(t, uroot+"/c1", map[string]string{"hugetlb.2MB.max": "2097152"})
	assertFiles(t, root+"/memory/c1", map[string]string{"memory.limit_in_bytes": "1048576"})
	want := map[string]string{"memory": root + "/memory/c1", "name=systemd": root + "/name=systemd/c1", "": uroot + "/c1"}
	if got := m.Paths(); !reflect.DeepEqual(got, want) {
		t.Errorf("Paths() = %v, want %v", got, want)
	}
	err = m.Set(&specs.LinuxResources{Unified: map[string]string{"memory.high": "5"}})
	if err == nil || !strings.Contains(err.Error(), `"memory.high"`) || !errors.Is(err, errdefs.ErrNotImplemented) {
		t.Errorf("unified memory key on hybrid: %v, want a not-supported error naming it", err)
	}
}

func TestV2FreezeStats(t *testing.T) {
	h, root := fakeV2(t, "cpu memory pids io hugetlb", map[string]string{
		"cgroup.freeze": "0\n", "cgroup.events": "populated 1\nfrozen 1\n", "cgroup.procs": "7\n",
		"cpu.stat":       "usage_usec 30\nuser_usec 20\nsystem_usec 10\nnr_periods 4\nnr_throttled 1\nthrottled_usec 5\n",
		"memory.stat":    "anon 100\nfile 200\n",
		"memory.current": "300\n", "memory.max": "max\n", "memory.peak": "400\n", "memory.events": "low 0\nmax 2\noom 1\noom_kill 1\n",
		"memory.swap.current": "50\n", "memory.swap.max": "max\n", "memory.swap.events": "max 0\n",
		"pids.current": "1\n", "pids.max": "10\n",
		"io.stat":             "8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n",
		"hugetlb.2MB.current": "0\n", "hugetlb.2MB.max": "max\n", "hugetlb.2MB.events": "max 0\n", "hugetlb.2MB.rsvd.max": "max\n",
	})
	fakeCgroup(t, root+"/a/c1/inner", map[string]string{"cgroup.procs": "8\n"})
	m, err := h.manager("/a/c1", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	assertFiles(t, root+"/a/c1", map[string]string{"cgroup.freeze": "1"})
	defer func(d time.Duration) { freezeTimeout = d }(freezeTimeout)
	freezeTimeout = 20 * time.Millisecond
	if err := m.Thaw(); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("Thaw() with cgroup.events stuck at frozen = %v, want a time-out", err)
	}
	if pids, err := m.Pids(); err != nil || !reflect.DeepEqual(pids, []int{7, 8}) {
		t.Errorf("Pids() = %v, %v; want [7 8], recursively", pids, err)
	}
	if n, err := m.OOMKillCount(); err != nil || n != 1 {
		t.Errorf("OOMKillCount() = %d, %v; want 1", n, err)
	}
	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	max := ^uint64(0)
	want := Stats{
		CPU: CPUStats{
			Usage:      CPUUsage{Total: 30000, User: 20000, Kernel: 10000},
			Throttling: Throttling{Periods: 4, ThrottledPeriods: 1, ThrottledTime: 5000},
		},
		Memory: MemoryStats{
			Cache: 200,
			Usage: MemoryEntry{Limit: max, Usage: 300, Max: 400, Failcnt: 2},
			Swap:  MemoryEntry{Limit: max, Usage: 350},
			Raw:   map[string]uint64{"anon": 100, "file": 200},
		},
		Pids: PidsStats{Current: 1, Limit: 10},
		Blkio: BlkioStats{
			IoServiceBytesRecursive: []BlkioEntry{{8, 0, "Read", 4096}, {8, 0, "Write", 0}, {8, 0, "Discard", 0}},
			IoServicedRecursive:     []BlkioEntry{{8, 0, "Read", 1}, {8, 0, "Write", 0}, {8, 0, "Discard", 0}},
		},
		Hugetlb: map[string]HugetlbStats{"2MB": {}},
	}
	if !reflect.DeepEqual(*s, want) {
		t.Errorf("Stats() = %+v\nwant %+v", *s, want)
	}
}

func TestLoad(t *testing.T) {
	paths := map[string]string{"memory": "/sys/fs/cgroup/memory/c1", "": "/sys/fs/cgroup/unified/c1"}
	m, err := Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Paths(); !reflect.DeepEqual(got, paths) {
		t.Errorf("Paths() = %v, want %v", got, paths)
	}
	for _, bad := range []map[string]string{nil, {"memory": "relative"}, {"": "/a/../b"}} {
		if _, err := Load(bad); !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("Load(%v) = %v, want invalid argument", bad, err)
		}
	}
}

func TestDestroy(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"v1/c1/x/y", "v1/c1/z", "v2/c1"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	m, err := Load(map[string]string{"memory": root + "/v1/c1", "pids": root + "/v1/c1", "": root + "/v2/c1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"v1/c1", "v2/c1"} {
		if _, err := os.Stat(filepath.Join(root, d)); !os.IsNotExist(err) {
			t.Errorf("%s: still there (%v)", d, err)
		}
	}
	if err := m.Destroy(); err != nil {
		t.Errorf("second Destroy: %v", err)
	}
}

func TestCreateRollsBack(t *testing.T) {
	h, root := fakeV1(t, "memory")
	m, err := h.manager("/hull/c1", "c1")
	if err != nil {
		t.Fatal(err)
	}
	// The made directories have no files, so the limit cannot be written.
	err = m.Create(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](1)}})
	if err == nil || !strings.Contains(err.Error(), "memory.limit") {
		t.Fatalf("Create() = %v, want a memory.limit error", err)
	}
	if _, err := os.Stat(root + "/memory/hull"); !os.IsNotExist(err) {
		t.Errorf("made directories left behind (%v)", err)
	}
}
