package specgen

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// defaultShmSize is Docker's /dev/shm size, 64 MiB.
const defaultShmSize = 64 * 1024 * 1024

// dockerMaskedPaths are the paths moby hides from every container.
var dockerMaskedPaths = []string{
	"/proc/acpi",
	"/proc/asound",
	"/proc/interrupts",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/sys/devices/virtual/powercap",
	"/sys/firmware",
}

// dockerReadonlyPaths are the paths moby makes read-only in every container.
var dockerReadonlyPaths = []string{
	"/proc/bus",
	"/proc/fs",
	"/proc/irq",
	"/proc/sys",
	"/proc/sysrq-trigger",
}

// dockerDefault returns moby's default Linux spec (oci.DefaultLinuxSpec)
// with a cgroup namespace added; Docker() changes it for the container.
func dockerDefault() *specs.Spec {
	return &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{},
		Root:    &specs.Root{},
		Mounts:  dockerMounts(),
		Linux: &specs.Linux{
			MaskedPaths:   append(append([]string{}, dockerMaskedPaths...), hostMaskedPaths()...),
			ReadonlyPaths: append([]string{}, dockerReadonlyPaths...),
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.MountNamespace},
				{Type: specs.NetworkNamespace},
				{Type: specs.UTSNamespace},
				{Type: specs.PIDNamespace},
				{Type: specs.IPCNamespace},
				{Type: specs.CgroupNamespace},
			},
			Resources: &specs.LinuxResources{Devices: dockerDeviceRules()},
		},
	}
}

func dockerMounts() []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"ro", "nosuid", "noexec", "nodev"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777"}},
	}
}

// dockerDeviceRules are moby's device cgroup rules: deny everything, allow
// zero, null, urandom, random, tty and console, and deny /dev/net/tun. The
// runtime adds its own defaults (pts, ptmx, full, ...) after them, as runc
// does.
func dockerDeviceRules() []specs.LinuxDeviceCgroup {
	rule := func(allow bool, major, minor int64) specs.LinuxDeviceCgroup {
		return specs.LinuxDeviceCgroup{Allow: allow, Type: "c", Major: ptr(major), Minor: ptr(minor), Access: "rwm"}
	}
	return []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		rule(true, 1, 5),
		rule(true, 1, 3),
		rule(true, 1, 9),
		rule(true, 1, 8),
		rule(true, 5, 0),
		rule(true, 5, 1),
		rule(false, 10, 229),
	}
}

// hostMaskedPaths returns the CPUs' thermal_throttle directories, which
// moby also masks (GHSA-6fw5-f8r9-fgfm) where the host has them.
var hostMaskedPaths = func() []string {
	data, err := os.ReadFile("/sys/devices/system/cpu/possible")
	if err != nil {
		return nil
	}
	var out []string
	for _, cpu := range parseCPUList(strings.TrimSpace(string(data))) {
		p := fmt.Sprintf("/sys/devices/system/cpu/cpu%d/thermal_throttle", cpu)
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// parseCPUList parses the kernel's CPU list format, "0-3,8"; it stops at
// the first malformed entry.
func parseCPUList(s string) []int {
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		first, err := strconv.Atoi(lo)
		last := first
		if isRange {
			last, err = strconv.Atoi(hi)
		}
		if err != nil || last < first || last-first > 1<<16 {
			return out
		}
		for c := first; c <= last; c++ {
			out = append(out, c)
		}
	}
	return out
}
