package integration

import (
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ttyContainer makes a container with a terminal running script.
func ttyContainer(e *env, script string) *container {
	c := e.newContainer("sh", "-c", script)
	c.spec.Process.Terminal = true
	c.spec.Process.ConsoleSize = &specs.Box{Height: 40, Width: 100}
	c.writeSpec()
	return c
}

func TestTerminalConsoleSocket(t *testing.T) {
	e := setup(t)
	c := ttyContainer(e, "tty; echo pid=$$; stty size; test -c /dev/console && echo console; echo done")
	cs := newConsoleSocket(t)
	c.create("--console-socket", cs.path)
	r := readPty(cs.master(t))
	c.start()
	out := r.waitFor(t, "done")
	for _, want := range []string{"/dev/pts/0", "pid=1", "40 100", "console"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal output lacks %q:\n%q", want, out)
		}
	}
	waitForState(t, c.id, "stopped")
}

// TestTerminalInput types into the container's shell through the master.
func TestTerminalInput(t *testing.T) {
	e := setup(t)
	c := ttyContainer(e, "read line; echo got:$line")
	cs := newConsoleSocket(t)
	c.runDetached("--console-socket", cs.path)
	master := cs.master(t)
	r := readPty(master)
	if _, err := master.Write([]byte("typed-text\n")); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "got:typed-text")
	waitForState(t, c.id, "stopped")
}

// TestRunUsesCallerTerminal: `run` without --console-socket gives the
// container the caller's terminal.
func TestRunUsesCallerTerminal(t *testing.T) {
	e := setup(t)
	c := ttyContainer(e, "tty; echo done")
	master, slave, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	r := readPty(master)
	cmd := runtimeCmd("run", "--bundle", c.bundle, c.id)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	res := runCmd(t, cmd)
	slave.Close()
	if res.code != 0 {
		t.Fatalf("run on a terminal: exit %d\noutput:\n%s", res.code, r.String())
	}
	if out := r.waitFor(t, "done"); !strings.Contains(out, "/dev/pts/") {
		t.Fatalf("tty inside printed %q, want /dev/pts/N", out)
	}
}
