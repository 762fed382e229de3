package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/runtime"
	"github.com/hull-project/hull/internal/snapshot"
)

// Get returns a container's record, its status brought up to date.
func (e *Engine) Get(ref string) (*Container, error) {
	id, err := e.containers.resolve(ref)
	if err != nil {
		return nil, err
	}
	c, err := e.containers.read(id)
	if err != nil {
		return nil, err
	}
	if c = e.refresh(c); c == nil {
		return nil, errdefs.NotFound("No such container: " + ref)
	}
	return c, nil
}

// List returns all containers, newest first, with statuses brought up to date.
func (e *Engine) List() ([]*Container, error) {
	all, err := e.containers.list()
	if err != nil {
		return nil, err
	}
	e.net.Collect()
	// What a crashed removal left is deleted by the next look.
	e.containers.sweepTrash()
	e.snapshots.SweepTrash()
	live := all[:0]
	for _, c := range all {
		if c = e.refresh(c); c != nil {
			live = append(live, c)
		}
	}
	return live, nil
}

// refresh checks a running record against the kernel: if its monitor died
// and the process with it, the container is recorded as exited and its
// leftovers released, or, a --rm container, removed (refresh returns nil);
// if the process lives on, it is still running.
func (e *Engine) refresh(c *Container) *Container {
	if !c.State.Running || runtime.ProcessAlive(c.MonitorPid, c.MonitorStart) {
		if c.State.Running && e.isPaused(c) {
			c.State.Status, c.State.Paused = StatusPaused, true
		}
		return c
	}
	if rc, err := e.loadRuntime(c); err == nil {
		if st, _ := rc.Status(); st != "stopped" {
			return c // unmonitored but alive: say so honestly, as running
		}
		rc.Delete(true)
	}
	e.detachNetwork(c.ID)
	snapshot.Unmount(filepath.Join(e.containers.path(c.ID), "rootfs"))
	updated, err := e.containers.update(c.ID, func(c *Container) error {
		if !c.State.Running || runtime.ProcessAlive(c.MonitorPid, c.MonitorStart) {
			return nil
		}
		c.State.Status, c.State.Running, c.State.Pid = StatusExited, false, 0
		c.State.ExitCode = 255
		c.State.Error = "the container's monitor exited unexpectedly"
		forgetSandbox(c)
		c.State.FinishedAt = time.Now().UTC()
		c.MonitorPid, c.MonitorStart = 0, 0
		return nil
	})
	if err != nil {
		return c
	}
	if updated.Host.AutoRemove && !updated.State.Running {
		// As dockerd does at its start for --rm containers it finds ended.
		if err := e.removeContainer(updated); err == nil {
			return nil
		}
	}
	return updated
}

func (e *Engine) isPaused(c *Container) bool {
	rc, err := e.loadRuntime(c)
	if err != nil {
		return false
	}
	st, _ := rc.Status()
	return st == "paused"
}

// LogPath is where the container's json-file log is.
func (e *Engine) LogPath(c *Container) string {
	return filepath.Join(e.containers.path(c.ID), c.ID+"-json.log")
}

// RuntimeInfo is what hull shows beyond docker: the container as a
// process — its host pid, the runtime's state file, its namespaces.
type RuntimeInfo struct {
	HostPid     int               `json:"HostPid"`
	MonitorPid  int               `json:"MonitorPid"`
	StateFile   string            `json:"StateFile"`
	Namespaces  map[string]string `json:"Namespaces"`
	CgroupPaths map[string]string `json:"CgroupPaths"`
	NetNS       string            `json:"-"`
}

// RuntimeInfo reads the runtime's state of a running container.
func (e *Engine) RuntimeInfo(c *Container) RuntimeInfo {
	info := RuntimeInfo{Namespaces: map[string]string{}}
	rc, err := e.loadRuntime(c)
	if err != nil || !c.State.Running {
		return info
	}
	// hull's runtime and runc write the same state.json keys.
	var st struct {
		CgroupPaths    map[string]string `json:"cgroup_paths"`
		NamespacePaths map[string]string `json:"namespace_paths"`
	}
	if data, err := os.ReadFile(rc.StateFile()); err == nil {
		json.Unmarshal(data, &st)
	}
	info.HostPid, info.StateFile, info.CgroupPaths = rc.Pid(), rc.StateFile(), st.CgroupPaths
	info.MonitorPid = c.MonitorPid
	for key, path := range st.NamespacePaths {
		if link, err := os.Readlink(path); err == nil {
			info.Namespaces[key] = link
		}
	}
	info.NetNS = st.NamespacePaths["NEWNET"]
	return info
}

// GraphDriverData names the overlay directories of a container's root, as
// docker's overlay2 GraphDriver.Data does.
func (e *Engine) GraphDriverData(c *Container) map[string]string {
	var lower []string
	for i := len(c.Layers) - 1; i >= 0; i-- {
		lower = append(lower, e.snapshots.LayerDir(c.Layers[i]))
	}
	return map[string]string{
		"LowerDir":  strings.Join(lower, ":"),
		"UpperDir":  e.snapshots.UpperDir(c.ID),
		"MergedDir": filepath.Join(e.containers.path(c.ID), "rootfs"),
		"WorkDir":   filepath.Join(filepath.Dir(e.snapshots.UpperDir(c.ID)), "work"),
	}
}
