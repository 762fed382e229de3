package engine

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/phase"
	"github.com/hull-project/hull/internal/runtime"
	"github.com/hull-project/hull/internal/snapshot"
)

// StartError is a container that could not start; Code is the exit status
// docker gives for it (125, or 126/127 for a command that cannot run).
type StartError struct {
	Message string
	Code    int
}

func (e *StartError) Error() string { return e.Message }

// Start hands the container to a new monitor and returns once its process
// runs. With waitAttach the monitor holds the process until the first
// client attaches, so that no output is missed.
func (e *Engine) Start(ref string, waitAttach bool) (*Container, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	if err := e.start(c, waitAttach); err != nil {
		return nil, err
	}
	// A --rm container may have run, exited and been removed already.
	if now, err := e.containers.read(c.ID); err == nil {
		return now, nil
	}
	return c, nil
}

// start is Start for a container its caller has just looked up.
func (e *Engine) start(c *Container, waitAttach bool) error {
	if c.State.Running {
		return nil
	}
	if c.State.StoppedByUser {
		if _, err := e.containers.update(c.ID, func(c *Container) error {
			c.State.StoppedByUser = false
			return nil
		}); err != nil {
			return err
		}
	}
	return e.spawnMonitor(c.ID, waitAttach)
}

// awaitArg stands for the container id of a monitor started ahead.
const awaitArg = "--await"

// warmMonitor is a monitor process started before its container exists.
type warmMonitor struct {
	ready *os.File // read end: "ok" or a start report
	await *os.File // write end: "ID [--wait-attach]"
}

// warm is a monitor started ahead for the next Start in this process.
var warm struct {
	sync.Mutex
	m *warmMonitor
}

// WarmMonitor starts the next container's monitor now, unless one waits
// already, so that its start up runs while the container is created:
// `hull run` calls it before it even reads its command line. The next
// Start in this process uses it; if none comes, it exits unused when this
// process does.
func WarmMonitor() {
	warm.Lock()
	defer warm.Unlock()
	if warm.m == nil {
		warm.m = startWarmMonitor()
	}
}

func takeWarmMonitor() *warmMonitor {
	warm.Lock()
	defer warm.Unlock()
	m := warm.m
	warm.m = nil
	return m
}

// startWarmMonitor starts a monitor that awaits its container, or returns
// nil if it cannot (Start then starts one the usual way).
func startWarmMonitor() *warmMonitor {
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return nil
	}
	awaitR, awaitW, err := os.Pipe()
	if err != nil {
		readyR.Close()
		readyW.Close()
		return nil
	}
	err = startMonitorProcess([]string{MonitorArg, awaitArg}, readyW, awaitR)
	readyW.Close()
	awaitR.Close()
	if err != nil {
		readyR.Close()
		awaitW.Close()
		return nil
	}
	return &warmMonitor{ready: readyR, await: awaitW}
}

func startMonitorProcess(args []string, files ...*os.File) error {
	cmd := exec.Command("/proc/self/exe", args...)
	cmd.Args[0] = "hull-monitor"
	cmd.ExtraFiles = files
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1", "GOGC=50")
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start container monitor: %w", err)
	}
	go cmd.Wait() // reap it if this process outlives it (the API server)
	return nil
}

func (e *Engine) spawnMonitor(id string, waitAttach bool) error {
	mode := ""
	if waitAttach {
		mode = " --wait-attach"
	}
	var readyR *os.File
	if w := takeWarmMonitor(); w != nil {
		phase.Mark("start: monitor told")
		_, err := fmt.Fprintf(w.await, "%s\n%s%s\n", e.root, id, mode)
		w.await.Close()
		if err != nil {
			w.ready.Close()
			return fmt.Errorf("hand container %s to its monitor: %w", id, err)
		}
		readyR = w.ready
	} else {
		r, readyW, err := os.Pipe()
		if err != nil {
			return err
		}
		readyR = r
		err = startMonitorProcess(append([]string{MonitorArg, e.root}, strings.Fields(id+mode)...), readyW)
		readyW.Close()
		if err != nil {
			readyR.Close()
			return err
		}
	}
	defer readyR.Close()
	line, err := bufio.NewReader(readyR).ReadString('\n')
	if err != nil {
		return fmt.Errorf("container monitor exited before the container started; see %s", filepath.Join(e.containers.path(id), "monitor.log"))
	}
	if line == "ok\n" {
		return nil
	}
	var report startReport
	if json.Unmarshal([]byte(line), &report) != nil {
		return fmt.Errorf("container monitor: %s", strings.TrimSpace(line))
	}
	return &StartError{Message: report.Error, Code: report.Code}
}

// Attach connects to a running container's monitor.
func (e *Engine) Attach(ref string, opts AttachOptions) (*Attachment, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	return dialAttach(filepath.Join(e.containers.path(c.ID), "attach.sock"), opts)
}

// Wait blocks until the container is not running and returns how it ended.
// A --rm container's status still arrives after its record is gone.
func (e *Engine) Wait(ref string) (ExitStatus, error) {
	c, err := e.Get(ref)
	if err != nil {
		return ExitStatus{}, err
	}
	if c.State.Running || c.State.Restarting {
		a, err := dialAttach(filepath.Join(e.containers.path(c.ID), "attach.sock"), AttachOptions{Wait: true})
		if err == nil {
			defer a.Close()
			if st, err := a.ReadExit(); err == nil {
				return st, nil
			}
		}
		// No word from the monitor (it was between its two binaries, or
		// gone): the record decides, once it no longer says running.
		e.waitStopped(c.ID, 24*time.Hour)
		if c, err = e.Get(c.ID); err != nil {
			return ExitStatus{}, err
		}
	}
	return ExitStatus{ExitCode: c.State.ExitCode, OOMKilled: c.State.OOMKilled, Error: c.State.Error}, nil
}

// Kill sends sig to the container's main process.
func (e *Engine) Kill(ref string, sig unix.Signal) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	if !c.State.Running {
		return errdefs.Conflict(fmt.Sprintf("container %s is not running", c.ID))
	}
	if _, err := e.containers.update(c.ID, func(c *Container) error {
		c.State.StoppedByUser = true
		return nil
	}); err != nil {
		return err
	}
	rc, err := e.loadRuntime(c)
	if err != nil {
		return err
	}
	if st, _ := rc.Status(); st == "paused" && sig == unix.SIGKILL {
		defer rc.Resume()
	}
	return rc.Kill(sig, false)
}

// Stop sends the stop signal, waits up to timeout, then kills.
func (e *Engine) Stop(ref string, timeout *int) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	if !c.State.Running {
		return nil
	}
	secs := 10
	if c.Config.StopTimeout != nil {
		secs = *c.Config.StopTimeout
	}
	if timeout != nil {
		secs = *timeout
	}
	sig := unix.SIGTERM
	if s := c.Config.StopSignal; s != "" {
		if parsed, err := ParseSignal(s); err == nil {
			sig = parsed
		}
	}
	if err := e.Kill(c.ID, sig); err != nil && !errors.Is(err, errdefs.ErrConflict) {
		return err
	}
	if secs >= 0 && e.waitStopped(c.ID, time.Duration(secs)*time.Second) {
		return nil
	}
	if err := e.Kill(c.ID, unix.SIGKILL); err != nil && !errors.Is(err, errdefs.ErrConflict) {
		return err
	}
	e.waitStopped(c.ID, 30*time.Second)
	return nil
}

// waitStopped polls until the monitor has recorded the exit.
func (e *Engine) waitStopped(id string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		c, err := e.Get(id)
		if err != nil || !c.State.Running {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Remove deletes a container; a running one only with force. With
// volumes, the anonymous volumes made for it go too.
func (e *Engine) Remove(ref string, force, volumes bool) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	if c.State.Running {
		if !force {
			return errdefs.Conflict(fmt.Sprintf("cannot remove container \"/%s\": container is running: stop the container before removing or force remove", c.Name))
		}
		e.containers.update(c.ID, func(c *Container) error { c.Host.AutoRemove = false; return nil })
		if err := e.Kill(c.ID, unix.SIGKILL); err != nil && !errors.Is(err, errdefs.ErrConflict) {
			return err
		}
		e.waitMonitorGone(c.ID, 30*time.Second)
		if c, err = e.containers.read(c.ID); err != nil {
			return nil // removed meanwhile
		}
	}
	if err := e.removeContainer(c); err != nil {
		return err
	}
	if volumes {
		for _, v := range c.Anonymous {
			if err := e.RemoveVolume(v); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *Engine) waitMonitorGone(id string, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c, err := e.containers.read(id)
		if err != nil || !runtime.ProcessAlive(c.MonitorPid, c.MonitorStart) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// removeContainer releases everything a stopped container holds.
func (e *Engine) removeContainer(c *Container) error {
	deleteFiles, err := e.dismantle(c)
	return errors.Join(err, deleteFiles())
}

// dismantle is removeContainer but for deleting the files: when it returns
// the container is gone (its runtime state, network, mounts, name and
// record), and the returned function deletes its files, which are out of
// sight already. The monitor of a `run --rm` answers its waiter between
// the two.
func (e *Engine) dismantle(c *Container) (deleteFiles func() error, err error) {
	var errs []error
	if rc, err := e.loadRuntime(c); err == nil {
		errs = append(errs, rc.Delete(true))
	}
	errs = append(errs, e.detachNetwork(c.ID))
	hide := e.snapshots.Hide
	if err := snapshot.Unmount(e.containers.path(c.ID, "rootfs")); err != nil {
		errs = append(errs, err)
	} else {
		hide = e.snapshots.HideUnmounted // nothing is mounted there now
	}
	deleteLayer, err := hide(c.ID)
	errs = append(errs, err)
	deleteRecord, err := e.containers.hide(c)
	errs = append(errs, err)
	phase.Mark("remove: out of sight")
	return func() error {
		var errs []error
		for _, del := range []func() error{deleteLayer, deleteRecord} {
			if del != nil {
				errs = append(errs, del())
			}
		}
		return errors.Join(errs...)
	}, errors.Join(errs...)
}

// StartAttached starts a container and attaches to it before its process
// runs, so no output is missed, and returns the attachment and a function
// that waits for the exit status (which survives --rm).
func (e *Engine) StartAttached(ref string, opts AttachOptions) (*Attachment, func() ExitStatus, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, nil, err
	}
	started := make(chan error, 1)
	go func() { started <- e.start(c, true) }()
	socket := filepath.Join(e.containers.path(c.ID), "attach.sock")
	waiter, err := dialWhenListening(socket, AttachOptions{Wait: true}, started)
	if err != nil {
		return nil, nil, err
	}
	att, err := dialAttach(socket, opts)
	if err != nil {
		waiter.Close()
		return nil, nil, err
	}
	if err := <-started; err != nil {
		att.Close()
		waiter.Close()
		return nil, nil, err
	}
	wait := func() ExitStatus {
		defer waiter.Close()
		st, err := waiter.ReadExit()
		if err != nil {
			if c, err := e.Get(c.ID); err == nil {
				return ExitStatus{ExitCode: c.State.ExitCode, OOMKilled: c.State.OOMKilled, Error: c.State.Error}
			}
			return ExitStatus{ExitCode: 255, Error: "lost the container's exit status"}
		}
		return st
	}
	return att, wait, nil
}

// dialWhenListening connects to a monitor's socket as soon as it listens,
// unless the start fails first.
func dialWhenListening(socket string, opts AttachOptions, started chan error) (*Attachment, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		if a, err := dialAttach(socket, opts); err == nil {
			return a, nil
		}
		select {
		case err := <-started:
			if err == nil {
				err = errors.New("container exited before it could be attached")
			}
			started <- err
			return nil, err
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, errors.New("timed out waiting for the container monitor")
		}
	}
}
