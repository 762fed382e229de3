package engine

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/names"
	"github.com/hull-project/hull/internal/snapshot"
	"github.com/hull-project/hull/internal/specgen"
)

// CreateRequest is everything `hull create` knows.
type CreateRequest struct {
	Name        string
	Image       string
	Run         specgen.RunConfig
	Restart     RestartPolicy
	AutoRemove  bool
	StopTimeout *int
	Host        HostConfig
	// Runtime is a runc-compatible binary to run the container with;
	// empty for hull's own runtime, in process.
	Runtime string
}

// Create makes a container from an image present in the store: a record,
// a writable layer, and an OCI bundle. Nothing runs until Start.
func (e *Engine) Create(req CreateRequest) (*Container, error) {
	img, err := e.Images.Get(req.Image)
	if err != nil {
		return nil, err
	}
	cfg, err := e.Images.ConfigFile(img)
	if err != nil {
		return nil, err
	}
	c := &Container{ID: names.NewID(), Created: time.Now().UTC(), Image: img.ID, ImageName: req.Image}
	if req.Runtime != "" {
		rt, err := newBinaryRuntime(req.Runtime, e.runtime.Root)
		if err != nil {
			return nil, err
		}
		c.Runtime = rt.path
	}
	if err := e.claimName(c, req.Name); err != nil {
		return nil, err
	}
	for _, l := range img.Layers {
		c.Layers = append(c.Layers, l.ChainID)
	}
	rc := req.Run
	rc.Image = imageConfig(cfg.Config.Entrypoint, cfg.Config.Cmd, cfg.Config.Env, cfg.Config.WorkingDir, cfg.Config.User, cfg.Config.ExposedPorts, cfg.Config.Labels, cfg.Config.StopSignal)
	if err := e.prepare(c, &rc, req); err != nil {
		e.containers.releaseName(c.Name, c.ID)
		os.RemoveAll(e.containers.path(c.ID))
		e.snapshots.Remove(c.ID)
		return nil, err
	}
	return c, nil
}

func (e *Engine) claimName(c *Container, name string) error {
	if name != "" {
		if err := names.Valid(name); err != nil {
			return errdefs.InvalidArgument(err.Error())
		}
		c.Name = strings.TrimPrefix(name, "/")
		return e.containers.claimName(c.Name, c.ID)
	}
	for retry := 0; ; retry++ {
		c.Name = names.Random(retry)
		err := e.containers.claimName(c.Name, c.ID)
		if err == nil || !errors.Is(err, errdefs.ErrConflict) || retry > 10 {
			return err
		}
	}
}

// prepare writes the record, the writable layer and the bundle.
func (e *Engine) prepare(c *Container, rc *specgen.RunConfig, req CreateRequest) error {
	dir := e.containers.path(c.ID)
	if err := e.containers.create(c); err != nil {
		return err
	}
	if _, err := e.snapshots.Prepare(c.ID, c.Layers); err != nil {
		return fmt.Errorf("prepare root file system: %w", err)
	}
	if rc.Hostname == "" {
		rc.Hostname = c.ID[:12]
	}
	mounts, used, anonymous, err := e.resolveVolumes(req.Host.Binds)
	if err != nil {
		return err
	}
	rc.Mounts = append(rc.Mounts, mounts...)
	c.Volumes, c.Anonymous = used, anonymous
	if req.Host.Init {
		rc.Init, rc.InitPath = true, monitorBinary()
		if rc.InitPath == "" {
			return errdefs.InvalidArgument("--init needs hull-monitor installed beside hull")
		}
	}
	rc.Rootfs = filepath.Join(dir, "rootfs")
	rc.CgroupsPath = "/hull/" + c.ID
	spec, err := specgen.Docker(rc)
	if err != nil {
		return errdefs.InvalidArgument(err.Error())
	}
	if err := writeBundle(dir, spec); err != nil {
		return err
	}
	c.Path, c.Args = spec.Process.Args[0], spec.Process.Args[1:]
	c.Config = ContainerConfig{
		Hostname: rc.Hostname, Domainname: rc.Domainname, User: rc.User, Env: spec.Process.Env,
		Cmd: rc.Cmd, Entrypoint: rc.Entrypoint, WorkingDir: spec.Process.Cwd, Labels: rc.Labels,
		Tty: rc.TTY, OpenStdin: rc.OpenStdin, StopSignal: rc.StopSignal, StopTimeout: req.StopTimeout,
		ExposedPorts: rc.Image.ExposedPorts,
	}
	if c.Config.StopSignal == "" {
		c.Config.StopSignal = rc.Image.StopSignal
	}
	c.Host = req.Host
	c.Host.AutoRemove, c.Host.RestartPolicy = req.AutoRemove, req.Restart
	c.State = State{Status: StatusCreated}
	return e.containers.write(c)
}

func writeBundle(dir string, spec *specs.Spec) error {
	if err := os.MkdirAll(filepath.Join(dir, "bundle"), 0o700); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "bundle", "config.json"), data, 0o600)
}

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
	return e.refresh(c), nil
}

// List returns all containers, newest first, with statuses brought up to date.
func (e *Engine) List() ([]*Container, error) {
	all, err := e.containers.list()
	if err != nil {
		return nil, err
	}
	for i, c := range all {
		all[i] = e.refresh(c)
	}
	return all, nil
}

// refresh checks a running record against the kernel: if its monitor died
// and the process with it, the container is recorded as exited and its
// leftovers released; if the process lives on, it is still running.
func (e *Engine) refresh(c *Container) *Container {
	if !c.State.Running || processAlive(c.MonitorPid, c.MonitorStart) {
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
	snapshot.Unmount(filepath.Join(e.containers.path(c.ID), "rootfs"))
	updated, err := e.containers.update(c.ID, func(c *Container) error {
		if !c.State.Running || processAlive(c.MonitorPid, c.MonitorStart) {
			return nil
		}
		c.State.Status, c.State.Running, c.State.Pid = StatusExited, false, 0
		c.State.ExitCode = 255
		c.State.Error = "the container's monitor exited unexpectedly"
		c.State.FinishedAt = time.Now().UTC()
		c.MonitorPid, c.MonitorStart = 0, 0
		return nil
	})
	if err != nil {
		return c
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
	if c.State.Running {
		return c, nil
	}
	if _, err := e.containers.update(c.ID, func(c *Container) error {
		c.State.StoppedByUser = false
		return nil
	}); err != nil {
		return nil, err
	}
	if err := e.spawnMonitor(c.ID, waitAttach); err != nil {
		return nil, err
	}
	// A --rm container may have run, exited and been removed already.
	if now, err := e.containers.read(c.ID); err == nil {
		return now, nil
	}
	return c, nil
}

func (e *Engine) spawnMonitor(id string, waitAttach bool) error {
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer readyR.Close()
	args := []string{MonitorArg, e.root, id}
	if waitAttach {
		args = append(args, "--wait-attach")
	}
	cmd := exec.Command("/proc/self/exe", args...)
	cmd.Args[0] = "hull-monitor"
	cmd.ExtraFiles = []*os.File{readyW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1", "GOGC=50")
	err = cmd.Start()
	readyW.Close()
	if err != nil {
		return fmt.Errorf("start container monitor: %w", err)
	}
	go cmd.Wait() // reap it if this process outlives it (the API server)
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
		if err != nil || !processAlive(c.MonitorPid, c.MonitorStart) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// removeContainer releases everything a stopped container holds.
func (e *Engine) removeContainer(c *Container) error {
	dir := e.containers.path(c.ID)
	var errs []error
	if rc, err := e.loadRuntime(c); err == nil {
		errs = append(errs, rc.Delete(true))
	}
	errs = append(errs, snapshot.Unmount(filepath.Join(dir, "rootfs")))
	errs = append(errs, e.snapshots.Remove(c.ID))
	errs = append(errs, e.containers.remove(c))
	return errors.Join(errs...)
}

// LogPath is where the container's json-file log is.
func (e *Engine) LogPath(c *Container) string {
	return filepath.Join(e.containers.path(c.ID), c.ID+"-json.log")
}

// processAlive reports whether pid still runs the process that started
// at start (clock ticks since boot).
func processAlive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	got, err := processStartTime(pid)
	return err == nil && got == start
}

func processStartTime(pid int) (uint64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 || f[0] == "Z" {
		return 0, fmt.Errorf("process %d is gone", pid)
	}
	var start uint64
	_, err = fmt.Sscan(f[19], &start)
	return start, err
}

// ParseSignal reads "KILL", "SIGKILL" or "9".
func ParseSignal(s string) (unix.Signal, error) {
	var n int
	if _, err := fmt.Sscan(s, &n); err == nil && fmt.Sprint(n) == s {
		if n <= 0 || n > 64 {
			return 0, errdefs.InvalidArgument(fmt.Sprintf("invalid signal: %s", s))
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, errdefs.InvalidArgument(fmt.Sprintf("invalid signal: %s", s))
}

var _ = net.Dial

// StartAttached starts a container and attaches to it before its process
// runs, so no output is missed, and returns the attachment and a function
// that waits for the exit status (which survives --rm).
func (e *Engine) StartAttached(ref string, opts AttachOptions) (*Attachment, func() ExitStatus, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, nil, err
	}
	started := make(chan error, 1)
	go func() {
		_, err := e.Start(c.ID, true)
		started <- err
	}()
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
