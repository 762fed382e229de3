package cgroups

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// inheritCpuset gives a v1 cpuset cgroup its parent's CPUs and memory nodes
// when it has none: until then the kernel refuses to take tasks in it.
func inheritCpuset(dir, parent string) error {
	for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
		cur, err := readFile(dir, f)
		if err != nil {
			return err
		}
		if strings.TrimSpace(cur) != "" {
			continue
		}
		v, err := readFile(parent, f)
		if err != nil {
			return err
		}
		if err := writeFile(dir, f, v); err != nil {
			return err
		}
	}
	return nil
}

func setCPUV1(dir string, r *specs.LinuxResources) error {
	c := r.CPU
	if s := deref(c.Shares); s != 0 {
		if err := put("cpu.shares", dir, "cpu.shares", strconv.FormatUint(s, 10)); err != nil {
			return err
		}
	}
	if err := setCFSV1(dir, deref(c.Quota), deref(c.Period)); err != nil {
		return err
	}
	if b := deref(c.Burst); b != 0 {
		if err := put("cpu.burst", dir, "cpu.cfs_burst_us", strconv.FormatUint(b, 10)); err != nil {
			return err
		}
	}
	if p := deref(c.RealtimePeriod); p != 0 {
		if err := put("cpu.realtimePeriod", dir, "cpu.rt_period_us", strconv.FormatUint(p, 10)); err != nil {
			return err
		}
	}
	if rt := deref(c.RealtimeRuntime); rt != 0 {
		if err := put("cpu.realtimeRuntime", dir, "cpu.rt_runtime_us", strconv.FormatInt(rt, 10)); err != nil {
			return err
		}
	}
	if i := deref(c.Idle); i != 0 {
		return put("cpu.idle", dir, "cpu.idle", strconv.FormatInt(i, 10))
	}
	return nil
}

// setCFSV1 writes the period, then the quota. The kernel may refuse a
// shorter period while the old quota stands (it checks quota/period against
// the parent); then the period is written again after the quota, as runc does.
func setCFSV1(dir string, quota int64, period uint64) error {
	retry := false
	if period != 0 {
		err := put("cpu.period", dir, "cpu.cfs_period_us", strconv.FormatUint(period, 10))
		if err != nil && (!errors.Is(err, unix.EINVAL) || quota == 0) {
			return err
		}
		retry = err != nil
	}
	if quota != 0 {
		if err := put("cpu.quota", dir, "cpu.cfs_quota_us", strconv.FormatInt(quota, 10)); err != nil {
			return err
		}
	}
	if retry {
		return put("cpu.period", dir, "cpu.cfs_period_us", strconv.FormatUint(period, 10))
	}
	return nil
}

func setMemoryV1(dir string, r *specs.LinuxResources) error {
	m := r.Memory
	if err := checkBeforeUpdate(dir, "memory.usage_in_bytes", m); err != nil {
		return err
	}
	if err := setMemoryLimitsV1(dir, deref(m.Limit), deref(m.Swap)); err != nil {
		return err
	}
	if v := deref(m.Reservation); v != 0 {
		if err := put("memory.reservation", dir, "memory.soft_limit_in_bytes", strconv.FormatInt(v, 10)); err != nil {
			return err
		}
	}
	if m.Swappiness != nil {
		if *m.Swappiness > 100 {
			return fmt.Errorf("memory.swappiness: %d is above 100", *m.Swappiness)
		}
		if err := put("memory.swappiness", dir, "memory.swappiness", strconv.FormatUint(*m.Swappiness, 10)); err != nil {
			return err
		}
	}
	if deref(m.DisableOOMKiller) {
		if err := put("memory.disableOOMKiller", dir, "memory.oom_control", "1"); err != nil {
			return err
		}
	}
	if m.UseHierarchy != nil {
		return put("memory.useHierarchy", dir, "memory.use_hierarchy", boolDigit(*m.UseHierarchy))
	}
	return nil
}

// setMemoryLimitsV1 writes memory.limit_in_bytes and the memory+swap limit
// memory.memsw.limit_in_bytes. The kernel keeps memsw >= limit at every
// step, so when both move the order depends on which way they go.
func setMemoryLimitsV1(dir string, limit, swap int64) error {
	if limit == -1 && swap == 0 {
		swap = -1 // unlimited memory and nothing said of swap: swap unlimited too
	}
	if limit > 0 && swap > 0 && swap < limit {
		return fmt.Errorf("memory.swap: %d is below memory.limit %d, but it counts memory plus swap", swap, limit)
	}
	if swap != 0 && !exists(dir, "memory.memsw.limit_in_bytes") {
		if swap != limit && swap != -1 {
			return fmt.Errorf("memory.swap: swap accounting is off (no memory.memsw.limit_in_bytes in %s)", dir)
		}
		swap = 0 // no swap limit, as asked
	}
	swapFirst := false
	if limit != 0 && swap != 0 {
		cur, err := readUint(dir, "memory.limit_in_bytes")
		if err != nil {
			return fmt.Errorf("memory.limit: %w", err)
		}
		swapFirst = swap == -1 || cur < uint64(swap)
	}
	writeLimit := func() error { return putNonZero("memory.limit", dir, "memory.limit_in_bytes", limit) }
	writeSwap := func() error { return putNonZero("memory.swap", dir, "memory.memsw.limit_in_bytes", swap) }
	first, second := writeLimit, writeSwap
	if swapFirst {
		first, second = writeSwap, writeLimit
	}
	if err := first(); err != nil {
		return err
	}
	return second()
}

func putNonZero(setting, dir, file string, v int64) error {
	if v == 0 {
		return nil
	}
	return put(setting, dir, file, strconv.FormatInt(v, 10))
}

// checkBeforeUpdate refuses a memory limit below current usage when the
// spec asks for the check.
func checkBeforeUpdate(dir, usageFile string, m *specs.LinuxMemory) error {
	limit := deref(m.Limit)
	if !deref(m.CheckBeforeUpdate) || limit <= 0 {
		return nil
	}
	usage, err := readUint(dir, usageFile)
	if err != nil {
		return fmt.Errorf("memory.checkBeforeUpdate: %w", err)
	}
	if usage > uint64(limit) {
		return fmt.Errorf("memory.limit: %d is below the current usage %d", limit, usage)
	}
	return nil
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func setBlkioV1(dir string, r *specs.LinuxResources) error {
	b := r.BlockIO
	if w := deref(b.Weight); w != 0 {
		err := putFirst("blockIO.weight", dir, []string{"blkio.weight", "blkio.bfq.weight"}, strconv.Itoa(int(w)))
		if err != nil {
			return err
		}
	}
	if w := deref(b.LeafWeight); w != 0 {
		if err := put("blockIO.leafWeight", dir, "blkio.leaf_weight", strconv.Itoa(int(w))); err != nil {
			return err
		}
	}
	for _, wd := range b.WeightDevice {
		if err := setWeightDeviceV1(dir, wd); err != nil {
			return err
		}
	}
	return setThrottles(dir, b, throttleV1)
}

func setWeightDeviceV1(dir string, wd specs.LinuxWeightDevice) error {
	dev := fmt.Sprintf("%d:%d", wd.Major, wd.Minor)
	if w := deref(wd.Weight); w != 0 {
		files := []string{"blkio.weight_device", "blkio.bfq.weight_device"}
		if err := putFirst("blockIO.weightDevice", dir, files, fmt.Sprintf("%s %d", dev, w)); err != nil {
			return err
		}
	}
	if w := deref(wd.LeafWeight); w != 0 {
		return put("blockIO.weightDevice.leafWeight", dir, "blkio.leaf_weight_device", fmt.Sprintf("%s %d", dev, w))
	}
	return nil
}

// throttleWriter writes one device throttle; kind is "readBps" and so on.
type throttleWriter func(dir, kind string, td specs.LinuxThrottleDevice) error

func throttleV1(dir, kind string, td specs.LinuxThrottleDevice) error {
	file := map[string]string{
		"readBps": "blkio.throttle.read_bps_device", "writeBps": "blkio.throttle.write_bps_device",
		"readIOPS": "blkio.throttle.read_iops_device", "writeIOPS": "blkio.throttle.write_iops_device",
	}[kind]
	line := fmt.Sprintf("%d:%d %d", td.Major, td.Minor, td.Rate)
	return put("blockIO.throttle"+strings.ToUpper(kind[:1])+kind[1:]+"Device", dir, file, line)
}

func setThrottles(dir string, b *specs.LinuxBlockIO, write throttleWriter) error {
	for _, t := range []struct {
		kind string
		tds  []specs.LinuxThrottleDevice
	}{
		{"readBps", b.ThrottleReadBpsDevice}, {"writeBps", b.ThrottleWriteBpsDevice},
		{"readIOPS", b.ThrottleReadIOPSDevice}, {"writeIOPS", b.ThrottleWriteIOPSDevice},
	} {
		for _, td := range t.tds {
			if err := write(dir, t.kind, td); err != nil {
				return err
			}
		}
	}
	return nil
}

// setHugetlbV1 sets the limit and, where the kernel has one, the
// reservation limit, so a mapping fails at mmap rather than at fault time.
func setHugetlbV1(dir string, r *specs.LinuxResources) error {
	return setHugetlb(dir, r.HugepageLimits, "limit_in_bytes", "rsvd.limit_in_bytes")
}

func setHugetlb(dir string, limits []specs.LinuxHugepageLimit, limitFile, rsvdFile string) error {
	for _, l := range limits {
		setting := "hugepageLimits." + l.Pagesize
		v := strconv.FormatUint(l.Limit, 10)
		if err := put(setting, dir, "hugetlb."+l.Pagesize+"."+limitFile, v); err != nil {
			return err
		}
		rsvd := "hugetlb." + l.Pagesize + "." + rsvdFile
		if exists(dir, rsvd) {
			if err := put(setting, dir, rsvd, v); err != nil {
				return err
			}
		}
	}
	return nil
}

func setClassID(dir string, r *specs.LinuxResources) error {
	return put("network.classID", dir, "net_cls.classid", strconv.FormatUint(uint64(*r.Network.ClassID), 10))
}

func setPriorities(dir string, r *specs.LinuxResources) error {
	for _, p := range r.Network.Priorities {
		if err := put("network.priorities", dir, "net_prio.ifpriomap", fmt.Sprintf("%s %d", p.Name, p.Priority)); err != nil {
			return err
		}
	}
	return nil
}

func setDevicesV1(dir string, r *specs.LinuxResources) error {
	rules, err := deviceRules(r.Devices)
	if err != nil {
		return err
	}
	for _, w := range v1DeviceWrites(rules) {
		if err := put("devices", dir, w.file, w.line); err != nil {
			return err
		}
	}
	return nil
}
