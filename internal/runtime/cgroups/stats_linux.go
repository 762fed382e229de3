package cgroups

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// statCollector reads one controller's counters into Stats.
type statCollector struct {
	ctl    controller
	v1, v2 func(dir string, s *Stats) error // nil: nothing to read there
}

var statCollectors = []statCollector{
	{controller{v1: "cpuacct"}, cpuacctStatsV1, nil},
	{controller{v1: "cpu", v2: "cpu", core: true}, cpuThrottlingV1, cpuStatsV2},
	{memoryController, memoryStatsV1, memoryStatsV2},
	{controller{v1: "pids", v2: "pids"}, pidsStats, pidsStats},
	{controller{v1: "blkio", v2: "io"}, blkioStatsV1, ioStatsV2},
	{controller{v1: "hugetlb", v2: "hugetlb"}, hugetlbStatsV1, hugetlbStatsV2},
}

// Stats reads what the controllers in use count; a controller that is not
// mounted leaves its part zero.
func (m *manager) Stats() (*Stats, error) {
	s := &Stats{Hugetlb: map[string]HugetlbStats{}}
	for _, c := range statCollectors {
		t, err := m.locate(c.ctl)
		if err != nil {
			continue
		}
		read := c.v1
		if t.v2 {
			read = c.v2
		}
		if read == nil {
			continue
		}
		if err := read(t.dir, s); err != nil {
			return nil, fmt.Errorf("cgroup stats: %w", err)
		}
	}
	return s, nil
}

// userHZ is the unit of cpuacct.stat, fixed at 100 by the kernel ABI.
const userHZ = 100

func cpuacctStatsV1(dir string, s *Stats) error {
	u := &s.CPU.Usage
	var err error
	if u.Total, err = readUint(dir, "cpuacct.usage"); err != nil {
		return err
	}
	for file, dst := range map[string]*[]uint64{
		"cpuacct.usage_percpu":      &u.Percpu,
		"cpuacct.usage_percpu_sys":  &u.PercpuKernel,
		"cpuacct.usage_percpu_user": &u.PercpuUser,
	} {
		if *dst, err = readUintsIfExists(dir, file); err != nil {
			return err
		}
	}
	if exists(dir, "cpuacct.usage_sys") {
		if u.Kernel, err = readUint(dir, "cpuacct.usage_sys"); err != nil {
			return err
		}
		u.User, err = readUint(dir, "cpuacct.usage_user")
		return err
	}
	st, err := readKeyValues(dir, "cpuacct.stat")
	u.Kernel, u.User = st["system"]*(1e9/userHZ), st["user"]*(1e9/userHZ)
	return err
}

func readUintsIfExists(dir, file string) ([]uint64, error) {
	if !exists(dir, file) {
		return nil, nil
	}
	s, err := readFile(dir, file)
	if err != nil {
		return nil, err
	}
	return parseUints(s, filepath.Join(dir, file))
}

func cpuThrottlingV1(dir string, s *Stats) error {
	st, err := readKeyValues(dir, "cpu.stat")
	s.CPU.Throttling = Throttling{
		Periods:          st["nr_periods"],
		ThrottledPeriods: st["nr_throttled"],
		ThrottledTime:    st["throttled_time"],
	}
	return err
}

// cpuStatsV2 reads cpu.stat, whose times are in microseconds.
func cpuStatsV2(dir string, s *Stats) error {
	st, err := readKeyValues(dir, "cpu.stat")
	s.CPU.Usage.Total = st["usage_usec"] * 1000
	s.CPU.Usage.User = st["user_usec"] * 1000
	s.CPU.Usage.Kernel = st["system_usec"] * 1000
	s.CPU.Throttling = Throttling{
		Periods:          st["nr_periods"],
		ThrottledPeriods: st["nr_throttled"],
		ThrottledTime:    st["throttled_usec"] * 1000,
	}
	return err
}

func memoryStatsV1(dir string, s *Stats) error {
	raw, err := readKeyValues(dir, "memory.stat")
	if err != nil {
		return err
	}
	s.Memory.Raw, s.Memory.Cache = raw, raw["cache"]
	for _, e := range []struct {
		prefix string
		dst    *MemoryEntry
	}{
		{"memory", &s.Memory.Usage},
		{"memory.memsw", &s.Memory.Swap},
		{"memory.kmem", &s.Memory.Kernel},
		{"memory.kmem.tcp", &s.Memory.KernelTCP},
	} {
		if e.prefix != "memory" && !exists(dir, e.prefix+".usage_in_bytes") {
			continue
		}
		if *e.dst, err = memoryEntryV1(dir, e.prefix); err != nil {
			return err
		}
	}
	return nil
}

func memoryEntryV1(dir, prefix string) (MemoryEntry, error) {
	var e MemoryEntry
	for file, dst := range map[string]*uint64{
		".usage_in_bytes": &e.Usage, ".max_usage_in_bytes": &e.Max,
		".failcnt": &e.Failcnt, ".limit_in_bytes": &e.Limit,
	} {
		v, err := readUint(dir, prefix+file)
		if err != nil {
			return e, err
		}
		*dst = v
	}
	return e, nil
}

func memoryStatsV2(dir string, s *Stats) error {
	raw, err := readKeyValues(dir, "memory.stat")
	if err != nil {
		return err
	}
	s.Memory.Raw, s.Memory.Cache = raw, raw["file"]
	if s.Memory.Usage, err = memoryEntryV2(dir, "memory"); err != nil {
		return err
	}
	if !exists(dir, "memory.swap.current") {
		return nil
	}
	swap, err := memoryEntryV2(dir, "memory.swap")
	if err != nil {
		return err
	}
	// Report memory plus swap, as v1's memsw does.
	swap.Usage += s.Memory.Usage.Usage
	if swap.Limit != math.MaxUint64 && s.Memory.Usage.Limit != math.MaxUint64 {
		swap.Limit += s.Memory.Usage.Limit
	} else {
		swap.Limit = math.MaxUint64
	}
	s.Memory.Swap = swap
	return nil
}

// memoryEntryV2 reads <prefix>.current, .max, .peak (newer kernels) and
// the "max" count of .events, how often the limit was hit.
func memoryEntryV2(dir, prefix string) (MemoryEntry, error) {
	var e MemoryEntry
	var err error
	if e.Usage, err = readUint(dir, prefix+".current"); err != nil {
		return e, err
	}
	if e.Limit, err = readUint(dir, prefix+".max"); err != nil {
		return e, err
	}
	if exists(dir, prefix+".peak") {
		if e.Max, err = readUint(dir, prefix+".peak"); err != nil {
			return e, err
		}
	}
	ev, err := readKeyValues(dir, prefix+".events")
	e.Failcnt = ev["max"]
	return e, err
}

// pidsStats is the same on both versions; a limit of "max" reads as 0.
func pidsStats(dir string, s *Stats) error {
	var err error
	if s.Pids.Current, err = readUint(dir, "pids.current"); err != nil {
		return err
	}
	limit, err := readUint(dir, "pids.max")
	if limit == math.MaxUint64 {
		limit = 0
	}
	s.Pids.Limit = limit
	return err
}

func blkioStatsV1(dir string, s *Stats) error {
	for file, dst := range map[string]*[]BlkioEntry{
		"blkio.throttle.io_service_bytes_recursive": &s.Blkio.IoServiceBytesRecursive,
		"blkio.throttle.io_serviced_recursive":      &s.Blkio.IoServicedRecursive,
	} {
		text, err := readFile(dir, file)
		if err != nil {
			return err
		}
		if *dst, err = parseBlkioV1(text, filepath.Join(dir, file)); err != nil {
			return err
		}
	}
	return nil
}

func ioStatsV2(dir string, s *Stats) error {
	text, err := readFile(dir, "io.stat")
	if err != nil {
		return err
	}
	s.Blkio.IoServiceBytesRecursive, s.Blkio.IoServicedRecursive, err = parseIOStat(text, filepath.Join(dir, "io.stat"))
	return err
}

func hugetlbStatsV1(dir string, s *Stats) error {
	sizes, err := hugePageSizes(dir, ".limit_in_bytes")
	if err != nil {
		return err
	}
	for _, size := range sizes {
		var h HugetlbStats
		p := "hugetlb." + size
		if h.Usage, err = readUint(dir, p+".usage_in_bytes"); err != nil {
			return err
		}
		if h.Max, err = readUint(dir, p+".max_usage_in_bytes"); err != nil {
			return err
		}
		if h.Failcnt, err = readUint(dir, p+".failcnt"); err != nil {
			return err
		}
		s.Hugetlb[size] = h
	}
	return nil
}

func hugetlbStatsV2(dir string, s *Stats) error {
	sizes, err := hugePageSizes(dir, ".max")
	if err != nil {
		return err
	}
	for _, size := range sizes {
		var h HugetlbStats
		p := "hugetlb." + size
		if h.Usage, err = readUint(dir, p+".current"); err != nil {
			return err
		}
		ev, err := readKeyValues(dir, p+".events")
		if err != nil {
			return err
		}
		h.Failcnt = ev["max"]
		s.Hugetlb[size] = h
	}
	return nil
}

// hugePageSizes lists the page sizes ("2MB") of the hugetlb.<size><suffix>
// files in dir, leaving out the reservation (rsvd) files.
func hugePageSizes(dir, suffix string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, bare(err))
	}
	var sizes []string
	for _, e := range ents {
		n := e.Name()
		size, ok := strings.CutPrefix(n, "hugetlb.")
		size, ok2 := strings.CutSuffix(size, suffix)
		if ok && ok2 && !strings.Contains(size, ".") {
			sizes = append(sizes, size)
		}
	}
	return sizes, nil
}
