// Package term switches the caller's terminal to raw mode and back, for
// the commands that connect it to a container's pty.
package term

import "golang.org/x/sys/unix"

// State is a terminal's settings before MakeRaw, to Restore.
type State struct {
	fd    int
	saved unix.Termios
}

// MakeRaw puts the terminal on fd in raw mode (cfmakeraw(3)): input passes
// byte for byte, so ctrl-c and ctrl-q reach the container, and output is
// not post-processed. It fails when fd is not a terminal.
func MakeRaw(fd int) (*State, error) {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	st := &State{fd: fd, saved: *t}
	raw := *t
	raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	raw.Oflag &^= unix.OPOST
	raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	raw.Cflag &^= unix.CSIZE | unix.PARENB
	raw.Cflag |= unix.CS8
	raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &raw); err != nil {
		return nil, err
	}
	return st, nil
}

// Restore puts back the settings MakeRaw replaced. A nil State does nothing.
func (s *State) Restore() {
	if s != nil {
		unix.IoctlSetTermios(s.fd, unix.TCSETS, &s.saved)
	}
}

// CopySize gives the pty master to the window size of the terminal on fd.
func CopySize(fd, master int) error {
	ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
	if err != nil {
		return err
	}
	return unix.IoctlSetWinsize(master, unix.TIOCSWINSZ, ws)
}
