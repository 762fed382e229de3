package integration

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestRunForegroundOutput(t *testing.T) {
	e := setup(t)
	c := e.newContainer("echo", "hello")
	if out := c.output(); out != "hello\n" {
		t.Fatalf("stdout = %q, want hello", out)
	}
	// Without --keep the container is gone.
	mustFail(t, "state", c.id)
}

func TestRunExitCode(t *testing.T) {
	e := setup(t)
	for _, code := range []int{0, 1, 3, 42} {
		c := e.newContainer("sh", "-c", "exit "+strconv.Itoa(code))
		if _, errOut, got := c.runForeground(); got != code {
			t.Errorf("exit %d: run returned %d\nstderr:\n%s", code, got, errOut)
		}
	}
}

func TestRunExitBySignal(t *testing.T) {
	e := setup(t)
	// Pid 1 ignores SIGKILL from inside, so a child shell kills itself.
	c := e.newContainer("sh", "-c", "sh -c 'kill -9 $$'; echo status=$?")
	if out := c.output(); !strings.Contains(out, "status=137") {
		t.Fatalf("stdout = %q, want status=137", out)
	}
}

func TestRunStderr(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "echo out; echo err >&2")
	out, errOut, code := c.runForeground()
	if code != 0 || out != "out\n" || !strings.Contains(errOut, "err") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestRunDetached(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	pidFile := filepath.Join(t.TempDir(), "pid")
	c.runDetached("--pid-file", pidFile)
	s := waitForState(t, c.id, "running")
	if pid := atoi(t, readFile(t, pidFile)); pid != s.Pid || !processAlive(pid) {
		t.Fatalf("pid file %d, state pid %d", pid, s.Pid)
	}
}

func TestRunKeep(t *testing.T) {
	e := setup(t)
	c := e.newContainer("true")
	if _, errOut, code := c.runForeground("--keep"); code != 0 {
		t.Fatalf("run --keep: exit %d\n%s", code, errOut)
	}
	waitForState(t, c.id, "stopped")
	mustRun(t, "delete", c.id)
	mustFail(t, "state", c.id)
}

// TestRunBundleFromElsewhere runs with a relative rootfs path from another
// working directory: the bundle flag, not the cwd, locates the rootfs.
func TestRunBundleFromElsewhere(t *testing.T) {
	e := setup(t)
	c := e.newContainer("true")
	cmd := c.cmd("run")
	cmd.Dir = os.TempDir()
	c.must(cmd)
}

// TestRunBundleDefaultIsCwd runs without --bundle from the bundle directory.
func TestRunBundleDefaultIsCwd(t *testing.T) {
	e := setup(t)
	c := e.newContainer("echo", "cwd bundle")
	cmd := runtimeCmd("run", c.id)
	cmd.Dir = c.bundle
	if r := runCmd(t, cmd); r.code != 0 || r.stdout != "cwd bundle\n" {
		t.Fatalf("run without --bundle:\n%s", r)
	}
}
