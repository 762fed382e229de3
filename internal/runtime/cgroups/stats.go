package cgroups

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// Stats is a snapshot of a cgroup's usage. Its JSON is the "data" of runc's
// `events --stats` (runc's types.Stats); what a layout cannot tell stays zero.
type Stats struct {
	CPU     CPUStats                `json:"cpu"`
	Memory  MemoryStats             `json:"memory"`
	Pids    PidsStats               `json:"pids"`
	Blkio   BlkioStats              `json:"blkio"`
	Hugetlb map[string]HugetlbStats `json:"hugetlb"`
}

// CPUStats is CPU time used and time throttled by the CFS quota.
type CPUStats struct {
	Usage      CPUUsage   `json:"usage,omitempty"`
	Throttling Throttling `json:"throttling,omitempty"`
}

// CPUUsage is CPU time in nanoseconds.
type CPUUsage struct {
	Total        uint64   `json:"total,omitempty"`
	Percpu       []uint64 `json:"percpu,omitempty"`
	PercpuKernel []uint64 `json:"percpu_kernel,omitempty"`
	PercpuUser   []uint64 `json:"percpu_user,omitempty"`
	Kernel       uint64   `json:"kernel"`
	User         uint64   `json:"user"`
}

// Throttling counts CFS periods; ThrottledTime is in nanoseconds.
type Throttling struct {
	Periods          uint64 `json:"periods,omitempty"`
	ThrottledPeriods uint64 `json:"throttledPeriods,omitempty"`
	ThrottledTime    uint64 `json:"throttledTime,omitempty"`
}

// MemoryStats is memory use in bytes. Swap counts memory plus swap, as v1's
// memsw does, on both versions.
type MemoryStats struct {
	Cache     uint64            `json:"cache,omitempty"`
	Usage     MemoryEntry       `json:"usage,omitempty"`
	Swap      MemoryEntry       `json:"swap,omitempty"`
	Kernel    MemoryEntry       `json:"kernel,omitempty"`
	KernelTCP MemoryEntry       `json:"kernelTCP,omitempty"`
	Raw       map[string]uint64 `json:"raw,omitempty"`
}

// MemoryEntry is one memory counter; a Limit of math.MaxUint64 is no limit.
type MemoryEntry struct {
	Limit   uint64 `json:"limit"`
	Usage   uint64 `json:"usage,omitempty"`
	Max     uint64 `json:"max,omitempty"`
	Failcnt uint64 `json:"failcnt"`
}

// PidsStats is the number of tasks and their limit (0: none).
type PidsStats struct {
	Current uint64 `json:"current,omitempty"`
	Limit   uint64 `json:"limit,omitempty"`
}

// BlkioStats is I/O done, per device and operation.
type BlkioStats struct {
	IoServiceBytesRecursive []BlkioEntry `json:"ioServiceBytesRecursive,omitempty"`
	IoServicedRecursive     []BlkioEntry `json:"ioServicedRecursive,omitempty"`
}

// BlkioEntry is one counter: Op is "Read", "Write", "Discard", ...
type BlkioEntry struct {
	Major uint64 `json:"major,omitempty"`
	Minor uint64 `json:"minor,omitempty"`
	Op    string `json:"op,omitempty"`
	Value uint64 `json:"value,omitempty"`
}

// HugetlbStats is huge page use in bytes for one page size.
type HugetlbStats struct {
	Usage   uint64 `json:"usage,omitempty"`
	Max     uint64 `json:"max,omitempty"`
	Failcnt uint64 `json:"failcnt"`
}

// parseKeyValues reads "key value" lines (memory.stat, cpu.stat,
// memory.events, memory.oom_control).
func parseKeyValues(text, where string) (map[string]uint64, error) {
	m := map[string]uint64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		n, err := parseUint(v, where)
		if err != nil {
			return nil, err
		}
		m[k] = n
	}
	return m, nil
}

// parseUints reads space-separated numbers (cpuacct.usage_percpu).
func parseUints(text, where string) ([]uint64, error) {
	var ns []uint64
	for _, f := range strings.Fields(text) {
		n, err := parseUint(f, where)
		if err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// parseBlkioV1 reads v1 blkio lines "8:0 Read 4096", skipping "Total N".
func parseBlkioV1(text, where string) ([]BlkioEntry, error) {
	var es []BlkioEntry
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		e, err := blkioEntry(f[0], f[1], f[2], where)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return es, nil
}

// parseIOStat reads v2 io.stat lines "8:0 rbytes=1 wbytes=2 rios=3 wios=4
// dbytes=0 dios=0" into bytes and operations.
func parseIOStat(text, where string) (bytes, ios []BlkioEntry, err error) {
	ops := map[string]string{"rbytes": "Read", "wbytes": "Write", "dbytes": "Discard",
		"rios": "Read", "wios": "Write", "dios": "Discard"}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		for _, kv := range f[min(1, len(f)):] {
			k, v, _ := strings.Cut(kv, "=")
			op, ok := ops[k]
			if !ok {
				continue
			}
			e, err := blkioEntry(f[0], op, v, where)
			if err != nil {
				return nil, nil, err
			}
			if strings.HasSuffix(k, "bytes") {
				bytes = append(bytes, e)
			} else {
				ios = append(ios, e)
			}
		}
	}
	return bytes, ios, nil
}

func blkioEntry(device, op, value, where string) (BlkioEntry, error) {
	major, minor, ok := strings.Cut(device, ":")
	e := BlkioEntry{Op: op}
	var err1, err2, err3 error
	e.Major, err1 = strconv.ParseUint(major, 10, 64)
	e.Minor, err2 = strconv.ParseUint(minor, 10, 64)
	e.Value, err3 = strconv.ParseUint(value, 10, 64)
	if !ok || err1 != nil || err2 != nil || err3 != nil {
		return e, fmt.Errorf("parse %s: bad entry %q %q %q", where, device, op, value)
	}
	return e, nil
}
