package specgen

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// hostIndependent makes the host-dependent parts of Docker's spec fixed for
// the duration of a test.
func hostIndependent(t *testing.T) {
	t.Helper()
	masked, exists := hostMaskedPaths, sysctlExists
	hostMaskedPaths = func() []string { return nil }
	sysctlExists = func(string) bool { return true }
	t.Cleanup(func() { hostMaskedPaths, sysctlExists = masked, exists })
}

func baseRun() *RunConfig {
	return &RunConfig{
		Image:    ImageConfig{Cmd: []string{"sh"}, Env: []string{"PATH=/usr/bin:/bin"}},
		Hostname: "abc123", Rootfs: "/var/lib/hull/c/rootfs", CgroupsPath: "/hull/abc", NetworkMode: "none",
	}
}

func mustDocker(t *testing.T, rc *RunConfig) *specs.Spec {
	t.Helper()
	hostIndependent(t)
	s, err := Docker(rc)
	if err != nil {
		t.Fatalf("Docker: %v", err)
	}
	return s
}

func TestCommand(t *testing.T) {
	img := ImageConfig{Entrypoint: []string{"/entry", "-x"}, Cmd: []string{"serve", "--port=80"}}
	cmdOnly := ImageConfig{Cmd: []string{"/bin/sh"}}
	tests := []struct {
		name       string
		img        ImageConfig
		entrypoint []string
		set        bool
		cmd        []string
		want       []string
	}{
		{"image entrypoint and cmd", img, nil, false, nil, []string{"/entry", "-x", "serve", "--port=80"}},
		{"args replace cmd", img, nil, false, []string{"debug"}, []string{"/entry", "-x", "debug"}},
		{"image cmd only", cmdOnly, nil, false, nil, []string{"/bin/sh"}},
		{"args replace cmd only", cmdOnly, nil, false, []string{"echo", "hi"}, []string{"echo", "hi"}},
		{"--entrypoint drops image cmd", img, []string{"/bin/bash"}, true, nil, []string{"/bin/bash"}},
		{"--entrypoint with args", img, []string{"/bin/bash"}, true, []string{"-c", "id"}, []string{"/bin/bash", "-c", "id"}},
		{"--entrypoint on a cmd-only image", cmdOnly, []string{"env"}, true, nil, []string{"env"}},
		{`--entrypoint "" with args`, img, nil, true, []string{"ls", "/"}, []string{"ls", "/"}},
		{`--entrypoint "" given as [""]`, img, []string{""}, true, []string{"ls"}, []string{"ls"}},
	}
	for _, tt := range tests {
		got, err := Command(tt.img, tt.entrypoint, tt.set, tt.cmd)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Command = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	for name, c := range map[string]struct {
		img ImageConfig
		set bool
	}{
		`--entrypoint "" and no args`: {img, true},
		"empty image, no args":        {ImageConfig{}, false},
	} {
		if _, err := Command(c.img, nil, c.set, nil); err == nil || err.Error() != "no command specified" {
			t.Errorf("%s: err = %v, want no command specified", name, err)
		}
	}
}

func TestDockerMergesImageConfig(t *testing.T) {
	rc := baseRun()
	rc.Image = ImageConfig{
		Entrypoint: []string{"/entry"}, Cmd: []string{"run"}, User: "app", WorkingDir: "/srv/../app",
		StopSignal: "SIGQUIT", Labels: map[string]string{"a": "image", "b": "image"},
	}
	rc.Labels = map[string]string{"b": "user"}
	s := mustDocker(t, rc)
	if !reflect.DeepEqual(s.Process.Args, []string{"/entry", "run"}) || s.Process.Cwd != "/app" {
		t.Errorf("args %q cwd %q", s.Process.Args, s.Process.Cwd)
	}
	if rc.User != "app" || rc.StopSignal != "SIGQUIT" || rc.WorkingDir != "/srv/../app" ||
		!reflect.DeepEqual(rc.Entrypoint, []string{"/entry"}) || !reflect.DeepEqual(rc.Cmd, []string{"run"}) {
		t.Errorf("rc not merged like docker inspect's Config: %+v", rc)
	}
	want := map[string]string{"a": "image", "b": "user"}
	if !reflect.DeepEqual(s.Annotations, want) || !reflect.DeepEqual(rc.Labels, want) {
		t.Errorf("annotations %v, labels %v; want %v", s.Annotations, rc.Labels, want)
	}
	again, err := Docker(rc)
	if err != nil || !reflect.DeepEqual(again.Process.Args, s.Process.Args) {
		t.Errorf("second Docker(rc) = %q, %v", again.Process.Args, err)
	}
	rc = baseRun()
	rc.WorkingDir = "relative"
	if _, err := Docker(rc); err == nil || !strings.Contains(err.Error(), "needs to be an absolute path") {
		t.Errorf("relative working dir: %v", err)
	}
}

func TestMergeEnv(t *testing.T) {
	tests := []struct {
		name        string
		image, user []string
		want        []string
	}{
		{"image only", []string{"PATH=/x", "A=1"}, nil, []string{"PATH=/x", "A=1"}},
		{"user first, overrides by key", []string{"PATH=/x", "A=1", "B=2"}, []string{"A=9", "C=3"}, []string{"A=9", "C=3", "PATH=/x", "B=2"}},
		{"later user entry wins", nil, []string{"A=1", "A=2"}, []string{"A=2"}},
		{"value with =", []string{"A=x=y"}, []string{"B=a=b"}, []string{"B=a=b", "A=x=y"}},
	}
	for _, tt := range tests {
		if got := MergeEnv(tt.image, tt.user); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: MergeEnv = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestProcessEnv(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		tty  bool
		want []string
	}{
		{"defaults", nil, false, []string{"PATH=" + DefaultPathEnv, "HOSTNAME=h"}},
		{"tty", nil, true, []string{"PATH=" + DefaultPathEnv, "HOSTNAME=h", "TERM=xterm"}},
		{"image path replaces in place", []string{"A=1", "PATH=/bin"}, true, []string{"PATH=/bin", "HOSTNAME=h", "TERM=xterm", "A=1"}},
		{"user TERM and HOSTNAME", []string{"TERM=dumb", "HOSTNAME=x"}, true, []string{"PATH=" + DefaultPathEnv, "HOSTNAME=x", "TERM=dumb"}},
		{"bare name unsets", []string{"HOSTNAME"}, false, []string{"PATH=" + DefaultPathEnv}},
	}
	for _, tt := range tests {
		if got := ProcessEnv(tt.env, "h", tt.tty); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: ProcessEnv = %q, want %q", tt.name, got, tt.want)
		}
	}
	rc := baseRun()
	rc.TTY, rc.Env = true, []string{"FOO=bar"}
	s := mustDocker(t, rc)
	want := []string{"PATH=/usr/bin:/bin", "HOSTNAME=abc123", "TERM=xterm", "FOO=bar"}
	if !reflect.DeepEqual(s.Process.Env, want) || !s.Process.Terminal {
		t.Errorf("spec env %q terminal %v, want %q", s.Process.Env, s.Process.Terminal, want)
	}
}

func TestParseUlimit(t *testing.T) {
	tests := []struct {
		in   string
		want Ulimit
	}{
		{"nofile=1024:2048", Ulimit{"nofile", 1024, 2048}},
		{"nproc=512", Ulimit{"nproc", 512, 512}},
		{"core=-1", Ulimit{"core", -1, -1}},
		{"memlock=100:-1", Ulimit{"memlock", 100, -1}},
	}
	for _, tt := range tests {
		got, err := ParseUlimit(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseUlimit(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"nofile", "bogus=1", "nofile=a", "nofile=1:b", "nofile=1:2:3", "nofile=2048:1024", "NOFILE=1"} {
		if u, err := ParseUlimit(bad); err == nil {
			t.Errorf("ParseUlimit(%q) = %+v, want an error", bad, u)
		}
	}
	rc := baseRun()
	rc.Ulimits = []Ulimit{{"nofile", 1024, 2048}, {"core", -1, -1}}
	s := mustDocker(t, rc)
	want := []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 2048}, {Type: "RLIMIT_CORE", Soft: ^uint64(0), Hard: ^uint64(0)}}
	if !reflect.DeepEqual(s.Process.Rlimits, want) {
		t.Errorf("rlimits %+v, want %+v", s.Process.Rlimits, want)
	}
}

func TestResources(t *testing.T) {
	const mib = 1 << 20
	i64 := func(v int64) *int64 { return &v }
	u64 := func(v uint64) *uint64 { return &v }
	tests := []struct {
		name   string
		change func(*RunConfig)
		memory *specs.LinuxMemory
		cpu    *specs.LinuxCPU
		pids   *specs.LinuxPids
	}{
		{"none", func(*RunConfig) {}, nil, nil, nil},
		{"memory doubles swap", func(rc *RunConfig) { rc.Memory = 512 * mib },
			&specs.LinuxMemory{Limit: i64(512 * mib), Swap: i64(1024 * mib)}, nil, nil},
		{"memory swap given", func(rc *RunConfig) { rc.Memory, rc.MemorySwap = 512*mib, 768*mib },
			&specs.LinuxMemory{Limit: i64(512 * mib), Swap: i64(768 * mib)}, nil, nil},
		{"swap unlimited", func(rc *RunConfig) { rc.Memory, rc.MemorySwap = 512*mib, -1 },
			&specs.LinuxMemory{Limit: i64(512 * mib), Swap: i64(-1)}, nil, nil},
		{"reservation", func(rc *RunConfig) { rc.MemoryReservation = 64 * mib },
			&specs.LinuxMemory{Reservation: i64(64 * mib)}, nil, nil},
		{"cpus 1.5", func(rc *RunConfig) { rc.NanoCPUs = 1.5e9 },
			nil, &specs.LinuxCPU{Quota: i64(150000), Period: u64(100000)}, nil},
		{"cpus 0.5, shares, cpuset", func(rc *RunConfig) { rc.NanoCPUs, rc.CPUShares, rc.CPUSetCPUs, rc.CPUSetMems = 5e8, 512, "0-1", "0" },
			nil, &specs.LinuxCPU{Shares: u64(512), Quota: i64(50000), Period: u64(100000), Cpus: "0-1", Mems: "0"}, nil},
		{"pids", func(rc *RunConfig) { rc.PidsLimit = i64(100) }, nil, nil, &specs.LinuxPids{Limit: i64(100)}},
		{"pids unlimited", func(rc *RunConfig) { rc.PidsLimit = i64(0) }, nil, nil, &specs.LinuxPids{Limit: i64(-1)}},
	}
	for _, tt := range tests {
		rc := baseRun()
		tt.change(rc)
		r := mustDocker(t, rc).Linux.Resources
		if !reflect.DeepEqual(r.Memory, tt.memory) || !reflect.DeepEqual(r.CPU, tt.cpu) || !reflect.DeepEqual(r.Pids, tt.pids) {
			t.Errorf("%s: memory %s cpu %s pids %s", tt.name, js(r.Memory), js(r.CPU), js(r.Pids))
		}
	}
	for name, change := range map[string]func(*RunConfig){
		"memory below 6MB":     func(rc *RunConfig) { rc.Memory = 4 * mib },
		"swap below memory":    func(rc *RunConfig) { rc.Memory, rc.MemorySwap = 512*mib, 256*mib },
		"swap without memory":  func(rc *RunConfig) { rc.MemorySwap = 512 * mib },
		"reservation > memory": func(rc *RunConfig) { rc.Memory, rc.MemoryReservation = 64*mib, 128*mib },
		"too many cpus":        func(rc *RunConfig) { rc.NanoCPUs = 1e6 * 1e9 },
		"too few cpus":         func(rc *RunConfig) { rc.NanoCPUs = 1e6 },
	} {
		rc := baseRun()
		change(rc)
		if _, err := Docker(rc); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestDefaultSpec(t *testing.T) {
	s := mustDocker(t, baseRun())
	c := s.Process.Capabilities
	want := []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
		"CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}
	if !reflect.DeepEqual(c.Bounding, want) || !reflect.DeepEqual(c.Effective, want) || !reflect.DeepEqual(c.Permitted, want) ||
		c.Inheritable != nil || c.Ambient != nil {
		t.Errorf("capabilities %s", js(c))
	}
	wantMasked := []string{"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/devices/virtual/powercap", "/sys/firmware"}
	if !reflect.DeepEqual(s.Linux.MaskedPaths, wantMasked) {
		t.Errorf("masked paths %q", s.Linux.MaskedPaths)
	}
	if !reflect.DeepEqual(s.Linux.ReadonlyPaths, []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}) {
		t.Errorf("readonly paths %q", s.Linux.ReadonlyPaths)
	}
	wantMounts := []string{
		"/proc proc proc nosuid,noexec,nodev",
		"/dev tmpfs tmpfs nosuid,strictatime,mode=755,size=65536k",
		"/dev/pts devpts devpts nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5",
		"/sys sysfs sysfs nosuid,noexec,nodev,ro",
		"/sys/fs/cgroup cgroup cgroup ro,nosuid,noexec,nodev",
		"/dev/mqueue mqueue mqueue nosuid,noexec,nodev",
		"/dev/shm tmpfs shm nosuid,noexec,nodev,mode=1777,size=67108864",
	}
	if got := mountLines(s.Mounts); !reflect.DeepEqual(got, wantMounts) {
		t.Errorf("mounts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantMounts, "\n"))
	}
	if got := namespaceTypes(s); !reflect.DeepEqual(got, "mount network uts pid ipc cgroup") {
		t.Errorf("namespaces %q", got)
	}
	checkProcessDefaults(t, s)
	checkLinuxDefaults(t, s)
}

func checkProcessDefaults(t *testing.T, s *specs.Spec) {
	t.Helper()
	p := s.Process
	if p.NoNewPrivileges || p.OOMScoreAdj == nil || *p.OOMScoreAdj != 0 || p.Rlimits != nil || p.User.UID != 0 || p.Cwd != "/" {
		t.Errorf("process %s", js(p))
	}
	if !reflect.DeepEqual(p.Args, []string{"sh"}) || s.Hostname != "abc123" || s.Root.Path != "/var/lib/hull/c/rootfs" || s.Root.Readonly {
		t.Errorf("args %q hostname %q root %s", p.Args, s.Hostname, js(s.Root))
	}
}

func checkLinuxDefaults(t *testing.T, s *specs.Spec) {
	t.Helper()
	l := s.Linux
	if l.CgroupsPath != "/hull/abc" || l.Seccomp == nil || l.Seccomp.DefaultAction != specs.ActErrno || len(l.Seccomp.Syscalls) == 0 {
		t.Errorf("cgroups path %q seccomp default %v", l.CgroupsPath, l.Seccomp != nil)
	}
	wantSysctl := map[string]string{"net.ipv4.ping_group_range": "0 2147483647", "net.ipv4.ip_unprivileged_port_start": "0"}
	if !reflect.DeepEqual(l.Sysctl, wantSysctl) {
		t.Errorf("sysctls %v", l.Sysctl)
	}
	d := l.Resources.Devices
	if len(d) != 8 || d[0].Allow || d[0].Type != "" || d[0].Access != "rwm" || !d[1].Allow || *d[1].Major != 1 || *d[1].Minor != 5 || d[7].Allow || *d[7].Major != 10 {
		t.Errorf("device rules %s", js(d))
	}
}

func mountLines(ms []specs.Mount) []string {
	var out []string
	for _, m := range ms {
		out = append(out, strings.Join([]string{m.Destination, m.Type, m.Source, strings.Join(m.Options, ",")}, " "))
	}
	return out
}

func namespaceTypes(s *specs.Spec) string {
	var out []string
	for _, n := range s.Linux.Namespaces {
		out = append(out, string(n.Type)+n.Path)
	}
	return strings.Join(out, " ")
}

func findMount(s *specs.Spec, dst string) *specs.Mount {
	for i := range s.Mounts {
		if s.Mounts[i].Destination == dst {
			return &s.Mounts[i]
		}
	}
	return nil
}

func TestPrivileged(t *testing.T) {
	rc := baseRun()
	rc.Privileged, rc.CapDrop = true, []string{"CHOWN"}
	s := mustDocker(t, rc)
	if all := allCapabilities(); !reflect.DeepEqual(s.Process.Capabilities.Bounding, all) || len(all) == 0 {
		t.Errorf("bounding %q", s.Process.Capabilities.Bounding)
	}
	if s.Linux.Seccomp != nil || s.Linux.MaskedPaths != nil || s.Linux.ReadonlyPaths != nil {
		t.Errorf("privileged keeps seccomp %v masked %q readonly %q", s.Linux.Seccomp != nil, s.Linux.MaskedPaths, s.Linux.ReadonlyPaths)
	}
	if o := findMount(s, "/sys").Options; slices.Contains(o, "ro") {
		t.Errorf("/sys %q", o)
	}
	if o := findMount(s, "/sys/fs/cgroup").Options; slices.Contains(o, "ro") {
		t.Errorf("/sys/fs/cgroup %q", o)
	}
	if d := s.Linux.Resources.Devices; len(d) != 1 || !d[0].Allow || d[0].Access != "rwm" {
		t.Errorf("devices %s", js(d))
	}
}

func TestCapabilities(t *testing.T) {
	tests := []struct {
		name       string
		add, drop  []string
		has, hasnt []string
		count      int
	}{
		{"add without prefix", []string{"sys_admin"}, nil, []string{"CAP_SYS_ADMIN", "CAP_CHOWN"}, nil, 15},
		{"drop with prefix", nil, []string{"CAP_NET_RAW", "mknod"}, []string{"CAP_CHOWN"}, []string{"CAP_NET_RAW", "CAP_MKNOD"}, 12},
		{"drop all, add one", []string{"NET_BIND_SERVICE"}, []string{"ALL"}, []string{"CAP_NET_BIND_SERVICE"}, []string{"CAP_CHOWN"}, 1},
		{"add all, drop one", []string{"all"}, []string{"SYS_ADMIN"}, []string{"CAP_SYS_PTRACE"}, []string{"CAP_SYS_ADMIN"}, len(allCapabilities()) - 1},
		{"add existing", []string{"CHOWN"}, nil, []string{"CAP_CHOWN"}, nil, 14},
	}
	for _, tt := range tests {
		rc := baseRun()
		rc.CapAdd, rc.CapDrop = tt.add, tt.drop
		b := mustDocker(t, rc).Process.Capabilities.Bounding
		for _, c := range tt.has {
			if !slices.Contains(b, c) {
				t.Errorf("%s: %s missing from %q", tt.name, c, b)
			}
		}
		for _, c := range tt.hasnt {
			if slices.Contains(b, c) {
				t.Errorf("%s: %s still in %q", tt.name, c, b)
			}
		}
		if len(b) != tt.count {
			t.Errorf("%s: %d capabilities, want %d", tt.name, len(b), tt.count)
		}
	}
	rc := baseRun()
	rc.CapAdd = []string{"BOGUS"}
	if _, err := Docker(rc); err == nil || err.Error() != `unknown capability: "CAP_BOGUS"` {
		t.Errorf("unknown capability: %v", err)
	}
}

func TestSetUser(t *testing.T) {
	s := mustDocker(t, baseRun())
	SetUser(s, specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{1000}})
	c := s.Process.Capabilities
	if s.Process.User.UID != 1000 || len(c.Bounding) != 14 || c.Effective != nil || c.Permitted != nil {
		t.Errorf("non-root user: %s", js(s.Process))
	}
	SetUser(s, specs.User{})
	if len(s.Process.Capabilities.Effective) != 14 {
		t.Errorf("root user: %s", js(s.Process.Capabilities))
	}
	rc := baseRun()
	rc.User = "33:44"
	s = mustDocker(t, rc)
	if s.Process.User.UID != 33 || s.Process.User.GID != 44 || s.Process.Capabilities.Effective != nil {
		t.Errorf("numeric user: %s", js(s.Process))
	}
}
