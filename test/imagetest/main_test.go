// Package imagetest runs hull's image commands end to end as root: a real
// registry (Debian's docker-registry) on 127.0.0.1, images built here and
// pushed with skopeo, pulled with the hull binary, and the unpacked trees
// compared byte for byte with their sources.
package imagetest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	testregistry "github.com/hull-project/hull/internal/testutil/registry"
)

var (
	skipAll  string // why every test skips, or ""
	hullBin  string // the hull binary under test
	registry string // host:port of the registry the tests share
	workDir  string // temporary files shared by the tests
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	if os.Geteuid() != 0 {
		skipAll = "image integration tests need root"
		return m.Run()
	}
	if err := testregistry.Check(); err != nil {
		skipAll = err.Error()
		return m.Run()
	}
	for _, tool := range []string{"skopeo", "busybox"} {
		if _, err := exec.LookPath(tool); err != nil {
			skipAll = tool + " is not installed (scripts/packages.txt lists it)"
			return m.Run()
		}
	}
	var err error
	if workDir, err = os.MkdirTemp("", "hull-imagetest-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(workDir)
	hullBin = filepath.Join(workDir, "hull")
	if out, err := exec.Command("go", "build", "-o", hullBin, "github.com/hull-project/hull/cmd/hull").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build hull: %v\n%s", err, out)
		return 1
	}
	reg, err := testregistry.Start(filepath.Join(workDir, "registry"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer reg.Stop()
	registry = reg.Addr
	return m.Run()
}

func requireSetup(tb testing.TB) {
	tb.Helper()
	if skipAll != "" {
		tb.Skip(skipAll)
	}
}
