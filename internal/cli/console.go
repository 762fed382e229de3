package cli

import (
	"errors"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/runtime"
	"github.com/hull-project/hull/internal/term"
)

// consoleRelay connects this terminal to the pty of a process exec'd with
// a tty: the runtime sends the pty master over a socket pair.
type consoleRelay struct {
	parent, child *os.File
	master        *os.File
	saved         *term.State
	done          chan struct{}
}

func newConsoleRelay() (*consoleRelay, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return &consoleRelay{
		parent: os.NewFile(uintptr(fds[0]), "console"), child: os.NewFile(uintptr(fds[1]), "console-child"),
		done: make(chan struct{}),
	}, nil
}

func (r *consoleRelay) start(interactive bool) error {
	r.child.Close()
	master, err := runtime.RecvFD(r.parent)
	if err != nil {
		return err
	}
	r.master = master
	term.CopySize(int(os.Stdin.Fd()), int(master.Fd()))
	if interactive {
		r.saved, _ = term.MakeRaw(int(os.Stdin.Fd()))
		go io.Copy(master, os.Stdin)
	}
	go func() {
		io.Copy(os.Stdout, master)
		close(r.done)
	}()
	return nil
}

func (r *consoleRelay) drain() {
	select {
	case <-r.done:
	case <-time.After(time.Second):
	}
}

func (r *consoleRelay) close() {
	r.saved.Restore()
	r.parent.Close()
	r.child.Close()
	if r.master != nil {
		r.master.Close()
	}
}

func asProcessError(err error, target **runtime.ProcessError) bool {
	return errors.As(err, target)
}
