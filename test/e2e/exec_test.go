package e2e

import (
	"strings"
	"testing"
)

func TestExecReadsPID1(t *testing.T) {
	id := runDetached(t, "busybox", "sleep", "300")
	if out := mustHull(t, "exec", id, "cat", "/proc/1/comm"); out != "sleep\n" {
		t.Fatalf("exec cat /proc/1/comm = %q, want sleep", out)
	}
	if r := hull(t, "exec", id, "sh", "-c", "exit 9"); r.code != 9 {
		t.Fatalf("exec exit code %d, want 9", r.code)
	}
	if r := hull(t, "exec", id, "nosuch"); r.code != 127 {
		t.Fatalf("exec of a missing command: exit %d, want 127", r.code)
	}
	if out := mustHull(t, "exec", "-e", "X=1", "-w", "/etc", id, "sh", "-c", "echo $X $(pwd)"); out != "1 /etc\n" {
		t.Fatalf("exec -e -w output %q", out)
	}
}

func TestExecStoppedContainerRefused(t *testing.T) {
	mustHull(t, "run", "--name", "stopped-exec", "busybox", "true")
	defer hull(t, "rm", "stopped-exec")
	r := hull(t, "exec", "stopped-exec", "true")
	if r.code == 0 || !strings.Contains(r.stderr, "is not running") {
		t.Fatalf("exec in a stopped container: exit %d, stderr %q", r.code, r.stderr)
	}
}
