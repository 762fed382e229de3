package runtime

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/internal/errdefs"
)

// nsKind describes one namespace type in every form the runtime meets it.
type nsKind struct {
	spec      specs.LinuxNamespaceType
	flag      uint32 // CLONE_NEW*
	stateKey  string // runc's state.json key
	procEntry string // /proc/<pid>/ns/<procEntry>
}

// namespaceKinds is ordered as runc joins them: user first, mount last.
var namespaceKinds = []nsKind{
	{specs.UserNamespace, 0x10000000, "NEWUSER", "user"},
	{specs.IPCNamespace, 0x08000000, "NEWIPC", "ipc"},
	{specs.UTSNamespace, 0x04000000, "NEWUTS", "uts"},
	{specs.NetworkNamespace, 0x40000000, "NEWNET", "net"},
	{specs.PIDNamespace, 0x20000000, "NEWPID", "pid"},
	{specs.CgroupNamespace, 0x02000000, "NEWCGROUP", "cgroup"},
	{specs.TimeNamespace, 0x00000080, "NEWTIME", "time"},
	{specs.MountNamespace, 0x00020000, "NEWNS", "mnt"},
}

func kindOf(t specs.LinuxNamespaceType) (nsKind, bool) {
	for _, k := range namespaceKinds {
		if k.spec == t {
			return k, true
		}
	}
	return nsKind{}, false
}

// hasNamespace reports whether the spec lists namespace t, and with which path.
func hasNamespace(s *specs.Spec, t specs.LinuxNamespaceType) (listed bool, path string) {
	if s.Linux == nil {
		return false, ""
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == t {
			return true, ns.Path
		}
	}
	return false, ""
}

// newNamespace reports whether the container gets a namespace of type t of
// its own (listed without a path).
func newNamespace(s *specs.Spec, t specs.LinuxNamespaceType) bool {
	listed, path := hasNamespace(s, t)
	return listed && path == ""
}

// LoadSpec reads and parses <bundle>/config.json.
func LoadSpec(bundle string) (*specs.Spec, error) {
	path := filepath.Join(bundle, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, errdefs.NotFound(fmt.Sprintf("%s does not exist: is %s an OCI bundle? (hull-runtime spec writes a default config.json)", path, bundle))
		}
		return nil, err
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, errdefs.InvalidArgument(fmt.Sprintf("parse %s: %v", path, err))
	}
	return &s, nil
}

func invalid(format string, args ...any) error {
	return errdefs.InvalidArgument(fmt.Sprintf(format, args...))
}

func unsupported(format string, args ...any) error {
	return errdefs.NotImplemented(fmt.Sprintf(format, args...))
}

// validateSpec checks everything about a spec that can be checked before a
// process starts, so that a bad config fails create with a clear message and
// leaves nothing behind.
func validateSpec(s *specs.Spec) error {
	if !strings.HasPrefix(s.Version, "1.") {
		return invalid("config.json: ociVersion %q is not supported (want 1.x)", s.Version)
	}
	if s.Root == nil || s.Root.Path == "" {
		return invalid("config.json: root.path is required")
	}
	if s.Process == nil {
		return invalid("config.json: process is required")
	}
	if s.Linux == nil {
		return invalid("config.json: linux section is required")
	}
	checks := []func(*specs.Spec) error{
		validateProcessSpec, validateNamespaces, validateIDMappings,
		validateUTS, validateSysctl, validateHooks, validateUnsupported,
	}
	for _, check := range checks {
		if err := check(s); err != nil {
			return err
		}
	}
	return nil
}

func validateProcessSpec(s *specs.Spec) error {
	p := s.Process
	if len(p.Args) == 0 {
		return invalid("config.json: process.args must not be empty")
	}
	if p.Cwd == "" || !filepath.IsAbs(p.Cwd) {
		return invalid("config.json: process.cwd %q must be an absolute path", p.Cwd)
	}
	for _, r := range p.Rlimits {
		if _, ok := rlimitTypes[r.Type]; !ok {
			return invalid("config.json: unknown rlimit %q", r.Type)
		}
		if r.Soft > r.Hard {
			return invalid("config.json: rlimit %s: soft limit %d is above hard limit %d", r.Type, r.Soft, r.Hard)
		}
	}
	if p.SelinuxLabel != "" && !selinuxEnabled() {
		return unsupported("config.json: process.selinuxLabel is set but SELinux is not enabled on this host")
	}
	if p.Scheduler != nil {
		return unsupported("config.json: process.scheduler is not supported by hull-runtime yet")
	}
	if p.ExecCPUAffinity != nil {
		return unsupported("config.json: process.execCPUAffinity is not supported by hull-runtime yet")
	}
	return nil
}

func validateNamespaces(s *specs.Spec) error {
	seen := map[specs.LinuxNamespaceType]bool{}
	for _, ns := range s.Linux.Namespaces {
		if _, ok := kindOf(ns.Type); !ok {
			return invalid("config.json: unknown namespace type %q", ns.Type)
		}
		if seen[ns.Type] {
			return invalid("config.json: namespace %q is listed twice", ns.Type)
		}
		seen[ns.Type] = true
		if ns.Path != "" && !filepath.IsAbs(ns.Path) {
			return invalid("config.json: namespace %s path %q must be absolute", ns.Type, ns.Path)
		}
	}
	if !seen[specs.MountNamespace] {
		return unsupported("config.json: a container needs its own mount namespace; add {\"type\": \"mount\"} to linux.namespaces")
	}
	if len(s.Linux.TimeOffsets) > 0 && !newNamespace(s, specs.TimeNamespace) {
		return invalid("config.json: linux.timeOffsets need a new time namespace")
	}
	for clock := range s.Linux.TimeOffsets {
		if clock != "monotonic" && clock != "boottime" {
			return invalid("config.json: linux.timeOffsets: unknown clock %q (monotonic or boottime)", clock)
		}
	}
	return nil
}

func validateIDMappings(s *specs.Spec) error {
	mapped := len(s.Linux.UIDMappings) > 0 || len(s.Linux.GIDMappings) > 0
	if newNamespace(s, specs.UserNamespace) {
		if len(s.Linux.UIDMappings) == 0 || len(s.Linux.GIDMappings) == 0 {
			return invalid("config.json: a new user namespace needs linux.uidMappings and linux.gidMappings")
		}
		return nil
	}
	if mapped {
		return invalid("config.json: linux.uidMappings/gidMappings need a new user namespace")
	}
	return nil
}

func validateUTS(s *specs.Spec) error {
	if (s.Hostname != "" || s.Domainname != "") && !newNamespace(s, specs.UTSNamespace) {
		if listed, _ := hasNamespace(s, specs.UTSNamespace); !listed {
			return invalid("config.json: hostname and domainname need a UTS namespace of the container's own")
		}
	}
	return nil
}

// validateSysctl allows only the sysctls that live in a namespace the
// container has: setting any other would change the host.
func validateSysctl(s *specs.Spec) error {
	for key := range s.Linux.Sysctl {
		name := strings.ReplaceAll(key, "/", ".")
		switch {
		case ipcSysctl(name):
			if listed, _ := hasNamespace(s, specs.IPCNamespace); !listed {
				return invalid("config.json: sysctl %q needs an IPC namespace of the container's own", key)
			}
		case strings.HasPrefix(name, "net."):
			if listed, _ := hasNamespace(s, specs.NetworkNamespace); !listed {
				return invalid("config.json: sysctl %q needs a network namespace of the container's own", key)
			}
		case name == "kernel.hostname" || name == "kernel.domainname":
			if listed, _ := hasNamespace(s, specs.UTSNamespace); !listed {
				return invalid("config.json: sysctl %q needs a UTS namespace of the container's own", key)
			}
		default:
			return invalid("config.json: sysctl %q is not in a namespace the container owns; setting it would change the host", key)
		}
	}
	return nil
}

func ipcSysctl(name string) bool {
	switch name {
	case "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
		"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced":
		return true
	}
	return strings.HasPrefix(name, "fs.mqueue.")
}

func validateHooks(s *specs.Spec) error {
	if s.Hooks == nil {
		return nil
	}
	for kind, hooks := range hookLists(s.Hooks) {
		for _, h := range hooks {
			if !filepath.IsAbs(h.Path) {
				return invalid("config.json: %s hook path %q must be absolute", kind, h.Path)
			}
			if h.Timeout != nil && *h.Timeout <= 0 {
				return invalid("config.json: %s hook %s: timeout must be positive", kind, h.Path)
			}
		}
	}
	return nil
}

func validateUnsupported(s *specs.Spec) error {
	l := s.Linux
	switch {
	case l.IntelRdt != nil:
		return unsupported("config.json: linux.intelRdt is not supported by hull-runtime")
	case len(l.NetDevices) > 0:
		return unsupported("config.json: linux.netDevices is not supported by hull-runtime yet")
	case l.MemoryPolicy != nil:
		return unsupported("config.json: linux.memoryPolicy is not supported by hull-runtime yet")
	case l.MountLabel != "" && !selinuxEnabled():
		return unsupported("config.json: linux.mountLabel is set but SELinux is not enabled on this host")
	case l.Personality != nil && l.Personality.Domain != specs.PerLinux && l.Personality.Domain != specs.PerLinux32:
		return invalid("config.json: personality domain %q is not LINUX or LINUX32", l.Personality.Domain)
	}
	return nil
}

func selinuxEnabled() bool {
	_, err := os.Stat("/sys/fs/selinux/enforce")
	return err == nil
}

// rlimitTypes maps OCI rlimit names to their resource numbers.
var rlimitTypes = map[string]int{
	"RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3,
	"RLIMIT_CORE": 4, "RLIMIT_RSS": 5, "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7,
	"RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9, "RLIMIT_LOCKS": 10, "RLIMIT_SIGPENDING": 11,
	"RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13, "RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
}

// idMapText renders OCI id mappings as /proc/<pid>/uid_map text.
func idMapText(m []specs.LinuxIDMapping) string {
	var b strings.Builder
	for _, e := range m {
		fmt.Fprintf(&b, "%d %d %d\n", e.ContainerID, e.HostID, e.Size)
	}
	return b.String()
}

// timeOffsetsText renders linux.timeOffsets as /proc/self/timens_offsets text.
func timeOffsetsText(offsets map[string]specs.LinuxTimeOffset) string {
	var b strings.Builder
	for _, clock := range []string{"monotonic", "boottime"} {
		if o, ok := offsets[clock]; ok {
			fmt.Fprintf(&b, "%s %d %d\n", clock, o.Secs, o.Nanosecs)
		}
	}
	return b.String()
}
