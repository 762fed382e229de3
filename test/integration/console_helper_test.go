package integration

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// consoleSocket receives a pty master over a unix socket, as containerd's
// shim does: the runtime connects and sends the fd with SCM_RIGHTS.
type consoleSocket struct {
	path string
	ln   *net.UnixListener
	got  chan *os.File
	errc chan error
}

// newConsoleSocket listens on a fresh socket path and accepts one fd.
func newConsoleSocket(t testing.TB) *consoleSocket {
	t.Helper()
	path := filepath.Join(t.TempDir(), "console.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	cs := &consoleSocket{path: path, ln: ln, got: make(chan *os.File, 1), errc: make(chan error, 1)}
	t.Cleanup(func() { ln.Close() })
	go cs.accept()
	return cs
}

func (cs *consoleSocket) accept() {
	conn, err := cs.ln.AcceptUnix()
	if err != nil {
		cs.errc <- err
		return
	}
	defer conn.Close()
	f, err := recvFd(conn)
	if err != nil {
		cs.errc <- err
		return
	}
	cs.got <- f
}

// recvFd reads one message carrying exactly one fd.
func recvFd(conn *net.UnixConn) (*os.File, error) {
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, err
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return nil, err
	}
	if len(msgs) != 1 {
		return nil, fmt.Errorf("want one control message, got %d", len(msgs))
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil {
		return nil, err
	}
	if len(fds) != 1 {
		return nil, fmt.Errorf("want one fd, got %d", len(fds))
	}
	return os.NewFile(uintptr(fds[0]), string(buf[:n])), nil
}

// master waits for the pty master and closes it when the test ends.
func (cs *consoleSocket) master(t testing.TB) *os.File {
	t.Helper()
	select {
	case f := <-cs.got:
		t.Cleanup(func() { f.Close() })
		return f
	case err := <-cs.errc:
		t.Fatalf("console socket: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatalf("console socket: no fd received after 10s")
	}
	return nil
}

// ptyReader collects everything read from a pty master in the background.
type ptyReader struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	done chan struct{}
}

func readPty(f *os.File) *ptyReader {
	r := &ptyReader{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		b := make([]byte, 4096)
		for {
			n, err := f.Read(b)
			r.mu.Lock()
			r.buf.Write(b[:n])
			r.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return r
}

func (r *ptyReader) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

// waitFor polls until the output contains want.
func (r *ptyReader) waitFor(t testing.TB, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out := r.String()
		if bytes.Contains([]byte(out), []byte(want)) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("terminal output lacks %q after 10s:\n%q", want, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
