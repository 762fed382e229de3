package runtime

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// WaitReaping waits for pid, a container process the caller adopted as a
// child subreaper (it is the caller's grandchild), reaping every other
// child that ends meanwhile, and returns its status as a shell reports it:
// the exit code, or 128 + the number of the signal that killed it.
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
