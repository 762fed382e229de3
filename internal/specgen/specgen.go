// Package specgen builds OCI runtime specs: the safe defaults that
// `hull-runtime spec` writes, which are those of `runc spec`, and the changes
// `spec --rootless` makes to them.
//
// Default follows current runc (1.2 and later): no ambient capabilities, the
// TPM sysfs directory masked, and a cgroup namespace. The hostname is "hull"
// and ociVersion is the runtime-spec version hull is built against.
package specgen

import (
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// defaultCaps is the small capability set runc grants by default.
var defaultCaps = []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}

// Default returns the spec `runc spec` writes, with hostname "hull": an
// interactive sh in a read-only "rootfs", the standard mounts, every device
// denied in the cgroup, new pid, network, ipc, uts, mount and cgroup
// namespaces, and runc's masked and read-only paths.
func Default() *specs.Spec {
	return &specs.Spec{
		Version:  specs.Version,
		Process:  defaultProcess(),
		Root:     &specs.Root{Path: "rootfs", Readonly: true},
		Hostname: "hull",
		Mounts:   defaultMounts(),
		Linux:    defaultLinux(),
	}
}

func defaultProcess() *specs.Process {
	return &specs.Process{
		Terminal: true,
		User:     specs.User{},
		Args:     []string{"sh"},
		Env: []string{
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm",
		},
		Cwd: "/",
		Capabilities: &specs.LinuxCapabilities{
			Bounding:  caps(),
			Effective: caps(),
			Permitted: caps(),
		},
		Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
		NoNewPrivileges: true,
	}
}

// caps returns a fresh copy of defaultCaps, so callers may edit one set
// without touching the others.
func caps() []string { return append([]string(nil), defaultCaps...) }

func defaultMounts() []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs",
			Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts",
			Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm",
			Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue",
			Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs",
			Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup",
			Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
	}
}

func defaultLinux() *specs.Linux {
	return &specs.Linux{
		Resources: &specs.LinuxResources{
			Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		},
		Namespaces: []specs.LinuxNamespace{
			{Type: specs.PIDNamespace},
			{Type: specs.NetworkNamespace},
			{Type: specs.IPCNamespace},
			{Type: specs.UTSNamespace},
			{Type: specs.MountNamespace},
			{Type: specs.CgroupNamespace},
		},
		MaskedPaths: []string{
			"/proc/acpi",
			"/proc/asound",
			"/proc/kcore",
			"/proc/keys",
			"/proc/latency_stats",
			"/proc/timer_list",
			"/proc/timer_stats",
			"/proc/sched_debug",
			"/sys/firmware",
			"/proc/scsi",
			"/sys/devices/virtual/tpm",
		},
		ReadonlyPaths: []string{
			"/proc/bus",
			"/proc/fs",
			"/proc/irq",
			"/proc/sys",
			"/proc/sysrq-trigger",
		},
	}
}

// Rootless changes s the way `runc spec --rootless` does, for a container
// started by an unprivileged user: a new user namespace mapping the current
// effective uid and gid to root, no network namespace, /sys bind-mounted
// from the host (a user namespace cannot mount sysfs without its own network
// namespace), no uid= or gid= mount options, and no cgroup resources.
func Rootless(s *specs.Spec) {
	if s.Linux == nil {
		s.Linux = &specs.Linux{}
	}
	s.Linux.Namespaces = rootlessNamespaces(s.Linux.Namespaces)
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(os.Geteuid()), Size: 1}}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(os.Getegid()), Size: 1}}
	s.Mounts = rootlessMounts(s.Mounts)
	s.Linux.Resources = nil
}

// rootlessNamespaces drops the network and user namespaces and appends a new
// user namespace.
func rootlessNamespaces(in []specs.LinuxNamespace) []specs.LinuxNamespace {
	var out []specs.LinuxNamespace
	for _, ns := range in {
		if ns.Type != specs.NetworkNamespace && ns.Type != specs.UserNamespace {
			out = append(out, ns)
		}
	}
	return append(out, specs.LinuxNamespace{Type: specs.UserNamespace})
}

// rootlessMounts replaces the /sys mount with a read-only rbind of the host's
// /sys and strips uid= and gid= options from the others.
func rootlessMounts(in []specs.Mount) []specs.Mount {
	out := make([]specs.Mount, 0, len(in))
	for _, m := range in {
		if filepath.Clean(m.Destination) == "/sys" {
			out = append(out, specs.Mount{
				Destination: "/sys", Type: "none", Source: "/sys",
				Options: []string{"rbind", "nosuid", "noexec", "nodev", "ro"},
			})
			continue
		}
		m.Options = withoutIDOptions(m.Options)
		out = append(out, m)
	}
	return out
}

func withoutIDOptions(opts []string) []string {
	var out []string
	for _, o := range opts {
		if !strings.HasPrefix(o, "uid=") && !strings.HasPrefix(o, "gid=") {
			out = append(out, o)
		}
	}
	return out
}
