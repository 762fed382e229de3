package image

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// fileLock is an flock(2) on one file: shared for readers, exclusive for
// writers. It orders hull processes, not goroutines; Store adds a mutex for
// those.
type fileLock struct{ path string }

func (l fileLock) acquire(exclusive bool) (*os.File, error) {
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", l.path, err)
	}
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	for {
		err = unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", l.path, err)
	}
	return f, nil
}

// with runs fn holding the lock.
func (l fileLock) with(exclusive bool, fn func() error) error {
	f, err := l.acquire(exclusive)
	if err != nil {
		return err
	}
	defer f.Close() // closing the last fd releases the flock
	return fn()
}
