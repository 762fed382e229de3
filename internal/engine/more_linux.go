package engine

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hull-project/hull/internal/archive"
	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/names"
	"github.com/hull-project/hull/internal/runtime/cgroups"
	"github.com/hull-project/hull/internal/snapshot"
)

// Export writes the container's file system, the image's files with the
// container's changes, as a tar stream.
func (e *Engine) Export(ref string, w io.Writer) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	rootfs := filepath.Join(e.containers.path(c.ID), "rootfs")
	if !c.State.Running {
		// A stopped container's root is not mounted: mount it for the
		// export, in this process, and take it down after.
		mounts, err := e.snapshots.Mounts(c.ID)
		if err != nil {
			return err
		}
		if err := snapshot.Apply(mounts, rootfs); err != nil {
			return fmt.Errorf("mount container root: %w", err)
		}
		defer snapshot.Unmount(rootfs)
	}
	return archive.WriteTree(w, rootfs, archive.WriteOptions{SkipOverlayWhiteouts: true})
}

// Process is one row of `hull top`: a process of the container, with its
// pid inside the container's pid namespace and on the host.
type Process struct {
	HostPid      int
	ContainerPid int
}

// Top lists the container's processes.
func (e *Engine) Top(ref string) ([]Process, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	if !c.State.Running {
		return nil, errdefs.Conflict(fmt.Sprintf("container %s is not running", c.ID))
	}
	rc, err := e.loadRuntime(c)
	if err != nil {
		return nil, err
	}
	pids, err := rc.Processes()
	if err != nil {
		return nil, err
	}
	out := make([]Process, 0, len(pids))
	for _, pid := range pids {
		out = append(out, Process{HostPid: pid, ContainerPid: namespacePid(pid)})
	}
	return out, nil
}

// namespacePid is pid as the innermost pid namespace of the process sees it
// (the last field of NSpid in /proc/<pid>/status).
func namespacePid(pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "NSpid:"); ok {
			fields := strings.Fields(rest)
			n, _ := strconv.Atoi(fields[len(fields)-1])
			return n
		}
	}
	return 0
}

// Rename gives a container a new name.
func (e *Engine) Rename(ref, newName string) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	newName = strings.TrimPrefix(newName, "/")
	if err := names.Valid(newName); err != nil {
		return errdefs.InvalidArgument(err.Error())
	}
	if newName == c.Name {
		return errdefs.InvalidArgument(fmt.Sprintf("Renaming a container with the same name as its current name"))
	}
	if err := e.containers.claimName(newName, c.ID); err != nil {
		return err
	}
	old := c.Name
	if _, err := e.containers.update(c.ID, func(c *Container) error { c.Name = newName; return nil }); err != nil {
		e.containers.releaseName(newName, c.ID)
		return err
	}
	e.containers.releaseName(old, c.ID)
	return nil
}

// Stats is one sample of a running container's usage.
type Stats struct {
	Container *Container
	Read      time.Time
	Cgroup    *cgroups.Stats
	// Networks is each interface's traffic in the container's network
	// namespace, loopback aside.
	Networks map[string]InterfaceIO
}

// Stats samples the container's cgroup.
func (e *Engine) Stats(ref string) (*Stats, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	st := &Stats{Container: c, Read: time.Now()}
	if !c.State.Running {
		return st, nil
	}
	rc, err := e.loadRuntime(c)
	if err != nil {
		return st, nil
	}
	if f, err := os.Open(fmt.Sprintf("/proc/%d/net/dev", c.State.Pid)); err == nil {
		st.Networks = parseNetDev(f)
		f.Close()
	}
	st.Cgroup, err = rc.Stats()
	return st, err
}

// Prune removes every stopped container and returns their ids and the
// space their writable layers held.
func (e *Engine) Prune() ([]string, int64, error) {
	all, err := e.List()
	if err != nil {
		return nil, 0, err
	}
	var removed []string
	var space int64
	for _, c := range all {
		if c.State.Running || c.State.Restarting {
			continue
		}
		size, _ := e.snapshots.Usage(c.ID)
		if err := e.removeContainer(c); err != nil {
			return removed, space, err
		}
		removed = append(removed, c.ID)
		space += size
	}
	return removed, space, nil
}

// Usage is the size of the container's writable layer.
func (e *Engine) Usage(c *Container) int64 {
	n, _ := e.snapshots.Usage(c.ID)
	return n
}

// Pause freezes every process of a running container.
func (e *Engine) Pause(ref string) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	if !c.State.Running || c.State.Paused {
		return errdefs.Conflict(fmt.Sprintf("container %s is not running", c.ID))
	}
	rc, err := e.loadRuntime(c)
	if err != nil {
		return err
	}
	return rc.Pause()
}

// Unpause thaws a paused container.
func (e *Engine) Unpause(ref string) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	if !c.State.Paused {
		return errdefs.Conflict(fmt.Sprintf("container %s is not paused", c.ID))
	}
	rc, err := e.loadRuntime(c)
	if err != nil {
		return err
	}
	return rc.Resume()
}
