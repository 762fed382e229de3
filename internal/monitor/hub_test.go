package monitor

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newTestHub(t *testing.T) (*Hub, string) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "attach.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	h := NewHub(ln)
	t.Cleanup(h.Close)
	logFile, err := os.Create(filepath.Join(t.TempDir(), "log.json"))
	if err != nil {
		t.Fatal(err)
	}
	h.SetLog(logFile)
	return h, sock
}

// TestAttachGetsFramedOutputAndWaiterTheExit runs the protocol end to end
// in one process: output written to the container's pipes reaches an
// attached client as docker stdcopy frames and the log as json-file lines,
// stdin from the client reaches the container, and a waiter hears the exit.
func TestAttachGetsFramedOutputAndWaiterTheExit(t *testing.T) {
	h, sock := newTestHub(t)
	outR, outW, _ := os.Pipe()
	errR, errW, _ := os.Pipe()
	inR, inW, _ := os.Pipe()
	h.AddOutput(outR, StreamStdout, "stdout")
	h.AddOutput(errR, StreamStderr, "stderr")
	h.SetStdin(inW)
	waiter, err := Dial(sock, AttachOptions{Wait: true})
	if err != nil {
		t.Fatal(err)
	}
	att, err := Dial(sock, AttachOptions{Stdin: true, Stdout: true, Stderr: true})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-h.FirstAttach():
	case <-time.After(5 * time.Second):
		t.Fatal("first attach never noticed")
	}
	h.StartOutput()
	outW.WriteString("to stdout\n")
	errW.WriteString("to stderr\n")
	att.Write([]byte("typed\n"))
	buf := make([]byte, 6)
	inR.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _ := inR.Read(buf); string(buf[:n]) != "typed\n" {
		t.Fatalf("container stdin got %q", buf[:n])
	}
	outW.Close()
	errW.Close()
	h.WaitOutput(5 * time.Second)
	h.CloseClients()
	var stdout, stderr bytes.Buffer
	att.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := Demux(att.Output(), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "to stdout\n" || stderr.String() != "to stderr\n" {
		t.Fatalf("attached client got stdout %q stderr %q", stdout.String(), stderr.String())
	}
	// As the monitor does at the end: stop accepting, adopting every
	// client already accepted, then tell the waiters.
	h.Close()
	h.NotifyWaiters(ExitStatus{ExitCode: 3})
	waiter.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	st, err := waiter.ReadExit()
	if err != nil || st.ExitCode != 3 {
		t.Fatalf("waiter read %+v, %v", st, err)
	}
	log, _ := os.ReadFile(h.logFile.Name())
	if !strings.Contains(string(log), `"log":"to stdout\n","stream":"stdout"`) || !strings.Contains(string(log), `"stream":"stderr"`) {
		t.Fatalf("log file:\n%s", log)
	}
}

// TestExportImportKeepsWaiters hands a hub over within one process, as the
// monitor does across execve, and checks that a waiter still hears the exit.
func TestExportImportKeepsWaiters(t *testing.T) {
	h, sock := newTestHub(t)
	waiter, err := Dial(sock, AttachOptions{Wait: true})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	ho, err := h.Export(42)
	if err != nil {
		t.Fatal(err)
	}
	if len(ho.Waiters) != 1 || ho.Pid != 42 || ho.Listener < 0 {
		t.Fatalf("handoff %+v", ho)
	}
	h2, err := Import(ho)
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	late, err := Dial(sock, AttachOptions{Wait: true})
	if err != nil {
		t.Fatalf("dial after the handoff: %v", err)
	}
	for deadline := time.Now().Add(5 * time.Second); waiters(h2) < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the new hub never adopted the waiter that came after the handoff")
		}
	}
	h2.Close()
	h2.NotifyWaiters(ExitStatus{ExitCode: 7})
	for _, w := range []*Attachment{waiter, late} {
		w.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if st, err := w.ReadExit(); err != nil || st.ExitCode != 7 {
			t.Fatalf("waiter read %+v, %v", st, err)
		}
	}
}

func TestInputFrames(t *testing.T) {
	var b bytes.Buffer
	writeInputFrame(&b, inputResize, []byte{0, 30, 0, 100})
	kind, data, err := readInputFrame(&b)
	if err != nil || kind != inputResize || !bytes.Equal(data, []byte{0, 30, 0, 100}) {
		t.Fatalf("frame round trip: %d %v %v", kind, data, err)
	}
	b.Write([]byte{inputData, 0xff, 0xff, 0xff, 0xff})
	if _, _, err := readInputFrame(&b); err == nil {
		t.Fatal("a 4 GB input frame was accepted")
	}
}

func waiters(h *Hub) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.waiters)
}

// TestPauseOutputKeepsHalfALine pauses a copy in the middle of a line, as
// a handover does: the half read so far travels with the stream, and the
// log gets the whole line once, when the copy resumes and the line ends.
func TestPauseOutputKeepsHalfALine(t *testing.T) {
	h, _ := newTestHub(t)
	outR, outW, _ := os.Pipe()
	h.AddOutput(outR, StreamStdout, "stdout")
	if !h.CanPauseOutput() {
		t.Fatal("a pipe's copy cannot be paused")
	}
	h.StartOutput()
	outW.WriteString("whole\nhal") // one write: the copy reads it whole
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if data, _ := os.ReadFile(h.logFile.Name()); strings.Contains(string(data), "whole") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the copy never logged the first line")
		}
	}
	h.PauseOutput()
	if len(h.outputs) != 1 || string(h.outputs[0].partial) != "hal" {
		t.Fatalf("after the pause: outputs %+v, want the stream with \"hal\" pending", h.outputs)
	}
	outW.WriteString("f a line\n")
	outW.Close()
	h.StartOutput()
	h.WaitOutput(5 * time.Second)
	data, err := os.ReadFile(h.logFile.Name())
	if err != nil {
		t.Fatal(err)
	}
	log := string(data)
	if strings.Count(log, `"log":`) != 2 || !strings.Contains(log, `"log":"whole\n"`) || !strings.Contains(log, `"log":"half a line\n"`) {
		t.Fatalf("log:\n%s", log)
	}
}
