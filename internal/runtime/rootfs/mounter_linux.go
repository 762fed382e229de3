package rootfs

import (
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// mounter is every privileged call this package makes on the mount table or
// that needs CAP_MKNOD. Targets are paths, usually /proc/self/fd/N of a
// descriptor opened safely inside the rootfs; a recording fake resolves them
// to tell where a mount would land, so the plan is testable without root.
type mounter interface {
	mount(source, target, fstype string, flags uintptr, data string) error
	unmount(target string, flags int) error
	// setattr is mount_setattr(2) on target with the given AT_* flags.
	setattr(target string, flags uint, attr *unix.MountAttr) error
	// mknod creates a device node owned by uid:gid; path's last component
	// is not followed.
	mknod(path string, mode uint32, dev uint64, uid, gid int) error
	// flags returns the MS_* flags of the mount that target is on.
	flags(target string) (uintptr, error)
}

// sysMounter makes the real system calls.
type sysMounter struct{}

func (sysMounter) mount(source, target, fstype string, flags uintptr, data string) error {
	return unix.Mount(source, target, fstype, flags, data)
}

func (sysMounter) unmount(target string, flags int) error {
	return unix.Unmount(target, flags)
}

func (sysMounter) setattr(target string, flags uint, attr *unix.MountAttr) error {
	return unix.MountSetattr(-1, target, flags, attr)
}

func (sysMounter) mknod(path string, mode uint32, dev uint64, uid, gid int) error {
	if err := unix.Mknod(path, mode, int(dev)); err != nil {
		return err
	}
	return unix.Lchown(path, uid, gid)
}

func (sysMounter) flags(target string) (uintptr, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(target, &st); err != nil {
		return 0, &os.PathError{Op: "statfs", Path: target, Err: err}
	}
	return statfsFlags(int64(st.Flags)), nil
}

// host is what this package reads about the machine outside the rootfs;
// tests replace it to get the same plan everywhere.
type host struct {
	mountinfo func() ([]byte, error) // /proc/self/mountinfo
	cgroup    func() ([]byte, error) // /proc/self/cgroup
	exists    func(path string) bool
	isDir     func(path string) (bool, error) // stat(2), following symlinks
}

// realHost reads the machine. The mount table is read once per host: the
// steps that look at it (the rootfs's parent mount, the cgroup
// hierarchies, the host's proc and sysfs) look at mounts outside the
// rootfs, which preparing the rootfs does not change; and reading it costs
// more the more containers run.
func realHost() host {
	mountinfo := sync.OnceValues(func() ([]byte, error) { return os.ReadFile("/proc/self/mountinfo") })
	return host{
		mountinfo: mountinfo,
		cgroup:    func() ([]byte, error) { return os.ReadFile("/proc/self/cgroup") },
		exists: func(path string) bool {
			_, err := os.Stat(path)
			return err == nil
		},
		isDir: func(path string) (bool, error) {
			fi, err := os.Stat(path)
			return err == nil && fi.IsDir(), err
		},
	}
}
