//go:build cgo

package seccomp

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

func argsProfile() *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"socket"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.EAFNOSUPPORT)), Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: unix.AF_VSOCK, Op: specs.OpEqualTo},
			}},
			{Names: []string{"personality"}, Action: specs.ActKillProcess, Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: 0xffff, ValueTwo: 0x8, Op: specs.OpMaskedEqual},
				{Index: 1, Value: 10, Op: specs.OpGreaterThan},
			}},
			{Names: []string{"kill"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
				{Index: 1, Value: 9, Op: specs.OpEqualTo},
				{Index: 1, Value: 15, Op: specs.OpEqualTo},
			}},
			{Names: []string{"ptrace"}, Action: specs.ActTrace, ErrnoRet: uintp(5)},
			{Names: []string{"getpid"}, Action: specs.ActAllow}, // same as default: skipped
			{Names: []string{"syscall_from_the_future"}, Action: specs.ActKill},
		},
	}
}

func TestExportBPF(t *testing.T) {
	f, err := newFilter(argsProfile())
	if err != nil {
		t.Fatalf("newFilter: %v", err)
	}
	defer f.Release()
	path := filepath.Join(t.TempDir(), "filter.bpf")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.ExportBPF(out); err != nil {
		t.Fatalf("ExportBPF: %v", err)
	}
	out.Close()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() == 0 || st.Size()%8 != 0 {
		t.Fatalf("exported BPF is %d bytes", st.Size())
	}
	nnp, err := f.GetNoNewPrivsBit()
	if err != nil || nnp {
		t.Fatalf("no_new_privs attribute = %v, %v; want false", nnp, err)
	}
}

// x86_64 system call numbers used below.
const (
	nrGetpid      = 39
	nrSocket      = 41
	nrKill        = 62
	nrPtrace      = 101
	nrPersonality = 135
	nrMount       = 165
	nrClone       = 56
	nrClone3      = 435
)

func eval(t *testing.T, p *Program, d seccompData) uint32 {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skip("the expected filter results use x86-64 system call numbers")
	}
	ret, err := runBPF(p.Instructions, &d)
	if err != nil {
		t.Fatalf("run filter: %v", err)
	}
	return ret
}

func amd64Call(nr int32, args ...uint64) seccompData {
	d := seccompData{nr: nr, arch: unix.AUDIT_ARCH_X86_64}
	copy(d.args[:], args)
	return d
}

func errno(e unix.Errno) uint32 { return unix.SECCOMP_RET_ERRNO | uint32(e) }

func TestCompiledRules(t *testing.T) {
	p, err := Compile(argsProfile())
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	tests := []struct {
		name string
		call seccompData
		want uint32
	}{
		{"unrestricted call", amd64Call(nrGetpid), unix.SECCOMP_RET_ALLOW},
		{"socket(AF_VSOCK)", amd64Call(nrSocket, unix.AF_VSOCK), errno(unix.EAFNOSUPPORT)},
		{"socket(AF_INET)", amd64Call(nrSocket, unix.AF_INET), unix.SECCOMP_RET_ALLOW},
		{"both conditions hold (AND)", amd64Call(nrPersonality, 0x10008, 11), unix.SECCOMP_RET_KILL_PROCESS},
		{"masked check fails", amd64Call(nrPersonality, 0x1000, 11), unix.SECCOMP_RET_ALLOW},
		{"second condition fails", amd64Call(nrPersonality, 0x8, 10), unix.SECCOMP_RET_ALLOW},
		{"same index, first value (OR)", amd64Call(nrKill, 1, 9), errno(unix.EPERM)},
		{"same index, second value (OR)", amd64Call(nrKill, 1, 15), errno(unix.EPERM)},
		{"same index, neither value", amd64Call(nrKill, 1, 2), unix.SECCOMP_RET_ALLOW},
		{"trace with its message", amd64Call(nrPtrace), unix.SECCOMP_RET_TRACE | 5},
		{"default action needs no stub", amd64Call(1000), unix.SECCOMP_RET_ALLOW},
	}
	for _, tt := range tests {
		if got := eval(t, p, tt.call); got != tt.want {
			t.Errorf("%s: filter returns %#x, want %#x", tt.name, got, tt.want)
		}
	}
}

func TestCompiledDockerDefault(t *testing.T) {
	s := resolveFor(t, specs.ArchX86_64, dockerCaps, kernelVersion())
	p, err := Compile(s)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if len(p.Instructions) > maxInstructions {
		t.Fatalf("filter has %d instructions", len(p.Instructions))
	}
	const newClone = unix.CLONE_NEWNS | unix.CLONE_NEWUSER
	tests := []struct {
		name string
		call seccompData
		want uint32
	}{
		{"getpid", amd64Call(nrGetpid), unix.SECCOMP_RET_ALLOW},
		{"mount without CAP_SYS_ADMIN", amd64Call(nrMount), errno(unix.EPERM)},
		{"clone of a thread", amd64Call(nrClone, unix.CLONE_VM|unix.CLONE_THREAD), unix.SECCOMP_RET_ALLOW},
		{"clone into new namespaces", amd64Call(nrClone, newClone), errno(unix.EPERM)},
		{"clone3 gets ENOSYS so libc falls back", amd64Call(nrClone3), errno(unix.ENOSYS)},
		{"a call newer than the profile", amd64Call(1000), errno(unix.ENOSYS)},
		{"an x32 call newer than the profile", amd64Call(x32SyscallBit | 1000), errno(unix.ENOSYS)},
		{"an x32 getpid", amd64Call(x32SyscallBit | nrGetpid), unix.SECCOMP_RET_ALLOW},
		{"i386 getpid", seccompData{nr: 20, arch: unix.AUDIT_ARCH_I386}, unix.SECCOMP_RET_ALLOW},
		{"i386 call newer than the profile", seccompData{nr: 1000, arch: unix.AUDIT_ARCH_I386}, errno(unix.ENOSYS)},
		{"foreign architecture", seccompData{nr: nrGetpid, arch: unix.AUDIT_ARCH_AARCH64}, unix.SECCOMP_RET_KILL_THREAD},
	}
	for _, tt := range tests {
		if got := eval(t, p, tt.call); got != tt.want {
			t.Errorf("%s: filter returns %#x, want %#x", tt.name, got, tt.want)
		}
	}
}

func TestStubSkipped(t *testing.T) {
	for name, s := range map[string]*specs.LinuxSeccomp{
		"allow default": {DefaultAction: specs.ActAllow, Architectures: []specs.Arch{specs.ArchX86_64},
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mount"}, Action: specs.ActErrno}}},
		"enosys default": {DefaultAction: specs.ActErrno, DefaultErrnoRet: uintp(uint(unix.ENOSYS)),
			Architectures: []specs.Arch{specs.ArchX86_64},
			Syscalls:      []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow}}},
		"no architectures": {DefaultAction: specs.ActErrno,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow}}},
	} {
		stub, err := enosysStub(s)
		if err != nil || len(stub) != 0 {
			t.Errorf("%s: stub = %d instructions, %v; want none", name, len(stub), err)
		}
	}
}

func TestX32Numbers(t *testing.T) {
	// The stub compares x32 numbers with bit 30 set, whether or not
	// libseccomp includes it in what it returns.
	nr, err := libseccomp.GetSyscallFromNameByArch("getpid", libseccomp.ArchX32)
	if err != nil {
		t.Skipf("libseccomp lacks x32: %v", err)
	}
	if uint32(nr)&^x32SyscallBit != nrGetpid {
		t.Fatalf("x32 getpid = %#x", nr)
	}
}

func TestConditionsGrouping(t *testing.T) {
	distinct, err := conditions([]specs.LinuxSeccompArg{
		{Index: 0, Value: 1, Op: specs.OpEqualTo}, {Index: 2, Value: 3, Op: specs.OpLessThan},
	})
	if err != nil || len(distinct) != 1 || len(distinct[0]) != 2 {
		t.Fatalf("distinct indexes: %v, %v; want one rule with two conditions", distinct, err)
	}
	shared, err := conditions([]specs.LinuxSeccompArg{
		{Index: 0, Value: 1, Op: specs.OpEqualTo}, {Index: 2, Value: 3, Op: specs.OpLessThan},
		{Index: 0, Value: 5, Op: specs.OpEqualTo},
	})
	if err != nil || len(shared) != 3 {
		t.Fatalf("shared index: %v, %v; want three rules", shared, err)
	}
	none, err := conditions(nil)
	if err != nil || len(none) != 1 || len(none[0]) != 0 {
		t.Fatalf("no args: %v, %v; want one unconditional rule", none, err)
	}
}

func TestCompileDisabledAndInvalid(t *testing.T) {
	if p, err := Compile(nil); p != nil || err != nil {
		t.Fatalf("Compile(nil) = %v, %v", p, err)
	}
	if err := Load(&specs.LinuxSeccomp{}); err != nil {
		t.Fatalf("Load(empty) = %v", err)
	}
	if _, err := Compile(&specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_FOO"}); err == nil {
		t.Fatal("Compile accepted an unknown action")
	}
	var p *Program
	if err := p.Load(); err != nil {
		t.Fatalf("nil Program.Load = %v", err)
	}
	if err := (&Program{}).Load(); err == nil {
		t.Fatal("empty Program loaded")
	}
}

func TestLoadFlags(t *testing.T) {
	s := &specs.LinuxSeccomp{Flags: []specs.LinuxSeccompFlag{flagTsync, specs.LinuxSeccompFlagLog}}
	if got := loadFlags(s); got != unix.SECCOMP_FILTER_FLAG_TSYNC|unix.SECCOMP_FILTER_FLAG_LOG {
		t.Fatalf("flags = %#x", got)
	}
	if got := loadFlags(&specs.LinuxSeccomp{Flags: []specs.LinuxSeccompFlag{}}); got != 0 {
		t.Fatalf("explicit empty flags = %#x, want 0", got)
	}
	want := uint(0)
	if slices.Contains(supportedFlags(), string(specs.LinuxSeccompFlagSpecAllow)) {
		want = unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
	}
	if got := loadFlags(&specs.LinuxSeccomp{}); got != want {
		t.Fatalf("default flags = %#x, want %#x", got, want)
	}
}

func TestSupported(t *testing.T) {
	actions, archs, flags := Supported()
	for _, a := range []string{"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL"} {
		if !slices.Contains(actions, a) {
			t.Errorf("supported actions %v lack %s", actions, a)
		}
	}
	if !slices.Contains(archs, "SCMP_ARCH_X86_64") || !slices.Contains(archs, "SCMP_ARCH_AARCH64") {
		t.Errorf("supported archs = %v", archs)
	}
	if !slices.Contains(flags, "SECCOMP_FILTER_FLAG_TSYNC") {
		t.Errorf("supported flags = %v", flags)
	}
	t.Logf("actions %v\narchs %v\nflags %v", actions, archs, flags)
}

func TestUnknownSyscalls(t *testing.T) {
	got := UnknownSyscalls(argsProfile())
	if !slices.Equal(got, []string{"syscall_from_the_future"}) {
		t.Fatalf("UnknownSyscalls = %v", got)
	}
}
