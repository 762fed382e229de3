package cgroups

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// resourceGroup is the part of linux.resources one controller applies.
type resourceGroup struct {
	setting string // the OCI field, for errors
	ctl     controller
	isSet   func(*specs.LinuxResources) bool
	v1, v2  func(dir string, r *specs.LinuxResources) error
}

// resourceGroups are applied in this order; cpuset comes first so that a
// cgroup has CPUs before anything else is asked of it.
var resourceGroups = []resourceGroup{
	{"cpu.cpus/mems", controller{v1: "cpuset", v2: "cpuset"}, cpusetIsSet, setCpuset, setCpuset},
	{"cpu", controller{v1: "cpu", v2: "cpu"}, cpuIsSet, setCPUV1, setCPUV2},
	{"memory", memoryController, memoryIsSet, setMemoryV1, setMemoryV2},
	{"pids", controller{v1: "pids", v2: "pids"}, pidsIsSet, setPids, setPids},
	{"blockIO", controller{v1: "blkio", v2: "io"}, blockIOIsSet, setBlkioV1, setIOV2},
	{"hugepageLimits", controller{v1: "hugetlb", v2: "hugetlb"}, hugetlbIsSet, setHugetlbV1, setHugetlbV2},
	{"network.classID", controller{v1: "net_cls"}, classIDIsSet, setClassID, nil},
	{"network.priorities", controller{v1: "net_prio"}, prioritiesIsSet, setPriorities, nil},
	{"rdma", controller{v1: "rdma", v2: "rdma"}, rdmaIsSet, setRdma, setRdma},
	{"devices", controller{v1: "devices", core: true}, devicesIsSet, setDevicesV1, setDevicesV2},
}

func cpusetIsSet(r *specs.LinuxResources) bool {
	return r.CPU != nil && (r.CPU.Cpus != "" || r.CPU.Mems != "")
}

func cpuIsSet(r *specs.LinuxResources) bool {
	c := r.CPU
	return c != nil && (deref(c.Shares) != 0 || deref(c.Quota) != 0 || deref(c.Period) != 0 ||
		deref(c.Burst) != 0 || deref(c.RealtimeRuntime) != 0 || deref(c.RealtimePeriod) != 0 ||
		deref(c.Idle) != 0)
}

// memoryIsSet ignores the kernel memory limits: the kernel dropped them.
func memoryIsSet(r *specs.LinuxResources) bool {
	m := r.Memory
	return m != nil && (deref(m.Limit) != 0 || deref(m.Reservation) != 0 || deref(m.Swap) != 0 ||
		m.Swappiness != nil || deref(m.DisableOOMKiller) || m.UseHierarchy != nil)
}

// pidsIsSet: an explicit limit of zero or less asks for no limit.
func pidsIsSet(r *specs.LinuxResources) bool { return r.Pids != nil && r.Pids.Limit != nil }

func blockIOIsSet(r *specs.LinuxResources) bool {
	b := r.BlockIO
	return b != nil && (deref(b.Weight) != 0 || deref(b.LeafWeight) != 0 || len(b.WeightDevice) > 0 ||
		len(b.ThrottleReadBpsDevice) > 0 || len(b.ThrottleWriteBpsDevice) > 0 ||
		len(b.ThrottleReadIOPSDevice) > 0 || len(b.ThrottleWriteIOPSDevice) > 0)
}

func hugetlbIsSet(r *specs.LinuxResources) bool { return len(r.HugepageLimits) > 0 }

func classIDIsSet(r *specs.LinuxResources) bool {
	return r.Network != nil && deref(r.Network.ClassID) != 0
}

func prioritiesIsSet(r *specs.LinuxResources) bool {
	return r.Network != nil && len(r.Network.Priorities) > 0
}

func rdmaIsSet(r *specs.LinuxResources) bool { return len(r.Rdma) > 0 }

func devicesIsSet(r *specs.LinuxResources) bool { return len(r.Devices) > 0 }

// put writes value to dir/file on behalf of the OCI setting named in errors.
func put(setting, dir, file, value string) error {
	if err := writeFile(dir, file, value); err != nil {
		return fmt.Errorf("%s: %w", setting, err)
	}
	return nil
}

// putFirst writes value to the first of files that exists, for settings
// whose file depends on the kernel (blkio.weight or blkio.bfq.weight).
func putFirst(setting, dir string, files []string, value string) error {
	for _, f := range files {
		if exists(dir, f) {
			return put(setting, dir, f, value)
		}
	}
	return fmt.Errorf("%s: none of %v in %s: not supported by this kernel or I/O scheduler", setting, files, dir)
}

func setPids(dir string, r *specs.LinuxResources) error {
	return put("pids.limit", dir, "pids.max", pidsMax(*r.Pids.Limit))
}

// setCpuset is the same on both versions.
func setCpuset(dir string, r *specs.LinuxResources) error {
	if c := r.CPU.Cpus; c != "" {
		if err := put("cpu.cpus", dir, "cpuset.cpus", c); err != nil {
			return err
		}
	}
	if m := r.CPU.Mems; m != "" {
		return put("cpu.mems", dir, "cpuset.mems", m)
	}
	return nil
}

// setRdma is the same on both versions.
func setRdma(dir string, r *specs.LinuxResources) error {
	for dev, l := range r.Rdma {
		line := dev
		if l.HcaHandles != nil {
			line += fmt.Sprintf(" hca_handle=%d", *l.HcaHandles)
		}
		if l.HcaObjects != nil {
			line += fmt.Sprintf(" hca_object=%d", *l.HcaObjects)
		}
		if err := put("rdma."+dev, dir, "rdma.max", line); err != nil {
			return err
		}
	}
	return nil
}
