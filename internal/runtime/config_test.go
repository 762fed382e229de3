package runtime

import (
	"errors"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/specgen"
)

func TestValidateSpec(t *testing.T) {
	cases := []struct {
		name   string
		change func(*specs.Spec)
		want   string // substring of the error; empty means valid
		class  error
	}{
		{"runc default", func(s *specs.Spec) {}, "", nil},
		{"old version", func(s *specs.Spec) { s.Version = "0.9.0" }, "ociVersion", errdefs.ErrInvalidArgument},
		{"no root", func(s *specs.Spec) { s.Root = nil }, "root.path", errdefs.ErrInvalidArgument},
		{"no args", func(s *specs.Spec) { s.Process.Args = nil }, "process.args", errdefs.ErrInvalidArgument},
		{"relative cwd", func(s *specs.Spec) { s.Process.Cwd = "tmp" }, "absolute", errdefs.ErrInvalidArgument},
		{"unknown rlimit", func(s *specs.Spec) { s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_FOO"}} }, "RLIMIT_FOO", errdefs.ErrInvalidArgument},
		{"soft above hard", func(s *specs.Spec) {
			s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 10, Hard: 5}}
		}, "above hard", errdefs.ErrInvalidArgument},
		{"unknown namespace", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "bogus"})
		}, "bogus", errdefs.ErrInvalidArgument},
		{"duplicate namespace", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.PIDNamespace})
		}, "twice", errdefs.ErrInvalidArgument},
		{"no mount namespace", func(s *specs.Spec) { dropNamespace(s, specs.MountNamespace) }, "mount namespace", errdefs.ErrNotImplemented},
		{"hostname without uts", func(s *specs.Spec) { dropNamespace(s, specs.UTSNamespace) }, "UTS", errdefs.ErrInvalidArgument},
		{"maps without userns", func(s *specs.Spec) {
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}
		}, "need a new user namespace", errdefs.ErrInvalidArgument},
		{"userns without maps", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		}, "uidMappings", errdefs.ErrInvalidArgument},
		{"host sysctl", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"vm.swappiness": "1"} }, "change the host", errdefs.ErrInvalidArgument},
		{"net sysctl with netns", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"} }, "", nil},
		{"net sysctl without netns", func(s *specs.Spec) {
			dropNamespace(s, specs.NetworkNamespace)
			s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
		}, "network namespace", errdefs.ErrInvalidArgument},
		{"ipc sysctl", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"kernel.shm_rmid_forced": "1"} }, "", nil},
		{"time offsets without timens", func(s *specs.Spec) {
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 10}}
		}, "time namespace", errdefs.ErrInvalidArgument},
		{"relative hook", func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{Poststart: []specs.Hook{{Path: "hook.sh"}}}
		}, "absolute", errdefs.ErrInvalidArgument},
		{"intel rdt", func(s *specs.Spec) { s.Linux.IntelRdt = &specs.LinuxIntelRdt{} }, "intelRdt", errdefs.ErrNotImplemented},
		{"bad personality", func(s *specs.Spec) {
			s.Linux.Personality = &specs.LinuxPersonality{Domain: "BSD"}
		}, "personality", errdefs.ErrInvalidArgument},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := specgen.Default()
			tc.change(s)
			err := validateSpec(s)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("valid spec refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want one mentioning %q", err, tc.want)
			}
			if !errors.Is(err, tc.class) {
				t.Fatalf("error %v is not of class %v", err, tc.class)
			}
		})
	}
}

func dropNamespace(s *specs.Spec, t specs.LinuxNamespaceType) {
	var kept []specs.LinuxNamespace
	for _, ns := range s.Linux.Namespaces {
		if ns.Type != t {
			kept = append(kept, ns)
		}
	}
	s.Linux.Namespaces = kept
}

func TestValidateID(t *testing.T) {
	for _, id := range []string{"a", "abc-123", "x_y.z+1", strings.Repeat("a", 64)} {
		if err := ValidateID(id); err != nil {
			t.Errorf("ValidateID(%q) = %v, want nil", id, err)
		}
	}
	for _, id := range []string{"", ".", "..", "a/b", "../x", "a b", "a\x00"} {
		if err := ValidateID(id); err == nil {
			t.Errorf("ValidateID(%q) accepted a bad id", id)
		}
	}
}

func TestNewContainerBootstrap(t *testing.T) {
	s := specgen.Default()
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	for i := range s.Linux.Namespaces {
		if s.Linux.Namespaces[i].Type == specs.NetworkNamespace {
			s.Linux.Namespaces[i].Path = "/var/run/netns/x"
		}
	}
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	b := newContainerBootstrap(s, []string{"/sys/fs/cgroup/pids/x/cgroup.procs"})
	user, _ := kindOf(specs.UserNamespace)
	netns, _ := kindOf(specs.NetworkNamespace)
	if b.cloneFlags&user.flag == 0 {
		t.Errorf("new user namespace not in clone flags %#x", b.cloneFlags)
	}
	if b.cloneFlags&netns.flag != 0 {
		t.Errorf("joined network namespace is also created: flags %#x", b.cloneFlags)
	}
	if len(b.joins) != 1 || b.joins[0].path != "/var/run/netns/x" || b.joins[0].flag != netns.flag {
		t.Errorf("joins = %+v, want the network namespace by path", b.joins)
	}
	if b.uidMap != "0 100000 65536\n" {
		t.Errorf("uid map = %q", b.uidMap)
	}
	data := b.encode()
	if got := int(data[0]) | int(data[1])<<8 | int(data[2])<<16 | int(data[3])<<24; got != len(data)-4 {
		t.Errorf("encoded size header %d, body %d bytes", got, len(data)-4)
	}
}

func TestMergeResources(t *testing.T) {
	limit, swap, newLimit := int64(100), int64(200), int64(300)
	shares := uint64(512)
	old := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit, Swap: &swap}}
	upd := &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &newLimit}, CPU: &specs.LinuxCPU{Shares: &shares, Cpus: "0"}}
	got := mergeResources(old, upd)
	if *got.Memory.Limit != 300 || *got.Memory.Swap != 200 {
		t.Errorf("memory = limit %d swap %d, want 300 and the old 200", *got.Memory.Limit, *got.Memory.Swap)
	}
	if *got.CPU.Shares != 512 || got.CPU.Cpus != "0" {
		t.Errorf("cpu = %+v", got.CPU)
	}
	if *old.Memory.Limit != 100 {
		t.Errorf("merge changed the old resources")
	}
}

func TestTimeOffsetsText(t *testing.T) {
	got := timeOffsetsText(map[string]specs.LinuxTimeOffset{
		"boottime":  {Secs: -5, Nanosecs: 0},
		"monotonic": {Secs: 86400, Nanosecs: 7},
	})
	if want := "monotonic 86400 7\nboottime -5 0\n"; got != want {
		t.Errorf("timeOffsetsText = %q, want %q", got, want)
	}
}
