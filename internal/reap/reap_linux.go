// Package reap waits for processes the caller adopted as a child
// subreaper, and reports their status as a shell would.
package reap

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Wait waits for pid, reaping every other child that ends meanwhile (a
// subreaper inherits orphans), and returns its status as a shell reports
// it: the exit code, or 128 + the number of the signal that killed it.
func Wait(pid int) (int, error) {
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 255, fmt.Errorf("wait for process %d: %w", pid, err)
		}
		if got == pid {
			return status(ws), nil
		}
	}
}

// IfExited reaps pid if it has already exited, without waiting.
func IfExited(pid int) (code int, exited bool) {
	var ws unix.WaitStatus
	got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	if err != nil || got != pid {
		return 0, false
	}
	return status(ws), true
}

func status(ws unix.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// ExitedWithin is IfExited after waiting up to d for the child to exit,
// without reaping anything else meanwhile.
func ExitedWithin(pid int, d time.Duration) (code int, exited bool) {
	if fd, err := unix.PidfdOpen(pid, 0); err == nil {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			_, err := unix.Poll(fds, int(d.Milliseconds()))
			if !errors.Is(err, unix.EINTR) {
				break
			}
		}
		unix.Close(fd)
	}
	return IfExited(pid)
}
