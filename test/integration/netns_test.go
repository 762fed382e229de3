package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// newNetns makes a named network namespace holding a bridge link
// "hulltestbr0" (the dummy driver is not in every kernel); a cleanup
// deletes it.
func (e *env) newNetns() string {
	e.t.Helper()
	e.mu.Lock()
	name := fmt.Sprintf("%s%d", netnsPrefix(), len(e.netns)+e.nextID*100)
	e.netns = append(e.netns, name)
	e.mu.Unlock()
	ip(e.t, "netns", "add", name)
	e.t.Cleanup(func() { ip(e.t, "netns", "delete", name) })
	ip(e.t, "-n", name, "link", "add", "hulltestbr0", "type", "bridge")
	return name
}

// ip runs the host's ip(8) and fails the test if it fails.
func ip(t testing.TB, args ...string) string {
	t.Helper()
	return mustHost(t, "ip", args...)
}

// hostCmd runs a host command (not the runtime) and returns its result.
func hostCmd(t testing.TB, name string, args ...string) result {
	t.Helper()
	return runCmd(t, exec.Command(name, args...))
}

// mustHost runs a host command and fails the test unless it exits 0.
func mustHost(t testing.TB, name string, args ...string) string {
	t.Helper()
	r := hostCmd(t, name, args...)
	if r.code != 0 {
		t.Fatalf("%s %s: exit code %d\n%s%s", name, strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// setNamespace replaces (or adds) the namespace of type typ.
func (c *container) setNamespace(typ specs.LinuxNamespaceType, path string) {
	c.removeNamespace(typ)
	c.spec.Linux.Namespaces = append(c.spec.Linux.Namespaces, specs.LinuxNamespace{Type: typ, Path: path})
	c.writeSpec()
}

func (c *container) removeNamespace(typ specs.LinuxNamespaceType) {
	var kept []specs.LinuxNamespace
	for _, ns := range c.spec.Linux.Namespaces {
		if ns.Type != typ {
			kept = append(kept, ns)
		}
	}
	c.spec.Linux.Namespaces = kept
	c.writeSpec()
}

func TestNetnsJoinByPath(t *testing.T) {
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip(8) not installed (apt-get install iproute2)")
	}
	e := setup(t)
	ns := e.newNetns()
	nsPath := filepath.Join("/run/netns", ns)
	c := e.newContainer("sh", "-c", "cat /proc/net/dev; readlink /proc/self/ns/net")
	c.setNamespace(specs.NetworkNamespace, nsPath)
	out := c.output()
	if !strings.Contains(out, "hulltestbr0") {
		t.Errorf("the container does not see the bridge link hulltestbr0 of %s:\n%s", ns, out)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(nsPath, &st); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("net:[%d]", st.Ino); !strings.Contains(out, want) {
		t.Errorf("the container's network namespace is not %s (%s):\n%s", ns, want, out)
	}
}

func TestNetnsNewHasOnlyLoopback(t *testing.T) {
	e := setup(t)
	c := e.newContainer("cat", "/proc/net/dev")
	var links []string
	for _, l := range lines(c.output())[2:] {
		name, _, _ := strings.Cut(l, ":")
		links = append(links, strings.TrimSpace(name))
	}
	if strings.Join(links, ",") != "lo" {
		t.Fatalf("links in a new network namespace = %v, want only lo", links)
	}
}

// TestNetnsHost: without a network namespace the container sees the host's.
func TestNetnsHost(t *testing.T) {
	e := setup(t)
	c := e.newContainer("readlink", "/proc/self/ns/net")
	c.removeNamespace(specs.NetworkNamespace)
	host, _ := os.Readlink("/proc/self/ns/net")
	if out := strings.TrimSpace(c.output()); out != host {
		t.Fatalf("network namespace %q, want the host's %q", out, host)
	}
}
