package monitor

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/jsonlog"
)

// Hub serves one container's attach and wait clients and carries its
// output to the log and to attached clients.
type Hub struct {
	mu          sync.Mutex
	listener    *net.UnixListener
	clients     map[*client]bool
	waiters     []*net.UnixConn
	firstAttach chan struct{}
	attachOnce  sync.Once
	stdin       io.WriteCloser // the container's stdin, nil once closed
	tty         *os.File       // the pty master when the container has a tty
	log         *jsonlog.Writer
	logFile     *os.File
	outputs     []output // registered, not yet copied (or paused)
	copying     []output // being copied
	pausing     bool     // PauseOutput is stopping the copies
	output      sync.WaitGroup
	greeting    sync.WaitGroup // accepted clients whose hello is being read
	acceptDone  chan struct{}  // closed when acceptLoop has returned
}

type output struct {
	f      *os.File
	stream byte
	name   string
	// partial is the start of a log line read but not yet logged when the
	// copy paused; the next copy logs it first.
	partial []byte
}

type client struct {
	conn *net.UnixConn
	opts AttachOptions
}

// NewHub serves clients on listener.
func NewHub(listener *net.UnixListener) *Hub {
	h := &Hub{listener: listener, clients: map[*client]bool{}, firstAttach: make(chan struct{}), acceptDone: make(chan struct{})}
	go h.acceptLoop()
	return h
}

// FirstAttach is closed when the first attach (not wait) client arrives.
func (h *Hub) FirstAttach() <-chan struct{} { return h.firstAttach }

// SetLog sends output to the json-file log f.
func (h *Hub) SetLog(f *os.File) {
	h.logFile, h.log = f, jsonlog.NewWriter(f)
}

// SetStdin is where attached clients' input goes.
func (h *Hub) SetStdin(w io.WriteCloser) {
	h.mu.Lock()
	h.stdin = w
	h.mu.Unlock()
}

// SetTTY makes output raw and lets clients resize the pty.
func (h *Hub) SetTTY(master *os.File) {
	h.mu.Lock()
	h.tty, h.stdin = master, master
	h.mu.Unlock()
}

// AddOutput registers one of the container's output streams; StartOutput
// begins copying it. Until then it can still be handed over.
func (h *Hub) AddOutput(r *os.File, stream byte, name string) {
	h.outputs = append(h.outputs, output{f: r, stream: stream, name: name})
}

// StartOutput copies every registered stream to the log and every attached
// client until the container closes it.
func (h *Hub) StartOutput() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pausing = false
	for _, o := range h.outputs {
		h.copying = append(h.copying, o)
		h.copyOutput(o)
	}
	h.outputs = nil
}

// CanPauseOutput reports whether PauseOutput can stop the copies: pipes,
// whose reads a deadline interrupts, yes; a pty master, no.
func (h *Hub) CanPauseOutput() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.tty == nil
}

// PauseOutput stops the copies StartOutput began and registers their
// streams again, with what they read of a line not yet logged, so that
// they can be handed over or started again. Only when CanPauseOutput.
func (h *Hub) PauseOutput() {
	h.mu.Lock()
	h.pausing = true
	for _, o := range h.copying {
		o.f.SetReadDeadline(time.Now())
	}
	h.mu.Unlock()
	h.output.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, o := range h.outputs {
		o.f.SetReadDeadline(time.Time{})
	}
}

func (h *Hub) copyOutput(o output) {
	h.output.Add(1)
	go func() {
		defer h.output.Done()
		logStream := h.log.Stream(o.name)
		logStream.Write(o.partial)
		// A pipe hands out at most 64 KiB at a time; 16 KiB keeps each
		// idle monitor small and costs one more read per burst.
		buf := make([]byte, 16*1024)
		for {
			n, err := o.f.Read(buf)
			if n > 0 {
				logStream.Write(buf[:n])
				h.broadcast(o.stream, buf[:n])
			}
			if err == nil {
				continue
			}
			h.mu.Lock()
			h.copying = slices.DeleteFunc(h.copying, func(c output) bool { return c.f == o.f })
			if h.pausing && errors.Is(err, os.ErrDeadlineExceeded) {
				if p, ok := logStream.(interface{ Pending() []byte }); ok {
					o.partial = p.Pending()
				}
				h.outputs = append(h.outputs, o)
				h.mu.Unlock()
				return
			}
			h.mu.Unlock()
			// EOF, or EIO from a pty whose last holder exited.
			logStream.Close()
			o.f.Close()
			return
		}
	}()
}

// WaitOutput waits until every output stream has ended, or timeout.
func (h *Hub) WaitOutput(timeout time.Duration) {
	done := make(chan struct{})
	go func() { h.output.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
	}
}

func (h *Hub) broadcast(stream byte, data []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cl := range h.clients {
		if (stream == StreamStdout && !cl.opts.Stdout) || (stream == StreamStderr && !cl.opts.Stderr) {
			continue
		}
		cl.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
		var err error
		if h.tty != nil {
			_, err = cl.conn.Write(data)
		} else {
			err = writeFrame(cl.conn, stream, data)
		}
		if err != nil {
			cl.conn.Close()
			delete(h.clients, cl)
		}
	}
}

func (h *Hub) acceptLoop() {
	defer close(h.acceptDone)
	for {
		conn, err := h.listener.AcceptUnix()
		if err != nil {
			return
		}
		h.greeting.Add(1)
		go h.serve(conn)
	}
}

func (h *Hub) serve(conn *net.UnixConn) {
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := readHello(conn)
	conn.SetReadDeadline(time.Time{})
	var opts AttachOptions
	if err != nil || json.Unmarshal(line, &opts) != nil {
		conn.Close()
		h.greeting.Done()
		return
	}
	h.adopt(conn, opts, conn)
	h.greeting.Done()
}

// readHello reads the client's first line a byte at a time: nothing after
// it may sit in a buffer, because the connection may be handed to another
// process.
func readHello(r io.Reader) ([]byte, error) {
	var line []byte
	b := make([]byte, 1)
	for len(line) < 4096 {
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		if b[0] == '\n' {
			return line, nil
		}
		line = append(line, b[0])
	}
	return nil, io.ErrShortBuffer
}

// adopt takes a connected client; r reads what follows its hello.
func (h *Hub) adopt(conn *net.UnixConn, opts AttachOptions, r io.Reader) {
	h.mu.Lock()
	if opts.Wait {
		h.waiters = append(h.waiters, conn)
		h.mu.Unlock()
		return
	}
	cl := &client{conn: conn, opts: opts}
	h.clients[cl] = true
	h.mu.Unlock()
	h.attachOnce.Do(func() { close(h.firstAttach) })
	go h.serveInput(r, cl)
}

// serveInput applies a client's input frames until it disconnects.
func (h *Hub) serveInput(r io.Reader, cl *client) {
	for {
		kind, data, err := readInputFrame(r)
		if err != nil {
			return
		}
		h.mu.Lock()
		switch {
		case kind == inputData && cl.opts.Stdin && h.stdin != nil:
			h.stdin.Write(data)
		case kind == inputClose && cl.opts.Stdin && h.stdin != nil && h.tty == nil:
			h.stdin.Close()
			h.stdin = nil
		case kind == inputResize && h.tty != nil && len(data) == 4:
			ws := &unix.Winsize{Row: binary.BigEndian.Uint16(data), Col: binary.BigEndian.Uint16(data[2:])}
			unix.IoctlSetWinsize(int(h.tty.Fd()), unix.TIOCSWINSZ, ws)
		}
		h.mu.Unlock()
	}
}

// CloseClients ends every attachment: the container has exited.
func (h *Hub) CloseClients() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cl := range h.clients {
		cl.conn.Close()
		delete(h.clients, cl)
	}
}

// NotifyWaiters tells every wait client how the container ended.
func (h *Hub) NotifyWaiters(st ExitStatus) {
	data, _ := json.Marshal(st)
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, w := range h.waiters {
		w.SetWriteDeadline(time.Now().Add(time.Second))
		w.Write(append(data, '\n'))
		w.Close()
	}
	h.waiters = nil
}

// Close stops accepting clients; every client already accepted is
// adopted first, so that a waiter that just arrived is still told.
func (h *Hub) Close() {
	h.stopAccepting()
	h.listener.Close()
}

// stopAccepting ends acceptLoop and waits until every client it accepted
// has been adopted.
func (h *Hub) stopAccepting() {
	h.listener.SetDeadline(time.Now())
	<-h.acceptDone
	h.greeting.Wait()
}
