package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRunHelloWorld(t *testing.T) {
	r := hull(t, "run", "--rm", "busybox", "echo", "hello", "world")
	if r.code != 0 || r.stdout != "hello world\n" {
		t.Fatalf("hull run busybox echo hello world: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestRunExitCodes(t *testing.T) {
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"sh", "-c", "exit 3"}, 3},
		{[]string{"sh", "-c", "kill -9 $$; exit 4"}, 4}, // PID 1 ignores SIGKILL from inside
		{[]string{"sh", "-c", "sh -c 'kill -9 $$'; exit $?"}, 137},
		{[]string{"nosuchcommand"}, 127},
		{[]string{"/etc/passwd"}, 126},
	}
	for _, tc := range cases {
		r := hull(t, append([]string{"run", "--rm", "busybox"}, tc.args...)...)
		if r.code != tc.code {
			t.Errorf("hull run %v: exit %d, want %d (stderr %q)", tc.args, r.code, tc.code, r.stderr)
		}
	}
	if r := hull(t, "run", "--rm", "--no-such-flag", "busybox", "true"); r.code != 125 {
		t.Errorf("bad flag: exit %d, want 125", r.code)
	}
}

func TestRunDetachedShowsUpAndHostKillShowsExited137(t *testing.T) {
	id := runDetached(t, "busybox", "sleep", "300")
	if len(id) != 64 {
		t.Fatalf("run -d printed %q, want a 64-hex id", id)
	}
	ps := mustHull(t, "ps")
	if !strings.Contains(ps, id[:12]) || !strings.Contains(ps, "Up ") {
		t.Fatalf("hull ps does not show the container Up:\n%s", ps)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(mustHull(t, "inspect", "-f", "{{.State.Pid}}", id)))
	if err != nil || pid <= 1 {
		t.Fatalf("inspect State.Pid = %d, %v", pid, err)
	}
	comm, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if strings.TrimSpace(string(comm)) != "sleep" {
		t.Fatalf("host process %d is %q, want the container's sleep", pid, comm)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "Exited (137) in hull ps -a", func() bool {
		return strings.Contains(mustHull(t, "ps", "-a", "--filter", "id="+id), "Exited (137)")
	})
}

// TestRunRmLeavesNothing: when `run --rm` returns, the container is gone
// (no record, name, mount, cgroup or network); its monitor then deletes
// the files it took out of sight and ends.
func TestRunRmLeavesNothing(t *testing.T) {
	mustHull(t, "run", "--rm", "--name", "rm-test", "busybox", "true")
	if r := hull(t, "inspect", "rm-test"); r.code == 0 {
		t.Fatal("container still exists after --rm")
	}
	var atReturn []string
	for _, leak := range leftovers() {
		if !strings.HasPrefix(leak, trashLeak) && !strings.HasPrefix(leak, "monitor process: ") {
			atReturn = append(atReturn, leak)
		}
	}
	if len(atReturn) > 0 {
		t.Fatalf("when run --rm returned, it left: %v", atReturn)
	}
	if leaks := settledLeftovers(); len(leaks) > 0 {
		t.Fatalf("--rm left: %v", leaks)
	}
}

func TestRunOptions(t *testing.T) {
	out := mustHull(t, "run", "--rm", "-e", "FOO=bar", "-w", "/tmp", "-u", "1000:1000", "--hostname", "box",
		"busybox", "sh", "-c", "echo $FOO; pwd; id -u; hostname")
	if want := "bar\n/tmp\n1000\nbox\n"; out != want {
		t.Fatalf("output %q, want %q", out, want)
	}
}

func TestNamesAreDistinctAndConflictsRefused(t *testing.T) {
	a := runDetached(t, "--name", "named", "busybox", "sleep", "100")
	r := hull(t, "run", "-d", "--name", "named", "busybox", "true")
	if r.code != 125 || !strings.Contains(r.stderr, "is already in use") {
		t.Fatalf("second container with the same name: exit %d, stderr %q", r.code, r.stderr)
	}
	b := runDetached(t, "busybox", "sleep", "100")
	nameA := strings.TrimSpace(mustHull(t, "inspect", "-f", "{{.Name}}", a))
	nameB := strings.TrimSpace(mustHull(t, "inspect", "-f", "{{.Name}}", b))
	if nameA != "/named" || nameB == nameA || !strings.Contains(nameB, "_") {
		t.Fatalf("names %q and %q: want /named and a random adjective_surname", nameA, nameB)
	}
}

func TestStopSendsSignalThenKills(t *testing.T) {
	id := runDetached(t, "busybox", "sh", "-c", "trap 'exit 42' TERM; while true; do sleep 0.1; done")
	time.Sleep(200 * time.Millisecond)
	mustHull(t, "stop", id)
	if code := strings.TrimSpace(mustHull(t, "inspect", "-f", "{{.State.ExitCode}}", id)); code != "42" {
		t.Fatalf("exit code after stop = %s, want 42 from the TERM trap", code)
	}
	id2 := runDetached(t, "busybox", "sleep", "300")
	start := time.Now()
	mustHull(t, "stop", "-t", "1", id2)
	if code := strings.TrimSpace(mustHull(t, "inspect", "-f", "{{.State.ExitCode}}", id2)); code != "137" {
		t.Fatalf("sleep as PID 1 ignores TERM; exit code after stop -t 1 = %s, want 137", code)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Fatalf("stop -t 1 took %s", d)
	}
}

func TestRunInitReapsAndForwards(t *testing.T) {
	out := mustHull(t, "run", "--rm", "--init", "busybox", "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $$")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "/sbin/docker-init -- sh") || lines[1] == "1" {
		t.Fatalf("with --init, PID 1 should be docker-init and the shell another pid; got %q", out)
	}
	if r := hull(t, "run", "--rm", "--init", "busybox", "sh", "-c", "exit 5"); r.code != 5 {
		t.Fatalf("--init: exit %d, want the command's 5", r.code)
	}
}

// TestTraceTimesEveryProcess: with HULL_TRACE, every process that takes
// part in a run (the command, the container's monitor, the container's
// init) appends its phases to one file, on one clock.
func TestTraceTimesEveryProcess(t *testing.T) {
	trace := filepath.Join(t.TempDir(), "trace")
	cmd := hullCmd("run", "--rm", "busybox", "true")
	cmd.Env = append(cmd.Env, "HULL_TRACE="+trace)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	settledLeftovers() // the monitor writes its last phases after run returns
	data, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	at := map[string]int64{}
	pid := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.SplitN(line, " ", 3)
		us, err := strconv.ParseInt(f[0], 10, 64)
		if len(f) != 3 || err != nil {
			t.Fatalf("malformed trace line %q", line)
		}
		if _, seen := at[f[2]]; !seen {
			at[f[2]], pid[f[2]] = us, f[1]
		}
	}
	order := []string{"run: command line read", "create: done", "monitor: container created", "init: start received", "run: exit status received", "monitor: files deleted"}
	for i, phase := range order {
		if _, ok := at[phase]; !ok {
			t.Fatalf("no %q in the trace:\n%s", phase, data)
		}
		if i > 0 && at[phase] < at[order[i-1]] {
			t.Errorf("%q came before %q:\n%s", phase, order[i-1], data)
		}
	}
	if pid["init: main"] != "1" {
		t.Errorf("the container's init traced as pid %s, want 1 (its own pid namespace)", pid["init: main"])
	}
	if pid["monitor: container created"] == pid["create: done"] {
		t.Errorf("the monitor and the command traced as one process %s", pid["create: done"])
	}
}
