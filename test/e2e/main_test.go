// Package e2e drives the hull binary as a user would, against real
// containers: it builds hull from this checkout, gives it a private data
// root with busybox:latest loaded from Debian's busybox-static, and checks
// after every test that nothing was left behind.
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hull-project/hull/internal/network/link"
	"github.com/hull-project/hull/internal/network/nat"
	"github.com/hull-project/hull/internal/testutil/busybox"
	"github.com/hull-project/hull/internal/testutil/cgroups"
	"github.com/hull-project/hull/internal/testutil/mounts"
)

var (
	hullBin    string // the built hull binary
	root       string // its data root (HULL_ROOT)
	configFile string // its config file (HULL_CONFIG): the test bridge
)

// The default network of the tests' hull: its own bridge and subnet, so
// that it never meets a hull0 or podman0 already on the machine.
const (
	testBridge  = "hulle2e0"
	testBIP     = "10.201.0.1/16"
	testGateway = "10.201.0.1"
	testTable   = "hulle2e"
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Geteuid() != 0 {
		fmt.Println("e2e: skipped, needs root")
		return 0
	}
	if _, err := os.Stat(busybox.Binary); err != nil {
		fmt.Println("e2e: skipped, needs busybox-static")
		return 0
	}
	tmp, err := os.MkdirTemp("", "hull-e2e-")
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer os.RemoveAll(tmp)
	hullBin, root = filepath.Join(tmp, "hull"), filepath.Join(tmp, "root")
	configFile = filepath.Join(tmp, "config.json")
	config := fmt.Sprintf(`{"bridge": %q, "bip": %q, "nftables-table": %q}`, testBridge, testBIP, testTable)
	if err := os.WriteFile(configFile, []byte(config), 0o644); err != nil {
		fmt.Println(err)
		return 1
	}
	// hull-monitor beside hull, as make install puts them.
	for _, pkg := range []string{"hull", "hull-monitor", "hull-runtime"} {
		build := exec.Command("go", "build", "-o", filepath.Join(tmp, pkg), "../../cmd/"+pkg)
		if pkg == "hull-monitor" {
			// Static: it is also the --init that runs inside containers.
			build.Env = append(os.Environ(), "CGO_ENABLED=0")
		}
		out, err := build.CombinedOutput()
		if err != nil {
			fmt.Printf("e2e: go build %s: %v\n%s", pkg, err, out)
			return 1
		}
	}
	if err := loadBusybox(filepath.Join(tmp, "busybox.tar")); err != nil {
		fmt.Println("e2e:", err)
		return 1
	}
	code := m.Run()
	if leaks := settledLeftovers(); len(leaks) > 0 {
		fmt.Printf("e2e: left behind after the tests:\n  %s\n", strings.Join(leaks, "\n  "))
		if code == 0 {
			code = 1
		}
	}
	cleanUp()
	return code
}

// cleanUp removes, after the verdict, whatever a failed test left, so a
// failing run does not leave the machine dirty too; and the /hull parent
// cgroups the tests' containers were made under, once empty.
func cleanUp() {
	if out, err := hullCmd("ps", "-aq").Output(); err == nil && len(out) > 0 {
		hullCmd(append([]string{"rm", "-f"}, strings.Fields(string(out))...)...).Run()
	}
	mounts.UnmountUnder(root)
	cgroups.RemoveEmptyParents("hull")
	hullCmd("network", "prune", "-f").Run()
	nat.Table{Name: testTable}.Delete()
	link.DeleteBridge(testBridge)
}

func loadBusybox(path string) error {
	if err := busybox.DockerArchiveFile(path, "busybox:latest"); err != nil {
		return err
	}
	if out, err := hullCmd("load", "-i", path).CombinedOutput(); err != nil {
		return fmt.Errorf("hull load: %v\n%s", err, out)
	}
	return nil
}

func hullCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(hullBin, args...)
	cmd.Env = append(os.Environ(), "HULL_ROOT="+root, "HULL_CONFIG="+configFile)
	return cmd
}

// result is what one hull command did.
type result struct {
	stdout, stderr string
	code           int
}

func hull(t *testing.T, args ...string) result {
	t.Helper()
	cmd := hullCmd(args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("hull %s: %v", strings.Join(args, " "), err)
	}
	return result{out.String(), errb.String(), code}
}

// mustHull runs hull and fails the test unless it exits 0.
func mustHull(t *testing.T, args ...string) string {
	t.Helper()
	r := hull(t, args...)
	if r.code != 0 {
		t.Fatalf("hull %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// runDetached starts a container and removes it when the test ends.
func runDetached(t *testing.T, args ...string) string {
	t.Helper()
	id := strings.TrimSpace(mustHull(t, append([]string{"run", "-d"}, args...)...))
	t.Cleanup(func() { hull(t, "rm", "-f", id) })
	return id
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// leftovers lists what hull left on the machine: mounts under its root,
// cgroups of its containers, monitor processes, containers' records.
func leftovers() []string {
	var out []string
	if data, err := os.ReadFile("/proc/self/mountinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, root) {
				out = append(out, "mount: "+line)
			}
		}
	}
	// hull's containers' cgroups sit under /hull, which itself stays.
	cgroups, _ := filepath.Glob("/sys/fs/cgroup/*/hull/*/")
	for _, cg := range cgroups {
		out = append(out, "cgroup: "+cg)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		data, _ := os.ReadFile(p)
		if strings.HasPrefix(string(data), "hull-monitor\x00") && strings.Contains(string(data), root) {
			out = append(out, "monitor process: "+p)
		}
	}
	records, _ := filepath.Glob(filepath.Join(root, "containers", "[0-9a-f]*"))
	for _, r := range records {
		out = append(out, "container record: "+r)
	}
	for _, dir := range []string{filepath.Join(root, "containers", ".trash"), filepath.Join(root, "snapshots", "tmp")} {
		trash, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, t := range trash {
			out = append(out, trashLeak+t)
		}
	}
	return append(out, networkLeftovers()...)
}

// trashLeak starts the leftovers that are a removed container's files not
// yet deleted: a `run --rm` returns before its monitor deletes them.
const trashLeak = "removed files not deleted: "

// settledLeftovers is leftovers once monitors that are still finishing
// (deleting a removed container's files) have had a moment to end.
func settledLeftovers() []string {
	deadline := time.Now().Add(5 * time.Second)
	for {
		leaks := leftovers()
		if len(leaks) == 0 || time.Now().After(deadline) {
			return leaks
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// networkLeftovers lists what containers' networking left: sandboxes
// (addresses held), veths still plugged into the tests' bridges, and
// port rules.
func networkLeftovers() []string {
	var out []string
	sandboxes, _ := filepath.Glob(filepath.Join(root, "networks", "sandboxes", "*.json"))
	for _, s := range sandboxes {
		out = append(out, "network sandbox (address held): "+s)
	}
	bridges := []string{testBridge}
	records, _ := filepath.Glob(filepath.Join(root, "networks", "*.json"))
	for _, r := range records {
		var n struct{ Name, Bridge string }
		if data, err := os.ReadFile(r); err == nil && json.Unmarshal(data, &n) == nil && n.Bridge != "" {
			bridges = append(bridges, n.Bridge)
			if n.Name != "bridge" {
				out = append(out, "network: "+n.Name)
			}
		}
	}
	for _, br := range bridges {
		ports, _ := filepath.Glob(filepath.Join("/sys/class/net", br, "brif", "*"))
		for _, p := range ports {
			out = append(out, "veth on a bridge: "+p)
		}
	}
	owners, _ := nat.Table{Name: testTable}.Owners()
	for _, o := range owners {
		out = append(out, "port rules of container "+o)
	}
	return out
}
