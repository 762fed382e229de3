package integration

import (
	"fmt"
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// nsFiles maps each OCI namespace type to its /proc/<pid>/ns name.
var nsFiles = map[specs.LinuxNamespaceType]string{
	specs.PIDNamespace: "pid", specs.NetworkNamespace: "net", specs.MountNamespace: "mnt",
	specs.IPCNamespace: "ipc", specs.UTSNamespace: "uts", specs.UserNamespace: "user",
	specs.CgroupNamespace: "cgroup", specs.TimeNamespace: "time",
}

// TestNamespacesNew: each namespace type asked for is new; the default
// spec's set plus user and time makes all eight.
func TestNamespacesNew(t *testing.T) {
	skipIfRunc(t, "runc 1.1 has no time namespace (runc 1.2 added it)")
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.userns()
	c.spec.Linux.Namespaces = append(c.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
	c.writeSpec()
	c.runDetached()
	checkNamespaces(t, c.pid(), nsFiles)
}

// TestNamespacesNewWithoutTime is TestNamespacesNew without the time
// namespace, which runc 1.1 lacks.
func TestNamespacesNewWithoutTime(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.userns()
	c.runDetached()
	kinds := map[specs.LinuxNamespaceType]string{}
	for k, v := range nsFiles {
		if k != specs.TimeNamespace {
			kinds[k] = v
		}
	}
	checkNamespaces(t, c.pid(), kinds)
}

// checkNamespaces fails unless pid's namespaces of each kind differ from ours.
func checkNamespaces(t *testing.T, pid int, kinds map[specs.LinuxNamespaceType]string) {
	t.Helper()
	for typ, file := range kinds {
		got := readLink(t, fmt.Sprintf("/proc/%d/ns/%s", pid, file))
		if got == hostNS(t, file) {
			t.Errorf("%s namespace is the host's (%s)", typ, got)
		}
	}
}

func TestNamespacePidIsOne(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "echo $$; ps -o pid,comm")
	got := lines(c.output())
	if len(got) < 2 || got[0] != "1" {
		t.Fatalf("output = %q, want pid 1", got)
	}
	if len(got) > 4 { // $$, header, sh, ps
		t.Fatalf("the container sees processes besides its own:\n%s", strings.Join(got, "\n"))
	}
}

// TestNamespaceJoinOtherContainer joins a running container's pid, ipc and
// uts namespaces by path.
func TestNamespaceJoinOtherContainer(t *testing.T) {
	e := setup(t)
	a := e.newContainer("sleep", "100")
	a.spec.Hostname = "first"
	a.writeSpec()
	a.runDetached()
	pid := a.pid()
	b := e.newContainer("sh", "-c", "hostname; ps -o comm")
	for _, typ := range []specs.LinuxNamespaceType{specs.PIDNamespace, specs.IPCNamespace, specs.UTSNamespace} {
		b.setNamespace(typ, fmt.Sprintf("/proc/%d/ns/%s", pid, nsFiles[typ]))
	}
	b.spec.Hostname = "" // the joined uts namespace keeps its name
	b.writeSpec()
	out := b.output()
	if got := lines(out); len(got) == 0 || got[0] != "first" || !strings.Contains(out, "sleep") {
		t.Fatalf("joined container output:\n%s\nwant hostname first and the other's sleep", out)
	}
}

// TestTimeNamespace: timeOffsets shift the monotonic and boottime clocks.
func TestTimeNamespace(t *testing.T) {
	skipIfRunc(t, "runc 1.1 has no time namespace (runc 1.2 added it)")
	e := setup(t)
	c := e.newContainer("sh", "-c", "cat /proc/self/timens_offsets; cut -d. -f1 /proc/uptime")
	c.spec.Linux.Namespaces = append(c.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
	c.spec.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{
		"monotonic": {Secs: 864000},
		"boottime":  {Secs: 864000},
	}
	c.writeSpec()
	out := c.output()
	if !strings.Contains(out, "monotonic") || !strings.Contains(out, "864000") {
		t.Fatalf("timens_offsets lack the monotonic offset:\n%s", out)
	}
	got := lines(out)
	if uptime := atoi(t, got[len(got)-1]); uptime < 864000 {
		t.Fatalf("uptime %d inside, want at least the 864000s boottime offset", uptime)
	}
}

func readLink(t *testing.T, p string) string {
	t.Helper()
	s, err := os.Readlink(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
