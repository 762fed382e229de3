package walkthrough

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestNs checks hull ns: a container's own namespaces and the ones it
// shares with the host (--network host shares net), its host pid, and the
// JSON that scripts read.
func TestNs(t *testing.T) {
	requireSetup(t)
	ref := image(t, "busybox")
	for _, tc := range []struct {
		name   string
		args   []string
		own    []string
		shared []string
	}{
		{"default", nil, []string{"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "uts"}, []string{"user", "time"}},
		{"network_host", []string{"--network", "host"}, []string{"cgroup", "ipc", "mnt", "pid", "uts"}, []string{"net", "user", "time"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"run", "-d"}, tc.args...), ref, "sleep", "600")
			id := hullOut(t, args...)
			removeOnCleanup(t, id)
			pid := hullOut(t, "inspect", "-f", "{{.State.Pid}}", id)
			stateFile := hullOut(t, "inspect", "-f", "{{.Hull.StateFile}}", id)

			out := hullOut(t, "ns", "--json", id)
			var v struct {
				ID         string `json:"Id"`
				HostPid    int
				StateFile  string
				Reference  string
				Namespaces []struct {
					Type, Container, Host     string
					ContainerInode, HostInode uint64
					Shared                    bool
				}
				Cgroups []struct {
					Hierarchy   int
					Controllers []string
					Path        string
				}
				RootFS struct {
					Type      string
					MergedDir string
					LowerDirs []string
					UpperDir  string
					WorkDir   string
				}
			}
			if err := json.Unmarshal([]byte(out), &v); err != nil {
				t.Fatalf("hull ns --json: %v\n%s", err, out)
			}
			if v.ID != id || strconv.Itoa(v.HostPid) != pid || v.StateFile != stateFile {
				t.Errorf("hull ns: id %s pid %d state %s; hull inspect: %s %s %s", v.ID, v.HostPid, v.StateFile, id, pid, stateFile)
			}
			got := map[string]bool{}
			for _, n := range v.Namespaces {
				got[n.Type] = n.Shared
				link, err := os.Readlink("/proc/" + pid + "/ns/" + n.Type)
				if err != nil || link != n.Container {
					t.Errorf("%s: hull ns says %s, /proc/%s/ns/%s is %s (%v)", n.Type, n.Container, pid, n.Type, link, err)
				}
				ref, err := os.Readlink(v.Reference + "/ns/" + n.Type)
				if v.Reference == "/proc/1" && (err != nil || ref != n.Host) {
					t.Errorf("%s: hull ns says the host's is %s, /proc/1/ns/%s is %s (%v)", n.Type, n.Host, n.Type, ref, err)
				}
				if n.Shared != (n.ContainerInode == n.HostInode) {
					t.Errorf("%s: shared=%v with inodes %d and %d", n.Type, n.Shared, n.ContainerInode, n.HostInode)
				}
			}
			for _, typ := range tc.own {
				if shared, ok := got[typ]; !ok || shared {
					t.Errorf("%s: want the container's own, hull ns says present=%v shared=%v", typ, ok, shared)
				}
			}
			for _, typ := range tc.shared {
				if shared, ok := got[typ]; !ok || !shared {
					t.Errorf("%s: want shared with the host, hull ns says present=%v shared=%v", typ, ok, shared)
				}
			}
			procCgroup, _ := os.ReadFile("/proc/" + pid + "/cgroup")
			if len(v.Cgroups) == 0 || len(v.Cgroups) != strings.Count(string(procCgroup), "\n") {
				t.Errorf("hull ns cgroups %+v, /proc/%s/cgroup:\n%s", v.Cgroups, pid, procCgroup)
			}
			for _, c := range v.Cgroups {
				if !strings.Contains(c.Path, id) {
					t.Errorf("cgroup %+v does not name the container", c)
				}
			}
			if v.RootFS.Type != "overlay" || len(v.RootFS.LowerDirs) == 0 || !strings.HasPrefix(v.RootFS.UpperDir, root+"/") || !strings.HasPrefix(v.RootFS.MergedDir, root+"/") {
				t.Errorf("hull ns root fs: %+v", v.RootFS)
			}
			for _, d := range append(v.RootFS.LowerDirs, v.RootFS.UpperDir, v.RootFS.WorkDir) {
				if _, err := os.Stat(d); err != nil {
					t.Errorf("root fs dir: %v", err)
				}
			}

			text := hullOut(t, "ns", id)
			for _, typ := range tc.shared {
				if !regexp.MustCompile(`(?m)^` + typ + `\s+\S+\s+\S+\s+shared$`).MatchString(text) {
					t.Errorf("hull ns does not mark %s shared:\n%s", typ, text)
				}
			}
			for _, typ := range tc.own {
				if !regexp.MustCompile(`(?m)^` + typ + `\s+\S+\s+\S+\s+own$`).MatchString(text) {
					t.Errorf("hull ns does not mark %s own:\n%s", typ, text)
				}
			}
		})
	}

	t.Run("not_running", func(t *testing.T) {
		id := hullOut(t, "create", ref, "true")
		removeOnCleanup(t, id)
		out, err := hullCmd("ns", id).CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 125 || !strings.Contains(string(out), "is not running") {
			t.Fatalf("hull ns of a created container: %v\n%s", err, out)
		}
		if out, err := hullCmd("ns", "no-such-container").CombinedOutput(); err == nil || !strings.Contains(string(out), "No such container") {
			t.Fatalf("hull ns of no container: %v\n%s", err, out)
		}
	})
}
