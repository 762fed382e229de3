package runtime

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// protectedExe returns a file of this binary that no process can write
// through, to re-execute as a container's init or exec'd process.
//
// A process inside the container can open /proc/<pid>/exe of a runtime
// process that entered its namespaces and, once that process has exec'd,
// write to the binary on the host (CVE-2019-5736). Executing the binary from
// a detached, read-only clone of its mount makes such a write fail with
// EROFS, costs two system calls and copies nothing; the clone disappears
// with the last process using it. Kernels without open_tree(2) get a sealed
// in-memory copy instead, as runc does.
func protectedExe(path string) (*os.File, error) {
	if path == "" {
		path = "/proc/self/exe"
	}
	fd, err := unix.OpenTree(unix.AT_FDCWD, path, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err == nil {
		attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
		if err = unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, attr); err == nil {
			return os.NewFile(uintptr(fd), "hull-runtime (read-only)"), nil
		}
		unix.Close(fd)
	}
	return sealedCopy(path)
}

func sealedCopy(path string) (*os.File, error) {
	fd, err := unix.MemfdCreate("hull-runtime", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("protect the runtime binary: %w", err)
	}
	mem := os.NewFile(uintptr(fd), "hull-runtime (sealed copy)")
	self, err := os.Open(path)
	if err != nil {
		mem.Close()
		return nil, err
	}
	defer self.Close()
	if _, err := io.Copy(mem, self); err != nil {
		mem.Close()
		return nil, fmt.Errorf("copy the runtime binary: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(mem.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		mem.Close()
		return nil, fmt.Errorf("seal the runtime binary copy: %w", err)
	}
	return mem, nil
}
