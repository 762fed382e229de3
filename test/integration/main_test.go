// Package integration drives an OCI runtime binary through its runc-compatible
// command line on busybox bundles, one file per feature, the way runc's bats
// suite does. It needs root; without root every test skips.
//
// The runtime under test is $HULL_TEST_RUNTIME when set (for example
// HULL_TEST_RUNTIME=/usr/sbin/runc, so the suite validates itself against
// runc), otherwise ./cmd/hull-runtime built from this module into a
// temporary directory. Every run uses a private --root under /run, unique
// container ids per test, and checks after each test and after the whole
// run that nothing leaked: mounts, cgroups, processes, network namespaces.
package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

var (
	// runtimeBin is the absolute path of the runtime binary under test.
	runtimeBin string
	// isRunc is true when the binary under test is runc itself.
	isRunc bool
	// stateRoot is the private --root passed to every invocation.
	stateRoot string
	// skipAll, when set, is why every test skips.
	skipAll string
	// idPrefix starts every container id this run makes, so the final
	// leak check can find anything left behind.
	idPrefix = fmt.Sprintf("ht%d-", os.Getpid())
)

func TestMain(m *testing.M) {
	os.Exit(mainWithCleanup(m))
}

func mainWithCleanup(m *testing.M) int {
	if os.Geteuid() != 0 {
		skipAll = "integration tests need root (run: sudo make test)"
		return m.Run()
	}
	tmp, err := os.MkdirTemp("", "hull-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	if runtimeBin, skipAll = pickRuntime(tmp); skipAll != "" {
		fmt.Fprintln(os.Stderr, "integration: skipping every test:", skipAll)
		return m.Run()
	}
	isRunc = filepath.Base(runtimeBin) == "runc"
	if stateRoot, err = os.MkdirTemp("/run", "hull-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(stateRoot)
	// Container processes whose runtime exits (run -d, create) become our
	// children, so the leak checks can see and reap them.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "set child subreaper:", err)
		return 1
	}
	startReaper()
	fmt.Fprintf(os.Stderr, "integration: runtime %s, root %s\n", runtimeBin, stateRoot)
	code := m.Run()
	if leaks := finalLeaks(tmp); len(leaks) > 0 {
		fmt.Fprintf(os.Stderr, "integration: leaks after all tests:\n  %s\n", strings.Join(leaks, "\n  "))
		if code == 0 {
			code = 1
		}
	}
	return code
}

// pickRuntime returns the runtime binary to test, or why there is none.
func pickRuntime(tmp string) (bin, skip string) {
	if env := os.Getenv("HULL_TEST_RUNTIME"); env != "" {
		p, err := exec.LookPath(env)
		if err != nil {
			return "", fmt.Sprintf("HULL_TEST_RUNTIME=%s: %v", env, err)
		}
		p, err = filepath.Abs(p)
		if err != nil {
			return "", err.Error()
		}
		return p, ""
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err.Error()
	}
	if _, err := os.Stat(filepath.Join(root, "cmd", "hull-runtime")); err != nil {
		return "", "./cmd/hull-runtime does not exist yet; set HULL_TEST_RUNTIME to test another runtime"
	}
	bin = filepath.Join(tmp, "hull-runtime")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/hull-runtime")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Sprintf("go build ./cmd/hull-runtime: %v\n%s", err, out)
	}
	return bin, ""
}

// moduleRoot finds the directory holding go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
