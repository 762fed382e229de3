package specgen

import (
	"maps"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// RunConfig is what the engine knows when it creates a container: the
// image's config and the user's `docker run` options, already parsed.
type RunConfig struct {
	Image ImageConfig // from the image

	Entrypoint    []string // --entrypoint, split by the caller
	EntrypointSet bool     // --entrypoint was given; with no Entrypoint it was ""
	Cmd           []string // the command after the image name
	Env           []string // -e and --env-file, merged in order

	WorkingDir string
	User       string // "name[:group]" or "uid[:gid]", resolved later by ResolveUser
	Hostname   string
	Domainname string
	TTY        bool
	OpenStdin  bool

	Privileged bool
	ReadOnly   bool
	// Init runs InitInContainer as the container's first process, with the
	// command after "--". InitPath is the host path of the init binary that
	// is bind-mounted there read-only (moby's daemon InitPath).
	Init     bool
	InitPath string

	CapAdd, CapDrop []string // "ALL" or names with or without CAP_
	SecurityOpt     []string // see ParseSecurityOpt

	Memory, MemorySwap, MemoryReservation int64  // bytes; MemorySwap -1 is unlimited
	NanoCPUs                              int64  // --cpus × 1e9
	CPUShares                             int64  // --cpu-shares
	CPUSetCPUs, CPUSetMems                string // --cpuset-cpus, --cpuset-mems
	PidsLimit                             *int64 // --pids-limit; 0 or less is unlimited

	Ulimits []Ulimit
	Tmpfs   map[string]string // container path -> options
	Mounts  []specs.Mount     // binds and volumes, resolved to host paths
	Sysctls map[string]string
	ShmSize int64 // bytes; 0 is Docker's 64 MiB

	// NetworkMode is "none", "bridge", "host", "container:<id>" or a
	// network's name. NetNSPath, when set, is the network namespace to join
	// (required for "container:<id>").
	NetworkMode string
	NetNSPath   string
	// PIDMode, IPCMode and UTSMode are "host" or "" (private); IPCMode also
	// takes "private", "shareable" and "none".
	PIDMode, IPCMode, UTSMode string

	CgroupsPath string // e.g. "/hull/<id>"
	Rootfs      string // absolute path to the mounted root

	// Host files bind-mounted to /etc/resolv.conf, /etc/hosts and
	// /etc/hostname when set.
	ResolvConf, Hosts, HostnameFile string

	Labels     map[string]string // become annotations, over the image's
	StopSignal string
}

// ImageConfig is the part of an image's config a container starts from.
type ImageConfig struct {
	Entrypoint, Cmd, Env []string
	WorkingDir, User     string
	ExposedPorts         map[string]struct{}
	Labels               map[string]string
	StopSignal           string
}

// Docker returns the OCI runtime spec `docker run` gives a container made
// from rc, following moby's daemon/oci_linux.go and its default spec:
// Docker's capability set, masked and read-only paths, mounts, device
// rules, namespaces (plus a private cgroup namespace on every host), and
// Docker's default seccomp profile resolved for rc's capabilities.
//
// Like moby's merge of image and container config, Docker first fills rc's
// empty fields from rc.Image (Entrypoint, Cmd, User, WorkingDir, Labels,
// StopSignal), so rc afterwards reads as `docker inspect` shows Config.
// Calling it again with the same rc gives the same spec.
//
// The process runs as root until the engine calls SetUser with what
// ResolveUser finds in the mounted root, unless rc's user is numeric.
// Privileged containers get every capability, no seccomp, no masked paths
// and a writable /sys, but linux.devices stays empty: the host's device
// nodes are left for the engine to bind if it wants them.
func Docker(rc *RunConfig) (*specs.Spec, error) {
	sec, err := ParseSecurityOpt(rc.SecurityOpt)
	if err != nil {
		return nil, err
	}
	if err := mergeImage(rc); err != nil {
		return nil, err
	}
	s := dockerDefault()
	for _, step := range []func(*specs.Spec, *RunConfig, *SecurityOptions) error{
		withProcess, withNamespaces, withResources, withSysctls,
		withCapabilities, withSeccomp, withMounts,
	} {
		if err := step(s, rc, &sec); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// mergeImage fills rc's empty fields from its image, as moby's merge does,
// and checks that a command is left.
func mergeImage(rc *RunConfig) error {
	userEntrypoint := len(rc.Entrypoint) > 0 || rc.EntrypointSet
	if _, err := Command(rc.Image, rc.Entrypoint, rc.EntrypointSet, rc.Cmd); err != nil {
		return err
	}
	if !userEntrypoint {
		if len(rc.Cmd) == 0 {
			rc.Cmd = rc.Image.Cmd
		}
		rc.Entrypoint = rc.Image.Entrypoint
	}
	if rc.User == "" {
		rc.User = rc.Image.User
	}
	if rc.WorkingDir == "" {
		rc.WorkingDir = rc.Image.WorkingDir
	}
	if rc.StopSignal == "" {
		rc.StopSignal = rc.Image.StopSignal
	}
	rc.Labels = mergeLabels(rc.Image.Labels, rc.Labels)
	return nil
}

// mergeLabels returns the image's labels overridden by the user's, or nil
// when there are none.
func mergeLabels(image, user map[string]string) map[string]string {
	if len(image) == 0 && len(user) == 0 {
		return user
	}
	out := maps.Clone(image)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, user)
	return out
}

// SetUser sets the process user of s and, as moby does once the user is
// known, leaves a non-root user only the bounding set: execve would clear
// its effective and permitted sets anyway.
func SetUser(s *specs.Spec, u specs.User) {
	if s.Process == nil {
		s.Process = &specs.Process{}
	}
	s.Process.User = u
	if c := s.Process.Capabilities; c != nil {
		setCapabilities(s, c.Bounding)
	}
}
