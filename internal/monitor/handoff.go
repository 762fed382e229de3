package monitor

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/reap"
)

// HandoffEnv names the environment variable that carries a Handoff across
// an execve.
const HandoffEnv = "_HULL_MONITOR_HANDOFF"

// Handoff describes a running container's monitor state by descriptor
// numbers, so that it survives an execve into another binary.
type Handoff struct {
	Pid      int             `json:"pid"` // the container's init process
	Listener int             `json:"listener"`
	Log      int             `json:"log"`
	TTY      int             `json:"tty"`
	Stdin    int             `json:"stdin"`
	Stdout   int             `json:"stdout"`
	Stderr   int             `json:"stderr"`
	Clients  []HandoffClient `json:"clients,omitempty"`
	Waiters  []int           `json:"waiters,omitempty"`
	// Partial holds, by stream name, the start of a log line read before
	// the handover and not logged yet (it waits for its newline).
	Partial map[string][]byte `json:"partial,omitempty"`
	// Exit is set once the container's process has exited.
	Exit *ExitStatus `json:"exit,omitempty"`
	// Return is the program and arguments hull-monitor executes once the
	// container has exited, to record it and clean up.
	Return []string `json:"return"`
}

// HandoffClient is an attached client and what it asked for.
type HandoffClient struct {
	FD   int           `json:"fd"`
	Opts AttachOptions `json:"opts"`
}

// Export stops the hub and returns it as inheritable descriptors; the
// process is expected to execve right after.
func (h *Hub) Export(pid int) (*Handoff, error) {
	if h.CanPauseOutput() {
		h.PauseOutput()
	}
	h.stopAccepting()
	h.mu.Lock()
	defer h.mu.Unlock()
	ho := &Handoff{Pid: pid, Listener: -1, Log: -1, TTY: -1, Stdin: -1, Stdout: -1, Stderr: -1}
	lf, err := h.listener.File()
	if err != nil {
		return nil, fmt.Errorf("hand over the attach socket: %w", err)
	}
	ho.Listener = inheritable(lf)
	for cl := range h.clients {
		cl.conn.SetReadDeadline(time.Now())
		if f, err := cl.conn.File(); err == nil {
			ho.Clients = append(ho.Clients, HandoffClient{FD: inheritable(f), Opts: cl.opts})
		}
	}
	for _, w := range h.waiters {
		if f, err := w.File(); err == nil {
			ho.Waiters = append(ho.Waiters, inheritable(f))
		}
	}
	if h.logFile != nil {
		ho.Log = inheritable(h.logFile)
	}
	if h.tty != nil {
		ho.TTY = inheritable(h.tty)
	} else if f, ok := h.stdin.(*os.File); ok && f != nil {
		ho.Stdin = inheritable(f)
	}
	for _, o := range h.outputs {
		switch {
		case o.stream == StreamStdout && h.tty == nil:
			ho.Stdout = inheritable(o.f)
		case o.stream == StreamStderr:
			ho.Stderr = inheritable(o.f)
		default:
			continue
		}
		if len(o.partial) > 0 {
			if ho.Partial == nil {
				ho.Partial = map[string][]byte{}
			}
			ho.Partial[o.name] = o.partial
		}
	}
	return ho, nil
}

// inheritable clears close-on-exec on f and returns its number. The *os.File
// is deliberately kept reachable by the caller until the execve.
func inheritable(f *os.File) int {
	keep = append(keep, f)
	fd := int(f.Fd())
	unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0)
	return fd
}

// keep holds exported files so that no finalizer closes their descriptors
// before the execve.
var keep []*os.File

// Encode returns the handoff as an environment entry.
func (ho *Handoff) Encode() string {
	data, _ := json.Marshal(ho)
	return HandoffEnv + "=" + string(data)
}

// ReadHandoff reads the handoff this process was started with.
func ReadHandoff() (*Handoff, error) {
	text := os.Getenv(HandoffEnv)
	if text == "" {
		return nil, fmt.Errorf("no %s: hull-monitor is started by hull, not by hand", HandoffEnv)
	}
	os.Unsetenv(HandoffEnv)
	var ho Handoff
	if err := json.Unmarshal([]byte(text), &ho); err != nil {
		return nil, fmt.Errorf("read monitor handoff: %w", err)
	}
	return &ho, nil
}

// Import rebuilds a hub from a handoff: the listener, clients and waiters.
// Output and stdin are attached by Resume.
func Import(ho *Handoff) (*Hub, error) {
	lf := os.NewFile(uintptr(ho.Listener), "attach.sock")
	ln, err := net.FileListener(lf)
	lf.Close()
	if err != nil {
		return nil, fmt.Errorf("adopt the attach socket: %w", err)
	}
	h := NewHub(ln.(*net.UnixListener))
	for _, c := range ho.Clients {
		if conn := fileConn(c.FD); conn != nil {
			conn.SetReadDeadline(time.Time{})
			h.adopt(conn, c.Opts, conn)
		}
	}
	for _, fd := range ho.Waiters {
		if conn := fileConn(fd); conn != nil {
			h.adopt(conn, AttachOptions{Wait: true}, conn)
		}
	}
	return h, nil
}

func fileConn(fd int) *net.UnixConn {
	f := os.NewFile(uintptr(fd), "client")
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil
	}
	uc, _ := c.(*net.UnixConn)
	return uc
}

// Resume reattaches the container's output, stdin and log from a handoff
// and starts copying output again.
func (h *Hub) Resume(ho *Handoff) {
	if ho.Log >= 0 {
		h.SetLog(os.NewFile(uintptr(ho.Log), "log"))
	}
	h.outputs = nil
	if ho.TTY >= 0 {
		master := os.NewFile(uintptr(ho.TTY), "pty")
		h.SetTTY(master)
		h.AddOutput(master, StreamStdout, "stdout")
	}
	if ho.Stdin >= 0 {
		h.SetStdin(os.NewFile(uintptr(ho.Stdin), "stdin"))
	}
	if ho.Stdout >= 0 {
		h.AddOutput(os.NewFile(uintptr(ho.Stdout), "stdout"), StreamStdout, "stdout")
	}
	if ho.Stderr >= 0 {
		h.AddOutput(os.NewFile(uintptr(ho.Stderr), "stderr"), StreamStderr, "stderr")
	}
	for i, o := range h.outputs {
		h.outputs[i].partial = ho.Partial[o.name]
	}
	h.StartOutput()
}

// Hold serves the container until its process exits and returns how it
// exited. The caller must be the process's parent (a child subreaper).
func (h *Hub) Hold(pid int) ExitStatus {
	code, err := reap.Wait(pid)
	return h.drain(code, err)
}

// Exited is Hold for a process already reaped with the given code.
func (h *Hub) Exited(code int) ExitStatus { return h.drain(code, nil) }

func (h *Hub) drain(code int, err error) ExitStatus {
	h.WaitOutput(2 * time.Second)
	h.CloseClients()
	st := ExitStatus{ExitCode: code}
	if err != nil {
		st.Error = err.Error()
	}
	return st
}
