package cli

import (
	"io"
	"os"
	"os/signal"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/engine"
	"github.com/hull-project/hull/internal/term"
)

// streamer connects the caller's terminal or pipes to an attachment: the
// terminal in raw mode with the window size passed on, stdin copied in
// with docker's detach keys (ctrl-p ctrl-q) watched for.
type streamer struct {
	att      *engine.Attachment
	tty      bool
	stdin    bool
	saved    *term.State
	detached atomic.Bool
	winch    chan os.Signal
}

const (
	ctrlP = 0x10
	ctrlQ = 0x11
)

func newStreamer(att *engine.Attachment, tty, stdin bool) *streamer {
	return &streamer{att: att, tty: tty, stdin: stdin}
}

// run streams until the container's output ends or the user detaches;
// it reports whether the user detached.
func (s *streamer) run(stdout, stderr io.Writer) bool {
	if s.tty && s.stdin {
		s.makeRaw()
	}
	if s.tty {
		s.resize()
		s.winch = make(chan os.Signal, 1)
		signal.Notify(s.winch, unix.SIGWINCH)
		go func() {
			for range s.winch {
				s.resize()
			}
		}()
	}
	if s.stdin {
		go s.copyStdin()
	}
	if s.tty {
		io.Copy(stdout, s.att.Output())
	} else {
		engine.Demux(s.att.Output(), stdout, stderr)
	}
	return s.detached.Load()
}

func (s *streamer) copyStdin() {
	buf := make([]byte, 4096)
	sawCtrlP := false
	for {
		n, err := os.Stdin.Read(buf)
		if n > 0 {
			data := buf[:n]
			if s.tty {
				var detach bool
				data, sawCtrlP, detach = scanDetachKeys(data, sawCtrlP)
				if detach {
					s.detached.Store(true)
					s.att.Close()
					return
				}
			}
			if len(data) > 0 {
				if _, err := s.att.Write(data); err != nil {
					return
				}
			}
		}
		if err != nil {
			s.att.CloseStdin()
			return
		}
	}
}

// scanDetachKeys holds back a ctrl-p until the next byte shows whether it
// begins the detach sequence.
func scanDetachKeys(data []byte, sawCtrlP bool) (out []byte, pending, detach bool) {
	for _, b := range data {
		switch {
		case sawCtrlP && b == ctrlQ:
			return out, false, true
		case sawCtrlP:
			out = append(out, ctrlP)
			sawCtrlP = false
			if b == ctrlP {
				sawCtrlP = true
				continue
			}
			out = append(out, b)
		case b == ctrlP:
			sawCtrlP = true
		default:
			out = append(out, b)
		}
	}
	return out, sawCtrlP, false
}

func (s *streamer) makeRaw() {
	s.saved, _ = term.MakeRaw(int(os.Stdin.Fd()))
}

func (s *streamer) resize() {
	for _, f := range []*os.File{os.Stdin, os.Stdout} {
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil {
			s.att.Resize(ws.Row, ws.Col)
			return
		}
	}
}

func (s *streamer) restore() {
	if s.winch != nil {
		signal.Stop(s.winch)
		close(s.winch)
	}
	s.saved.Restore()
}
