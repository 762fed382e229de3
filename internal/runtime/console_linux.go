package runtime

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/runtime/rootfs"
)

// setupConsole gives the process a new pseudo-terminal from the container's
// own devpts: the slave becomes its stdio and controlling terminal (and,
// for init, /dev/console); the master goes to whoever listens on the
// console socket, as runc sends it, which containerd's shim relies on.
func setupConsole(cfg *initConfig, isInit bool) error {
	if cfg.ConsoleFD < 0 {
		return fmt.Errorf("process.terminal is true but no console socket was given")
	}
	master, slavePath, err := openPTY()
	if err != nil {
		return err
	}
	defer master.Close()
	if size := cfg.Process.ConsoleSize; size != nil {
		ws := &unix.Winsize{Row: uint16(size.Height), Col: uint16(size.Width)}
		if err := unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, ws); err != nil {
			return fmt.Errorf("set console size: %w", err)
		}
	}
	if isInit {
		if err := rootfs.BindConsole(slavePath); err != nil {
			return fmt.Errorf("mount /dev/console: %w", err)
		}
	}
	if err := sendFD(cfg.ConsoleFD, master); err != nil {
		return fmt.Errorf("send console to the console socket: %w", err)
	}
	unix.Close(cfg.ConsoleFD)
	return becomeTerminalOwner(slavePath)
}

func openPTY() (*os.File, string, error) {
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, "", fmt.Errorf("open /dev/ptmx: %w", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, "", fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, "", fmt.Errorf("get pty number: %w", err)
	}
	return master, "/dev/pts/" + strconv.Itoa(int(n)), nil
}

// becomeTerminalOwner makes the slave the process's stdio and controlling
// terminal, in a new session.
func becomeTerminalOwner(slavePath string) error {
	slave, err := unix.Open(slavePath, unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", slavePath, err)
	}
	defer unix.Close(slave)
	for fd := 0; fd <= 2; fd++ {
		if err := unix.Dup3(slave, fd, 0); err != nil {
			return fmt.Errorf("dup console to fd %d: %w", fd, err)
		}
	}
	if _, err := unix.Setsid(); err != nil {
		return fmt.Errorf("setsid: %w", err)
	}
	if err := unix.IoctlSetInt(0, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("set controlling terminal: %w", err)
	}
	return nil
}

// sendFD passes f over the unix socket fd with SCM_RIGHTS, with its name as
// the message, as runc's utils.SendFile does.
func sendFD(socket int, f *os.File) error {
	name := []byte(f.Name())
	rights := unix.UnixRights(int(f.Fd()))
	return unix.Sendmsg(socket, name, rights, nil, 0)
}

// RecvFD receives one descriptor sent with SCM_RIGHTS over socket.
func RecvFD(socket *os.File) (*os.File, error) {
	name := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(int(socket.Fd()), name, oob, 0)
	if err != nil {
		return nil, fmt.Errorf("receive descriptor: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, fmt.Errorf("receive descriptor: no descriptor in message")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, fmt.Errorf("receive descriptor: %v", err)
	}
	return os.NewFile(uintptr(fds[0]), string(name[:n])), nil
}
