package rootfs

import (
	"fmt"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// fakeMounter records the calls instead of making them. Targets given as
// /proc/self/fd/N[/name] are resolved at call time to where they point, so
// the record shows where each mount would land; paths in the rootfs are
// shown as $R/..., and /proc/self/fd sources as where they point too.
type fakeMounter struct {
	rootfs string             // resolved host path of the rootfs
	calls  []string           // what was done, one line each
	fail   map[string]error   // a call whose line starts with a key fails with its error
	mflags map[string]uintptr // flags(target) by shown path; default relatime
}

func (f *fakeMounter) show(p string) string {
	if rest, ok := strings.CutPrefix(p, "/proc/self/fd/"); ok {
		num, tail, _ := strings.Cut(rest, "/")
		link, err := os.Readlink("/proc/self/fd/" + num)
		if err != nil {
			return "BAD(" + p + ")"
		}
		p = path.Join(link, tail)
	}
	if f.rootfs != "" && pathHasPrefix(p, f.rootfs) {
		return "$R" + strings.TrimPrefix(p, f.rootfs)
	}
	return p
}

func (f *fakeMounter) record(line string) error {
	f.calls = append(f.calls, line)
	for prefix, err := range f.fail {
		if strings.HasPrefix(line, prefix) {
			return err
		}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (f *fakeMounter) mount(source, target, fstype string, flags uintptr, data string) error {
	return f.record(fmt.Sprintf("mount %s %s %s %s %s", orDash(f.show(source)), f.show(target), orDash(fstype), flagNames(flags), orDash(data)))
}

func (f *fakeMounter) unmount(target string, flags int) error {
	return f.record(fmt.Sprintf("umount %s %#x", f.show(target), flags))
}

func (f *fakeMounter) setattr(target string, flags uint, attr *unix.MountAttr) error {
	return f.record(fmt.Sprintf("setattr %s %#x set=%#x clr=%#x", f.show(target), flags, attr.Attr_set, attr.Attr_clr))
}

func (f *fakeMounter) mknod(p string, mode uint32, dev uint64, uid, gid int) error {
	return f.record(fmt.Sprintf("mknod %s %#o %d:%d %d:%d", f.show(p), mode, unix.Major(dev), unix.Minor(dev), uid, gid))
}

func (f *fakeMounter) flags(target string) (uintptr, error) {
	if fl, ok := f.mflags[f.show(target)]; ok {
		return fl, nil
	}
	return unix.MS_RELATIME, nil
}

var flagNameList = []struct {
	flag uintptr
	name string
}{
	{unix.MS_RDONLY, "RDONLY"}, {unix.MS_NOSUID, "NOSUID"}, {unix.MS_NODEV, "NODEV"}, {unix.MS_NOEXEC, "NOEXEC"},
	{unix.MS_SYNCHRONOUS, "SYNC"}, {unix.MS_REMOUNT, "REMOUNT"}, {unix.MS_MANDLOCK, "MANDLOCK"}, {unix.MS_DIRSYNC, "DIRSYNC"},
	{unix.MS_NOSYMFOLLOW, "NOSYMFOLLOW"}, {unix.MS_NOATIME, "NOATIME"}, {unix.MS_NODIRATIME, "NODIRATIME"},
	{unix.MS_BIND, "BIND"}, {unix.MS_MOVE, "MOVE"}, {unix.MS_REC, "REC"}, {unix.MS_SILENT, "SILENT"},
	{unix.MS_POSIXACL, "POSIXACL"}, {unix.MS_UNBINDABLE, "UNBINDABLE"}, {unix.MS_PRIVATE, "PRIVATE"},
	{unix.MS_SLAVE, "SLAVE"}, {unix.MS_SHARED, "SHARED"}, {unix.MS_RELATIME, "RELATIME"},
	{unix.MS_I_VERSION, "I_VERSION"}, {unix.MS_STRICTATIME, "STRICTATIME"}, {unix.MS_LAZYTIME, "LAZYTIME"},
}

// flagNames shows MS_* flags as RDONLY|NOSUID|...
func flagNames(flags uintptr) string {
	var names []string
	for _, f := range flagNameList {
		if flags&f.flag != 0 {
			names = append(names, f.name)
			flags &^= f.flag
		}
	}
	if flags != 0 {
		names = append(names, fmt.Sprintf("%#x", flags))
	}
	if len(names) == 0 {
		return "0"
	}
	return strings.Join(names, "|")
}

// fakeHost is a hybrid cgroup host like the development machines, with a
// shared "/" and /proc/kcore present.
func fakeHost(mountinfo, cgroup string) host {
	return host{
		mountinfo: func() ([]byte, error) { return []byte(mountinfo), nil },
		cgroup:    func() ([]byte, error) { return []byte(cgroup), nil },
		exists:    func(p string) bool { return p == "/proc/kcore" },
		isDir: func(p string) (bool, error) {
			if pathHasPrefix(p, cgroupRoot) {
				return true, nil // the fake hierarchies
			}
			return realHost().isDir(p)
		},
	}
}

const hybridMountinfo = `22 27 0:21 / /proc rw,relatime shared:5 - proc proc rw
23 27 0:22 / /sys rw,relatime shared:6 - sysfs sysfs rw
27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
`

const hybridCgroup = `9:name=systemd:/user.slice/c1
4:memory:/user.slice/c1
2:cpu,cpuacct:/user.slice/c1
0::/user.slice/c1
`

const unifiedMountinfo = `27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate
`
