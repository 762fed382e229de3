package integration

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

var x86Archs = []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32}

// TestSeccompErrno: a rule denies mkdir with ENOSYS (38), so busybox mkdir
// reports "Function not implemented"; other syscalls still work.
func TestSeccompErrno(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "mkdir /tmp/denied; echo status=$?; touch /tmp/allowed && echo touched")
	enosys := uint(38)
	c.spec.Linux.Seccomp = &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: x86Archs,
		Syscalls: []specs.LinuxSyscall{{
			Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &enosys,
		}},
	}
	c.writable()
	out, errOut, code := c.runForeground()
	if code != 0 || !strings.Contains(errOut, "Function not implemented") ||
		!strings.Contains(out, "status=1") || !strings.Contains(out, "touched") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// TestSeccompArgs: a rule with an argument filter denies chmod only to mode
// 0700 (arg 1 of chmod, arg 2 of fchmodat), with EPERM by default.
func TestSeccompArgs(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "touch /tmp/f; chmod 700 /tmp/f; echo private=$?; chmod 755 /tmp/f; echo public=$?")
	c.spec.Linux.Seccomp = &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: x86Archs,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"chmod"}, Action: specs.ActErrno,
				Args: []specs.LinuxSeccompArg{{Index: 1, Value: 0o700, Op: specs.OpEqualTo}}},
			{Names: []string{"fchmodat"}, Action: specs.ActErrno,
				Args: []specs.LinuxSeccompArg{{Index: 2, Value: 0o700, Op: specs.OpEqualTo}}},
		},
	}
	c.writable()
	out, errOut, _ := c.runForeground()
	if !strings.Contains(out, "private=1") || !strings.Contains(out, "public=0") || !strings.Contains(errOut, "Operation not permitted") {
		t.Fatalf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}
}

// TestSeccompKillProcess: SCMP_ACT_KILL_PROCESS ends the caller with SIGSYS.
func TestSeccompKillProcess(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "sh -c 'mkdir /tmp/x'; echo status=$?")
	c.spec.Linux.Seccomp = &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: x86Archs,
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActKillProcess}},
	}
	c.writable()
	if out := c.output(); !strings.Contains(out, "status=159") { // 128 + SIGSYS
		t.Fatalf("output = %q, want the child killed by SIGSYS (status=159)", out)
	}
}

// TestSeccompAppliesToExec: exec'd processes get the container's filter.
func TestSeccompAppliesToExec(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	enosys := uint(38)
	c.spec.Linux.Seccomp = &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: x86Archs,
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &enosys}},
	}
	c.writable()
	c.runDetached()
	r := c.exec("mkdir", "/tmp/x")
	if r.code == 0 || !strings.Contains(r.stderr, "Function not implemented") {
		t.Fatalf("exec mkdir under the filter:\n%s", r)
	}
	if s := statusField(t, c.mustExec("cat", "/proc/self/status"), "Seccomp"); s != "2" {
		t.Errorf("exec'd process Seccomp mode %s, want 2 (filter)", s)
	}
}
