package e2e

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestRunInteractiveTTY runs `hull run -it busybox sh` under a real pty, as
// a user at a terminal would: the shell is PID 1, and a window resize of
// the user's terminal reaches the container.
func TestRunInteractiveTTY(t *testing.T) {
	cmd := hullCmd("run", "-it", "--rm", "busybox", "sh")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	out := &syncBuffer{}
	go io.Copy(out, ptmx)
	expect := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(out.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("terminal never showed %q; it shows:\n%s", what, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	io.WriteString(ptmx, "echo pid=$$\n")
	expect("pid=1")
	io.WriteString(ptmx, "stty size\n")
	expect("30 100")
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // SIGWINCH travels to hull, then to the monitor
	io.WriteString(ptmx, "stty size\n")
	expect("40 120")
	io.WriteString(ptmx, "exit 7\n")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("hull run -it did not exit after the shell exited")
	}
	if code := cmd.ProcessState.ExitCode(); code != 7 {
		t.Fatalf("exit code %d, want the shell's 7", code)
	}
}

// syncBuffer is a bytes.Buffer that one goroutine writes while another reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestDetachKeys detaches from `hull run -it` with ctrl-p ctrl-q: hull
// exits, the container keeps running, and `hull attach` reaches it again.
func TestDetachKeys(t *testing.T) {
	cmd := hullCmd("run", "-it", "--name", "detach-me", "busybox", "sh")
	ptmx, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	t.Cleanup(func() { hull(t, "rm", "-f", "detach-me") })
	out := &syncBuffer{}
	go io.Copy(out, ptmx)
	// Wait for the shell's own output (not the terminal's echo of what
	// was typed): by then hull's terminal is raw, so ctrl-q is no XON.
	io.WriteString(ptmx, "echo $((40+2))\n")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "42") {
		if time.Now().After(deadline) {
			t.Fatalf("no prompt output: %q", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	ptmx.Write([]byte{0x10, 0x11}) // ctrl-p ctrl-q
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("hull run -it did not detach on ctrl-p ctrl-q")
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("detach exit code %d, want 0", code)
	}
	if st := strings.TrimSpace(mustHull(t, "inspect", "-f", "{{.State.Status}}", "detach-me")); st != "running" {
		t.Fatalf("after detaching the container is %q, want running", st)
	}
}
