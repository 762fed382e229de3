package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStateLifecycle(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.spec.Annotations = map[string]string{"org.hull.test": "yes"}
	c.writeSpec()
	before := time.Now().Add(-time.Second)
	c.create()

	s := getState(t, c.id)
	if s.ID != c.id || s.Status != "created" || s.Pid <= 0 || s.Bundle != c.bundle || s.OCIVersion == "" {
		t.Fatalf("state after create = %+v", s)
	}
	if s.Annotations["org.hull.test"] != "yes" {
		t.Errorf("annotations = %v, want org.hull.test=yes", s.Annotations)
	}
	if !s.Created.IsZero() && s.Created.Before(before) {
		t.Errorf("created = %v, before the test started", s.Created)
	}
	c.start()
	waitForState(t, c.id, "running")
	mustRun(t, "kill", c.id, "KILL")
	if s := waitForState(t, c.id, "stopped"); s.Pid != 0 && processAlive(s.Pid) {
		t.Errorf("stopped container's pid %d is alive", s.Pid)
	}
}

func TestStateUnknown(t *testing.T) {
	e := setup(t)
	r := mustFail(t, "state", e.newID())
	if r.stderr == "" {
		t.Errorf("no error message:\n%s", r)
	}
}

// runcStateFile is the part of <root>/<id>/state.json the test checks.
type runcStateFile struct {
	ID               string            `json:"id"`
	InitProcessPid   int               `json:"init_process_pid"`
	InitProcessStart uint64            `json:"init_process_start"`
	Created          time.Time         `json:"created"`
	NamespacePaths   map[string]string `json:"namespace_paths"`
	CgroupPaths      map[string]string `json:"cgroup_paths"`
	Config           json.RawMessage   `json:"config"`
}

// TestStateFile checks hull's state.json has the shape runc's has. It also
// runs against runc, whose file is the model.
func TestStateFile(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	c.create()
	pid := c.pid()

	data, err := os.ReadFile(filepath.Join(stateRoot, c.id, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f runcStateFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("state.json: %v\n%s", err, data)
	}
	if f.ID != c.id || f.InitProcessPid != pid || f.Created.IsZero() || len(f.Config) < 10 {
		t.Fatalf("state.json: id %q, init_process_pid %d (want %d), created %v, config %d bytes",
			f.ID, f.InitProcessPid, pid, f.Created, len(f.Config))
	}
	if start := processStartTime(t, pid); f.InitProcessStart != start {
		t.Errorf("init_process_start = %d, /proc/%d/stat says %d", f.InitProcessStart, pid, start)
	}
	checkNamespacePaths(t, f.NamespacePaths, pid)
	if len(f.CgroupPaths) == 0 {
		t.Errorf("state.json has no cgroup_paths")
	}
	for ctrl, dir := range f.CgroupPaths {
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("cgroup_paths[%q] = %s: %v", ctrl, dir, err)
		}
	}
}

// checkNamespacePaths compares each NEW* path with the init's namespaces.
func checkNamespacePaths(t *testing.T, paths map[string]string, pid int) {
	t.Helper()
	kinds := map[string]string{"NEWPID": "pid", "NEWNS": "mnt", "NEWNET": "net", "NEWUTS": "uts",
		"NEWIPC": "ipc", "NEWUSER": "user", "NEWCGROUP": "cgroup"}
	for key, ns := range kinds {
		p, ok := paths[key]
		if !ok {
			t.Errorf("namespace_paths lacks %s: %v", key, paths)
			continue
		}
		want, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, ns))
		if got, err := os.Readlink(p); err != nil || got != want {
			t.Errorf("namespace_paths[%s] = %s -> %q (%v), want %q", key, p, got, err, want)
		}
	}
}

// processStartTime is field 22 of /proc/<pid>/stat, in clock ticks.
func processStartTime(t *testing.T, pid int) uint64 {
	t.Helper()
	stat := readFile(t, fmt.Sprintf("/proc/%d/stat", pid))
	fields := strings.Fields(stat[strings.LastIndexByte(stat, ')')+1:])
	var start uint64
	fmt.Sscan(fields[19], &start)
	return start
}
