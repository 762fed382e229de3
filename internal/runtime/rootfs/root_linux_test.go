package rootfs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The root-only tests run the real sequence in a child process (this test
// binary re-executed) cloned into fresh mount, pid, network, ipc and uts
// namespaces, so nothing can touch the host's mount table; the child checks
// the result from inside and reports failures on its output.

const (
	helperEnv = "HULL_ROOTFS_TEST_HELPER"
	helperDir = "HULL_ROOTFS_TEST_DIR"
)

func TestMain(m *testing.M) {
	if scenario := os.Getenv(helperEnv); scenario != "" {
		os.Exit(runHelper(scenario, os.Getenv(helperDir)))
	}
	os.Exit(m.Run())
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: mounts in new namespaces")
	}
}

// runInNamespaces runs scenario in a child in new namespaces and fails the
// test with the child's report; afterwards nothing mentioning dir may be
// in the host's mount table.
func runInNamespaces(t *testing.T, scenario, dir string, cloneflags uintptr) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+scenario, helperDir+"="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWIPC | unix.CLONE_NEWUTS | cloneflags,
		Pdeathsig:  syscall.SIGKILL,
	}
	if cloneflags&unix.CLONE_NEWUSER != 0 {
		ids := []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}}
		cmd.SysProcAttr.UidMappings, cmd.SysProcAttr.GidMappings = ids, ids
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s in new namespaces: %v\n%s", scenario, err, out)
	}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mi), dir) {
		t.Errorf("a mount leaked to the host:\n%s", mi)
	}
}

// makeRootfs builds a small image: busybox if the host has it, an /etc
// with a symlink pointing at the host's /etc, a directory to mask, and
// content for tmpcopyup; plus a host directory to bind.
func makeRootfs(t *testing.T, dir string) {
	t.Helper()
	files := map[string]string{
		"rootfs/etc/hostname":         "container\n",
		"rootfs/tmp/keep/file":        "copied up\n",
		"rootfs/secret/key":           "hidden\n",
		"shared/file":                 "from the host\n",
		"rootfs/var/lib/placeholder":  "",
		"rootfs/usr/share/doc/README": "",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "rootfs/tmp"), os.ModeSticky|0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc", filepath.Join(dir, "rootfs/etc/evil")); err != nil {
		t.Fatal(err)
	}
	if bb, err := os.ReadFile("/bin/busybox"); err == nil {
		if err := os.MkdirAll(filepath.Join(dir, "rootfs/bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "rootfs/bin/busybox"), bb, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRootfsRuncSpec(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	makeRootfs(t, dir)
	runInNamespaces(t, "runc-spec", dir, 0)
}

// In a user namespace mknod is refused, the host's mounts carry locked
// flags, and sysfs needs the namespace's own network namespace.
func TestRootfsUserNamespace(t *testing.T) {
	requireRoot(t)
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("the host has no /dev/fuse to bind")
	}
	dir := t.TempDir()
	makeRootfs(t, dir)
	runInNamespaces(t, "userns", dir, unix.CLONE_NEWUSER)
}

// hostPerm is the permission bits of a node.
func hostPerm(p string) uint32 {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return 0
	}
	return st.Mode & 0o7777
}

func TestRootfsNoPivotCgroupNS(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	makeRootfs(t, dir)
	runInNamespaces(t, "nopivot-cgroupns", dir, unix.CLONE_NEWCGROUP)
}

func TestRootfsProcOnSymlinkRefused(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	makeRootfs(t, dir)
	if err := os.Symlink("etc", filepath.Join(dir, "rootfs/proc")); err != nil {
		t.Fatal(err)
	}
	runInNamespaces(t, "proc-symlink", dir, 0)
}

// runHelper is the child's side: build the rootfs, then check it.
func runHelper(scenario, dir string) int {
	runtime.LockOSThread()
	var failures []string
	var err error
	switch scenario {
	case "runc-spec":
		failures, err = helperRuncSpec(dir, false)
	case "userns":
		failures, err = helperRuncSpec(dir, true)
	case "nopivot-cgroupns":
		failures, err = helperNoPivot(dir)
	case "proc-symlink":
		failures, err = helperProcSymlink(dir)
	default:
		err = fmt.Errorf("unknown scenario %q", scenario)
	}
	if err != nil {
		failures = append(failures, err.Error())
	}
	for _, f := range failures {
		fmt.Println("FAIL:", f)
	}
	if len(failures) > 0 {
		return 1
	}
	return 0
}

func helperConfig(dir string) *Config {
	mode := os.FileMode(0o600)
	uid := uint32(1000)
	mounts := append(runcMounts(filepath.Join(dir, "shared")),
		specs.Mount{Destination: "/etc/evil", Type: "tmpfs", Source: "tmpfs", Options: []string{"size=1m"}},
		specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"tmpcopyup", "nosuid"}},
		specs.Mount{Destination: "/var/lib", Type: "bind", Source: filepath.Join(dir, "shared"), Options: []string{"rbind", "rro"}},
	)
	mounts[0].Options = []string{"nosuid", "noexec", "nodev"} // as Docker mounts proc
	return &Config{
		Rootfs:        filepath.Join(dir, "rootfs"),
		Readonly:      true,
		Mounts:        mounts,
		Devices:       []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229, FileMode: &mode, UID: &uid}},
		MaskedPaths:   []string{"/proc/kcore", "/secret", "/proc/does-not-exist"},
		ReadonlyPaths: []string{"/proc/sys", "/proc/sysrq-trigger"},
		NetNS:         true,
	}
}

func helperRuncSpec(dir string, userns bool) ([]string, error) {
	c := helperConfig(dir)
	c.UserNS = userns
	fusePerm := hostPerm("/dev/fuse") // the host's, while we still see it
	if err := Prepare(c); err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	var failures []string
	check := func(what string, err error) {
		if err != nil {
			failures = append(failures, what+": "+err.Error())
		}
	}
	check("host /etc untouched", noMountAt("/etc"))
	check("evil symlink mounted inside", mountAt(filepath.Join(dir, "rootfs/etc"), "tmpfs"))
	if err := Pivot(c); err != nil {
		return failures, fmt.Errorf("pivot: %w", err)
	}
	check("console", bindConsoleFromPty())
	if err := Finish(c); err != nil {
		return failures, fmt.Errorf("finish: %w", err)
	}
	for _, ck := range runcSpecChecks(userns, fusePerm) {
		check(ck.what, ck.check())
	}
	return failures, nil
}

type namedCheck struct {
	what  string
	check func() error
}

func runcSpecChecks(userns bool, hostFusePerm uint32) []namedCheck {
	return []namedCheck{
		{"default devices", checkDefaultDevices},
		// with a user namespace, the host's node is bound: its mode and owner
		{"extra device", func() error {
			if userns {
				return checkDevice("/dev/fuse", 10, 229, hostFusePerm, 0)
			}
			return checkDevice("/dev/fuse", 10, 229, 0o600, 1000)
		}},
		{"dev symlinks", checkDevSymlinks},
		{"file systems", checkFileSystems},
		{"read-only bind", func() error { return wantErrno(os.WriteFile("/data/new", nil, 0o644), unix.EROFS) }},
		{"bind content", func() error { return wantContent("/data/file", "from the host\n") }},
		{"recursive read-only bind", func() error { return wantErrno(os.WriteFile("/var/lib/new", nil, 0o644), unix.EROFS) }},
		{"read-only root", func() error { return wantErrno(os.WriteFile("/new", nil, 0o644), unix.EROFS) }},
		{"writable tmpfs under the read-only root", func() error { return os.WriteFile("/run/new", nil, 0o644) }},
		{"tmpcopyup content", func() error { return wantContent("/tmp/keep/file", "copied up\n") }},
		{"tmpcopyup mode", func() error { return wantMode("/tmp", os.ModeDir|os.ModeSticky|0o777) }},
		{"masked file", checkMaskedKcore},
		{"masked dir", checkMaskedDir},
		{"readonly path", func() error { return wantErrno(os.WriteFile("/proc/sys/kernel/hostname", []byte("x"), 0), unix.EROFS) }},
		{"readonly path keeps flags", func() error {
			return wantFlags("/proc/sys", unix.ST_RDONLY|unix.ST_NOSUID|unix.ST_NODEV|unix.ST_NOEXEC)
		}},
		{"read-only sysfs", func() error { return wantFlags("/sys", unix.ST_RDONLY|unix.ST_NOSUID) }},
		{"cgroup binds", func() error { return wantFlags("/sys/fs/cgroup/memory", unix.ST_RDONLY) }},
		{"old root gone", checkOldRootGone},
		{"exec", checkExec},
	}
}

func helperNoPivot(dir string) ([]string, error) {
	c := &Config{
		Rootfs:  filepath.Join(dir, "rootfs"),
		Mounts:  runcMounts(filepath.Join(dir, "shared"))[:7],
		NoPivot: true, CgroupNS: true, NetNS: true,
	}
	if err := Prepare(c); err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	if err := Pivot(c); err != nil {
		return nil, fmt.Errorf("pivot: %w", err)
	}
	if err := Finish(c); err != nil {
		return nil, fmt.Errorf("finish: %w", err)
	}
	var failures []string
	for _, ck := range []namedCheck{
		{"root is the rootfs", func() error { return wantContent("/etc/hostname", "container\n") }},
		{"default devices", checkDefaultDevices},
		{"fresh cgroup v1 in the namespace", func() error { return mountWithRoot("/sys/fs/cgroup/memory", "cgroup", "/") }},
		{"cgroup root read-only", func() error { return wantFlags("/sys/fs/cgroup", unix.ST_RDONLY) }},
	} {
		if err := ck.check(); err != nil {
			failures = append(failures, ck.what+": "+err.Error())
		}
	}
	return failures, nil
}

func helperProcSymlink(dir string) ([]string, error) {
	c := &Config{Rootfs: filepath.Join(dir, "rootfs"), Mounts: runcMounts(filepath.Join(dir, "shared"))[:1]}
	err := Prepare(c)
	if err == nil || !strings.Contains(err.Error(), "proc must be mounted on a directory") {
		return nil, fmt.Errorf("prepare with /proc a symlink = %v, want a refusal", err)
	}
	if err := mountAt(filepath.Join(dir, "rootfs/etc"), "proc"); err == nil {
		return nil, errors.New("proc was mounted through the symlink")
	}
	return nil, nil
}

// mountAt finds the last mount at p and checks its type.
func mountAt(p, fstype string) error {
	mi, ok, err := lastMountAt(p)
	if err != nil {
		return err
	}
	if !ok || mi.fstype != fstype {
		return fmt.Errorf("no %s mount at %s (found %v: %+v)", fstype, p, ok, mi)
	}
	return nil
}

func mountWithRoot(p, fstype, root string) error {
	mi, ok, err := lastMountAt(p)
	if err != nil {
		return err
	}
	if !ok || mi.fstype != fstype || mi.root != root {
		return fmt.Errorf("want a %s mount of %s at %s, found %+v", fstype, root, p, mi)
	}
	return nil
}

func noMountAt(p string) error {
	mi, ok, err := lastMountAt(p)
	if err != nil {
		return err
	}
	if ok {
		return fmt.Errorf("unexpected mount at %s: %+v", p, mi)
	}
	return nil
}

func lastMountAt(p string) (mountInfo, bool, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return mountInfo{}, false, err
	}
	mounts, err := parseMountinfo(b)
	if err != nil {
		return mountInfo{}, false, err
	}
	var found mountInfo
	ok := false
	for _, mi := range mounts {
		if mi.mountpoint == p {
			found, ok = mi, true
		}
	}
	return found, ok, nil
}

func checkDefaultDevices() error {
	for _, d := range defaultDevices {
		if err := checkDevice(d.path, uint32(d.major), uint32(d.minor), 0o666, 0); err != nil {
			return err
		}
	}
	return nil
}

func checkDevice(p string, major, minor, perm uint32, uid uint32) error {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || unix.Major(st.Rdev) != major || unix.Minor(st.Rdev) != minor {
		return fmt.Errorf("%s: mode %#o rdev %d:%d, want char %d:%d", p, st.Mode, unix.Major(st.Rdev), unix.Minor(st.Rdev), major, minor)
	}
	if st.Mode&0o7777 != perm || st.Uid != uid {
		return fmt.Errorf("%s: perm %#o uid %d, want %#o uid %d", p, st.Mode&0o7777, st.Uid, perm, uid)
	}
	return nil
}

func checkDevSymlinks() error {
	for link, target := range map[string]string{"/dev/ptmx": "pts/ptmx", "/dev/fd": "/proc/self/fd", "/dev/stderr": "/proc/self/fd/2"} {
		if got, err := os.Readlink(link); err != nil || got != target {
			return fmt.Errorf("%s -> %q (%v), want %q", link, got, err, target)
		}
	}
	return nil
}

func checkFileSystems() error {
	for p, magic := range map[string]int64{
		"/proc": unix.PROC_SUPER_MAGIC, "/dev": unix.TMPFS_MAGIC, "/dev/pts": unix.DEVPTS_SUPER_MAGIC,
		"/dev/shm": unix.TMPFS_MAGIC, "/dev/mqueue": 0x19800202, "/sys": unix.SYSFS_MAGIC,
		"/sys/fs/cgroup": unix.TMPFS_MAGIC, "/etc": unix.TMPFS_MAGIC, "/tmp": unix.TMPFS_MAGIC,
	} {
		var st unix.Statfs_t
		if err := unix.Statfs(p, &st); err != nil {
			return err
		}
		if st.Type != magic {
			return fmt.Errorf("%s is fs %#x, want %#x", p, st.Type, magic)
		}
	}
	return nil
}

func checkMaskedKcore() error {
	if _, err := os.Stat("/proc/kcore"); err != nil {
		return nil // no kcore in this kernel
	}
	return wantContent("/proc/kcore", "")
}

func checkMaskedDir() error {
	entries, err := os.ReadDir("/secret")
	if err != nil || len(entries) != 0 {
		return fmt.Errorf("/secret lists %v (%v), want nothing", entries, err)
	}
	return wantErrno(os.WriteFile("/secret/new", nil, 0o644), unix.EROFS)
}

// checkOldRootGone: exactly one mount at "/" (pivot_root stacks the old
// root there until it is detached), and none outside the spec's places.
func checkOldRootGone() error {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	mounts, err := parseMountinfo(b)
	if err != nil {
		return err
	}
	places := []string{"/proc", "/dev", "/sys", "/data", "/run", "/etc", "/tmp", "/var/lib", "/secret"}
	roots := 0
	for _, mi := range mounts {
		if mi.mountpoint == "/" {
			roots++
			continue
		}
		if !slices.ContainsFunc(places, func(p string) bool { return pathHasPrefix(mi.mountpoint, p) }) {
			return fmt.Errorf("unexpected mount %+v", mi)
		}
	}
	if roots != 1 {
		return fmt.Errorf("%d mounts at /, want 1", roots)
	}
	return nil
}

func checkExec() error {
	if _, err := os.Stat("/bin/busybox"); err != nil {
		return nil // no busybox on this host: the mount table checks stand alone
	}
	out, err := exec.Command("/bin/busybox", "cat", "/data/file").CombinedOutput()
	if err != nil || string(out) != "from the host\n" {
		return fmt.Errorf("busybox cat: %q %v", out, err)
	}
	return nil
}

// bindConsoleFromPty opens a pty in the container's devpts and binds its
// slave to /dev/console.
func bindConsoleFromPty() error {
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return err
	}
	defer ptmx.Close()
	if err := unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		return err
	}
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err != nil {
		return err
	}
	slave := fmt.Sprintf("/dev/pts/%d", n)
	if err := BindConsole(slave); err != nil {
		return err
	}
	var a, b unix.Stat_t
	if err := unix.Stat(slave, &a); err != nil {
		return err
	}
	if err := unix.Stat("/dev/console", &b); err != nil {
		return err
	}
	if a.Rdev != b.Rdev {
		return fmt.Errorf("/dev/console is %d:%d, want the slave %s", unix.Major(b.Rdev), unix.Minor(b.Rdev), slave)
	}
	return nil
}

func wantErrno(err error, want unix.Errno) error {
	if !errors.Is(err, want) {
		return fmt.Errorf("got %v, want %v", err, want)
	}
	return nil
}

func wantContent(p, want string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil || string(b) != want {
		return fmt.Errorf("%s reads %q (%v), want %q", p, b, err, want)
	}
	return nil
}

func wantMode(p string, want os.FileMode) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.Mode() != want {
		return fmt.Errorf("%s mode %v, want %v", p, fi.Mode(), want)
	}
	return nil
}

func wantFlags(p string, want int64) error {
	var st unix.Statfs_t
	if err := unix.Statfs(p, &st); err != nil {
		return err
	}
	if int64(st.Flags)&want != want {
		return fmt.Errorf("%s has flags %#x, want %#x set", p, st.Flags, want)
	}
	return nil
}
