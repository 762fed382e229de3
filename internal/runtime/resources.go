package runtime

import specs "github.com/opencontainers/runtime-spec/specs-go"

// mergeResources lays the fields update sets over the stored resources, so
// the state keeps describing the container's limits.
func mergeResources(old, upd *specs.LinuxResources) *specs.LinuxResources {
	if old == nil {
		old = &specs.LinuxResources{}
	}
	merged := *old
	if upd == nil {
		return &merged
	}
	if upd.Memory != nil {
		m := specs.LinuxMemory{}
		if old.Memory != nil {
			m = *old.Memory
		}
		setIf(&m.Limit, upd.Memory.Limit)
		setIf(&m.Reservation, upd.Memory.Reservation)
		setIf(&m.Swap, upd.Memory.Swap)
		merged.Memory = &m
	}
	if upd.CPU != nil {
		c := specs.LinuxCPU{}
		if old.CPU != nil {
			c = *old.CPU
		}
		setIf(&c.Shares, upd.CPU.Shares)
		setIf(&c.Quota, upd.CPU.Quota)
		setIf(&c.Period, upd.CPU.Period)
		setIf(&c.RealtimeRuntime, upd.CPU.RealtimeRuntime)
		setIf(&c.RealtimePeriod, upd.CPU.RealtimePeriod)
		if upd.CPU.Cpus != "" {
			c.Cpus = upd.CPU.Cpus
		}
		if upd.CPU.Mems != "" {
			c.Mems = upd.CPU.Mems
		}
		merged.CPU = &c
	}
	if upd.Pids != nil {
		merged.Pids = upd.Pids
	}
	if upd.BlockIO != nil {
		merged.BlockIO = upd.BlockIO
	}
	if len(upd.Unified) > 0 {
		merged.Unified = upd.Unified
	}
	return &merged
}

func setIf[T any](dst **T, src *T) {
	if src != nil {
		v := *src
		*dst = &v
	}
}
