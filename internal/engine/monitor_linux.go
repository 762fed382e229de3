package engine

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	mon "github.com/hull-project/hull/internal/monitor"
	"github.com/hull-project/hull/internal/phase"
	"github.com/hull-project/hull/internal/reap"
	"github.com/hull-project/hull/internal/runtime"
)

// A container's monitor is one process that owns one running container, as
// podman's conmon does, so that no daemon is needed and hull commands exit
// while the container runs. Its life, under one pid:
//
//	hull __hull-monitor ROOT ID     (the full binary, started detached by Start;
//	                                 or __hull-monitor --await, started ahead by
//	                                 `hull run`, which names ROOT and ID on fd 4)
//	  mount the root, create and start the container with the in-process
//	  runtime, record it running, tell Start "ok" on fd 3, copy its output
//	  if it ends within shortLived: finish here, as after --finish below
//	  -> execve hull-monitor         (small: stdio, log, attach, reaping)
//	       the container exits
//	  -> execve hull __hull-monitor ROOT ID --finish
//	       record the exit, delete the runtime state, unmount, and either
//	       start again (restart policy) or remove (--rm) and tell waiters
//
// Descriptors cross each execve as a monitor.Handoff. Without a
// hull-monitor binary beside hull, the full binary holds the container
// itself, at the cost of its larger memory.

// shortLived is how long the full binary waits for a container to end
// before handing it to hull-monitor: a handover costs two more executions
// (of hull-monitor, and of hull to finish), and a short command on a busy
// machine can take a good part of a quarter second. A container with a
// tty gets less: its output waits on the pty until the handover, as a
// pty's reads cannot be paused for one.
const (
	shortLived    = 250 * time.Millisecond
	shortLivedTTY = 25 * time.Millisecond
)

// MonitorArg is the hidden first argument of a hull process that is to be
// a container's monitor.
const MonitorArg = "__hull-monitor"

type monitor struct {
	eng        *Engine
	id         string
	dir        string
	waitAttach bool
	hub        *mon.Hub
	last       mon.ExitStatus
}

type startReport struct {
	Error string `json:"error"`
	Code  int    `json:"code"`
}

// RunMonitor is the monitor's main; it returns the process's exit status.
// Its arguments are ROOT ID [--wait-attach|--finish], or --await for a
// monitor started ahead (WarmMonitor), which reads
// "ROOT\nID [--wait-attach]\n" on fd 4 once its container exists; end of
// file there means it never will.
func RunMonitor(args []string) int {
	phase.Mark("monitor: main")
	ready := os.NewFile(3, "ready")
	if len(args) == 1 && args[0] == awaitArg {
		// Meanwhile, encoding/json learns the types the start reads.
		go LearnJSONTypes()
		r := bufio.NewReader(os.NewFile(4, "await"))
		root, err := r.ReadString('\n')
		if err != nil {
			return 0
		}
		line, err := r.ReadString('\n')
		f := strings.Fields(line)
		if err != nil || len(f) == 0 {
			return 0
		}
		args = append([]string{strings.TrimSuffix(root, "\n")}, f...)
		phase.Mark("monitor: container named")
	}
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "hull monitor: usage: ROOT ID [--wait-attach|--finish]")
		return 2
	}
	eng, err := New(Options{Root: args[0]})
	if err != nil {
		reportStart(ready, &startReport{Error: err.Error(), Code: 125})
		return 1
	}
	m := &monitor{eng: eng, id: args[1], dir: eng.containers.path(args[1])}
	if f, err := os.OpenFile(filepath.Join(m.dir, "monitor.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
		log.SetOutput(f)
		// A panic's trace goes to standard error: keep it beside the log.
		unix.Dup3(int(f.Fd()), 2, 0)
	}
	mode := ""
	if len(args) > 2 {
		mode = args[2]
	}
	if mode == "--finish" {
		return m.resumeAfterExit()
	}
	m.waitAttach = mode == "--wait-attach"
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		reportStart(ready, &startReport{Error: "become child subreaper: " + err.Error(), Code: 125})
		return 1
	}
	ln, err := m.listen()
	if err != nil {
		reportStart(ready, &startReport{Error: err.Error(), Code: 125})
		return 1
	}
	m.hub = mon.NewHub(ln)
	return m.runLoop(ready)
}

// LearnJSONTypes has encoding/json build, ahead of need, its cached codecs
// for the records a container's creation and start read and write: for
// types the size of an OCI spec that is most of the cost of their first
// use. Run it in a goroutine while there is other work to do.
func LearnJSONTypes() {
	json.Unmarshal([]byte("{}"), new(Container))
	json.Unmarshal([]byte("{}"), new(specs.Spec))
	json.Unmarshal([]byte("{}"), new(runtime.State))
}

func reportStart(ready *os.File, r *startReport) {
	if ready == nil {
		return
	}
	if r == nil {
		ready.WriteString("ok\n")
	} else {
		data, _ := json.Marshal(r)
		ready.Write(append(data, '\n'))
	}
	ready.Close()
}

func (m *monitor) listen() (*net.UnixListener, error) {
	path := m.socketPath()
	os.Remove(path)
	short, release, err := mon.ViaDirFD(path)
	if err != nil {
		return nil, err
	}
	defer release()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: short, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listen for attach on %s: %w", path, err)
	}
	// Unlinking by the short name would fail once the descriptor is closed.
	ln.SetUnlinkOnClose(false)
	return ln, nil
}

func (m *monitor) socketPath() string { return filepath.Join(m.dir, "attach.sock") }

// runLoop starts the container, holds it (here or in hull-monitor), and
// after each exit applies the restart policy.
func (m *monitor) runLoop(ready *os.File) int {
	for {
		rc, err := m.startOnce(ready)
		ready = nil
		if err != nil {
			log.Printf("container %s: %v", m.id, err)
			m.finish(nil)
			return 0
		}
		var st mon.ExitStatus
		wait := shortLivedTTY
		if m.hub.CanPauseOutput() {
			// Logs and attached clients get the output at once; a
			// handover pauses the copies.
			m.hub.StartOutput()
			wait = shortLived
		}
		if code, exited := reap.ExitedWithin(rc.Pid(), wait); exited {
			phase.Mark("monitor: exit seen")
			// Gone already (a short command): handing it to hull-monitor,
			// which would exec straight back here, costs more than this.
			m.hub.StartOutput()
			st = m.hub.Exited(code)
		} else {
			m.handOff(rc) // returns only when there is no hull-monitor to exec
			m.hub.StartOutput()
			st = m.hub.Hold(rc.Pid())
		}
		if !m.afterExit(rc, st) {
			return 0
		}
	}
}

// resumeAfterExit is the full binary again, back from hull-monitor.
func (m *monitor) resumeAfterExit() int {
	ho, err := mon.ReadHandoff()
	if err != nil {
		log.Print(err)
		return 1
	}
	if m.hub, err = mon.Import(ho); err != nil {
		log.Print(err)
		return 1
	}
	if ho.Exit == nil || !m.afterExit(nil, *ho.Exit) {
		return 0
	}
	return m.runLoop(nil)
}

// handOff executes hull-monitor to hold the started container; it returns
// only if that cannot be done, and then this process holds it.
func (m *monitor) handOff(rc ociContainer) {
	slim := monitorBinary()
	self, err := os.Executable()
	if slim == "" || err != nil {
		return
	}
	ho, err := m.hub.Export(rc.Pid())
	if err != nil {
		log.Printf("hand over to %s: %v", slim, err)
		return
	}
	ho.Return = []string{self, MonitorArg, m.eng.root, m.id, "--finish"}
	err = unix.Exec(slim, []string{"hull-monitor", m.id}, append(os.Environ(), ho.Encode()))
	log.Printf("exec %s: %v; holding the container here", slim, err)
}

// monitorBinary is the hull-monitor installed beside this hull, if any.
func monitorBinary() string { return besideSelf("hull-monitor") }

// besideSelf is the executable name in this binary's directory, or "".
func besideSelf(name string) string {
	self, err := os.Executable()
	if err != nil {
		return ""
	}
	path := filepath.Join(filepath.Dir(self), name)
	if unix.Access(path, unix.X_OK) != nil {
		return ""
	}
	return path
}

// startOnce mounts the root, creates the container with its stdio, waits
// for the first attach if asked, starts it and records it running.
func (m *monitor) startOnce(ready *os.File) (ociContainer, error) {
	c, err := m.eng.containers.read(m.id)
	if err == nil {
		var rc ociContainer
		if rc, err = m.start(c); err == nil {
			reportStart(ready, nil)
			phase.Mark("monitor: start reported")
			return rc, nil
		}
	}
	code := 125
	var pe *runtime.ProcessError
	if errors.As(err, &pe) && pe.Code >= 126 {
		code = pe.Code
	}
	m.recordStartFailure(err, code)
	reportStart(ready, &startReport{Error: err.Error(), Code: code})
	m.last = mon.ExitStatus{ExitCode: code, Error: err.Error()}
	return nil, err
}

func (m *monitor) start(c *Container) (ociContainer, error) {
	if err := m.eng.joinPath(c); err != nil {
		return nil, err
	}
	spec, err := m.mountRootfs(c)
	if err != nil {
		return nil, err
	}
	phase.Mark("monitor: root mounted")
	rc, err := m.create(c, spec)
	phase.Mark("monitor: container created")
	if err != nil {
		m.unmountRootfs()
		return nil, err
	}
	recordNetwork, err := m.eng.attachNetwork(c, rc.Pid())
	if err != nil {
		rc.Delete(true)
		m.unmountRootfs()
		return nil, fmt.Errorf("set up network: %w", err)
	}
	if m.waitAttach {
		m.waitAttach = false
		select {
		case <-m.hub.FirstAttach():
		case <-time.After(30 * time.Second):
		}
	}
	if err := rc.Start(); err != nil {
		rc.Delete(true)
		m.eng.detachNetwork(m.id)
		m.unmountRootfs()
		return nil, err
	}
	phase.Mark("monitor: container started")
	_, err = m.eng.containers.update(m.id, func(c *Container) error {
		c.State = State{Status: StatusRunning, Running: true, Pid: rc.Pid(), StartedAt: time.Now().UTC()}
		recordNetwork(c)
		c.MonitorPid, c.MonitorStart = os.Getpid(), selfStart()
		return nil
	})
	return rc, err
}

func (m *monitor) create(c *Container, spec *specs.Spec) (ociContainer, error) {
	logFile, err := os.OpenFile(filepath.Join(m.dir, c.ID+"-json.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	m.hub.SetLog(logFile)
	opts := runtime.CreateOptions{Bundle: filepath.Join(m.dir, "bundle"), Spec: spec}
	var after func() error
	if c.Config.Tty {
		after, err = m.ttyStdio(&opts)
	} else {
		after, err = m.pipeStdio(&opts, c.Config.OpenStdin)
	}
	if err != nil {
		return nil, err
	}
	rt, err := m.eng.runtimeFor(c)
	if err != nil {
		return nil, err
	}
	rc, err := rt.Create(c.ID, opts)
	if err := errors.Join(err, after()); err != nil {
		if rc != nil {
			rc.Delete(true)
		}
		return nil, err
	}
	return rc, nil
}

// pipeStdio gives the container pipes; after create the monitor keeps
// only its own ends, and output waits in the pipes until it is copied.
func (m *monitor) pipeStdio(opts *runtime.CreateOptions, openStdin bool) (func() error, error) {
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, err
	}
	stdinR := devnull
	if openStdin {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		stdinR = r
		m.hub.SetStdin(w)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	opts.Stdio = [3]*os.File{stdinR, outW, errW}
	return func() error {
		for _, f := range []*os.File{devnull, stdinR, outW, errW} {
			f.Close()
		}
		m.hub.AddOutput(outR, mon.StreamStdout, "stdout")
		m.hub.AddOutput(errR, mon.StreamStderr, "stderr")
		return nil
	}, nil
}

// ttyStdio gives the container a pty; its master comes back over a socket.
func (m *monitor) ttyStdio(opts *runtime.CreateOptions) (func() error, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	parent, child := os.NewFile(uintptr(fds[0]), "console"), os.NewFile(uintptr(fds[1]), "console-child")
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	opts.Console = child
	opts.Stdio = [3]*os.File{devnull, devnull, devnull}
	return func() error {
		defer parent.Close()
		child.Close()
		devnull.Close()
		master, err := runtime.RecvFD(parent)
		if err != nil {
			return err
		}
		m.hub.SetTTY(master)
		m.hub.AddOutput(master, mon.StreamStdout, "stdout")
		return nil
	}, nil
}

// afterExit records how the container ended and cleans up after it. It
// reports whether the restart policy starts the container again. rc is
// the container as the runtime started it, or nil to load it.
func (m *monitor) afterExit(rc ociContainer, st mon.ExitStatus) bool {
	c, err := m.eng.containers.read(m.id)
	if rc == nil && err == nil {
		rc, _ = m.eng.loadRuntime(c)
	}
	if rc != nil {
		oom, _ := rc.OOMKillCount()
		st.OOMKilled = oom > 0
		if err := rc.Delete(true); err != nil {
			log.Printf("delete runtime state: %v", err)
		}
	}
	phase.Mark("monitor: runtime state deleted")
	if err := m.eng.detachNetwork(m.id); err != nil {
		log.Printf("release network: %v", err)
	}
	m.unmountRootfs()
	phase.Mark("monitor: root unmounted")
	m.last = st
	if err == nil && c.Host.AutoRemove {
		// The record goes with the container: no need to write the exit.
		m.finish(c)
		return false
	}
	if c, err = m.recordExit(st); err != nil {
		m.finish(nil)
		return false
	}
	delay, again := m.restartDelay(c, st.ExitCode)
	if !again {
		m.finish(c)
		return false
	}
	time.Sleep(delay)
	return true
}

func (m *monitor) recordExit(st mon.ExitStatus) (*Container, error) {
	return m.eng.containers.update(m.id, func(c *Container) error {
		c.State.Status = StatusExited
		c.State.Running, c.State.Paused, c.State.Restarting = false, false, false
		c.State.Pid = 0
		c.State.ExitCode, c.State.OOMKilled, c.State.Error = st.ExitCode, st.OOMKilled, st.Error
		c.State.FinishedAt = time.Now().UTC()
		c.MonitorPid, c.MonitorStart = 0, 0
		forgetSandbox(c)
		return nil
	})
}

func (m *monitor) recordStartFailure(err error, code int) {
	m.eng.containers.update(m.id, func(c *Container) error {
		if c.State.Status != StatusCreated {
			c.State.Status = StatusExited
		}
		c.State.Running, c.State.Restarting = false, false
		c.State.ExitCode = code
		c.State.Error = err.Error()
		c.State.FinishedAt = time.Now().UTC()
		c.MonitorPid, c.MonitorStart = 0, 0
		return nil
	})
}

// restartDelay applies the restart policy to an exit, with docker's
// doubling back-off from 100ms.
func (m *monitor) restartDelay(c *Container, code int) (time.Duration, bool) {
	if c.State.StoppedByUser || c.Host.AutoRemove {
		return 0, false
	}
	p := c.Host.RestartPolicy
	switch p.Name {
	case "always", "unless-stopped":
	case "on-failure":
		if code == 0 || (p.MaximumRetryCount > 0 && c.RestartCount >= p.MaximumRetryCount) {
			return 0, false
		}
	default:
		return 0, false
	}
	attempt := c.RestartCount
	m.eng.containers.update(m.id, func(c *Container) error {
		c.RestartCount++
		c.State.Status, c.State.Restarting = StatusRestarting, true
		return nil
	})
	delay := 100 * time.Millisecond << min(attempt, 10)
	return min(delay, time.Minute), true
}

// finish ends the monitor: a --rm container is removed, then waiters hear
// how it ended, so that `run --rm` returns once it is gone; its files are
// deleted after that. c is the container's record, or nil to read it.
func (m *monitor) finish(c *Container) {
	m.hub.CloseClients()
	m.hub.Close()
	if c == nil {
		c, _ = m.eng.containers.read(m.id)
	}
	if c == nil || !c.Host.AutoRemove {
		os.Remove(m.socketPath())
		m.hub.NotifyWaiters(m.last)
		return
	}
	deleteFiles, err := m.eng.dismantle(c)
	if err != nil {
		log.Printf("remove container %s: %v", m.id, err)
		m.recordExit(m.last) // what is left says how it ended
	}
	// As docker's --rm, the container's anonymous volumes go too.
	for _, v := range c.Anonymous {
		if err := m.eng.RemoveVolume(v); err != nil {
			log.Printf("remove volume %s: %v", v, err)
		}
	}
	m.hub.NotifyWaiters(m.last)
	phase.Mark("monitor: waiters told")
	if err := deleteFiles(); err != nil {
		log.Printf("remove container %s: %v", m.id, err)
	}
	phase.Mark("monitor: files deleted")
}

func selfStart() uint64 {
	start, _ := runtime.ProcessStart(os.Getpid())
	return start
}
