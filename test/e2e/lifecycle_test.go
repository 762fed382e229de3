package e2e

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestRestartOnFailure(t *testing.T) {
	id := runDetached(t, "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 3")
	waitFor(t, "two restarts, then exited", func() bool {
		out := mustHull(t, "inspect", "-f", "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}", id)
		return strings.TrimSpace(out) == "2 exited 3"
	})
}

func TestOOMKilled(t *testing.T) {
	id := runDetached(t, "-m", "32m", "--memory-swap", "32m", "busybox", "sh", "-c", "tail /dev/zero")
	waitFor(t, "the OOM kill", func() bool {
		return strings.TrimSpace(mustHull(t, "inspect", "-f", "{{.State.Status}}", id)) == "exited"
	})
	out := strings.TrimSpace(mustHull(t, "inspect", "-f", "{{.State.OOMKilled}} {{.State.ExitCode}}", id))
	if out != "true 137" {
		t.Fatalf("after an OOM kill: OOMKilled ExitCode = %q, want \"true 137\"", out)
	}
}

// TestMonitorDeathIsReportedHonestly kills a container's monitor: the
// container keeps running and hull says so; once the container ends too,
// hull reports it exited and removing it leaves nothing behind.
func TestMonitorDeathIsReportedHonestly(t *testing.T) {
	id := runDetached(t, "busybox", "sleep", "300")
	monitor, _ := strconv.Atoi(strings.TrimSpace(mustHull(t, "inspect", "-f", "{{.Hull.MonitorPid}}", id)))
	if monitor <= 0 {
		t.Fatalf("inspect shows no monitor pid for a running container")
	}
	if err := syscall.Kill(monitor, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if out := mustHull(t, "ps", "--filter", "id="+id); !strings.Contains(out, "Up ") {
		t.Fatalf("container without its monitor should still show Up:\n%s", out)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(mustHull(t, "inspect", "-f", "{{.State.Pid}}", id)))
	syscall.Kill(pid, syscall.SIGKILL)
	waitFor(t, "hull to notice the container ended", func() bool {
		return strings.Contains(mustHull(t, "ps", "-a", "--filter", "id="+id), "Exited")
	})
	mustHull(t, "rm", id)
	if leaks := settledLeftovers(); len(leaks) > 0 {
		t.Fatalf("after the monitor died and the container was removed: %v", leaks)
	}
}

func TestPauseUnpauseAndStats(t *testing.T) {
	id := runDetached(t, "busybox", "sleep", "300")
	mustHull(t, "pause", id)
	if out := mustHull(t, "ps", "--filter", "id="+id, "--format", "{{.Status}}"); !strings.Contains(out, "(Paused)") {
		t.Fatalf("paused container's status %q", out)
	}
	if r := hull(t, "exec", id, "true"); r.code == 0 {
		t.Fatal("exec into a paused container succeeded")
	}
	mustHull(t, "unpause", id)
	if out := mustHull(t, "stats", "--no-stream", id); !strings.Contains(out, id[:12]) || !strings.Contains(out, "MEM USAGE / LIMIT") {
		t.Fatalf("stats:\n%s", out)
	}
	if out := mustHull(t, "info"); !strings.Contains(out, "  Running: 1\n") || !strings.Contains(out, "Storage Driver: overlay2") {
		t.Fatalf("info:\n%s", out)
	}
}

func TestVersionFormat(t *testing.T) {
	if out := strings.TrimSpace(mustHull(t, "version", "--format", "{{.Client.Os}}/{{.Server.Arch}}")); !strings.HasPrefix(out, "linux/") {
		t.Fatalf("version --format = %q", out)
	}
}

// TestRmContainerRemovedAfterCrash kills a --rm container together with its
// monitor: the next hull command that looks removes it, as dockerd removes
// the --rm containers it finds ended when it starts.
func TestRmContainerRemovedAfterCrash(t *testing.T) {
	id := runDetached(t, "--rm", "busybox", "sleep", "60")
	monitor := inspect(t, id, "{{.Hull.MonitorPid}}")
	pid := inspect(t, id, "{{.State.Pid}}")
	exec.Command("kill", "-9", monitor, pid).Run()
	waitFor(t, "the container to be gone", func() bool { _, err := os.Stat("/proc/" + pid); return err != nil })
	if out := mustHull(t, "ps", "-a", "-q", "--no-trunc"); strings.Contains(out, id) {
		t.Fatalf("hull ps -a still lists the crashed --rm container:\n%s", out)
	}
	if r := hull(t, "inspect", id); r.code == 0 {
		t.Fatal("inspect still finds the crashed --rm container")
	}
	if leaks := settledLeftovers(); len(leaks) > 0 {
		t.Fatalf("after the crash and hull ps: %v", leaks)
	}
}
