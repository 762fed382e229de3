package integration

import (
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// userns gives c a new user namespace mapping container ids 0-65535 to
// host ids 100000-165535. The busybox rootfs stays owned by host root and
// world-readable, so the mapped root can still run it.
func (c *container) userns() {
	c.spec.Linux.Namespaces = append(c.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	c.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	c.spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	c.writeSpec()
}

func TestUsernsMappings(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g")
	c.userns()
	got := lines(c.output())
	want := []string{"0 100000 65536", "0 100000 65536", "0", "0"}
	if len(got) != 4 {
		t.Fatalf("output = %q", got)
	}
	for i := range want {
		if strings.Join(strings.Fields(got[i]), " ") != want[i] {
			t.Errorf("line %d = %q, want %q", i, got[i], want[i])
		}
	}
}

// TestUsernsHostIDs: the container's root is host uid 100000.
func TestUsernsHostIDs(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.userns()
	c.runDetached()
	status := readFile(t, "/proc/"+strconv.Itoa(c.pid())+"/status")
	if uid := strings.Fields(statusField(t, status, "Uid")); len(uid) == 0 || uid[0] != "100000" {
		t.Fatalf("host sees the container's root as uid %v, want 100000", uid)
	}
	if ns := c.mustExec("readlink", "/proc/self/ns/user"); strings.TrimSpace(ns) == hostNS(t, "user") {
		t.Fatalf("exec did not join the container's user namespace")
	}
}

// TestUsernsMappedRootCannotTouchHostFiles: a file owned by host root in a
// writable bind mount is read-only to the container's mapped root.
func TestUsernsMappedRootIsUnprivileged(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "echo x > /data/owned-by-host-root && echo wrote")
	dir := c.bindDir("/data")
	writeFile(t, dir+"/owned-by-host-root", "host\n")
	c.userns()
	out, _, _ := c.runForeground()
	if strings.Contains(out, "wrote") || readFile(t, dir+"/owned-by-host-root") != "host\n" {
		t.Fatalf("the mapped root overwrote a host root file")
	}
}
