package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreateLeavesInitWaiting(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "echo started")
	pidFile := filepath.Join(t.TempDir(), "pid")
	c.create("--pid-file", pidFile)

	s := getState(t, c.id)
	if s.Status != "created" {
		t.Fatalf("status after create = %q, want created", s.Status)
	}
	pid := atoi(t, readFile(t, pidFile))
	if pid != s.Pid || !processAlive(pid) {
		t.Fatalf("pid file holds %d, state pid %d, alive %v", pid, s.Pid, processAlive(pid))
	}
	if out := c.stdout(); out != "" {
		t.Fatalf("the process ran before start: %q", out)
	}
	c.start()
	c.waitOutput("started")
	waitForState(t, c.id, "stopped")
}

func TestCreateDuplicateID(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.create()
	r := mustFail(t, "create", "--bundle", c.bundle, c.id)
	if !strings.Contains(r.stderr, c.id) && !strings.Contains(strings.ToLower(r.stderr), "exist") {
		t.Errorf("error does not say the container exists:\n%s", r)
	}
}

func TestCreateBadBundle(t *testing.T) {
	e := setup(t)
	mustFail(t, "create", "--bundle", t.TempDir(), e.newID())
}

func TestCreateNoPivot(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "ls /; cat /proc/self/mountinfo | head -1")
	out, errOut, code := c.runForeground("--no-pivot")
	if code != 0 || !strings.Contains(out, "bin") || strings.Contains(out, "vmlinuz") {
		t.Fatalf("run --no-pivot: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	c2 := e.newContainer("true")
	c2.create("--no-pivot")
	c2.start()
	waitForState(t, c2.id, "stopped")
}

// TestCreateKeyring checks that a container gets its own session keyring
// ("_ses.<id>" in /proc/keys) unless --no-new-keyring.
func TestCreateKeyring(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.create()
	if keys := readFile(t, "/proc/keys"); !strings.Contains(keys, "_ses."+c.id) {
		t.Errorf("no session keyring _ses.%s in /proc/keys:\n%s", c.id, keys)
	}
	c2 := e.newContainer("sleep", "100")
	c2.create("--no-new-keyring")
	if keys := readFile(t, "/proc/keys"); strings.Contains(keys, "_ses."+c2.id) {
		t.Errorf("--no-new-keyring: a session keyring _ses.%s exists:\n%s", c2.id, keys)
	}
}

func TestCreatePreserveFds(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "cat /proc/self/fd/3 /proc/self/fd/4; ls /proc/self/fd")
	cmd := c.cmd("create", "--preserve-fds", "2")
	cmd.ExtraFiles = []*os.File{tempWithContent(t, "three\n"), tempWithContent(t, "four\n")}
	c.must(cmd)
	c.start()
	waitForState(t, c.id, "stopped")
	got := lines(c.stdout())
	if len(got) < 3 || got[0] != "three" || got[1] != "four" {
		t.Fatalf("container output = %q, want the contents of fds 3 and 4\nstderr:\n%s", got, c.stderr())
	}
}

// tempWithContent returns an open file holding content.
func tempWithContent(t *testing.T, content string) *os.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f")
	writeFile(t, p, content)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
