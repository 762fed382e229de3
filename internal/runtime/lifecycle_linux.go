package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/runtime/cgroups"
)

// Logf receives warnings the runtime does not fail on (a failing poststart
// or poststop hook, as the spec asks). The CLI points it at its log.
var Logf = func(format string, args ...any) {}

// Debugf receives what --debug shows: each lifecycle step as it happens.
var Debugf = func(format string, args ...any) {}

func notIn(c *Container, status Status, action string) error {
	return errdefs.Conflict(fmt.Sprintf("cannot %s container %s: it is %s", action, c.state.ID, status))
}

// Start releases a created container's init to execute the user's program.
func (c *Container) Start() error {
	status, err := c.Status()
	if err != nil {
		return err
	}
	if status != Created {
		return notIn(c, status, "start")
	}
	if err := c.releaseInit(); err != nil {
		return err
	}
	Debugf("container %s started (init pid %d)", c.state.ID, c.state.InitProcessPid)
	if hooks := c.state.Config.Hooks; hooks != nil {
		state, err := c.OCIState()
		if err == nil {
			if err := runHooks("poststart", hooks.Poststart, state); err != nil {
				Logf("warning: %v", err)
			}
		}
	}
	return nil
}

// releaseInit opens exec.fifo for reading, which unblocks init, and waits
// for its byte. Opening without blocking and polling lets a dead init be
// noticed instead of hanging.
func (c *Container) releaseInit() error {
	path := filepath.Join(c.dir, fifoName)
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec fifo: %w", err)
	}
	defer unix.Close(fd)
	buf := make([]byte, 1)
	for {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		unix.Poll(fds, 100)
		n, err := unix.Read(fd, buf)
		if n == 1 {
			break
		}
		if err != nil && !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("read exec fifo: %w", err)
		}
		if !ProcessAlive(c.state.InitProcessPid, c.state.InitProcessStart) {
			return fmt.Errorf("container %s: init process exited before start", c.state.ID)
		}
	}
	return os.Remove(path)
}

// Kill sends sig to the container's init, or with all to every process in
// its cgroup.
func (c *Container) Kill(sig unix.Signal, all bool) error {
	status, err := c.Status()
	if err != nil {
		return err
	}
	if all {
		cg, err := c.cgroup()
		if err != nil {
			return err
		}
		return signalAll(cg, sig)
	}
	if status == Stopped {
		return errdefs.Conflict(fmt.Sprintf("container %s is not running", c.state.ID))
	}
	return c.signalInit(sig)
}

// signalAll signals every process in the cgroup. For SIGKILL the cgroup is
// frozen first so no process can fork a survivor between listing and killing.
func signalAll(cg cgroups.Manager, sig unix.Signal) error {
	if sig == unix.SIGKILL {
		if err := cg.Freeze(); err == nil {
			defer cg.Thaw()
		}
	}
	pids, err := cg.Pids()
	if err != nil {
		return err
	}
	for _, pid := range pids {
		if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("signal %d: %w", pid, err)
		}
	}
	return nil
}

func killAll(cg cgroups.Manager) {
	if pids, err := cg.Pids(); err != nil || len(pids) == 0 {
		return // nothing left to freeze and kill: the common case on delete
	}
	signalAll(cg, unix.SIGKILL)
	for i := 0; i < 200; i++ {
		if pids, err := cg.Pids(); err != nil || len(pids) == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Delete removes a stopped container, or with force any container, after
// killing it. A created container is deleted as runc does: its init waits
// for a start that will never come.
func (c *Container) Delete(force bool) error {
	status, err := c.Status()
	if err != nil {
		return err
	}
	switch status {
	case Stopped:
	case Created:
		c.signalInit(unix.SIGKILL)
	default:
		if !force {
			return errdefs.Conflict(fmt.Sprintf("cannot delete container %s that is not stopped: %s (stop it first, or use --force)", c.state.ID, status))
		}
		c.signalInit(unix.SIGKILL)
		if status == Paused {
			if cg, err := c.cgroup(); err == nil {
				cg.Thaw()
			}
		}
	}
	if err := c.waitGone(10 * time.Second); err != nil {
		return err
	}
	Debugf("deleting container %s (was %s)", c.state.ID, status)
	return c.destroy()
}

// destroy releases everything the container held; every step runs even if
// an earlier one failed, and poststop hooks run last.
func (c *Container) destroy() error {
	var errs []error
	if cg, err := c.cgroup(); err == nil {
		// Without a pid namespace of its own, the init's death does not
		// end the other processes.
		killAll(cg)
		if err := cg.Destroy(); err != nil {
			errs = append(errs, err)
		}
	} else {
		errs = append(errs, err)
	}
	if err := os.RemoveAll(c.dir); err != nil {
		errs = append(errs, err)
	}
	if hooks := c.state.Config.Hooks; hooks != nil {
		state := &specs.State{Version: specs.Version, ID: c.state.ID, Status: specs.StateStopped, Bundle: c.state.Bundle, Annotations: c.state.Config.Annotations}
		if err := runHooks("poststop", hooks.Poststop, state); err != nil {
			Logf("warning: %v", err)
		}
	}
	return errors.Join(errs...)
}

// Pause freezes every process of a running container.
func (c *Container) Pause() error {
	status, err := c.Status()
	if err != nil {
		return err
	}
	if status != Running && status != Created {
		return notIn(c, status, "pause")
	}
	cg, err := c.cgroup()
	if err != nil {
		return err
	}
	return cg.Freeze()
}

// Resume thaws a paused container.
func (c *Container) Resume() error {
	status, err := c.Status()
	if err != nil {
		return err
	}
	if status != Paused {
		return notIn(c, status, "resume")
	}
	cg, err := c.cgroup()
	if err != nil {
		return err
	}
	return cg.Thaw()
}

// Update changes a live container's resource limits and records them.
func (c *Container) Update(r *specs.LinuxResources) error {
	status, err := c.Status()
	if err != nil {
		return err
	}
	if status == Stopped {
		return notIn(c, status, "update")
	}
	cg, err := c.cgroup()
	if err != nil {
		return err
	}
	if err := cg.Set(r); err != nil {
		return fmt.Errorf("update container %s: %w", c.state.ID, err)
	}
	c.state.Config.Linux.Resources = mergeResources(c.state.Config.Linux.Resources, r)
	return saveState(c.dir, c.state)
}

// Processes lists the host pids of every process in the container.
func (c *Container) Processes() ([]int, error) {
	cg, err := c.cgroup()
	if err != nil {
		return nil, err
	}
	return cg.Pids()
}

// Stats reads the container's cgroup usage.
func (c *Container) Stats() (*cgroups.Stats, error) {
	cg, err := c.cgroup()
	if err != nil {
		return nil, err
	}
	return cg.Stats()
}

// OOMKillCount is how many of the container's processes the OOM killer ended.
func (c *Container) OOMKillCount() (uint64, error) {
	cg, err := c.cgroup()
	if err != nil {
		return 0, err
	}
	return cg.OOMKillCount()
}
