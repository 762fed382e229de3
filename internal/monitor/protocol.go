package monitor

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
)

// The attach protocol between a client (hull run, hull attach, the API
// server) and a container's monitor, over <container dir>/attach.sock:
//
//	client                                   monitor
//	  |-- {"stdin":..,"stdout":..,"stderr":..}\n -->|
//	  |<-- output: raw bytes with a tty, else ------|  docker's stdcopy frames
//	  |    [stream 1|2, 0, 0, 0, size u32 BE][data] |
//	  |-- input frames [kind][size u32 BE][data] -->|  stdin, stdin EOF, resize
//	  |<-- EOF once the container has exited -------|  (its record is final)
//
// Output frames are docker's, so the API server can pass them through.

// AttachOptions says which streams a client wants.
type AttachOptions struct {
	Stdin  bool `json:"stdin"`
	Stdout bool `json:"stdout"`
	Stderr bool `json:"stderr"`
	// Wait asks for no stream but one JSON line, an ExitStatus, when the
	// container exits; it survives --rm removing the record.
	Wait bool `json:"wait,omitempty"`
}

// ExitStatus is how a container's process ended.
type ExitStatus struct {
	ExitCode  int    `json:"exit_code"`
	OOMKilled bool   `json:"oom_killed"`
	Error     string `json:"error,omitempty"`
}

// Stream numbers of docker's stdcopy frames.
const (
	StreamStdin  = 0
	StreamStdout = 1
	StreamStderr = 2
)

// Input frame kinds.
const (
	inputData   = 0
	inputClose  = 1
	inputResize = 2
)

// writeFrame writes one stdcopy (output) or input frame.
func writeFrame(w io.Writer, kind byte, data []byte) error {
	hdr := make([]byte, 8, 8+len(data))
	hdr[0] = kind
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(data)))
	_, err := w.Write(append(hdr, data...))
	return err
}

func writeInputFrame(w io.Writer, kind byte, data []byte) error {
	hdr := make([]byte, 5, 5+len(data))
	hdr[0] = kind
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(data)))
	_, err := w.Write(append(hdr, data...))
	return err
}

func readInputFrame(r io.Reader) (kind byte, data []byte, err error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > 1<<20 {
		return 0, nil, fmt.Errorf("attach: input frame of %d bytes is too large", n)
	}
	data = make([]byte, n)
	_, err = io.ReadFull(r, data)
	return hdr[0], data, err
}

// Demux copies docker stdcopy frames from r to stdout and stderr until r ends.
func Demux(r io.Reader, stdout, stderr io.Writer) error {
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		out := stdout
		if hdr[0] == StreamStderr {
			out = stderr
		}
		n := int64(binary.BigEndian.Uint32(hdr[4:]))
		if _, err := io.CopyN(out, r, n); err != nil {
			return err
		}
	}
}

// Attachment is a client's connection to a container's monitor.
type Attachment struct {
	conn *net.UnixConn
}

// Output is the container's output: stdcopy frames, or raw with a tty.
func (a *Attachment) Output() io.Reader { return a.conn }

// Write sends stdin data.
func (a *Attachment) Write(p []byte) (int, error) {
	if err := writeInputFrame(a.conn, inputData, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseStdin tells the monitor that stdin has ended.
func (a *Attachment) CloseStdin() error { return writeInputFrame(a.conn, inputClose, nil) }

// Resize passes a terminal size to the container's pty.
func (a *Attachment) Resize(height, width uint16) error {
	data := make([]byte, 4)
	binary.BigEndian.PutUint16(data, height)
	binary.BigEndian.PutUint16(data[2:], width)
	return writeInputFrame(a.conn, inputResize, data)
}

// Close ends the attachment; the container keeps running.
func (a *Attachment) Close() error { return a.conn.Close() }

// ReadExit reads the ExitStatus a Wait attachment receives.
func (a *Attachment) ReadExit() (ExitStatus, error) {
	var st ExitStatus
	err := json.NewDecoder(a.conn).Decode(&st)
	return st, err
}

// ViaDirFD turns a socket path that may exceed the 108 bytes a unix socket
// address holds into /proc/self/fd/<n>/<name>, through an open descriptor
// of its directory; release closes that descriptor.
func ViaDirFD(socket string) (short string, release func(), err error) {
	dir, err := os.Open(filepath.Dir(socket))
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprintf("/proc/self/fd/%d/%s", dir.Fd(), filepath.Base(socket)), func() { dir.Close() }, nil
}

// Dial connects to the monitor listening on socket.
func Dial(socket string, opts AttachOptions) (*Attachment, error) {
	short, release, err := ViaDirFD(socket)
	if err != nil {
		return nil, fmt.Errorf("attach to container monitor: %w", err)
	}
	defer release()
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: short, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("attach to container monitor: %w", err)
	}
	hello, _ := json.Marshal(opts)
	if _, err := conn.Write(append(hello, '\n')); err != nil {
		conn.Close()
		return nil, fmt.Errorf("attach to container monitor: %w", err)
	}
	return &Attachment{conn: conn}, nil
}
