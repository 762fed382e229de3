package integration

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDeleteStopped(t *testing.T) {
	e := setup(t)
	c := e.newContainer("true")
	c.create()
	c.start()
	waitForState(t, c.id, "stopped")
	mustRun(t, "delete", c.id)
	mustFail(t, "state", c.id)
	if _, err := os.Stat(filepath.Join(stateRoot, c.id)); !os.IsNotExist(err) {
		t.Errorf("state directory remains after delete: %v", err)
	}
}

func TestDeleteRunningNeedsForce(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.runDetached()
	pid := c.pid()
	mustFail(t, "delete", c.id)
	waitForState(t, c.id, "running")

	mustRun(t, "delete", "--force", c.id)
	waitGone(t, pid)
	mustFail(t, "state", c.id)
}

// TestDeleteCreated: the spec lets delete end a container that was created
// but never started.
func TestDeleteCreated(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.create()
	pid := c.pid()
	mustRun(t, "delete", c.id)
	waitGone(t, pid)
	mustFail(t, "state", c.id)
}

func TestDeleteUnknown(t *testing.T) {
	e := setup(t)
	id := e.newID()
	mustFail(t, "delete", id)
	// containerd's shim relies on --force succeeding for a missing container.
	mustRun(t, "delete", "--force", id)
}

// TestDeleteRemovesCgroup checks the container's cgroups go with it.
func TestDeleteRemovesCgroup(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.runDetached()
	dirs := cgroupDirs(t, c.pid())
	mustRun(t, "delete", "--force", c.id)
	for ctrl, dir := range dirs {
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("cgroup %s (%s) remains after delete", dir, ctrl)
		}
	}
}
