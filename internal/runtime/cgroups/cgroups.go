package cgroups

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Manager controls one container's cgroup.
type Manager interface {
	// Create makes the cgroup (on every hierarchy in use) and applies r.
	Create(r *specs.LinuxResources) error
	// ProcsFiles lists the cgroup.procs files a new process writes its pid
	// to, one per hierarchy, so a process can join before it drops privilege.
	ProcsFiles() []string
	// Apply adds pid to the cgroup.
	Apply(pid int) error
	// Set changes the limits of an existing cgroup (hull-runtime update).
	Set(r *specs.LinuxResources) error
	// Freeze stops every process in the cgroup and returns once they are.
	Freeze() error
	// Thaw resumes the processes Freeze stopped.
	Thaw() error
	// Pids lists every process in the cgroup (host pids).
	Pids() ([]int, error)
	// Stats reads the cgroup's usage counters.
	Stats() (*Stats, error)
	// OOMKillCount is how many processes the kernel's OOM killer ended in the cgroup.
	OOMKillCount() (uint64, error)
	// Paths maps controller name to directory, as runc's state.json
	// cgroup_paths does ("" names the unified v2 directory).
	Paths() map[string]string
	// Destroy removes the cgroup directories; it fails if processes remain.
	Destroy() error
}

// Layout is how the cgroup file systems are mounted on the host.
type Layout int

// The layouts Mode reports.
const (
	// Legacy has only v1 hierarchies.
	Legacy Layout = iota + 1
	// Hybrid has v1 hierarchies for the controllers plus a cgroup2 mount
	// holding the rest (systemd's "hybrid" setup).
	Hybrid
	// Unified has a single cgroup2 hierarchy.
	Unified
)

func (l Layout) String() string {
	switch l {
	case Legacy:
		return "legacy"
	case Hybrid:
		return "hybrid"
	case Unified:
		return "unified"
	}
	return fmt.Sprintf("Layout(%d)", int(l))
}

// Mode reports the cgroup layout of this host, as the calling process sees it.
func Mode() (Layout, error) {
	h, err := readHost(mountinfoFile, selfCgroupFile)
	if err != nil {
		return 0, err
	}
	return h.layout()
}

// New returns a manager for cgroupsPath (the OCI linux.cgroupsPath) of the
// container id. An empty path means "/<id>"; an absolute path is relative to
// each hierarchy's root; a relative one to the caller's own cgroup. Nothing is
// created until Create.
func New(cgroupsPath, id string) (Manager, error) {
	h, err := readHost(mountinfoFile, selfCgroupFile)
	if err != nil {
		return nil, err
	}
	m, err := h.manager(cgroupsPath, id)
	if err != nil {
		return nil, err // not a typed nil inside a Manager
	}
	return m, nil
}

// Load returns a manager for an existing cgroup from the paths Paths returned.
func Load(paths map[string]string) (Manager, error) {
	m, err := loadManager(paths)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// The files the host description is read from; tests point them elsewhere.
var (
	mountinfoFile  = "/proc/self/mountinfo"
	selfCgroupFile = "/proc/self/cgroup"
)
