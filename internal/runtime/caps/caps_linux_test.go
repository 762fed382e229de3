package caps

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// helperEnv makes the test binary act as TestHelperProcess's child.
const helperEnv = "HULL_CAPS_HELPER"

// TestHelperProcess is not a test: run by TestApplyExec in a child process,
// it applies a Set on a locked thread and execs cat /proc/self/status, the
// way the container's init applies capabilities right before execve.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for TestApplyExec")
	}
	runtime.LockOSThread()
	s, err := Parse(&specs.LinuxCapabilities{
		Bounding:    []string{"CAP_CHOWN", "CAP_KILL"},
		Effective:   []string{"CAP_CHOWN", "CAP_KILL"},
		Inheritable: []string{"CAP_CHOWN", "CAP_KILL"},
		Permitted:   []string{"CAP_CHOWN", "CAP_KILL"},
		Ambient:     []string{"CAP_KILL"},
	})
	if err == nil {
		err = s.DropBounding()
	}
	if err == nil {
		err = s.Apply()
	}
	if err == nil {
		err = syscall.Exec("/bin/cat", []string{"cat", "/proc/self/status"}, os.Environ())
	}
	fmt.Fprintln(os.Stderr, "helper:", err)
	os.Exit(3)
}

func TestApplyExec(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: drops the bounding set and sets capabilities")
	}
	if _, err := os.Stat("/bin/cat"); err != nil {
		t.Skip("needs /bin/cat")
	}
	requireCaps(t, MaskOf(0, 5, 8)) // CHOWN, KILL, SETPCAP

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, stderr.String())
	}
	got, err := ParseStatus(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := Set{
		Bounding:    MaskOf(0, 5),
		Effective:   MaskOf(0, 5),
		Inheritable: MaskOf(0, 5),
		Permitted:   MaskOf(0, 5),
		Ambient:     MaskOf(5),
	}
	t.Logf("exec'd process:\n%s", format(got))
	if !equalSets(got, &want) {
		t.Fatalf("exec'd process has\n%s\nwant\n%s", format(got), format(&want))
	}
}

// requireCaps skips the test unless this thread holds need in its effective
// and bounding sets (a root that is itself confined cannot run it).
func requireCaps(t *testing.T, need Mask) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cur, err := Current()
	if err != nil {
		t.Skipf("cannot read own capabilities: %v", err)
	}
	if cur.Effective&need != need || cur.Bounding&need != need {
		t.Skipf("needs %v in effective and bounding sets", need.Names())
	}
}

func format(s *Set) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CapInh %s\nCapPrm %s\nCapEff %s\nCapBnd %s\nCapAmb %s",
		s.Inheritable, s.Permitted, s.Effective, s.Bounding, s.Ambient)
	return b.String()
}

func TestCurrent(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	s, err := Current()
	if err != nil {
		t.Fatalf("Current: %v", err)
	}
	if s.Bounding == 0 && os.Geteuid() == 0 {
		t.Logf("running as root with an empty bounding set")
	}
	if s.Effective&^s.Permitted != 0 {
		t.Fatalf("effective %s is not within permitted %s", s.Effective, s.Permitted)
	}
}

func TestLastCap(t *testing.T) {
	if last := lastCap(); last < 30 || last > 63 {
		t.Fatalf("lastCap = %d, implausible", last)
	}
}

func TestDropBoundingNothingToDrop(t *testing.T) {
	// Keeping the bounding set as it is drops nothing, so it needs no
	// privilege and leaves the thread unchanged.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cur, err := Current()
	if err != nil {
		t.Fatal(err)
	}
	s := &Set{Bounding: cur.Bounding}
	if err := s.DropBounding(); err != nil {
		t.Fatalf("DropBounding with the current bounding set: %v", err)
	}
	after, err := Current()
	if err != nil {
		t.Fatal(err)
	}
	if after.Bounding != cur.Bounding {
		t.Fatalf("bounding set changed from %s to %s", cur.Bounding, after.Bounding)
	}
}
