package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/internal/testutil/busybox"
)

// cmdTimeout bounds every runtime invocation.
const cmdTimeout = 60 * time.Second

// env is one test's view of the suite: the ids it made and what its leak
// check must look for.
type env struct {
	t      *testing.T
	tmp    string // parent of every t.TempDir of this test
	mu     sync.Mutex
	ids    []string
	netns  []string
	nextID int
}

var (
	envsMu sync.Mutex
	envs   = map[*testing.T]*env{}
	// tempDirs collects every test's temporary directory for the final check.
	tempDirs []string
)

// setup starts a test: it skips when the suite cannot run and registers the
// per-test leak check, which runs after the test's own cleanups.
func setup(t *testing.T) *env {
	t.Helper()
	if skipAll != "" {
		t.Skip(skipAll)
	}
	e := &env{t: t, tmp: filepath.Dir(t.TempDir())}
	envsMu.Lock()
	envs[t] = e
	tempDirs = append(tempDirs, e.tmp)
	envsMu.Unlock()
	t.Cleanup(func() { e.checkLeaks() })
	return e
}

// skipIfRunc skips a test that only hull can pass, saying why.
func skipIfRunc(t *testing.T, why string) {
	t.Helper()
	if isRunc {
		t.Skipf("runc on this machine: %s", why)
	}
}

var idUnsafe = regexp.MustCompile(`[^a-z0-9]+`)

// newID returns a container id unique to this run and test; a cleanup
// deletes the container by force.
func (e *env) newID() string {
	e.mu.Lock()
	e.nextID++
	name := strings.Trim(idUnsafe.ReplaceAllString(strings.ToLower(e.t.Name()), "-"), "-")
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	id := fmt.Sprintf("%s%s-%d", idPrefix, name, e.nextID)
	e.ids = append(e.ids, id)
	e.mu.Unlock()
	e.t.Cleanup(func() {
		if r := runCmd(e.t, runtimeCmd("delete", "--force", id)); r.code != 0 {
			e.t.Errorf("cleanup failed:\n%s", r)
		}
	})
	return id
}

// result is what one runtime invocation did.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("%s %s\nexit code: %d\nstdout:\n%s\nstderr:\n%s",
		filepath.Base(runtimeBin), strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// runtimeCmd prepares an invocation of the runtime with the private root.
// Its stdout and stderr are files, never pipes, so a container that inherits
// them cannot keep the call from returning.
func runtimeCmd(args ...string) *exec.Cmd {
	full := append([]string{"--root", stateRoot}, args...)
	return exec.Command(runtimeBin, full...)
}

// run runs the runtime with args and returns its stdout, stderr and exit code.
func run(t testing.TB, args ...string) (stdout, stderr string, exitCode int) {
	t.Helper()
	r := runCmd(t, runtimeCmd(args...))
	return r.stdout, r.stderr, r.code
}

// mustRun runs the runtime and fails the test unless it exits 0; it
// returns stdout.
func mustRun(t testing.TB, args ...string) string {
	t.Helper()
	r := runCmd(t, runtimeCmd(args...))
	if r.code != 0 {
		t.Fatalf("command failed:\n%s", r)
	}
	return r.stdout
}

// mustFail runs the runtime and fails the test if it exits 0.
func mustFail(t testing.TB, args ...string) result {
	t.Helper()
	r := runCmd(t, runtimeCmd(args...))
	if r.code == 0 {
		t.Fatalf("command succeeded, want failure:\n%s", r)
	}
	return r
}

// runCmd runs cmd with its output captured in files and a timeout.
// Stdin, ExtraFiles and Env set by the caller are kept.
func runCmd(t testing.TB, cmd *exec.Cmd) result {
	t.Helper()
	dir := t.TempDir()
	outF, errF := createFile(t, dir, "stdout"), createFile(t, dir, "stderr")
	defer outF.Close()
	defer errF.Close()
	if cmd.Stdout == nil {
		cmd.Stdout = outF
	}
	if cmd.Stderr == nil {
		cmd.Stderr = errF
	}
	r := result{args: cmd.Args[1:]}
	if err := startCmd(cmd); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	r.code = waitTimeout(t, cmd)
	r.stdout, r.stderr = readFile(t, outF.Name()), readFile(t, errF.Name())
	return r
}

// waitTimeout waits for cmd, killing it after cmdTimeout, and returns its
// exit code (128+N when a signal ended it).
func waitTimeout(t testing.TB, cmd *exec.Cmd) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	go func() {
		<-ctx.Done()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			cmd.Process.Kill()
		}
	}()
	err := cmd.Wait()
	ownChildren.Delete(cmd.Process.Pid)
	if ctx.Err() == context.DeadlineExceeded {
		t.Errorf("%s timed out after %v", strings.Join(cmd.Args, " "), cmdTimeout)
	}
	return exitCode(t, err)
}

func exitCode(t testing.TB, err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	default:
		t.Fatalf("wait: %v", err)
		return -1
	}
}

func createFile(t testing.TB, dir, name string) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(data))
}

// state is the OCI state runc-compatible runtimes print.
type state struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Status      string            `json:"status"`
	Pid         int               `json:"pid"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Annotations map[string]string `json:"annotations"`
}

// getState runs `state id` and decodes it.
func getState(t testing.TB, id string) state {
	t.Helper()
	out := mustRun(t, "state", id)
	var s state
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("state %s: not JSON: %v\n%s", id, err, out)
	}
	return s
}

// waitForState polls `state id` until it reports status, for up to 10s.
func waitForState(t testing.TB, id, status string) state {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := getState(t, id)
		if s.Status == status {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s: status %q, want %q after 10s", id, s.Status, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// container is a bundle with an id; create and run keep the container's
// stdout and stderr in files.
type container struct {
	t                *testing.T
	id, bundle       string
	spec             *specs.Spec
	outPath, errPath string
}

// newContainer makes a busybox bundle running args and a fresh id.
func (e *env) newContainer(args ...string) *container {
	e.t.Helper()
	bundle, spec := busybox.Bundle(e.t, args...)
	dir := e.t.TempDir()
	return &container{t: e.t, id: e.newID(), bundle: bundle, spec: spec,
		outPath: filepath.Join(dir, "stdout"), errPath: filepath.Join(dir, "stderr")}
}

// writeSpec saves c.spec after a test changed it.
func (c *container) writeSpec() { busybox.WriteSpec(c.t, c.bundle, c.spec) }

// rootfs returns the host path of p inside the container's rootfs.
func (c *container) rootfs(p string) string {
	return filepath.Join(c.bundle, "rootfs", p)
}

// cmd prepares `runtime verb [flags] --bundle B ... id` whose stdout and
// stderr go to the container's files.
func (c *container) cmd(verb string, flags ...string) *exec.Cmd {
	args := append([]string{verb, "--bundle", c.bundle}, flags...)
	cmd := runtimeCmd(append(args, c.id)...)
	cmd.Stdout = openAppend(c.t, c.outPath)
	cmd.Stderr = openAppend(c.t, c.errPath)
	return cmd
}

func openAppend(t testing.TB, path string) *os.File {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// create runs `create` and fails the test unless it succeeds.
func (c *container) create(flags ...string) {
	c.t.Helper()
	c.must(c.cmd("create", flags...))
}

// must runs cmd and fails the test unless it exits 0.
func (c *container) must(cmd *exec.Cmd) {
	c.t.Helper()
	if r := runCmd(c.t, cmd); r.code != 0 {
		c.t.Fatalf("command failed:\n%s\ncontainer stdout:\n%s\ncontainer stderr:\n%s", r, c.stdout(), c.stderr())
	}
}

// start runs `start id`.
func (c *container) start() {
	c.t.Helper()
	mustRun(c.t, "start", c.id)
}

// runDetached runs `run -d` and waits until the container is running.
func (c *container) runDetached(flags ...string) {
	c.t.Helper()
	c.must(c.cmd("run", append([]string{"-d"}, flags...)...))
}

// runForeground runs the container to completion with `run` and returns
// what it printed and its exit code.
func (c *container) runForeground(flags ...string) (stdout, stderr string, code int) {
	c.t.Helper()
	r := runCmd(c.t, c.cmd("run", flags...))
	return c.stdout(), c.stderr(), r.code
}

// output runs the container in the foreground and fails the test unless it
// exits 0; it returns stdout.
func (c *container) output(flags ...string) string {
	c.t.Helper()
	out, errOut, code := c.runForeground(flags...)
	if code != 0 {
		c.t.Fatalf("%s run %s: exit code %d\nargs: %q\nstdout:\n%s\nstderr:\n%s",
			filepath.Base(runtimeBin), c.id, code, c.spec.Process.Args, out, errOut)
	}
	return out
}

func (c *container) stdout() string { return readOptional(c.outPath) }
func (c *container) stderr() string { return readOptional(c.errPath) }

func readOptional(path string) string {
	data, _ := os.ReadFile(path)
	return string(data)
}

// pid returns the container's init pid on the host.
func (c *container) pid() int {
	c.t.Helper()
	return getState(c.t, c.id).Pid
}

// exec runs `exec id args...` and returns its result.
func (c *container) exec(args ...string) result {
	c.t.Helper()
	return c.execFlags(nil, args...)
}

// execFlags runs `exec flags... id args...`.
func (c *container) execFlags(flags []string, args ...string) result {
	c.t.Helper()
	full := append(append(append([]string{"exec"}, flags...), c.id), args...)
	return runCmd(c.t, runtimeCmd(full...))
}

// mustExec runs `exec id args...` and fails the test unless it exits 0; it
// returns stdout.
func (c *container) mustExec(args ...string) string {
	c.t.Helper()
	return c.mustExecFlags(nil, args...)
}

// mustExecFlags is mustExec with exec flags.
func (c *container) mustExecFlags(flags []string, args ...string) string {
	c.t.Helper()
	r := c.execFlags(flags, args...)
	if r.code != 0 {
		c.t.Fatalf("command failed:\n%s", r)
	}
	return r.stdout
}

// waitOutput polls the container's stdout until it contains want.
func (c *container) waitOutput(want string) string {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := c.stdout()
		if strings.Contains(out, want) {
			return out
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("container %s: stdout lacks %q after 10s\nstdout:\n%s\nstderr:\n%s", c.id, want, out, c.stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// shell sets the process to `sh -c script`.
func (c *container) shell(script string) {
	c.spec.Process.Args = []string{"sh", "-c", script}
	c.writeSpec()
}

// writable makes the root file system writable.
func (c *container) writable() {
	c.spec.Root.Readonly = false
	c.writeSpec()
}

// bindDir bind-mounts a new host directory at dest (read-write) and returns
// its host path.
func (c *container) bindDir(dest string, opts ...string) string {
	c.t.Helper()
	host := c.t.TempDir()
	if err := os.Chmod(host, 0o777); err != nil {
		c.t.Fatal(err)
	}
	c.spec.Mounts = append(c.spec.Mounts, specs.Mount{
		Destination: dest, Type: "bind", Source: host,
		Options: append([]string{"rbind"}, opts...),
	})
	c.writeSpec()
	return host
}

// lines splits s into trimmed, non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// atoi parses a trimmed integer or fails the test.
func atoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

// processAlive reports whether pid exists and is not a zombie.
func processAlive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	return procState(string(data)) != "Z"
}

// procState returns the state letter of a /proc/<pid>/stat line.
func procState(stat string) string {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 || i+3 > len(stat) {
		return ""
	}
	return stat[i+2 : i+3]
}

// waitGone waits up to 10s for pid to die.
func waitGone(t testing.TB, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still alive after 10s", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// statusField returns the value of a "Name:\tvalue" line of /proc/<pid>/status.
func statusField(t testing.TB, status, name string) string {
	t.Helper()
	for _, l := range strings.Split(status, "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && k == name {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %s in /proc/self/status:\n%s", name, status)
	return ""
}

// capLine parses a capability mask (CapEff, CapBnd, ...) from status.
func capLine(t testing.TB, status, name string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(statusField(t, status, name), 16, 64)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// hostNS returns the test process's namespace link for kind, e.g. "user:[4026531837]".
func hostNS(t testing.TB, kind string) string {
	t.Helper()
	link, err := os.Readlink("/proc/self/ns/" + kind)
	if err != nil {
		t.Fatal(err)
	}
	return link
}

func readOptionalErr(path string) (string, error) {
	data, err := os.ReadFile(path)
	return string(data), err
}
