package monitor

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// WaitReaping waits for pid, the caller's child, reaping every other child
// that ends meanwhile (a subreaper inherits orphans), and returns its status
// as a shell reports it: the exit code, or 128 + the killing signal.
func WaitReaping(pid int) (int, error) {
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 255, fmt.Errorf("wait for process %d: %w", pid, err)
		}
		if got != pid {
			continue
		}
		if ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return ws.ExitStatus(), nil
	}
}

// ReapIfExited reaps pid if it has already exited, without waiting, and
// returns its status as WaitReaping would.
func ReapIfExited(pid int) (code int, exited bool) {
	var ws unix.WaitStatus
	got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	if err != nil || got != pid {
		return 0, false
	}
	if ws.Signaled() {
		return 128 + int(ws.Signal()), true
	}
	return ws.ExitStatus(), true
}
