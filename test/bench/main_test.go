package bench

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hull-project/hull/internal/testutil/cgroups"
	"github.com/hull-project/hull/internal/testutil/mounts"
)

// Everything a benchmark starts (dockerd, a registry, containers, storage
// under temporary directories, mounts and cgroups the peers make) registers
// an undo step here. They run, last first, when the test binary ends, on
// SIGINT/SIGTERM, and shortly before -test.timeout would kill the binary
// without running any of them.
var (
	cleanupMu   sync.Mutex
	cleanups    []func()
	cleanedUp   bool
	workDirOnce sync.Once
	workDir     string
	workDirErr  error
)

func atExit(f func()) {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	cleanups = append(cleanups, f)
}

func runCleanups() {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	if cleanedUp {
		return
	}
	cleanedUp = true
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
}

func TestMain(m *testing.M) {
	flag.Parse()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "bench: %v: stopping peers and removing what the benchmarks made\n", s)
		runCleanups()
		os.Exit(1)
	}()
	if f := flag.Lookup("test.timeout"); f != nil {
		if d, err := time.ParseDuration(f.Value.String()); err == nil && d > 0 {
			margin := min(d/10, 45*time.Second)
			time.AfterFunc(d-margin, func() {
				fmt.Fprintf(os.Stderr, "bench: -test.timeout %v is near: cleaning up now (run with a longer -timeout)\n", d)
				runCleanups()
			})
		}
	}
	code := m.Run()
	runCleanups()
	os.Exit(code)
}

// benchDir is one temporary directory for the whole run; peers keep their
// state in subdirectories of it. Short, so unix socket paths fit.
func benchDir(tb testing.TB) string {
	workDirOnce.Do(func() {
		workDir, workDirErr = os.MkdirTemp("", "hb-")
		if workDirErr == nil {
			dir := workDir
			atExit(func() {
				unmountUnder(dir)
				if err := os.RemoveAll(dir); err != nil {
					fmt.Fprintf(os.Stderr, "bench: remove %s: %v\n", dir, err)
				}
			})
		}
	})
	if workDirErr != nil {
		tb.Fatal(workDirErr)
	}
	return workDir
}

// unmountUnder detaches every mount at or below dir, deepest first: the
// bind mounts podman and dockerd make of their storage, overlays a peer
// left behind.
func unmountUnder(dir string) {
	if err := mounts.UnmountUnder(dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
	}
}

// removeNewCgroups removes, after a peer stopped, the cgroup directories
// named name (docker, libpod_parent, hull) it made in any hierarchy.
func removeNewCgroups(name string, before map[string]bool) {
	if err := cgroups.RemoveNew(name, before); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
	}
}

// envInt reads an iteration count from the environment.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
