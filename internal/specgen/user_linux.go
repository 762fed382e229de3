package specgen

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// maxUserFile bounds how much of an image's passwd or group file is read.
const maxUserFile = 16 << 20

// readInRoot reads the regular file name (relative) inside root, resolving
// every symlink and ".." as if root were "/". A missing file reads as nil.
func readInRoot(root, name string) ([]byte, error) {
	dir, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open root %s: %w", root, err)
	}
	defer unix.Close(dir)
	fd, err := unix.Openat2(dir, name, &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NONBLOCK | unix.O_NOCTTY,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	})
	if errors.Is(err, unix.ENOENT) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open /%s in %s: %w", name, root, err)
	}
	f := os.NewFile(uintptr(fd), "/"+name)
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("read /%s in %s: not a regular file", name, root)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxUserFile))
	if err != nil {
		return nil, fmt.Errorf("read /%s in %s: %w", name, root, err)
	}
	return data, nil
}
