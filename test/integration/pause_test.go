package integration

import (
	"strings"
	"testing"
	"time"
)

func TestPauseResume(t *testing.T) {
	e := setup(t)
	// The count is renamed into place, so a freeze never leaves it half written.
	c := e.newContainer("sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /out/c.tmp; mv /out/c.tmp /out/count; sleep 0.05; done")
	out := c.bindDir("/out")
	c.runDetached()
	pid := c.pid()
	waitCount := func() string {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			if s := strings.TrimSpace(readOptional(out + "/count")); s != "" {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("the container wrote no count")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitCount()

	mustRun(t, "pause", c.id)
	waitForState(t, c.id, "paused")
	if st := cgroupValue(t, pid, "freezer", "freezer.state", "cgroup.freeze"); st != "FROZEN" && st != "1" {
		t.Errorf("freezer state = %q, want FROZEN", st)
	}
	before := waitCount()
	time.Sleep(300 * time.Millisecond)
	if after := waitCount(); after != before {
		t.Fatalf("the paused container kept counting: %s -> %s", before, after)
	}
	mustFail(t, "pause", c.id) // already paused

	mustRun(t, "resume", c.id)
	waitForState(t, c.id, "running")
	deadline := time.Now().Add(5 * time.Second)
	for waitCount() == before {
		if time.Now().After(deadline) {
			t.Fatalf("the resumed container does not count")
		}
		time.Sleep(20 * time.Millisecond)
	}
	mustFail(t, "resume", c.id) // not paused
}

// TestDeletePaused: delete --force works on a paused container.
func TestDeletePaused(t *testing.T) {
	e := setup(t)
	c := runningContainer(e)
	pid := c.pid()
	mustRun(t, "pause", c.id)
	waitForState(t, c.id, "paused")
	mustRun(t, "delete", "--force", c.id)
	waitGone(t, pid)
}
