package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/runtime"
	"github.com/hull-project/hull/internal/term"
)

type signalForwarder struct {
	ch   chan os.Signal
	done chan struct{}
}

// forwardSignals passes every signal this process receives to pid, as runc
// does, except those that concern this process alone.
func forwardSignals(pid int, tty *ttyRelay) *signalForwarder {
	f := &signalForwarder{ch: make(chan os.Signal, 32), done: make(chan struct{})}
	signal.Notify(f.ch)
	go func() {
		defer close(f.done)
		for sig := range f.ch {
			s := sig.(unix.Signal)
			switch s {
			case unix.SIGCHLD, unix.SIGURG, unix.SIGPIPE:
			case unix.SIGWINCH:
				if tty != nil {
					tty.resize()
				}
			default:
				unix.Kill(pid, s)
			}
		}
	}()
	return f
}

func (f *signalForwarder) stop() {
	signal.Stop(f.ch)
	close(f.ch)
	<-f.done
}

// ttyRelay connects the caller's terminal to a container's pty when run or
// exec is asked for a terminal without a console socket.
type ttyRelay struct {
	parentEnd, childEnd *os.File
	master              *os.File
	saved               *term.State
	outputDone          chan struct{}
	once                sync.Once
}

func newTTYRelay() (*ttyRelay, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("create console socket pair: %w", err)
	}
	return &ttyRelay{
		parentEnd:  os.NewFile(uintptr(fds[0]), "console-parent"),
		childEnd:   os.NewFile(uintptr(fds[1]), "console-child"),
		outputDone: make(chan struct{}),
	}, nil
}

// receive takes the pty master the container process sent.
func (t *ttyRelay) receive() error {
	t.childEnd.Close()
	master, err := runtime.RecvFD(t.parentEnd)
	if err != nil {
		return err
	}
	t.master = master
	return nil
}

// relay puts the caller's terminal in raw mode and copies both ways.
func (t *ttyRelay) relay(in, out *os.File) error {
	if st, err := term.MakeRaw(int(in.Fd())); err == nil {
		t.saved = st
		t.resize()
	}
	go io.Copy(t.master, in)
	go func() {
		io.Copy(out, t.master)
		close(t.outputDone)
	}()
	return nil
}

// drain waits briefly for the last output after the process exited.
func (t *ttyRelay) drain() {
	if t.master == nil {
		return
	}
	select {
	case <-t.outputDone:
	case <-time.After(time.Second):
	}
}

func (t *ttyRelay) resize() {
	if t.master == nil {
		return
	}
	term.CopySize(int(os.Stdin.Fd()), int(t.master.Fd()))
}

func (t *ttyRelay) Close() {
	t.once.Do(func() {
		t.saved.Restore()
		t.parentEnd.Close()
		t.childEnd.Close()
		if t.master != nil {
			t.master.Close()
		}
	})
}
