package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/internal/errdefs"
)

// enableControllers enables in parent's cgroup.subtree_control every
// controller parent has, so that its children may use them. A controller the
// kernel refuses (a parent holding processes, a threaded subtree) is left
// out; a setting that needs it then fails, naming it.
func enableControllers(parent string) error {
	avail, err := readFile(parent, "cgroup.controllers")
	if err != nil {
		return err
	}
	enabled, err := readFile(parent, "cgroup.subtree_control")
	if err != nil {
		return err
	}
	var want []string
	for _, c := range strings.Fields(avail) {
		if !slices.Contains(strings.Fields(enabled), c) {
			want = append(want, "+"+c)
		}
	}
	if len(want) == 0 || writeFile(parent, "cgroup.subtree_control", strings.Join(want, " ")) == nil {
		return nil
	}
	for _, c := range want {
		_ = writeFile(parent, "cgroup.subtree_control", c)
	}
	return nil
}

func setCPUV2(dir string, r *specs.LinuxResources) error {
	c := r.CPU
	if deref(c.RealtimeRuntime) != 0 || deref(c.RealtimePeriod) != 0 {
		return fmt.Errorf("cpu.realtimeRuntime/realtimePeriod: real-time groups are not supported on cgroup v2: %w",
			errdefs.ErrNotImplemented)
	}
	if s := deref(c.Shares); s != 0 {
		if err := put("cpu.shares", dir, "cpu.weight", strconv.FormatUint(sharesToWeight(s), 10)); err != nil {
			return err
		}
	}
	if deref(c.Quota) != 0 || deref(c.Period) != 0 {
		cur, err := readFile(dir, "cpu.max")
		if err != nil {
			return fmt.Errorf("cpu.quota: %w", err)
		}
		if err := put("cpu.quota", dir, "cpu.max", cpuMax(c.Quota, c.Period, cur)); err != nil {
			return err
		}
	}
	if b := deref(c.Burst); b != 0 {
		if err := put("cpu.burst", dir, "cpu.max.burst", strconv.FormatUint(b, 10)); err != nil {
			return err
		}
	}
	if i := deref(c.Idle); i != 0 {
		return put("cpu.idle", dir, "cpu.idle", strconv.FormatInt(i, 10))
	}
	return nil
}

func setMemoryV2(dir string, r *specs.LinuxResources) error {
	m := r.Memory
	if err := refuseV1OnlyMemory(m); err != nil {
		return err
	}
	if err := checkBeforeUpdate(dir, "memory.current", m); err != nil {
		return err
	}
	limit := deref(m.Limit)
	swap, err := swapV2(limit, deref(m.Swap))
	if err != nil {
		return err
	}
	if err := setSwapV2(dir, swap); err != nil {
		return err
	}
	if limit != 0 {
		if err := put("memory.limit", dir, "memory.max", maxOrNumber(limit)); err != nil {
			return err
		}
	}
	if v := deref(m.Reservation); v != 0 {
		return put("memory.reservation", dir, "memory.low", maxOrNumber(v))
	}
	return nil
}

// refuseV1OnlyMemory refuses the memory settings v2 has no file for.
func refuseV1OnlyMemory(m *specs.LinuxMemory) error {
	var bad string
	switch {
	case m.Swappiness != nil:
		bad = "memory.swappiness"
	case deref(m.DisableOOMKiller):
		bad = "memory.disableOOMKiller"
	case m.UseHierarchy != nil && !*m.UseHierarchy:
		bad = "memory.useHierarchy false" // v2 is always hierarchical
	default:
		return nil
	}
	return fmt.Errorf("%s is not supported on cgroup v2: %w", bad, errdefs.ErrNotImplemented)
}

// setSwapV2 writes memory.swap.max. Without swap accounting there is no
// such file; then "no swap limit" and "no swap beyond memory" pass, as on v1.
func setSwapV2(dir, swap string) error {
	if swap == "" {
		return nil
	}
	err := put("memory.swap", dir, "memory.swap.max", swap)
	if errors.Is(err, fs.ErrNotExist) {
		if swap == "max" || swap == "0" {
			return nil
		}
		return fmt.Errorf("memory.swap: swap accounting is off (no memory.swap.max in %s)", dir)
	}
	return err
}

func setIOV2(dir string, r *specs.LinuxResources) error {
	b := r.BlockIO
	if deref(b.LeafWeight) != 0 || slices.ContainsFunc(b.WeightDevice, func(wd specs.LinuxWeightDevice) bool {
		return deref(wd.LeafWeight) != 0
	}) {
		return fmt.Errorf("blockIO.leafWeight is not supported on cgroup v2: %w", errdefs.ErrNotImplemented)
	}
	if w := deref(b.Weight); w != 0 {
		if err := setIOWeight(dir, "blockIO.weight", "default", w); err != nil {
			return err
		}
	}
	for _, wd := range b.WeightDevice {
		if w := deref(wd.Weight); w != 0 {
			dev := fmt.Sprintf("%d:%d", wd.Major, wd.Minor)
			if err := setIOWeight(dir, "blockIO.weightDevice", dev, w); err != nil {
				return err
			}
		}
	}
	return setThrottles(dir, b, throttleV2)
}

// setIOWeight writes a weight (10..1000) for dev ("default" or "8:0") to
// BFQ's io.bfq.weight as is, or else to io.weight converted to 1..10000.
func setIOWeight(dir, setting, dev string, w uint16) error {
	if exists(dir, "io.bfq.weight") {
		return put(setting, dir, "io.bfq.weight", fmt.Sprintf("%s %d", dev, w))
	}
	return put(setting, dir, "io.weight", fmt.Sprintf("%s %d", dev, blkioWeightToIOWeight(w)))
}

// throttleV2 writes one io.max limit; a rate of 0 lifts the limit, as it
// does on v1.
func throttleV2(dir, kind string, td specs.LinuxThrottleDevice) error {
	key := map[string]string{"readBps": "rbps", "writeBps": "wbps", "readIOPS": "riops", "writeIOPS": "wiops"}[kind]
	rate := strconv.FormatUint(td.Rate, 10)
	if td.Rate == 0 {
		rate = "max"
	}
	line := fmt.Sprintf("%d:%d %s=%s", td.Major, td.Minor, key, rate)
	return put("blockIO.throttle"+strings.ToUpper(kind[:1])+kind[1:]+"Device", dir, "io.max", line)
}

func setHugetlbV2(dir string, r *specs.LinuxResources) error {
	return setHugetlb(dir, r.HugepageLimits, "max", "rsvd.max")
}

func setDevicesV2(dir string, r *specs.LinuxResources) error {
	rules, err := deviceRules(r.Devices)
	if err != nil {
		return err
	}
	if err := attachDeviceFilter(dir, rules); err != nil {
		return fmt.Errorf("devices: %w", err)
	}
	return nil
}

// setUnified writes the OCI unified map, file by file as given, after the
// other settings so that it has the last word. Each file must belong to the
// unified hierarchy: "cgroup.*" or a controller enabled there.
func (m *manager) setUnified(unified map[string]string) error {
	for _, key := range slices.Sorted(maps.Keys(unified)) {
		if err := m.checkUnifiedKey(key); err != nil {
			return fmt.Errorf("unified %q: %w", key, err)
		}
		if err := put(fmt.Sprintf("unified %q", key), m.v2, key, unified[key]); err != nil {
			return err
		}
	}
	return nil
}

func (m *manager) checkUnifiedKey(key string) error {
	if key == "" || key == "." || key == ".." || strings.ContainsAny(key, "/\x00") {
		return errdefs.InvalidArgument("not a cgroup file name")
	}
	if m.v2 == "" {
		return fmt.Errorf("there is no unified (v2) hierarchy: %w", errdefs.ErrNotImplemented)
	}
	ctl, _, _ := strings.Cut(key, ".")
	if ctl == "cgroup" || m.v2Enabled(ctl) {
		return nil
	}
	if _, onV1 := m.v1[ctl]; onV1 {
		return fmt.Errorf("controller %s is on a v1 hierarchy, not the unified one: %w", ctl, errdefs.ErrNotImplemented)
	}
	return fmt.Errorf("controller %s is not enabled in %s: %w", ctl, m.v2, errdefs.ErrNotImplemented)
}
