package integration

import "testing"

func TestStartRunsTheProcess(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "echo hello from $(hostname)")
	c.create()
	c.start()
	c.waitOutput("hello from hull")
	waitForState(t, c.id, "stopped")
}

func TestStartLongRunning(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.create()
	c.start()
	s := waitForState(t, c.id, "running")
	if !processAlive(s.Pid) {
		t.Fatalf("state says running but pid %d is not alive", s.Pid)
	}
}

func TestStartTwiceFails(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.create()
	c.start()
	mustFail(t, "start", c.id)
}

func TestStartStoppedFails(t *testing.T) {
	e := setup(t)
	c := e.newContainer("true")
	c.create()
	c.start()
	waitForState(t, c.id, "stopped")
	mustFail(t, "start", c.id)
}

func TestStartUnknownFails(t *testing.T) {
	e := setup(t)
	mustFail(t, "start", e.newID())
}
