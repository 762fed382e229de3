//go:build hullwip

package engine

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/jsonlog"
	"github.com/hull-project/hull/internal/runtime"
)

// A container's monitor is a small process, the hull binary re-executed
// with MonitorArg and detached in its own session, that owns one running
// container as podman's conmon does: it starts the container with the
// in-process runtime, holds its stdio (pipes or a pty), writes its log,
// serves attach, reaps it as a child subreaper, records its exit, applies
// the restart policy, and cleans up. No daemon is needed, and hull commands
// exit while the container runs.
//
// Start-up handshake: the starting command passes a pipe as fd 3; the
// monitor writes "ok\n" once the container runs, or one JSON line
// {"error":...,"code":...} if it could not start it.

// MonitorArg is the hidden first argument of a hull process that is to be
// a container's monitor.
const MonitorArg = "__hull-monitor"

type monitor struct {
	eng        *Engine
	id         string
	dir        string
	waitAttach bool

	mu          sync.Mutex
	clients     map[*attachClient]bool
	firstAttach chan struct{}
	attachOnce  sync.Once
	stdin       io.WriteCloser // container stdin (pipe or pty master), nil if closed
	waiters     []*net.UnixConn
	socket      string
	last        ExitStatus // how the last run ended
	tty         *os.File
	output      sync.WaitGroup
	log         *jsonlog.Writer
}

type attachClient struct {
	conn *net.UnixConn
	opts AttachOptions
}

type startReport struct {
	Error string `json:"error"`
	Code  int    `json:"code"`
}

// RunMonitor is the monitor's main; it returns the process's exit status.
func RunMonitor(args []string) int {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "hull monitor: usage: ROOT ID [--wait-attach]")
		return 2
	}
	eng, err := New(Options{Root: args[0]})
	if err != nil {
		reportStart(os.NewFile(3, "ready"), &startReport{Error: err.Error(), Code: 125})
		return 1
	}
	m := &monitor{
		eng: eng, id: args[1], dir: eng.containers.path(args[1]),
		waitAttach: len(args) > 2 && args[2] == "--wait-attach",
		clients:    map[*attachClient]bool{}, firstAttach: make(chan struct{}),
	}
	logFile, err := os.OpenFile(filepath.Join(m.dir, "monitor.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err == nil {
		log.SetOutput(logFile)
	}
	return m.run(os.NewFile(3, "ready"))
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

func (m *monitor) run(ready *os.File) int {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		reportStart(ready, &startReport{Error: "become child subreaper: " + err.Error(), Code: 125})
		return 1
	}
	ln, err := m.listen()
	if err != nil {
		reportStart(ready, &startReport{Error: err.Error(), Code: 125})
		return 1
	}
	defer os.Remove(m.socket)
	defer ln.Close()
	go m.acceptLoop(ln)
	for attempt := 0; ; attempt++ {
		code, err := m.runOnce(ready)
		ready = nil
		if err != nil {
			log.Printf("container %s: %v", m.id, err)
			break
		}
		delay, again := m.restartDelay(code, attempt)
		if !again {
			break
		}
		time.Sleep(delay)
	}
	m.closeClients()
	m.finish()
	// Waiters hear last, so that `run --rm` returns once nothing is left.
	m.notifyWaiters(m.last)
	return 0
}

func (m *monitor) listen() (*net.UnixListener, error) {
	path := filepath.Join(m.dir, "attach.sock")
	os.Remove(path)
	short, release, err := viaDirFD(path)
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
	m.socket = path
	return ln, nil
}

// runOnce runs the container from start to exit and records the outcome.
func (m *monitor) runOnce(ready *os.File) (int, error) {
	c, err := m.eng.containers.read(m.id)
	if err != nil {
		reportStart(ready, &startReport{Error: err.Error(), Code: 125})
		return 0, err
	}
	started, err := m.start(c)
	if err != nil {
		code := 125
		var pe *runtime.ProcessError
		if errors.As(err, &pe) && pe.Code >= 126 {
			code = pe.Code
		}
		m.recordStartFailure(err, code)
		reportStart(ready, &startReport{Error: err.Error(), Code: code})
		m.last = ExitStatus{ExitCode: code, Error: err.Error()}
		return 0, err
	}
	reportStart(ready, nil)
	code, waitErr := runtime.WaitReaping(started.State().InitProcessPid)
	m.output.Wait()
	oom, _ := started.OOMKillCount()
	if err := started.Delete(true); err != nil {
		log.Printf("delete runtime state: %v", err)
	}
	m.unmountRootfs()
	m.recordExit(code, oom > 0, waitErr)
	m.last = ExitStatus{ExitCode: code, OOMKilled: oom > 0}
	return code, waitErr
}

// start mounts the root file system, creates the container with its
// stdio, waits for the first attach if asked, and starts it.
func (m *monitor) start(c *Container) (*runtime.Container, error) {
	if err := m.mountRootfs(); err != nil {
		return nil, err
	}
	rc, err := m.create(c)
	if err != nil {
		m.unmountRootfs()
		return nil, err
	}
	if c.Host.NetworkMode == "" || c.Host.NetworkMode == "none" {
		if err := bringUpLoopback(rc.State().InitProcessPid); err != nil {
			rc.Delete(true)
			m.unmountRootfs()
			return nil, fmt.Errorf("set up loopback: %w", err)
		}
	}
	if m.waitAttach {
		m.waitAttach = false
		select {
		case <-m.firstAttach:
		case <-time.After(30 * time.Second):
		}
	}
	if err := rc.Start(); err != nil {
		rc.Delete(true)
		m.unmountRootfs()
		return nil, err
	}
	_, err = m.eng.containers.update(m.id, func(c *Container) error {
		c.State = State{Status: StatusRunning, Running: true, Pid: rc.State().InitProcessPid, StartedAt: time.Now().UTC()}
		c.MonitorPid, c.MonitorStart = os.Getpid(), selfStart()
		return nil
	})
	return rc, err
}

func (m *monitor) create(c *Container) (*runtime.Container, error) {
	logFile, err := os.OpenFile(filepath.Join(m.dir, c.ID+"-json.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open log: %w", err)
	}
	m.log = jsonlog.NewWriter(logFile)
	opts := runtime.CreateOptions{Bundle: filepath.Join(m.dir, "bundle")}
	var after func() error
	if c.Config.Tty {
		after, err = m.ttyStdio(&opts)
	} else {
		after, err = m.pipeStdio(&opts, c.Config.OpenStdin)
	}
	if err != nil {
		return nil, err
	}
	rc, err := m.eng.runtime.Create(c.ID, opts)
	if err := errors.Join(err, after()); err != nil {
		if rc != nil {
			rc.Delete(true)
		}
		return nil, err
	}
	return rc, nil
}

// pipeStdio gives the container pipes; after create the monitor keeps
// only its own ends and copies output to the log and attached clients.
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
		stdinR, m.stdin = r, w
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
		m.copyOutput(outR, StreamStdout, "stdout")
		m.copyOutput(errR, StreamStderr, "stderr")
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
		m.tty, m.stdin = master, master
		m.copyOutput(master, StreamStdout, "stdout")
		return nil
	}, nil
}

// copyOutput sends one output stream to the log and every attached client
// until the container closes it.
func (m *monitor) copyOutput(r *os.File, stream byte, name string) {
	m.output.Add(1)
	go func() {
		defer m.output.Done()
		defer r.Close()
		logStream := m.log.Stream(name)
		defer logStream.Close()
		buf := make([]byte, 32*1024)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				logStream.Write(buf[:n])
				m.broadcast(stream, buf[:n])
			}
			if err != nil {
				return // EOF, or EIO from a pty whose last holder exited
			}
		}
	}()
}

func (m *monitor) broadcast(stream byte, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for cl := range m.clients {
		if (stream == StreamStdout && !cl.opts.Stdout) || (stream == StreamStderr && !cl.opts.Stderr) {
			continue
		}
		cl.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		var err error
		if m.tty != nil {
			_, err = cl.conn.Write(data)
		} else {
			err = writeFrame(cl.conn, stream, data)
		}
		if err != nil {
			cl.conn.Close()
			delete(m.clients, cl)
		}
	}
}

func (m *monitor) acceptLoop(ln *net.UnixListener) {
	for {
		conn, err := ln.AcceptUnix()
		if err != nil {
			return
		}
		go m.serveClient(conn)
	}
}

func (m *monitor) serveClient(conn *net.UnixConn) {
	r := bufio.NewReader(conn)
	line, err := r.ReadBytes('\n')
	var opts AttachOptions
	if err != nil || json.Unmarshal(line, &opts) != nil {
		conn.Close()
		return
	}
	cl := &attachClient{conn: conn, opts: opts}
	m.mu.Lock()
	if opts.Wait {
		m.waiters = append(m.waiters, conn)
		m.mu.Unlock()
		return
	}
	m.clients[cl] = true
	m.mu.Unlock()
	m.attachOnce.Do(func() { close(m.firstAttach) })
	m.serveInput(r, cl)
}

// serveInput applies a client's input frames until it disconnects.
func (m *monitor) serveInput(r io.Reader, cl *attachClient) {
	for {
		kind, data, err := readInputFrame(r)
		if err != nil {
			return
		}
		m.mu.Lock()
		switch {
		case kind == inputData && cl.opts.Stdin && m.stdin != nil:
			m.stdin.Write(data)
		case kind == inputClose && cl.opts.Stdin && m.stdin != nil && m.tty == nil:
			m.stdin.Close()
			m.stdin = nil
		case kind == inputResize && m.tty != nil && len(data) == 4:
			ws := &unix.Winsize{Row: binary.BigEndian.Uint16(data), Col: binary.BigEndian.Uint16(data[2:])}
			unix.IoctlSetWinsize(int(m.tty.Fd()), unix.TIOCSWINSZ, ws)
		}
		m.mu.Unlock()
	}
}

// notifyWaiters tells every wait client how the container ended.
func (m *monitor) notifyWaiters(st ExitStatus) {
	data, _ := json.Marshal(st)
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, w := range m.waiters {
		w.SetWriteDeadline(time.Now().Add(time.Second))
		w.Write(append(data, '\n'))
		w.Close()
	}
	m.waiters = nil
}

func (m *monitor) closeClients() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for cl := range m.clients {
		cl.conn.Close()
		delete(m.clients, cl)
	}
}

func (m *monitor) recordExit(code int, oomKilled bool, waitErr error) {
	m.eng.containers.update(m.id, func(c *Container) error {
		c.State.Status = StatusExited
		c.State.Running, c.State.Paused, c.State.Restarting = false, false, false
		c.State.Pid = 0
		c.State.ExitCode = code
		c.State.OOMKilled = oomKilled
		c.State.FinishedAt = time.Now().UTC()
		if waitErr != nil {
			c.State.Error = waitErr.Error()
		}
		c.MonitorPid, c.MonitorStart = 0, 0
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
// doubling back-off starting at 100ms.
func (m *monitor) restartDelay(code, attempt int) (time.Duration, bool) {
	c, err := m.eng.containers.read(m.id)
	if err != nil || c.State.StoppedByUser || c.Host.AutoRemove {
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
	m.eng.containers.update(m.id, func(c *Container) error {
		c.RestartCount++
		c.State.Status, c.State.Restarting = StatusRestarting, true
		return nil
	})
	delay := 100 * time.Millisecond << min(attempt, 10)
	return min(delay, time.Minute), true
}

// finish removes a --rm container once it has exited.
func (m *monitor) finish() {
	c, err := m.eng.containers.read(m.id)
	if err != nil || !c.Host.AutoRemove {
		return
	}
	if err := m.eng.removeContainer(c); err != nil {
		log.Printf("remove container %s: %v", m.id, err)
	}
}

func selfStart() uint64 {
	start, _ := processStartTime(os.Getpid())
	return start
}
