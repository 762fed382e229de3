package integration

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestKillSignals(t *testing.T) {
	for _, sig := range []string{"KILL", "SIGKILL", "9"} {
		t.Run(sig, func(t *testing.T) {
			e := setup(t)
			c := e.newContainer("sleep", "100")
			c.runDetached()
			pid := c.pid()
			mustRun(t, "kill", c.id, sig)
			waitForState(t, c.id, "stopped")
			waitGone(t, pid)
		})
	}
}

// TestKillDefaultIsTERM sends SIGTERM (the default) to a shell that traps it.
func TestKillDefaultIsTERM(t *testing.T) {
	for _, args := range [][]string{nil, {"TERM"}, {"SIGTERM"}, {"15"}} {
		t.Run(strings.Join(append([]string{"kill"}, args...), "-"), func(t *testing.T) {
			e := setup(t)
			c := e.newContainer("sh", "-c", "trap 'echo got TERM; exit 0' TERM; echo ready; sleep 100 & wait")
			c.create()
			c.start()
			c.waitOutput("ready")
			mustRun(t, append([]string{"kill", c.id}, args...)...)
			c.waitOutput("got TERM")
			waitForState(t, c.id, "stopped")
		})
	}
}

func TestKillAll(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "sleep 100 & sleep 100 & echo ready; wait")
	c.create()
	c.start()
	c.waitOutput("ready")
	mustRun(t, "kill", "--all", c.id, "KILL")
	waitForState(t, c.id, "stopped")
}

func TestKillCreated(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.create()
	pid := c.pid()
	mustRun(t, "kill", c.id, "KILL")
	waitForState(t, c.id, "stopped")
	waitGone(t, pid)
}

func TestKillStoppedFails(t *testing.T) {
	e := setup(t)
	c := e.newContainer("true")
	c.create()
	c.start()
	waitForState(t, c.id, "stopped")
	mustFail(t, "kill", c.id, "KILL")
}

func TestKillBadSignal(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.runDetached()
	mustFail(t, "kill", c.id, "NOSUCHSIGNAL")
	waitForState(t, c.id, "running")
}

// TestPid1IgnoresKillFromInside: the user process is pid 1 of its pid
// namespace, so `kill -9 1` inside does nothing.
func TestPid1IgnoresKillFromInside(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "echo pid=$$; sleep 100")
	c.create()
	c.start()
	c.waitOutput("pid=1")
	r := c.exec("kill", "-9", "1")
	time.Sleep(200 * time.Millisecond)
	if s := getState(t, c.id); s.Status != "running" {
		t.Fatalf("after `kill -9 1` inside (%s): status %q, want running", r, s.Status)
	}
}

// TestKillFromHost: the container is an ordinary process; kill -9 of its
// host pid ends it.
func TestKillFromHost(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.runDetached()
	pid := c.pid()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitForState(t, c.id, "stopped")
}
