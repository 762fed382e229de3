package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunWithOtherRuntimes runs containers with runc-compatible binaries
// through their command line: hull-runtime, and runc when installed.
func TestRunWithOtherRuntimes(t *testing.T) {
	runtimes := []string{filepath.Join(filepath.Dir(hullBin), "hull-runtime")}
	if runc, err := exec.LookPath("runc"); err == nil {
		runtimes = append(runtimes, runc)
	}
	for _, rt := range runtimes {
		t.Run(filepath.Base(rt), func(t *testing.T) {
			if out := mustHull(t, "run", "--rm", "--runtime", rt, "busybox", "echo", "hello"); out != "hello\n" {
				t.Fatalf("output %q", out)
			}
			if r := hull(t, "run", "--rm", "--runtime", rt, "busybox", "sh", "-c", "exit 6"); r.code != 6 {
				t.Fatalf("exit code %d, want 6", r.code)
			}
			id := runDetached(t, "--runtime", rt, "busybox", "sleep", "300")
			if out := mustHull(t, "exec", id, "cat", "/proc/1/comm"); out != "sleep\n" {
				t.Fatalf("exec output %q", out)
			}
			mustHull(t, "stop", "-t", "1", id)
			if out := mustHull(t, "ps", "-a", "--filter", "id="+id); !strings.Contains(out, "Exited (137)") {
				t.Fatalf("after stop:\n%s", out)
			}
		})
	}
	if r := hull(t, "run", "--rm", "--runtime", "/no/such/runtime", "busybox", "true"); r.code != 125 || !strings.Contains(r.stderr, "/no/such/runtime") {
		t.Fatalf("missing runtime: exit %d, stderr %q", r.code, r.stderr)
	}
}
