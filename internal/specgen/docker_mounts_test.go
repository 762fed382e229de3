package specgen

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestReadOnly(t *testing.T) {
	rc := baseRun()
	rc.ReadOnly, rc.ResolvConf, rc.Hosts, rc.HostnameFile = true, "/c/resolv.conf", "/c/hosts", "/c/hostname"
	rc.Mounts = []specs.Mount{{Destination: "/data", Type: "bind", Source: "/srv/data", Options: []string{"rbind", "rprivate"}}}
	s := mustDocker(t, rc)
	if !s.Root.Readonly {
		t.Error("root is not read-only")
	}
	for _, m := range s.Mounts {
		ro := slices.Contains(m.Options, "ro")
		switch m.Destination {
		case "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/data":
			if ro {
				t.Errorf("%s made read-only: %q", m.Destination, m.Options)
			}
		default:
			if !ro {
				t.Errorf("%s writable in a read-only container: %q", m.Destination, m.Options)
			}
		}
	}
	// Sorted by depth, as moby sorts them: /data before /etc/*.
	want := []string{
		"/data bind /srv/data rbind,rprivate",
		"/etc/resolv.conf bind /c/resolv.conf rbind,ro,rprivate",
		"/etc/hostname bind /c/hostname rbind,ro,rprivate",
		"/etc/hosts bind /c/hosts rbind,ro,rprivate",
	}
	if got := mountLines(s.Mounts[len(s.Mounts)-4:]); !reflect.DeepEqual(got, want) {
		t.Errorf("user mounts:\n%s", strings.Join(got, "\n"))
	}
}

func TestTmpfs(t *testing.T) {
	tests := []struct {
		opts string
		want string
	}{
		{"", "noexec,nosuid,nodev,rprivate"},
		{"size=64m", "noexec,nosuid,nodev,rprivate,size=64m"},
		{"rw,exec,mode=1777", "nosuid,nodev,rprivate,rw,exec,mode=1777"},
		{"size=1m,size=2m,shared", "noexec,nosuid,nodev,size=2m,shared"},
		{"defaults,ro", "noexec,nosuid,nodev,rprivate,ro"},
	}
	for _, tt := range tests {
		rc := baseRun()
		rc.Tmpfs = map[string]string{"/run": tt.opts}
		m := findMount(mustDocker(t, rc), "/run")
		if m == nil || m.Type != "tmpfs" || m.Source != "tmpfs" || strings.Join(m.Options, ",") != tt.want {
			t.Errorf("--tmpfs /run:%s = %+v, want options %s", tt.opts, m, tt.want)
		}
	}
	for _, bad := range []map[string]string{{"/run": "bogus"}, {"/run": "size"}, {"run": ""}} {
		rc := baseRun()
		rc.Tmpfs = bad
		if _, err := Docker(rc); err == nil {
			t.Errorf("--tmpfs %v accepted", bad)
		}
	}
}

func TestUserMountsReplaceDefaults(t *testing.T) {
	rc := baseRun()
	rc.Tmpfs = map[string]string{"/dev/shm": "size=1g", "/a/b/c": ""}
	rc.Mounts = []specs.Mount{{Destination: "/a", Type: "bind", Source: "/x", Options: []string{"rbind"}}}
	s := mustDocker(t, rc)
	var shm, order []string
	for _, m := range s.Mounts {
		if m.Destination == "/dev/shm" {
			shm = append(shm, m.Type+" "+strings.Join(m.Options, ","))
		}
		order = append(order, m.Destination)
	}
	if !reflect.DeepEqual(shm, []string{"tmpfs noexec,nosuid,nodev,rprivate,size=1g"}) {
		t.Errorf("/dev/shm mounts %q", shm)
	}
	if slices.Index(order, "/a") > slices.Index(order, "/a/b/c") {
		t.Errorf("parent mounted after child: %q", order)
	}
	rc = baseRun()
	rc.Mounts = []specs.Mount{{Destination: "/dev", Type: "bind", Source: "/dev", Options: []string{"rbind"}}}
	for _, m := range mustDocker(t, rc).Mounts {
		if strings.HasPrefix(m.Destination, "/dev/") {
			t.Errorf("%s kept under a user /dev", m.Destination)
		}
	}
}

func TestShmSizeAndIPC(t *testing.T) {
	tests := []struct {
		ipc  string
		shm  int64
		want string
	}{
		{"", 0, "/dev/shm tmpfs shm nosuid,noexec,nodev,mode=1777,size=67108864"},
		{"private", 1 << 30, "/dev/shm tmpfs shm nosuid,noexec,nodev,mode=1777,size=1073741824"},
		{"shareable", 0, "/dev/shm tmpfs shm nosuid,noexec,nodev,mode=1777,size=67108864"},
		{"host", 0, "/dev/shm bind /dev/shm rbind,rprivate"},
		{"none", 0, ""},
	}
	for _, tt := range tests {
		rc := baseRun()
		rc.IPCMode, rc.ShmSize = tt.ipc, tt.shm
		s := mustDocker(t, rc)
		got := ""
		if m := findMount(s, "/dev/shm"); m != nil {
			got = mountLines([]specs.Mount{*m})[0]
		}
		if got != tt.want {
			t.Errorf("ipc %q shm %d: %q, want %q", tt.ipc, tt.shm, got, tt.want)
		}
	}
}

func TestNamespaces(t *testing.T) {
	tests := []struct {
		name   string
		change func(*RunConfig)
		want   string
	}{
		{"none", func(*RunConfig) {}, "mount network uts pid ipc cgroup"},
		{"bridge with netns", func(rc *RunConfig) { rc.NetworkMode, rc.NetNSPath = "bridge", "/run/netns/x" },
			"mount network/run/netns/x uts pid ipc cgroup"},
		{"container network", func(rc *RunConfig) { rc.NetworkMode, rc.NetNSPath = "container:abc", "/proc/42/ns/net" },
			"mount network/proc/42/ns/net uts pid ipc cgroup"},
		{"host everything", func(rc *RunConfig) {
			rc.NetworkMode, rc.PIDMode, rc.IPCMode, rc.UTSMode = "host", "host", "host", "host"
		},
			"mount cgroup"},
	}
	for _, tt := range tests {
		rc := baseRun()
		tt.change(rc)
		if got := namespaceTypes(mustDocker(t, rc)); got != tt.want {
			t.Errorf("%s: namespaces %q, want %q", tt.name, got, tt.want)
		}
	}
	rc := baseRun()
	rc.UTSMode = "host"
	if s := mustDocker(t, rc); s.Hostname != "" {
		t.Errorf("host uts keeps hostname %q", s.Hostname)
	}
	for _, change := range []func(*RunConfig){
		func(rc *RunConfig) { rc.NetworkMode = "container:abc" },
		func(rc *RunConfig) { rc.PIDMode = "container:abc" },
		func(rc *RunConfig) { rc.IPCMode = "bogus" },
	} {
		rc := baseRun()
		change(rc)
		if _, err := Docker(rc); err == nil {
			t.Errorf("%+v accepted", rc)
		}
	}
}

func TestHostNetwork(t *testing.T) {
	rc := baseRun()
	rc.NetworkMode = "host"
	s := mustDocker(t, rc)
	if got := mountLines([]specs.Mount{*findMount(s, "/sys")})[0]; got != "/sys bind /sys rbind,nosuid,noexec,nodev,ro" {
		t.Errorf("/sys in host netns: %s", got)
	}
	if len(s.Linux.Sysctl) != 0 {
		t.Errorf("host netns gets sysctls %v", s.Linux.Sysctl)
	}
	rc = baseRun()
	rc.NetworkMode, rc.Sysctls = "host", map[string]string{"net.ipv4.ip_forward": "1"}
	if _, err := Docker(rc); err == nil {
		t.Error("net sysctl accepted in host netns")
	}
}

func TestSysctls(t *testing.T) {
	rc := baseRun()
	rc.Domainname = "example.org"
	rc.Sysctls = map[string]string{"net.ipv4.ip_unprivileged_port_start": "1024", "kernel.shmmax": "1000", "fs.mqueue.msg_max": "20"}
	want := map[string]string{
		"kernel.domainname": "example.org", "net.ipv4.ping_group_range": "0 2147483647",
		"net.ipv4.ip_unprivileged_port_start": "1024", "kernel.shmmax": "1000", "fs.mqueue.msg_max": "20",
	}
	if got := mustDocker(t, rc).Linux.Sysctl; !reflect.DeepEqual(got, want) {
		t.Errorf("sysctls %v", got)
	}
	rc = baseRun()
	rc.Sysctls = map[string]string{"vm.swappiness": "10"}
	if _, err := Docker(rc); err == nil {
		t.Error("host-wide sysctl accepted")
	}
}

func TestInit(t *testing.T) {
	rc := baseRun()
	rc.Init, rc.InitPath, rc.Cmd = true, "/usr/libexec/hull/init", []string{"sleep", "1"}
	s := mustDocker(t, rc)
	if !reflect.DeepEqual(s.Process.Args, []string{InitInContainer, "--", "sleep", "1"}) {
		t.Errorf("args %q", s.Process.Args)
	}
	m := findMount(s, InitInContainer)
	if m == nil || m.Source != "/usr/libexec/hull/init" || !reflect.DeepEqual(m.Options, []string{"bind", "ro"}) {
		t.Errorf("init mount %+v", m)
	}
	rc.PIDMode = "host"
	if s := mustDocker(t, rc); s.Process.Args[0] != "sleep" || findMount(s, InitInContainer) != nil {
		t.Errorf("init added in the host pid namespace: %q", s.Process.Args)
	}
	rc = baseRun()
	rc.Init = true
	if _, err := Docker(rc); err == nil {
		t.Error("--init without an init binary accepted")
	}
}

func TestSecurityOpt(t *testing.T) {
	tests := []struct {
		opts []string
		want SecurityOptions
	}{
		{nil, SecurityOptions{}},
		{[]string{"no-new-privileges"}, SecurityOptions{NoNewPrivileges: true}},
		{[]string{"no-new-privileges:true"}, SecurityOptions{NoNewPrivileges: true}},
		{[]string{"no-new-privileges", "no-new-privileges=false"}, SecurityOptions{}},
		{[]string{"seccomp=unconfined"}, SecurityOptions{Seccomp: "unconfined"}},
		{[]string{"seccomp=unconfined", "seccomp=builtin"}, SecurityOptions{}},
		{[]string{`seccomp={"defaultAction":"SCMP_ACT_ALLOW"}`}, SecurityOptions{Seccomp: `{"defaultAction":"SCMP_ACT_ALLOW"}`}},
		{[]string{"apparmor=docker-default"}, SecurityOptions{AppArmor: "docker-default"}},
		{[]string{"label=disable", "systempaths=unconfined", "writable-cgroups=true"}, SecurityOptions{UnconfinedPaths: true, WritableCgroups: true}},
	}
	for _, tt := range tests {
		got, err := ParseSecurityOpt(tt.opts)
		if err != nil || got != tt.want {
			t.Errorf("ParseSecurityOpt(%q) = %+v, %v; want %+v", tt.opts, got, err, tt.want)
		}
	}
	for _, bad := range []string{"label=type:svirt_t", "label=user:USER", "seccomp=/etc/profile.json", "no-new-privileges=maybe", "bogus=1", "bogus", "systempaths=x"} {
		if _, err := ParseSecurityOpt([]string{bad}); err == nil {
			t.Errorf("ParseSecurityOpt(%q) accepted it", bad)
		}
	}
	if _, err := ParseSecurityOpt([]string{"label=level:s0"}); err == nil || !strings.Contains(err.Error(), "SELinux labels are not supported") {
		t.Errorf("label error %v", err)
	}
}

func TestSecurityOptInSpec(t *testing.T) {
	rc := baseRun()
	rc.SecurityOpt = []string{"seccomp=unconfined", "no-new-privileges", "systempaths=unconfined", "writable-cgroups=true"}
	s := mustDocker(t, rc)
	if s.Linux.Seccomp != nil || !s.Process.NoNewPrivileges || s.Linux.MaskedPaths != nil || s.Linux.ReadonlyPaths != nil {
		t.Errorf("security options not applied: %s", js(s.Linux))
	}
	if o := findMount(s, "/sys/fs/cgroup").Options; slices.Contains(o, "ro") {
		t.Errorf("cgroup mount %q", o)
	}
	rc = baseRun()
	rc.SecurityOpt = []string{`seccomp={"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"}]}`}
	s = mustDocker(t, rc)
	if sc := s.Linux.Seccomp; sc == nil || sc.DefaultAction != specs.ActErrno || len(sc.Syscalls) != 1 || len(sc.Syscalls[0].Names) != 2 {
		t.Errorf("custom profile %s", js(s.Linux.Seccomp))
	}
	rc.SecurityOpt = []string{`seccomp={not json`}
	if _, err := Docker(rc); err == nil {
		t.Error("broken profile accepted")
	}
}

func TestSeccompFollowsCapabilities(t *testing.T) {
	allowed := func(s *specs.Spec, name string) bool {
		for _, r := range s.Linux.Seccomp.Syscalls {
			if r.Action == specs.ActAllow && slices.Contains(r.Names, name) && len(r.Args) == 0 {
				return true
			}
		}
		return false
	}
	rc := baseRun()
	if allowed(mustDocker(t, rc), "mount") {
		t.Error("mount allowed without CAP_SYS_ADMIN")
	}
	rc.CapAdd = []string{"SYS_ADMIN"}
	if !allowed(mustDocker(t, rc), "mount") {
		t.Error("mount not allowed with CAP_SYS_ADMIN")
	}
}
