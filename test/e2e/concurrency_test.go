package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentRuns starts twenty containers at once from separate hull
// processes: all must succeed with distinct names and sound records.
func TestConcurrentRuns(t *testing.T) {
	const n = 20
	ids := make([]string, n)
	errs := make([]string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := hull(t, "run", "-d", "busybox", "sleep", "60")
			ids[i], errs[i] = strings.TrimSpace(r.stdout), r.stderr
		}(i)
	}
	wg.Wait()
	defer func() {
		for _, id := range ids {
			if id != "" {
				hull(t, "rm", "-f", id)
			}
		}
	}()
	names := map[string]bool{}
	for i, id := range ids {
		if len(id) != 64 {
			t.Fatalf("run %d failed: %q", i, errs[i])
		}
		name := strings.TrimSpace(mustHull(t, "inspect", "-f", "{{.Name}} {{.State.Status}}", id))
		if !strings.HasSuffix(name, " running") || names[name] {
			t.Fatalf("container %d: %q (duplicate or not running)", i, name)
		}
		names[name] = true
	}
}

// TestChurn runs and removes containers many times; the leak check in
// TestMain and here sees every mount, cgroup, process and record gone.
func TestChurn(t *testing.T) {
	cycles := 200
	if testing.Short() {
		cycles = 20
	}
	for i := 0; i < cycles; i++ {
		id := strings.TrimSpace(mustHull(t, "run", "-d", "busybox", "true"))
		if code := strings.TrimSpace(mustHull(t, "wait", id)); code != "0" {
			t.Fatalf("wait printed %q, want 0", code)
		}
		if r := hull(t, "rm", id); r.code != 0 {
			log, _ := os.ReadFile(filepath.Join(root, "containers", id, "monitor.log"))
			t.Fatalf("cycle %d: rm: %s\nps -a: %s\nmonitor log: %s", i, r.stderr, mustHull(t, "ps", "-a"), log)
		}
	}
	if leaks := settledLeftovers(); len(leaks) > 0 {
		t.Fatalf("after %d run/rm cycles: %v", cycles, leaks)
	}
}
