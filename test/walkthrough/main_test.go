// Package walkthrough runs docs/walkthrough.md: "is a container a virtual
// machine or a process?", answered with hull, command for command, and the
// output of each command checked.
//
// It needs root, debootstrap, Debian's docker-registry, bash, unshare and
// ps, and the Debian mirror the machine's apt sources name. TestMain builds
// hull from this checkout, starts a docker-registry on 127.0.0.1, and at
// once, in the background, starts debootstrap for every Debian image the
// walkthrough uses (bookworm, bullseye or trixie, nginx), each once per
// run; a separate "publisher" hull imports each image and pushes it to the
// registry, so the walkthrough's own hull, with an empty data root, pulls
// everything on first use, as a new user's would. After the tests it
// removes every container, both data roots, the registry and the temporary
// files, and fails if a container's process, mount, cgroup or monitor is
// left.
//
// HULL_WALKTHROUGH_TRANSCRIPT=FILE writes every command and what it printed
// to FILE (the doc's outputs come from there).
package walkthrough

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hull-project/hull/internal/network/link"
	"github.com/hull-project/hull/internal/network/nat"
	"github.com/hull-project/hull/internal/testutil/busybox"
	"github.com/hull-project/hull/internal/testutil/cgroups"
	"github.com/hull-project/hull/internal/testutil/debian"
	"github.com/hull-project/hull/internal/testutil/mounts"
	testregistry "github.com/hull-project/hull/internal/testutil/registry"
)

// The walkthrough's default network's bridge and nftables table.
const (
	walkBridge = "hullwalk0"
	walkTable  = "hullwalk"
)

var (
	configFile string // the walkthrough's HULL_CONFIG
	skipAll    string // why every test skips, or ""
	work       string // the run's temporary directory
	binDir     string // hull, hull-monitor and hull-runtime, built from this checkout
	root       string // the walkthrough's HULL_ROOT
	pubRoot    string // the publisher's HULL_ROOT: imports and pushes the images
	registry   string // host:port of the test's docker-registry
	second     string // the second Debian release: bullseye, or trixie where the mirror has no bullseye
	builder    *debian.Builder

	transcriptMu sync.Mutex
	transcript   bytes.Buffer
)

// The images the walkthrough pulls, by the name it uses for them.
var images = map[string]*published{}

// published is one image being pushed to the registry in the background.
type published struct {
	ref  string
	done chan struct{}
	err  error
	took time.Duration
}

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	if reason := missing(); reason != "" {
		skipAll = reason
		fmt.Println("walkthrough: skipped:", reason)
		return m.Run()
	}
	var err error
	if work, err = os.MkdirTemp("", "hull-walkthrough-"); err != nil {
		fmt.Println(err)
		return 1
	}
	defer debian.RemoveTree(work)
	binDir, root, pubRoot = filepath.Join(work, "bin"), filepath.Join(work, "root"), filepath.Join(work, "publisher")
	// The /hull parent cgroups go after the run, unless still in use.
	defer cgroups.RemoveEmptyParents("hull")
	// The walkthrough's own default network, so that it never meets a
	// hull0 (or podman's 10.88.0.0/16) already on the machine.
	configFile = filepath.Join(work, "config.json")
	netConfig := fmt.Sprintf(`{"bridge": %q, "bip": "10.205.0.1/16", "nftables-table": %q}`, walkBridge, walkTable)
	if err := os.WriteFile(configFile, []byte(netConfig), 0o644); err != nil {
		fmt.Println("walkthrough:", err)
		return 1
	}
	defer func() {
		nat.Table{Name: walkTable}.Delete()
		link.DeleteBridge(walkBridge)
	}()

	// debootstrap first: it is the long pole, and it runs while hull builds.
	mirror := debian.Mirror()
	second = "bullseye"
	if !debian.SuiteAvailable(mirror, second) {
		second = "trixie"
	}
	builder = debian.NewBuilder(filepath.Join(work, "debian"), mirror)
	defer builder.Close()
	builder.Start(debian.Release("bookworm"), debian.Release(second), debian.Nginx("bookworm"))
	fmt.Printf("walkthrough: debootstrap bookworm, %s and nginx from %s, in the background\n", second, mirror)

	for _, pkg := range []string{"hull", "hull-monitor", "hull-runtime"} {
		build := exec.Command("go", "build", "-o", filepath.Join(binDir, pkg), "github.com/hull-project/hull/cmd/"+pkg)
		if pkg == "hull-monitor" {
			build.Env = append(os.Environ(), "CGO_ENABLED=0") // static: it is also --init
		}
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Printf("walkthrough: go build %s: %v\n%s", pkg, err, out)
			return 1
		}
	}
	reg, err := testregistry.Start(filepath.Join(work, "registry"))
	if err != nil {
		fmt.Println("walkthrough:", err)
		return 1
	}
	defer reg.Stop()
	registry = reg.Addr

	publishAll(second)
	code := m.Run()

	// Images no test waited for (go test -run) need not finish.
	builder.Cancel()
	for _, p := range images {
		<-p.done // nothing is left pushing while the roots go
		if p.err == nil {
			fmt.Printf("walkthrough: %s published in %s\n", p.ref, p.took.Round(time.Second))
		}
	}
	for name, d := range builder.Durations() {
		if _, err := builder.RootfsTar(name); err == nil {
			fmt.Printf("walkthrough: debootstrap %s took %s\n", name, d.Round(time.Second))
		}
	}
	if path := os.Getenv("HULL_WALKTHROUGH_TRANSCRIPT"); path != "" {
		transcriptMu.Lock()
		os.WriteFile(path, transcript.Bytes(), 0o644)
		transcriptMu.Unlock()
	}
	ids := allContainerIDs()
	removeContainers()
	if leaks := leftovers(ids); len(leaks) > 0 {
		fmt.Printf("walkthrough: left behind after the tests:\n  %s\n", strings.Join(leaks, "\n  "))
		if code == 0 {
			code = 1
		}
	}
	return code
}

// missing says what this machine lacks for the walkthrough, or "".
func missing() string {
	if os.Geteuid() != 0 {
		return "the walkthrough needs root"
	}
	if err := debian.Check(); err != nil {
		return err.Error()
	}
	for _, tool := range []string{"docker-registry", "bash", "unshare", "chroot", "ps", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " is not installed (scripts/packages.txt lists what the tests need)"
		}
	}
	if _, err := os.Stat(busybox.Binary); err != nil {
		return "busybox-static is not installed"
	}
	return ""
}

func requireSetup(t *testing.T) {
	t.Helper()
	if skipAll != "" {
		t.Skip(skipAll)
	}
}

// publishAll pushes busybox, and each Debian image as soon as its
// debootstrap is done, to the registry, from the publisher's data root.
func publishAll(second string) {
	start := func(name, ref string, f func() error) {
		p := &published{ref: ref, done: make(chan struct{})}
		images[name] = p
		go func() {
			t0 := time.Now()
			p.err = f()
			p.took = time.Since(t0)
			close(p.done)
		}()
	}
	start("busybox", registry+"/busybox:latest", func() error {
		path := filepath.Join(work, "busybox.tar")
		if err := busybox.DockerArchiveFile(path, "busybox:latest"); err != nil {
			return err
		}
		if err := publisher("load", "-q", "-i", path); err != nil {
			return err
		}
		if err := publisher("tag", "busybox:latest", registry+"/busybox:latest"); err != nil {
			return err
		}
		return publisher("push", registry+"/busybox:latest")
	})
	for name, img := range map[string]debian.Image{
		"bookworm": debian.Release("bookworm"),
		second:     debian.Release(second),
		"nginx":    debian.Nginx("bookworm"),
	} {
		ref := registry + "/debian:" + img.Suite
		if name == "nginx" {
			ref = registry + "/nginx:latest"
		}
		start(name, ref, func() error {
			tar, err := builder.RootfsTar(img.Name)
			if err != nil {
				return err
			}
			args := []string{"import"}
			for _, c := range img.Changes() {
				args = append(args, "-c", c)
			}
			args = append(args, "-m", "debootstrap --variant=minbase "+img.Suite, tar, ref)
			if err := publisher(args...); err != nil {
				return err
			}
			return publisher("push", ref)
		})
	}
}

// publisher runs hull in the publisher's data root.
func publisher(args ...string) error {
	cmd := exec.Command(filepath.Join(binDir, "hull"), args...)
	cmd.Env = append(os.Environ(), "HULL_ROOT="+pubRoot, "HULL_CONFIG="+configFile)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("publisher: hull %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// image waits until the image the walkthrough calls name is in the
// registry, and returns its reference.
func image(t *testing.T, name string) string {
	t.Helper()
	p, ok := images[name]
	if !ok {
		t.Fatalf("no image %q is published", name)
	}
	select {
	case <-p.done:
	default:
		t.Logf("waiting for %s (debootstrap, import, push)", p.ref)
		<-p.done
	}
	if p.err != nil {
		t.Fatalf("making %s: %v", p.ref, p.err)
	}
	return p.ref
}

// env is the environment the walkthrough's commands run in: its hull
// first on PATH, its data root, and REG naming the registry.
func env(extra ...string) []string {
	return append(os.Environ(), append([]string{
		"PATH=" + binDir + ":" + os.Getenv("PATH"),
		"HULL_ROOT=" + root,
		"HULL_CONFIG=" + configFile,
		"REG=" + registry,
	}, extra...)...)
}

func hullCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(binDir, "hull"), args...)
	cmd.Env = env()
	return cmd
}

// result is what one command did.
type result struct {
	stdout, stderr string
	code           int
}

// sh runs one command of the walkthrough with bash, as a user types it,
// in dir (or the work directory), and records it in the transcript.
func sh(t *testing.T, dir, script string, extraEnv ...string) result {
	t.Helper()
	cmd := exec.Command("bash", "-c", script)
	cmd.Env = env(extraEnv...)
	cmd.Dir = work
	if dir != "" {
		cmd.Dir = dir
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{out.String(), errb.String(), 0}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	record(script, r.stdout+r.stderr, extraEnv)
	t.Logf("$ %s\n%s%s(exit %d)", script, r.stdout, r.stderr, r.code)
	return r
}

// mustSh runs sh and fails the test unless the command exits 0.
func mustSh(t *testing.T, dir, script string, extraEnv ...string) string {
	t.Helper()
	r := sh(t, dir, script, extraEnv...)
	if r.code != 0 {
		t.Fatalf("%s: exit %d\nstdout: %s\nstderr: %s", script, r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func record(command, output string, extraEnv []string) {
	transcriptMu.Lock()
	defer transcriptMu.Unlock()
	if len(extraEnv) > 0 {
		fmt.Fprintf(&transcript, "# %s\n", strings.Join(extraEnv, " "))
	}
	fmt.Fprintf(&transcript, "$ %s\n%s", command, output)
	if output != "" && !strings.HasSuffix(output, "\n") {
		transcript.WriteString("\n")
	}
}

// hullOut runs hull (not recorded) and returns its trimmed stdout.
func hullOut(t *testing.T, args ...string) string {
	t.Helper()
	out, err := hullCmd(args...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("hull %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return strings.TrimSpace(string(out))
}

// removeOnCleanup removes the container when the test ends.
func removeOnCleanup(t *testing.T, ref string) {
	t.Cleanup(func() { hullCmd("rm", "-f", ref).Run() })
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// allContainerIDs lists every container of both data roots, full ids.
func allContainerIDs() []string {
	var ids []string
	for _, r := range []string{root, pubRoot} {
		cmd := exec.Command(filepath.Join(binDir, "hull"), "ps", "-aq", "--no-trunc")
		cmd.Env = append(os.Environ(), "HULL_ROOT="+r, "HULL_CONFIG="+configFile)
		if out, err := cmd.Output(); err == nil {
			ids = append(ids, strings.Fields(string(out))...)
		}
	}
	return ids
}

// removeContainers removes what a failed test left, in both data roots.
func removeContainers() {
	for _, r := range []string{root, pubRoot} {
		cmd := exec.Command(filepath.Join(binDir, "hull"), "ps", "-aq")
		cmd.Env = append(os.Environ(), "HULL_ROOT="+r, "HULL_CONFIG="+configFile)
		out, err := cmd.Output()
		if err != nil || len(bytes.TrimSpace(out)) == 0 {
			continue
		}
		rm := exec.Command(filepath.Join(binDir, "hull"), append([]string{"rm", "-f"}, strings.Fields(string(out))...)...)
		rm.Env = cmd.Env
		rm.Run()
	}
	mounts.UnmountUnder(root)
	mounts.UnmountUnder(pubRoot)
}

// leftovers lists what the walkthrough's containers left: processes in
// their cgroups, their cgroups, monitors, mounts under the data roots.
func leftovers(ids []string) []string {
	var out []string
	for _, r := range []string{root, pubRoot, work} {
		if data, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
			for _, line := range strings.Split(string(data), "\n") {
				if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], r+"/") {
					out = append(out, "mount: "+f[4])
				}
			}
		}
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		cg, _ := os.ReadFile(filepath.Join(p, "cgroup"))
		cmdline, _ := os.ReadFile(filepath.Join(p, "cmdline"))
		for _, id := range ids {
			if strings.Contains(string(cg), id) || strings.Contains(string(cmdline), id) {
				out = append(out, fmt.Sprintf("process %s: %s", filepath.Base(p), strings.ReplaceAll(string(cmdline), "\x00", " ")))
				break
			}
		}
	}
	for _, id := range ids {
		cgs, _ := filepath.Glob("/sys/fs/cgroup/*/hull/" + id)
		for _, cg := range cgs {
			out = append(out, "cgroup: "+cg)
		}
	}
	sandboxes, _ := filepath.Glob(filepath.Join(root, "networks", "sandboxes", "*.json"))
	for _, s := range sandboxes {
		out = append(out, "network sandbox (address held): "+s)
	}
	veths, _ := filepath.Glob(filepath.Join("/sys/class/net", walkBridge, "brif", "*"))
	for _, v := range veths {
		out = append(out, "veth on the bridge: "+v)
	}
	if owners, _ := (nat.Table{Name: walkTable}).Owners(); len(owners) > 0 {
		out = append(out, "port rules of "+strings.Join(owners, ", "))
	}
	return out
}
