package walkthrough

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/testutil/mounts"
)

// TestWalkthrough runs docs/walkthrough.md step by step. The steps that
// need only busybox run while debootstrap is still making the Debian
// images; step 2 and step 8 wait for them.
func TestWalkthrough(t *testing.T) {
	requireSetup(t)
	walkT = t
	steps := []struct {
		name string
		f    func(*testing.T)
	}{
		{"1_hello_world", stepHelloWorld},
		{"3_shell_is_pid_1", stepShellIsPid1},
		{"4_host_sees_and_kills_it", stepHostKills},
		{"5_same_by_hand_with_unshare", stepUnshare},
		{"6_state_file", stepStateFile},
		{"7_namespaces_diff", stepNamespacesDiff},
		{"beyond_docker", stepBeyondDocker},
		{"2_two_releases_one_kernel", stepTwoReleases},
		{"8_nginx_published", stepNginx},
	}
	for _, s := range steps {
		t.Run(s.name, s.f)
	}
}

// walkT is TestWalkthrough's own t: containers that outlive one step are
// removed when the whole walkthrough ends.
var walkT *testing.T

// Step 1: hull run busybox echo hello world, pulling on first use.
func stepHelloWorld(t *testing.T) {
	ref := image(t, "busybox")
	if id := hullOut(t, "images", "-q", ref); id != "" {
		// Another test (TestNs runs first) pulled it: make this the first use again.
		hullOut(t, "rmi", ref)
	}
	r := sh(t, "", "hull run $REG/busybox echo hello world")
	if r.code != 0 || r.stdout != "hello world\n" {
		t.Fatalf("exit %d, stdout %q, want hello world", r.code, r.stdout)
	}
	for _, want := range []string{"Unable to find image '" + registry + "/busybox' locally", "Status: Downloaded newer image"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the first run did not pull: stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	// The second run finds the image.
	r = sh(t, "", "hull run --rm $REG/busybox echo hello world")
	if r.code != 0 || r.stdout != "hello world\n" || strings.Contains(r.stderr, "Unable to find") {
		t.Fatalf("second run: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// Step 2: two Debian releases, one kernel.
func stepTwoReleases(t *testing.T) {
	bookworm, other := image(t, "bookworm"), image(t, second)
	hostKernel := mustSh(t, "", "uname -r")
	osRelease := map[string]string{}
	for _, ref := range []string{bookworm, other} {
		suite := ref[strings.LastIndexByte(ref, ':')+1:]
		script := "hull run --rm $REG/debian:" + suite + " cat /etc/os-release"
		r := sh(t, "", script)
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", script, r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, "Unable to find image") {
			t.Errorf("%s did not pull on first use: %s", script, r.stderr)
		}
		osRelease[suite] = r.stdout
		if !strings.Contains(r.stdout, "VERSION_CODENAME="+suite+"\n") || !strings.Contains(r.stdout, `ID=debian`) {
			t.Errorf("%s printed no Debian %s os-release:\n%s", script, suite, r.stdout)
		}
		kernel := mustSh(t, "", "hull run --rm $REG/debian:"+suite+" uname -r")
		if kernel != hostKernel {
			t.Errorf("uname -r in %s is %q, on the host %q: one kernel", suite, kernel, hostKernel)
		}
	}
	if osRelease["bookworm"] == osRelease[second] {
		t.Errorf("bookworm and %s print the same os-release", second)
	}
}

// terminal is a pty running hull, with what it printed.
type terminal struct {
	t    *testing.T
	ptmx *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	seen int // how much of out the last expect consumed
}

func (term *terminal) Write(p []byte) (int, error) {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.out.Write(p)
}

func (term *terminal) text() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return strings.ReplaceAll(term.out.String(), "\r", "")
}

// run types a line and waits until what the terminal prints after it
// matches re; it returns what was printed since the line was typed.
func (term *terminal) run(line string, re *regexp.Regexp) string {
	term.t.Helper()
	start := len(term.text())
	io.WriteString(term.ptmx, line+"\n")
	deadline := time.Now().Add(15 * time.Second)
	for {
		out := term.text()[start:]
		if re.MatchString(out) {
			record(line+"    # inside the container", out, nil)
			term.t.Logf("(container) %s\n%s", line, out)
			return out
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("after %q the terminal never showed %s; it shows:\n%s", line, re, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// shellTerm and shellDone are the `hull run -it` of step 3, which step 4
// kills from the host.
var (
	shellTerm *terminal
	shellDone chan int
)

// Step 3: hull run -it busybox sh: the shell is PID 1 and kill -9 1 does
// nothing.
func stepShellIsPid1(t *testing.T) {
	image(t, "busybox")
	cmd := hullCmd("run", "-it", "--name", "shell", registry+"/busybox", "sh")
	record("hull run -it --name shell $REG/busybox sh", "", nil)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	removeOnCleanup(walkT, "shell")
	term := &terminal{t: t, ptmx: ptmx}
	shellTerm = term
	go io.Copy(term, ptmx)
	shellDone = make(chan int, 1)
	go func() {
		cmd.Wait()
		ptmx.Close()
		shellDone <- cmd.ProcessState.ExitCode()
	}()

	term.run("echo $$", regexp.MustCompile(`(?m)^1\n/ # `))
	out := term.run("ps", regexp.MustCompile(`(?s)PID.*\n/ # `))
	if !regexp.MustCompile(`(?m)^\s*1\s+root\s+(\S+\s+)?sh$`).MatchString(out) {
		t.Errorf("ps inside does not list the shell as PID 1:\n%s", out)
	}
	term.run("kill -9 1", regexp.MustCompile(`\n/ # `))
	term.run("echo still here, as PID $$", regexp.MustCompile(`(?m)^still here, as PID 1\n/ # `))
	if st := hullOut(t, "inspect", "-f", "{{.State.Status}}", "shell"); st != "running" {
		t.Fatalf("after kill -9 1 inside, the container is %s", st)
	}
}

// Step 4: the host's ps shows the same shell under another pid, and kill
// -9 of that pid ends the container: Exited (137).
func stepHostKills(t *testing.T) {
	if shellTerm == nil {
		t.Fatal("step 3 did not start the shell")
	}
	shellTerm.t = t
	id := hullOut(t, "inspect", "-f", "{{.Id}}", "shell")
	out := mustSh(t, "", "ps -ef --forest | grep -A1 '[h]ull-monitor'")
	// The monitor's line names the container; the next line is its child.
	var pid int
	lines := strings.Split(out, "\n")
	for i, line := range lines {
		if strings.Contains(line, "hull-monitor "+id) && i+1 < len(lines) {
			f := strings.Fields(lines[i+1])
			if len(f) > 7 && strings.HasSuffix(lines[i+1], `\_ sh`) {
				pid, _ = strconv.Atoi(f[1])
			}
		}
	}
	if pid <= 1 {
		t.Fatalf("the host's ps shows no sh under the monitor of %s:\n%s", id, out)
	}
	if want := hullOut(t, "inspect", "-f", "{{.State.Pid}}", "shell"); strconv.Itoa(pid) != want {
		t.Fatalf("the host's ps shows the shell as %d, hull inspect says %s", pid, want)
	}
	if inside := nsPid(t, pid); inside != 1 {
		t.Fatalf("host pid %d is pid %d in its own namespace, want 1", pid, inside)
	}
	top := mustSh(t, "", "hull top shell")
	if !regexp.MustCompile(fmt.Sprintf(`(?m)^1\s+root\s+%d\s+\d+\s.*\ssh$`, pid)).MatchString(top) {
		t.Errorf("hull top does not show container pid 1 beside host pid %d:\n%s", pid, top)
	}
	mustSh(t, "", fmt.Sprintf("kill -9 %d", pid))
	select {
	case code := <-shellDone:
		if code != 137 {
			t.Errorf("hull run -it exited %d after kill -9 from the host, want 137", code)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("hull run -it did not end after kill -9 of the shell's host pid")
	}
	waitFor(t, "the shell to be gone", 5*time.Second, func() bool { return unix.Kill(pid, 0) != nil })
	r := mustSh(t, "", "hull ps -a --filter name=shell")
	if !regexp.MustCompile(`Exited \(137\) .* shell\n`).MatchString(r) {
		t.Fatalf("hull ps -a does not show the shell Exited (137):\n%s", r)
	}
}

// nsPid is pid as its innermost pid namespace sees it.
func nsPid(t *testing.T, pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "NSpid:"); ok {
			f := strings.Fields(rest)
			n, _ := strconv.Atoi(f[len(f)-1])
			return n
		}
	}
	return 0
}

// Step 5: export the container, unpack it, and do by hand what hull does:
// unshare a pid namespace, chroot, and the shell is PID 1.
func stepUnshare(t *testing.T) {
	dir := t.TempDir()
	t.Cleanup(func() {
		if err := mounts.UnmountUnder(dir); err != nil {
			t.Error(err)
		}
	})
	mustSh(t, dir, "hull export shell -o shell.tar")
	mustSh(t, dir, "mkdir rootfs && tar -C rootfs -xf shell.tar")
	if ls := mustSh(t, dir, "ls rootfs"); !strings.Contains(ls, "bin\n") || !strings.Contains(ls, "etc\n") {
		t.Fatalf("ls rootfs:\n%s", ls)
	}
	if _, err := os.Stat(filepath.Join(dir, "rootfs/bin/busybox")); err != nil {
		t.Fatalf("the export holds no busybox: %v", err)
	}
	if out := mustSh(t, dir, "unshare -p -f --mount-proc chroot rootfs /bin/sh -c 'echo $$'"); out != "1\n" {
		t.Fatalf("echo $$ under unshare printed %q, want 1", out)
	}
	out := mustSh(t, dir, "unshare -p -f --mount-proc=$PWD/rootfs/proc chroot rootfs /bin/sh -c 'echo $$; ps'")
	if !strings.HasPrefix(out, "1\n") || !regexp.MustCompile(`(?m)^\s*1\s+root\s+\S+\s+/bin/sh -c echo`).MatchString(out) {
		t.Fatalf("under unshare the shell is not PID 1:\n%s", out)
	}
	if m := mountedUnder(dir); len(m) > 0 {
		t.Fatalf("unshare's /proc leaked into the host: %v", m)
	}
}

func mountedUnder(dir string) []string {
	data, _ := os.ReadFile("/proc/self/mountinfo")
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			out = append(out, f[4])
		}
	}
	return out
}

// sleeperPid is the host pid of step 6's container, which steps 7 and
// beyond_docker look at.
var sleeperPid string

// Step 6: the runtime's state file names the process and its namespaces.
func stepStateFile(t *testing.T) {
	mustSh(t, "", "hull run -d --name sleeper $REG/busybox sleep 3600")
	removeOnCleanup(walkT, "sleeper")
	pid := strings.TrimSpace(mustSh(t, "", "hull inspect -f '{{.State.Pid}}' sleeper"))
	state := strings.TrimSpace(mustSh(t, "", "hull inspect -f '{{.Hull.StateFile}}' sleeper"))
	sleeperPid = pid
	ps := mustSh(t, "", "ps -o pid,ppid,cmd -p "+pid)
	if !regexp.MustCompile(`(?m)^\s*` + pid + `\s+\d+\s+sleep 3600$`).MatchString(ps) {
		t.Fatalf("the host's ps does not show sleep 3600 as %s:\n%s", pid, ps)
	}
	envs := []string{"PID=" + pid, "STATE=" + state}
	if out := mustSh(t, "", `grep -o '"init_process_pid":[0-9]*' $STATE`, envs...); out != `"init_process_pid":`+pid+"\n" {
		t.Errorf("the state file's init_process_pid: %q, want %s", out, pid)
	}
	out := mustSh(t, "", `grep -o '"namespace_paths":{[^}]*}' $STATE`, envs...)
	mustSh(t, "", "ls -l /proc/$PID/ns", envs...)

	data, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Pid        int               `json:"init_process_pid"`
		Namespaces map[string]string `json:"namespace_paths"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatalf("state file %s: %v", state, err)
	}
	if strconv.Itoa(st.Pid) != pid {
		t.Errorf("init_process_pid %d, the process is %s", st.Pid, pid)
	}
	types := map[string]string{"NEWPID": "pid", "NEWNS": "mnt", "NEWNET": "net", "NEWIPC": "ipc", "NEWUTS": "uts", "NEWCGROUP": "cgroup"}
	for key, typ := range types {
		path, ok := st.Namespaces[key]
		if !ok {
			t.Errorf("namespace_paths has no %s: %s", key, out)
			continue
		}
		if want := "/proc/" + pid + "/ns/" + typ; path != want {
			t.Errorf("namespace_paths[%s] = %s, want %s", key, path, want)
		}
		got, err1 := os.Readlink(path)
		want, err2 := os.Readlink("/proc/" + pid + "/ns/" + typ)
		if err1 != nil || err2 != nil || got != want {
			t.Errorf("%s: the state file's %s reads %q, the process's link %q (%v %v)", key, path, got, want, err1, err2)
		}
	}
}

// lsNs is one line of ls -Al /proc/PID/ns: "name -> target".
var lsNs = regexp.MustCompile(`([a-z_]+) -> (?:')?([a-z]+:\[\d+\])`)

// Step 7: diff the host's namespaces with the container's.
func stepNamespacesDiff(t *testing.T) {
	if sleeperPid == "" {
		t.Fatal("step 6 did not start the container")
	}
	envs := []string{"PID=" + sleeperPid}
	script := "diff <(ls -Al /proc/1/ns) <(ls -Al /proc/$PID/ns)"
	r := sh(t, "", script, envs...)
	if strings.Contains(r.stderr, "cannot read symbolic link '/proc/1/ns") {
		// Some VMs' init refuses to show its namespaces even to root; the
		// shell's own namespaces are the host's, so compare with those.
		t.Logf("this machine's init (pid 1) hides its namespaces; comparing with the shell's own, /proc/$$/ns")
		script = "diff <(ls -Al /proc/$$/ns) <(ls -Al /proc/$PID/ns)"
		r = sh(t, "", script, envs...)
	}
	if r.code != 1 {
		t.Fatalf("%s: exit %d, want 1 (they differ)\n%s", script, r.code, r.stderr)
	}
	host, ctr := map[string]string{}, map[string]string{}
	for _, line := range strings.Split(r.stdout, "\n") {
		m := lsNs.FindStringSubmatch(line)
		switch {
		case m == nil:
		case strings.HasPrefix(line, "< "):
			host[m[1]] = m[2]
		case strings.HasPrefix(line, "> "):
			ctr[m[1]] = m[2]
		}
	}
	for _, typ := range []string{"ipc", "mnt", "net", "pid", "uts", "cgroup"} {
		if ctr[typ] == "" || host[typ] == "" || ctr[typ] == host[typ] {
			t.Errorf("diff does not show the container's own %s namespace (host %q, container %q)", typ, host[typ], ctr[typ])
		}
	}
	// user and time are the host's: if ls's dates put them in the diff,
	// they still name the same namespace.
	for _, typ := range []string{"user", "time"} {
		if ctr[typ] != host[typ] {
			t.Errorf("the %s namespace differs (host %q, container %q); hull shares it", typ, host[typ], ctr[typ])
		}
	}
}

// Beyond docker: hull inspect's Hull section, hull top's host pids, hull ns.
func stepBeyondDocker(t *testing.T) {
	if sleeperPid == "" {
		t.Fatal("step 6 did not start the container")
	}
	pid := sleeperPid
	out := mustSh(t, "", "hull inspect -f '{{json .Hull}}' sleeper")
	var info struct {
		HostPid    int
		StateFile  string
		Namespaces map[string]string
	}
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("hull inspect's Hull section: %v\n%s", err, out)
	}
	if strconv.Itoa(info.HostPid) != pid {
		t.Errorf("Hull.HostPid %d, the process is %s", info.HostPid, pid)
	}
	if _, err := os.Stat(info.StateFile); err != nil {
		t.Errorf("Hull.StateFile: %v", err)
	}
	if link, _ := os.Readlink("/proc/" + pid + "/ns/net"); info.Namespaces["NEWNET"] != link {
		t.Errorf("Hull.Namespaces[NEWNET] %q, the process's link %q", info.Namespaces["NEWNET"], link)
	}

	top := mustSh(t, "", "hull top sleeper")
	if !regexp.MustCompile(`(?m)^1\s+root\s+` + pid + `\s+\d+\s.*sleep 3600$`).MatchString(top) {
		t.Errorf("hull top does not show container pid 1 beside host pid %s:\n%s", pid, top)
	}

	var v struct{ HostPid int }
	if out := mustSh(t, "", "hull ns --json sleeper"); json.Unmarshal([]byte(out), &v) != nil || strconv.Itoa(v.HostPid) != pid {
		t.Errorf("hull ns --json: HostPid %d, want %s:\n%s", v.HostPid, pid, out)
	}
	if r := sh(t, "", "hull ns shell"); r.code != 125 || !strings.Contains(r.stderr, "is not running (exited)") {
		t.Errorf("hull ns of the exited shell: exit %d: %s", r.code, r.stderr)
	}

	ns := mustSh(t, "", "hull ns sleeper")
	for _, want := range []string{
		`(?m)^HOST PID\s+` + pid + `\s+sleep 3600$`,
		`(?m)^net\s+net:\[\d+\]\s+net:\[\d+\]\s+own$`,
		`(?m)^pid\s+pid:\[\d+\]\s+pid:\[\d+\]\s+own$`,
		`(?m)^user\s+user:\[\d+\]\s+user:\[\d+\]\s+shared$`,
		`(?m)^CGROUP\s+/\S*hull\S*`,
		`(?m)^ROOT FS\s+overlay on ` + regexp.QuoteMeta(root) + `/`,
		`(?m)^\s+upperdir\s+` + regexp.QuoteMeta(root) + `/`,
	} {
		if !regexp.MustCompile(want).MatchString(ns) {
			t.Errorf("hull ns lacks %s:\n%s", want, ns)
		}
	}
}

// Step 8: nginx from Debian's package, published on a host port.
func stepNginx(t *testing.T) {
	image(t, "nginx")
	port := freePort(t)
	script := fmt.Sprintf("hull run -d -p %d:80 $REG/nginx", port)
	r := sh(t, "", script)
	if r.code != 0 {
		t.Fatalf("step 8: %q exited %d, so published ports do not work: %s", script, r.code, strings.TrimSpace(r.stderr))
	}
	id := strings.TrimSpace(r.stdout)
	removeOnCleanup(t, id)
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	var page string
	waitFor(t, "nginx to answer on "+url, 15*time.Second, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		page = string(body)
		return resp.StatusCode == http.StatusOK
	})
	record("curl -s "+url, page, nil)
	if !strings.Contains(page, "<title>Welcome to nginx!</title>") {
		t.Fatalf("GET %s returned no nginx welcome page:\n%s", url, page)
	}
	checkNginxComm(t, id)
	if ps := mustSh(t, "", "hull ps --filter id="+id); !strings.Contains(ps, fmt.Sprintf(":%d->80/tcp", port)) {
		t.Errorf("hull ps shows no published port %d->80/tcp:\n%s", port, ps)
	}
	if out := mustSh(t, "", "hull port "+id[:12]); !strings.Contains(out, fmt.Sprintf("80/tcp -> 0.0.0.0:%d", port)) {
		t.Errorf("hull port shows no 80/tcp -> 0.0.0.0:%d:\n%s", port, out)
	}
	// nginx's access log is the container's stdout.
	if out := mustSh(t, "", "hull logs "+id[:12]); !strings.Contains(out, `"GET / HTTP/1.1" 200`) {
		t.Errorf("hull logs shows no GET in nginx's access log:\n%s", out)
	}
}

func checkNginxComm(t *testing.T, id string) {
	t.Helper()
	if out := mustSh(t, "", "hull exec "+id[:12]+" cat /proc/1/comm"); out != "nginx\n" {
		t.Fatalf("hull exec cat /proc/1/comm printed %q, want nginx", out)
	}
}

// freePort is a TCP port on 127.0.0.1 that nothing listens on now.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
