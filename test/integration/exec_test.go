package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// runningContainer starts a long-running busybox container.
func runningContainer(e *env) *container {
	c := e.newContainer("sleep", "1000")
	c.runDetached()
	waitForState(e.t, c.id, "running")
	return c
}

func TestExecArgs(t *testing.T) {
	e := setup(t)
	c := runningContainer(e)
	if out := c.mustExec("echo", "hello", "world"); out != "hello world\n" {
		t.Fatalf("exec echo: %q", out)
	}
	// The exec'd process shares the container's namespaces.
	out := c.mustExec("sh", "-c", "hostname; cat /proc/1/cmdline | tr '\\0' ' '")
	if got := lines(out); len(got) != 2 || got[0] != "hull" || got[1] != "sleep 1000" {
		t.Fatalf("exec sees hostname and pid 1 = %q, want hull and sleep 1000", got)
	}
}

func TestExecExitCode(t *testing.T) {
	e := setup(t)
	c := runningContainer(e)
	if r := c.exec("sh", "-c", "exit 5"); r.code != 5 {
		t.Fatalf("exec exit 5 returned:\n%s", r)
	}
	if r := c.exec("/no/such/binary"); r.code == 0 {
		t.Fatalf("exec of a missing binary succeeded:\n%s", r)
	}
}

func TestExecProcessJSON(t *testing.T) {
	e := setup(t)
	c := runningContainer(e)
	p := specs.Process{
		Args: []string{"sh", "-c", "echo $FOO; pwd; id -u"},
		Env:  []string{"PATH=/bin:/usr/bin", "FOO=from-process-json"},
		Cwd:  "/tmp",
		User: specs.User{UID: 1000, GID: 1000},
	}
	path := filepath.Join(t.TempDir(), "process.json")
	writeJSON(t, path, p)
	for _, flag := range []string{"-p", "--process"} {
		r := runCmd(t, runtimeCmd("exec", flag, path, c.id))
		if got := lines(r.stdout); r.code != 0 || strings.Join(got, ",") != "from-process-json,/tmp,1000" {
			t.Fatalf("exec %s process.json:\n%s", flag, r)
		}
	}
}

func TestExecEnvCwdUser(t *testing.T) {
	e := setup(t)
	c := runningContainer(e)
	out := c.mustExecFlags([]string{"-e", "FOO=bar", "-e", "BAZ=qux", "--cwd", "/etc", "-u", "1000:1000"},
		"sh", "-c", "echo $FOO $BAZ; pwd; id -u; id -g")
	if got := strings.Join(lines(out), ","); got != "bar qux,/etc,1000,1000" {
		t.Fatalf("exec -e --cwd -u: %q", got)
	}
	if out := c.mustExecFlags([]string{"--user", "1000", "--env", "X=1"}, "id", "-u"); strings.TrimSpace(out) != "1000" {
		t.Fatalf("exec --user 1000: %q", out)
	}
}

func TestExecDetachedPidFile(t *testing.T) {
	e := setup(t)
	c := runningContainer(e)
	pidFile := filepath.Join(t.TempDir(), "exec.pid")
	r := runCmd(t, runtimeCmd("exec", "-d", "--pid-file", pidFile, c.id, "sleep", "100"))
	if r.code != 0 {
		t.Fatalf("exec -d:\n%s", r)
	}
	pid := atoi(t, readFile(t, pidFile))
	if !processAlive(pid) {
		t.Fatalf("exec -d pid %d is not alive", pid)
	}
	if cmdline := readFile(t, fmt.Sprintf("/proc/%d/cmdline", pid)); !strings.HasPrefix(cmdline, "sleep\x00100") {
		t.Fatalf("pid %d runs %q, want sleep 100", pid, cmdline)
	}
}

func TestExecCapabilities(t *testing.T) {
	e := setup(t)
	c := runningContainer(e)
	without := capLine(t, c.mustExec("cat", "/proc/self/status"), "CapEff")
	with := capLine(t, c.mustExecFlags([]string{"--cap", "CAP_SYS_ADMIN"}, "cat", "/proc/self/status"), "CapEff")
	const sysAdmin = 1 << 21
	if without&sysAdmin != 0 || with&sysAdmin == 0 {
		t.Fatalf("CapEff without --cap %x, with --cap CAP_SYS_ADMIN %x", without, with)
	}
}

func TestExecNoNewPrivs(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "1000")
	c.spec.Process.NoNewPrivileges = false
	c.writeSpec()
	c.runDetached()
	if got := statusField(t, c.mustExec("cat", "/proc/self/status"), "NoNewPrivs"); got != "0" {
		t.Fatalf("NoNewPrivs without the flag = %s, want 0", got)
	}
	if got := statusField(t, c.mustExecFlags([]string{"--no-new-privs"}, "cat", "/proc/self/status"), "NoNewPrivs"); got != "1" {
		t.Fatalf("NoNewPrivs with --no-new-privs = %s, want 1", got)
	}
}

func TestExecPreserveFds(t *testing.T) {
	e := setup(t)
	c := runningContainer(e)
	cmd := runtimeCmd("exec", "--preserve-fds", "1", c.id, "cat", "/proc/self/fd/3")
	cmd.ExtraFiles = []*os.File{tempWithContent(t, "preserved\n")}
	if r := runCmd(t, cmd); r.code != 0 || r.stdout != "preserved\n" {
		t.Fatalf("exec --preserve-fds 1:\n%s", r)
	}
}

func TestExecTTY(t *testing.T) {
	e := setup(t)
	c := runningContainer(e)
	cs := newConsoleSocket(t)
	// As containerd's shim does: detached, the pty master sent to a socket.
	cmd := runtimeCmd("exec", "-d", "-t", "--console-socket", cs.path, c.id, "sh", "-c", "tty; echo done")
	if r := runCmd(t, cmd); r.code != 0 {
		t.Fatalf("exec -t:\n%s", r)
	}
	out := readPty(cs.master(t)).waitFor(t, "done")
	if !strings.Contains(out, "/dev/pts/") {
		t.Fatalf("exec -t: tty printed %q, want /dev/pts/N", out)
	}
}

func TestExecStoppedFails(t *testing.T) {
	e := setup(t)
	c := e.newContainer("true")
	if _, errOut, code := c.runForeground("--keep"); code != 0 {
		t.Fatalf("run --keep: %s", errOut)
	}
	if r := c.exec("true"); r.code == 0 {
		t.Fatalf("exec into a stopped container succeeded:\n%s", r)
	}
}
