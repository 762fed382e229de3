package specgen

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// minMemory is the smallest --memory and --memory-reservation Docker takes.
const minMemory = 6 * 1024 * 1024

// Ulimit is one --ulimit: an rlimit name as go-units knows it ("nofile")
// and its soft and hard values, -1 for unlimited.
type Ulimit struct {
	Name       string
	Soft, Hard int64
}

// ulimitNames are the rlimits --ulimit accepts, as go-units lists them.
var ulimitNames = map[string]bool{
	"core": true, "cpu": true, "data": true, "fsize": true, "locks": true,
	"memlock": true, "msgqueue": true, "nice": true, "nofile": true,
	"nproc": true, "rss": true, "rtprio": true, "rttime": true,
	"sigpending": true, "stack": true,
}

// ParseUlimit parses a --ulimit value, "name=soft[:hard]" ("nofile=1024:2048",
// "nproc=512"), with go-units' rules and messages: the hard limit defaults
// to the soft one, and soft may not exceed hard unless hard is -1.
func ParseUlimit(s string) (Ulimit, error) {
	name, limits, ok := strings.Cut(s, "=")
	if !ok {
		return Ulimit{}, fmt.Errorf("invalid ulimit argument: %s", s)
	}
	if !ulimitNames[name] {
		return Ulimit{}, fmt.Errorf("invalid ulimit type: %s", name)
	}
	parts := strings.Split(limits, ":")
	if len(parts) > 2 {
		return Ulimit{}, fmt.Errorf("too many limit value arguments - %s, can only have up to two, `soft[:hard]`", limits)
	}
	soft, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return Ulimit{}, fmt.Errorf("invalid ulimit %s: %w", s, err)
	}
	hard := soft
	if len(parts) == 2 {
		if hard, err = strconv.ParseInt(parts[1], 10, 64); err != nil {
			return Ulimit{}, fmt.Errorf("invalid ulimit %s: %w", s, err)
		}
	}
	if hard != -1 && soft > hard {
		return Ulimit{}, fmt.Errorf("ulimit soft limit must be less than or equal to hard limit: %d > %d", soft, hard)
	}
	return Ulimit{Name: name, Soft: soft, Hard: hard}, nil
}

// rlimits converts ulimits to OCI rlimits; -1 becomes RLIM_INFINITY.
func rlimits(list []Ulimit) []specs.POSIXRlimit {
	var out []specs.POSIXRlimit
	for _, u := range list {
		out = append(out, specs.POSIXRlimit{
			Type: "RLIMIT_" + strings.ToUpper(u.Name), Soft: uint64(u.Soft), Hard: uint64(u.Hard),
		})
	}
	return out
}

// withResources sets the cgroup limits: devices, memory, CPU and pids.
func withResources(s *specs.Spec, rc *RunConfig, _ *SecurityOptions) error {
	if err := checkResources(rc); err != nil {
		return err
	}
	r := s.Linux.Resources
	if rc.Privileged {
		r.Devices = []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}
	}
	r.Memory = memoryResources(rc)
	r.CPU = cpuResources(rc)
	r.Pids = pidsLimit(rc.PidsLimit)
	return nil
}

// checkResources refuses what Docker's daemon refuses.
func checkResources(rc *RunConfig) error {
	switch {
	case rc.Memory != 0 && rc.Memory < minMemory:
		return fmt.Errorf("minimum memory limit allowed is 6MB")
	case rc.Memory > 0 && rc.MemorySwap > 0 && rc.MemorySwap < rc.Memory:
		return fmt.Errorf("minimum memoryswap limit should be larger than memory limit, see usage")
	case rc.Memory == 0 && rc.MemorySwap > 0:
		return fmt.Errorf("you should always set the memory limit when using memoryswap limit, see usage")
	case rc.MemoryReservation != 0 && rc.MemoryReservation < minMemory:
		return fmt.Errorf("minimum memory reservation allowed is 6MB")
	case rc.Memory > 0 && rc.MemoryReservation > rc.Memory:
		return fmt.Errorf("minimum memory limit can not be less than memory reservation limit, see usage")
	case rc.CPUShares < 0:
		return fmt.Errorf("invalid --cpu-shares %d: must not be negative", rc.CPUShares)
	}
	return checkCPUs(rc.NanoCPUs)
}

// checkCPUs bounds --cpus like Docker: 0.01 up to the machine's CPUs.
func checkCPUs(nano int64) error {
	n := runtime.NumCPU()
	if nano < 0 || (nano > 0 && (nano < 1e7 || nano > int64(n)*1e9)) {
		return fmt.Errorf("range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available", n, n)
	}
	return nil
}

// memoryResources applies Docker's --memory-swap rules: unset means twice
// --memory, -1 means unlimited.
func memoryResources(rc *RunConfig) *specs.LinuxMemory {
	m := &specs.LinuxMemory{}
	if rc.Memory > 0 {
		m.Limit = ptr(rc.Memory)
		switch {
		case rc.MemorySwap == 0:
			m.Swap = ptr(2 * rc.Memory)
		case rc.MemorySwap > 0 || rc.MemorySwap == -1:
			m.Swap = ptr(rc.MemorySwap)
		}
	}
	if rc.MemoryReservation > 0 {
		m.Reservation = ptr(rc.MemoryReservation)
	}
	if *m == (specs.LinuxMemory{}) {
		return nil
	}
	return m
}

// cpuResources converts --cpus to a quota over a 100ms period, and passes
// shares and cpusets through.
func cpuResources(rc *RunConfig) *specs.LinuxCPU {
	c := &specs.LinuxCPU{Cpus: rc.CPUSetCPUs, Mems: rc.CPUSetMems}
	if rc.CPUShares > 0 {
		c.Shares = ptr(uint64(rc.CPUShares))
	}
	if rc.NanoCPUs > 0 {
		const period = 100000 // µs
		c.Period = ptr(uint64(period))
		c.Quota = ptr(rc.NanoCPUs * period / 1e9)
	}
	if c.Shares == nil && c.Period == nil && c.Cpus == "" && c.Mems == "" {
		return nil
	}
	return c
}

// pidsLimit follows moby: unset stays unset, zero or less is unlimited (-1).
func pidsLimit(limit *int64) *specs.LinuxPids {
	if limit == nil {
		return nil
	}
	if *limit <= 0 {
		return &specs.LinuxPids{Limit: ptr(int64(-1))}
	}
	return &specs.LinuxPids{Limit: ptr(*limit)}
}

func ptr[T any](v T) *T { return &v }

// sysctlExists reports whether the running kernel has sysctl name; moby
// adds its default sysctls only where they exist.
var sysctlExists = func(name string) bool {
	_, err := os.Stat("/proc/sys/" + strings.ReplaceAll(name, ".", "/"))
	return err == nil
}

// withSysctls sets the NIS domain name, Docker's defaults for a container
// with its own network namespace (ping sockets and low ports for every
// user), then --sysctl, which wins.
func withSysctls(s *specs.Spec, rc *RunConfig, _ *SecurityOptions) error {
	sys := map[string]string{}
	if rc.Domainname != "" {
		sys["kernel.domainname"] = rc.Domainname
	}
	if ownNetwork(rc.NetworkMode) {
		if sysctlExists("net.ipv4.ping_group_range") {
			sys["net.ipv4.ping_group_range"] = "0 2147483647"
		}
		if sysctlExists("net.ipv4.ip_unprivileged_port_start") {
			sys["net.ipv4.ip_unprivileged_port_start"] = "0"
		}
	}
	for k, v := range rc.Sysctls {
		if err := checkSysctl(k, rc); err != nil {
			return err
		}
		sys[k] = v
	}
	s.Linux.Sysctl = sys
	return nil
}

// ipcSysctls are the namespaced kernel.* sysctls, which belong to the IPC
// namespace.
var ipcSysctls = map[string]bool{
	"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true, "kernel.sem": true,
	"kernel.shmall": true, "kernel.shmmax": true, "kernel.shmmni": true, "kernel.shm_rmid_forced": true,
}

// checkSysctl allows only sysctls of a namespace the container owns.
func checkSysctl(name string, rc *RunConfig) error {
	switch {
	case ipcSysctls[name] || strings.HasPrefix(name, "fs.mqueue."):
		if rc.IPCMode == "host" {
			return fmt.Errorf("sysctl %q is not allowed when sharing the host's IPC namespace", name)
		}
	case strings.HasPrefix(name, "net."):
		if rc.NetworkMode == "host" {
			return fmt.Errorf("sysctl %q is not allowed in host network namespace", name)
		}
	case name == "kernel.domainname" || name == "kernel.hostname":
		if rc.UTSMode == "host" {
			return fmt.Errorf("sysctl %q is not allowed when sharing the host's UTS namespace", name)
		}
	default:
		return fmt.Errorf("sysctl %q is not allowed: it is not namespaced", name)
	}
	return nil
}
