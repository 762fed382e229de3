package seccomp

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/hull-project/hull/internal/errdefs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// dockerCaps is Docker's default capability set.
var dockerCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

func builtinDocker(t *testing.T) *dockerProfile {
	t.Helper()
	var p dockerProfile
	if err := json.Unmarshal(dockerDefaultJSON, &p); err != nil {
		t.Fatalf("built-in profile: %v", err)
	}
	return &p
}

func resolveFor(t *testing.T, arch specs.Arch, caps []string, kernel [2]int) *specs.LinuxSeccomp {
	t.Helper()
	s, err := builtinDocker(t).resolve(target{arch: arch, caps: normalizeCaps(caps), kernel: kernel})
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	if err := Validate(s); err != nil {
		t.Fatalf("resolved profile does not validate: %v", err)
	}
	return s
}

// rulesFor returns the rules of s that name syscall.
func rulesFor(s *specs.LinuxSeccomp, syscall string) []specs.LinuxSyscall {
	var out []specs.LinuxSyscall
	for _, r := range s.Syscalls {
		if slices.Contains(r.Names, syscall) {
			out = append(out, r)
		}
	}
	return out
}

func TestDockerDefaultAmd64(t *testing.T) {
	s := resolveFor(t, specs.ArchX86_64, dockerCaps, [2]int{6, 1})
	if s.DefaultAction != specs.ActErrno || s.DefaultErrnoRet == nil || *s.DefaultErrnoRet != 1 {
		t.Fatalf("default = %s/%v, want SCMP_ACT_ERRNO/1", s.DefaultAction, s.DefaultErrnoRet)
	}
	if want := []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32}; !slices.Equal(s.Architectures, want) {
		t.Fatalf("architectures = %v, want %v", s.Architectures, want)
	}
	for name, want := range map[string]int{
		"read": 1, "mount": 0, "unshare": 0, "arch_prctl": 1, "modify_ldt": 1,
		"set_tls": 0, "ptrace": 1, "chroot": 1, "reboot": 0, "personality": 5,
		"open_by_handle_at": 0, "bpf": 0, "socket": 1,
	} {
		if got := len(rulesFor(s, name)); got != want {
			t.Errorf("%s has %d rules, want %d", name, got, want)
		}
	}
	clone := rulesFor(s, "clone")
	if len(clone) != 1 || len(clone[0].Args) != 1 || clone[0].Args[0].Op != specs.OpMaskedEqual || clone[0].Args[0].Index != 0 {
		t.Fatalf("clone rules = %+v, want one masked rule on argument 0", clone)
	}
	clone3 := rulesFor(s, "clone3")
	if len(clone3) != 1 || clone3[0].Action != specs.ActErrno || clone3[0].ErrnoRet == nil || *clone3[0].ErrnoRet != 38 {
		t.Fatalf("clone3 rules = %+v, want ERRNO(ENOSYS)", clone3)
	}
}

func TestDockerDefaultSysAdmin(t *testing.T) {
	s := resolveFor(t, specs.ArchX86_64, append(dockerCaps, "sys_admin", "CAP_BPF"), [2]int{6, 1})
	for name, want := range map[string]int{"mount": 1, "unshare": 1, "clone": 1, "clone3": 1, "bpf": 2} {
		if got := len(rulesFor(s, name)); got != want {
			t.Errorf("%s has %d rules, want %d", name, got, want)
		}
	}
	for _, r := range rulesFor(s, "clone3") {
		if r.Action != specs.ActAllow {
			t.Errorf("clone3 with CAP_SYS_ADMIN: action %s, want allow", r.Action)
		}
	}
	for _, r := range rulesFor(s, "clone") {
		if len(r.Args) != 0 {
			t.Errorf("clone with CAP_SYS_ADMIN is restricted: %+v", r)
		}
	}
}

func TestDockerDefaultOtherArchAndKernel(t *testing.T) {
	s := resolveFor(t, specs.ArchS390X, nil, [2]int{4, 4})
	if want := []specs.Arch{specs.ArchS390X, specs.ArchS390}; !slices.Equal(s.Architectures, want) {
		t.Fatalf("architectures = %v, want %v", s.Architectures, want)
	}
	clone := rulesFor(s, "clone")
	if len(clone) != 1 || clone[0].Args[0].Index != 1 {
		t.Fatalf("s390x clone rules = %+v, want the flags check on argument 1", clone)
	}
	if len(rulesFor(s, "arch_prctl")) != 0 || len(rulesFor(s, "s390_runtime_instr")) != 1 {
		t.Fatal("architecture includes not applied")
	}
	if got := len(rulesFor(s, "ptrace")); got != 0 {
		t.Fatalf("ptrace on a 4.4 kernel without CAP_SYS_PTRACE: %d rules, want 0", got)
	}
}

func TestDockerDefaultHost(t *testing.T) {
	s, err := DockerDefault(dockerCaps)
	if err != nil {
		t.Fatalf("DockerDefault: %v", err)
	}
	if err := Validate(s); err != nil {
		t.Fatalf("Validate(DockerDefault): %v", err)
	}
	if len(s.Syscalls) < 10 {
		t.Fatalf("DockerDefault has %d rules", len(s.Syscalls))
	}
}

func TestConvertDocker(t *testing.T) {
	_, err := ConvertDocker([]byte(`{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86"],
		"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]}`), nil)
	if !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Fatalf("architectures and archMap: err = %v, want invalid argument", err)
	}
	if _, err := ConvertDocker([]byte(`{`), nil); err == nil {
		t.Fatal("bad JSON accepted")
	}
	_, err = ConvertDocker([]byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
		{"names":["ptrace"],"action":"SCMP_ACT_ERRNO","includes":{"minKernel":"four"}}]}`), nil)
	if err == nil {
		t.Fatal("bad minKernel accepted")
	}
	s, err := ConvertDocker([]byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
		{"names":["mount"],"action":"SCMP_ACT_ERRNO","errnoRet":13,"excludes":{"caps":["CAP_SYS_ADMIN"]}}]}`), []string{"CAP_CHOWN"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Syscalls) != 1 || *s.Syscalls[0].ErrnoRet != 13 {
		t.Fatalf("converted = %+v", s.Syscalls)
	}
}

func TestKernelAtLeast(t *testing.T) {
	tests := []struct {
		running [2]int
		min     string
		want    bool
	}{
		{[2]int{6, 18}, "4.8", true},
		{[2]int{4, 8}, "4.8", true},
		{[2]int{4, 7}, "4.8", false},
		{[2]int{3, 19}, "4.8", false},
		{[2]int{5, 0}, "4.20", true},
		{[2]int{}, "9.0", true},
		{[2]int{4, 1}, "", true},
	}
	for _, tt := range tests {
		got, err := kernelAtLeast(tt.running, tt.min)
		if err != nil || got != tt.want {
			t.Errorf("kernelAtLeast(%v, %q) = %v, %v; want %v", tt.running, tt.min, got, err, tt.want)
		}
	}
	if v, ok := parseKernel("6.18.0-13-amd64"); !ok || v != [2]int{6, 18} {
		t.Errorf("parseKernel = %v, %v", v, ok)
	}
	if v, ok := parseKernel("5.15+rc1"); !ok || v != [2]int{5, 15} {
		t.Errorf("parseKernel = %v, %v", v, ok)
	}
	if _, ok := parseKernel("6"); ok {
		t.Error("parseKernel accepted a bare major number")
	}
	if v := kernelVersion(); v[0] < 3 {
		t.Logf("running kernel version unknown: %v", v)
	}
}
