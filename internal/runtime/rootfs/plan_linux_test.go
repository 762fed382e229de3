package rootfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// runcMounts are the mounts of `runc spec`, plus a read-only bind and a tmpfs.
func runcMounts(bindSrc string) []specs.Mount {
	return []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
		{Destination: "/data", Type: "bind", Source: bindSrc, Options: []string{"rbind", "ro", "rprivate"}},
		{Destination: "/run", Type: "tmpfs", Source: "tmpfs", Options: []string{"nodev", "size=1m"}},
	}
}

// planRootfs makes a small rootfs: an /etc, a read-only-path target, and
// masked targets of both kinds.
func planRootfs(t *testing.T) (rootfs, bindSrc string) {
	t.Helper()
	dir := t.TempDir()
	rootfs = filepath.Join(dir, "rootfs")
	bindSrc = filepath.Join(dir, "shared")
	for _, d := range []string{rootfs + "/etc", rootfs + "/proc/sys", rootfs + "/proc/acpi", bindSrc} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(rootfs+"/proc/kcore", nil, 0o400); err != nil {
		t.Fatal(err)
	}
	rootfs, err := filepath.EvalSymlinks(rootfs)
	if err != nil {
		t.Fatal(err)
	}
	return rootfs, bindSrc
}

// runPlan runs prepare and finish with the fake and returns the record.
func runPlan(t *testing.T, c *Config, f *fakeMounter, h host) ([]string, error) {
	t.Helper()
	f.rootfs = c.Rootfs
	if err := prepare(c, f, h); err != nil {
		return f.calls, err
	}
	err := finish(c, f, c.Rootfs)
	return f.calls, err
}

func comparePlan(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") == strings.Join(want, "\n") {
		return
	}
	t.Errorf("plan differs\n--- got:\n%s\n--- want:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
}

func TestPlanRuncSpec(t *testing.T) {
	rootfs, src := planRootfs(t)
	c := &Config{
		Rootfs:        rootfs,
		Readonly:      true,
		Mounts:        runcMounts(src),
		Devices:       []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}},
		MaskedPaths:   []string{"/proc/kcore", "/proc/acpi", "/proc/nonexistent"},
		ReadonlyPaths: []string{"/proc/sys", "/proc/nonexistent"},
		NetNS:         true,
	}
	got, err := runPlan(t, c, &fakeMounter{}, fakeHost(hybridMountinfo, hybridCgroup))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		// before anything: "/" rslave, the shared parent private, the rootfs its own mount
		"mount - / - REC|SLAVE -",
		"mount - / - PRIVATE -",
		"mount $R $R bind BIND|REC -",
		"mount - $R - PRIVATE -",
		"mount proc $R/proc proc 0 -",
		"mount tmpfs $R/dev tmpfs NOSUID|STRICTATIME mode=755,size=65536k",
		"mount devpts $R/dev/pts devpts NOSUID|NOEXEC newinstance,ptmxmode=0666,mode=0620,gid=5",
		"mount shm $R/dev/shm tmpfs NOSUID|NODEV|NOEXEC mode=1777,size=65536k",
		"mount mqueue $R/dev/mqueue mqueue NOSUID|NODEV|NOEXEC -",
		"mount sysfs $R/sys sysfs RDONLY|NOSUID|NODEV|NOEXEC -",
		// cgroup v1 without a cgroup namespace: binds of our own cgroups in a tmpfs
		"mount tmpfs $R/sys/fs/cgroup tmpfs NOSUID|NODEV|NOEXEC mode=755",
		"mount /sys/fs/cgroup/cpu,cpuacct/user.slice/c1 $R/sys/fs/cgroup/cpu,cpuacct bind BIND|REC -",
		"mount - $R/sys/fs/cgroup/cpu,cpuacct - RDONLY|NOSUID|NODEV|NOEXEC|REMOUNT|BIND|RELATIME -",
		"mount /sys/fs/cgroup/memory/user.slice/c1 $R/sys/fs/cgroup/memory bind BIND|REC -",
		"mount - $R/sys/fs/cgroup/memory - RDONLY|NOSUID|NODEV|NOEXEC|REMOUNT|BIND|RELATIME -",
		"mount /sys/fs/cgroup/systemd/user.slice/c1 $R/sys/fs/cgroup/systemd bind BIND|REC -",
		"mount - $R/sys/fs/cgroup/systemd - RDONLY|NOSUID|NODEV|NOEXEC|REMOUNT|BIND|RELATIME -",
		"mount /sys/fs/cgroup/unified/user.slice/c1 $R/sys/fs/cgroup/unified bind BIND|REC -",
		"mount - $R/sys/fs/cgroup/unified - RDONLY|NOSUID|NODEV|NOEXEC|REMOUNT|BIND|RELATIME -",
		"mount - $R/sys/fs/cgroup - RDONLY|NOSUID|NODEV|NOEXEC|REMOUNT|BIND -",
		// the read-only bind: bind, remount with flags, then propagation
		"mount " + src + " $R/data bind BIND|REC -",
		"mount - $R/data - RDONLY|REMOUNT|BIND|RELATIME -",
		"mount - $R/data - REC|PRIVATE -",
		"mount tmpfs $R/run tmpfs NODEV size=1m",
		// devices: the spec's, then the defaults
		"mknod $R/dev/fuse 020666 10:229 0:0",
		"mknod $R/dev/null 020666 1:3 0:0",
		"mknod $R/dev/zero 020666 1:5 0:0",
		"mknod $R/dev/full 020666 1:7 0:0",
		"mknod $R/dev/random 020666 1:8 0:0",
		"mknod $R/dev/urandom 020666 1:9 0:0",
		"mknod $R/dev/tty 020666 5:0 0:0",
		// Finish: readonly paths, masked paths (dir, file), read-only root
		"mount $R/proc/sys $R/proc/sys - BIND|REC -",
		"mount - $R/proc/sys - RDONLY|REMOUNT|BIND|RELATIME -",
		"mount /dev/null $R/proc/kcore - BIND -",
		"mount tmpfs $R/proc/acpi tmpfs RDONLY -",
		"mount - $R - RDONLY|REMOUNT|BIND|RELATIME -",
	}
	comparePlan(t, got, want)

	links := map[string]string{
		"dev/ptmx": "pts/ptmx", "dev/fd": "/proc/self/fd", "dev/stdin": "/proc/self/fd/0",
		"dev/stdout": "/proc/self/fd/1", "dev/stderr": "/proc/self/fd/2", "dev/core": "/proc/kcore",
	}
	for link, target := range links {
		if got, err := os.Readlink(filepath.Join(rootfs, link)); err != nil || got != target {
			t.Errorf("%s -> %q (%v), want -> %q", link, got, err, target)
		}
	}
}

func TestPlanCgroupNamespaceHybrid(t *testing.T) {
	rootfs, _ := planRootfs(t)
	c := &Config{Rootfs: rootfs, CgroupNS: true, Mounts: []specs.Mount{
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"ro", "rslave"}},
		{Destination: "/dev", Type: "bind", Source: "/dev", Options: []string{"rbind"}}, // no devices then
	}}
	got, err := runPlan(t, c, &fakeMounter{}, fakeHost(hybridMountinfo, hybridCgroup))
	if err != nil {
		t.Fatal(err)
	}
	comparePlan(t, got[4:], []string{
		"mount tmpfs $R/sys/fs/cgroup tmpfs NOSUID|NODEV|NOEXEC mode=755",
		"mount - $R/sys/fs/cgroup - REC|SLAVE -",
		"mount cgroup $R/sys/fs/cgroup/cpu,cpuacct cgroup RDONLY|NOSUID|NODEV|NOEXEC cpu,cpuacct",
		"mount - $R/sys/fs/cgroup/cpu,cpuacct - REC|SLAVE -",
		"mount cgroup $R/sys/fs/cgroup/memory cgroup RDONLY|NOSUID|NODEV|NOEXEC memory",
		"mount - $R/sys/fs/cgroup/memory - REC|SLAVE -",
		"mount cgroup $R/sys/fs/cgroup/systemd cgroup RDONLY|NOSUID|NODEV|NOEXEC name=systemd",
		"mount - $R/sys/fs/cgroup/systemd - REC|SLAVE -",
		"mount cgroup2 $R/sys/fs/cgroup/unified cgroup2 RDONLY|NOSUID|NODEV|NOEXEC -",
		"mount - $R/sys/fs/cgroup/unified - REC|SLAVE -",
		"mount - $R/sys/fs/cgroup - RDONLY|NOSUID|NODEV|NOEXEC|REMOUNT|BIND -",
		"mount /dev $R/dev bind BIND|REC -",
	})
	for _, ctrl := range []string{"cpu", "cpuacct"} {
		if target, err := os.Readlink(filepath.Join(rootfs, "sys/fs/cgroup", ctrl)); err != nil || target != "cpu,cpuacct" {
			t.Errorf("symlink %s -> %q (%v), want -> cpu,cpuacct", ctrl, target, err)
		}
	}
}

func TestPlanCgroupUnified(t *testing.T) {
	m := []specs.Mount{{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"ro"}}}
	tests := []struct {
		name     string
		cgroupNS bool
		fail     map[string]error
		want     []string
	}{
		{"own cgroup namespace", true, nil, []string{
			"mount cgroup $R/sys/fs/cgroup cgroup2 RDONLY -",
		}},
		{"no cgroup namespace binds our cgroup", false, nil, []string{
			"mount /sys/fs/cgroup/c1 $R/sys/fs/cgroup bind BIND|REC -",
			"mount - $R/sys/fs/cgroup - RDONLY|REMOUNT|BIND|RELATIME -",
		}},
		{"refused cgroup2 falls back to a bind", true, map[string]error{"mount cgroup ": unix.EPERM}, []string{
			"mount cgroup $R/sys/fs/cgroup cgroup2 RDONLY -",
			"mount /sys/fs/cgroup/c1 $R/sys/fs/cgroup bind BIND|REC -",
			"mount - $R/sys/fs/cgroup - RDONLY|REMOUNT|BIND|RELATIME -",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rootfs, _ := planRootfs(t)
			c := &Config{Rootfs: rootfs, CgroupNS: tt.cgroupNS, Mounts: m}
			f := &fakeMounter{fail: tt.fail}
			got, err := runPlan(t, c, f, fakeHost(unifiedMountinfo, "0::/c1\n"))
			if err != nil {
				t.Fatal(err)
			}
			comparePlan(t, got[3:3+len(tt.want)], tt.want)
		})
	}
}

func TestPlanUserNamespace(t *testing.T) {
	rootfs, _ := planRootfs(t)
	c := &Config{Rootfs: rootfs, UserNS: true, Mounts: []specs.Mount{
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs"},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
	}}
	f := &fakeMounter{mflags: map[string]uintptr{"$R/sys": unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOATIME}}
	got, err := runPlan(t, c, f, fakeHost(unifiedMountinfo, "0::/\n"))
	if err != nil {
		t.Fatal(err)
	}
	comparePlan(t, got[3:], []string{
		"mount tmpfs $R/dev tmpfs 0 -",
		// no network namespace: the host's /sys, read-only all the way down,
		// keeping the atime mode locked on the host's mount
		"mount /sys $R/sys bind BIND|REC -",
		"mount - $R/sys - RDONLY|NOSUID|NODEV|NOEXEC|REMOUNT|NOATIME|BIND -",
		"setattr $R/sys 0x8000 set=0xf clr=0x0",
		// no mknod in a user namespace: bind the host's nodes
		"mount /dev/null $R/dev/null bind BIND -",
		"mount /dev/zero $R/dev/zero bind BIND -",
		"mount /dev/full $R/dev/full bind BIND -",
		"mount /dev/random $R/dev/random bind BIND -",
		"mount /dev/urandom $R/dev/urandom bind BIND -",
		"mount /dev/tty $R/dev/tty bind BIND -",
	})
	if fi, err := os.Lstat(filepath.Join(rootfs, "dev/null")); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("bind target /dev/null: %v, %v; want an empty file", fi, err)
	}
}

func TestPlanSysfsFallback(t *testing.T) {
	rootfs, _ := planRootfs(t)
	c := &Config{Rootfs: rootfs, Mounts: []specs.Mount{
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"ro"}},
	}}
	f := &fakeMounter{fail: map[string]error{"mount sysfs": unix.EPERM}}
	got, err := runPlan(t, c, f, fakeHost(unifiedMountinfo, "0::/\n"))
	if err != nil {
		t.Fatal(err)
	}
	comparePlan(t, got[3:6], []string{
		"mount sysfs $R/sys sysfs RDONLY -",
		"mount /sys $R/sys bind BIND|REC -",
		"mount - $R/sys - RDONLY|REMOUNT|BIND|RELATIME -",
	})
}

// A symlink in the image must not send a mount out of the rootfs.
func TestPlanSymlinksStayInRoot(t *testing.T) {
	rootfs, src := planRootfs(t)
	for link, target := range map[string]string{"etc/evil": "/etc", "up": "../../../../../..", "abs": "/", "dev": "/etc"} {
		if err := os.Symlink(target, filepath.Join(rootfs, link)); err != nil {
			t.Fatal(err)
		}
	}
	c := &Config{Rootfs: rootfs, Mounts: []specs.Mount{
		{Destination: "/etc/evil", Type: "bind", Source: src, Options: []string{"bind"}},
		{Destination: "/up/tmp/x", Type: "tmpfs", Source: "tmpfs"},
		{Destination: "/abs/etc/passwd", Type: "bind", Source: "/etc/hostname", Options: []string{"bind"}},
	}}
	got, err := runPlan(t, c, &fakeMounter{}, fakeHost(unifiedMountinfo, "0::/\n"))
	if err != nil {
		t.Fatal(err)
	}
	comparePlan(t, got[3:6], []string{
		"mount " + src + " $R/etc bind BIND -",
		"mount tmpfs $R/tmp/x tmpfs 0 -",
		"mount /etc/hostname $R/etc/passwd bind BIND -",
	})
	for _, p := range []string{"tmp/x", "etc/passwd", "etc/fd"} { // /dev -> /etc: its symlinks land in $R/etc
		if _, err := os.Lstat(filepath.Join(rootfs, p)); err != nil {
			t.Errorf("%s was not created inside the rootfs: %v", p, err)
		}
	}
}

func TestPlanRefusals(t *testing.T) {
	tests := []struct {
		name  string
		setup func(rootfs string) error
		mount specs.Mount
		want  string
	}{
		{
			name: "proc onto a symlink",
			setup: func(r string) error {
				os.Remove(r + "/proc/kcore")
				os.RemoveAll(r + "/proc")
				return os.Symlink("etc", r+"/proc")
			},
			mount: specs.Mount{Destination: "/proc", Type: "proc", Source: "proc"},
			want:  "proc must be mounted on a directory",
		},
		{
			name:  "sysfs onto a file",
			setup: func(r string) error { return os.WriteFile(r+"/sys", nil, 0o644) },
			mount: specs.Mount{Destination: "/sys", Type: "sysfs", Source: "sysfs"},
			want:  "sysfs must be mounted on a directory",
		},
		{
			name:  "bind inside /proc",
			mount: specs.Mount{Destination: "/proc/sys", Type: "bind", Source: "/tmp", Options: []string{"bind"}},
			want:  "inside /proc",
		},
		{
			name:  "tmpfs over /proc through a symlink",
			setup: func(r string) error { return os.Symlink("/proc/sys", r+"/etc/p") },
			mount: specs.Mount{Destination: "/etc/p", Type: "tmpfs", Source: "tmpfs"},
			want:  "/proc/sys cannot be mounted because it is inside /proc",
		},
		{
			name:  "bind over /proc that is not proc",
			mount: specs.Mount{Destination: "/proc", Type: "bind", Source: "/tmp", Options: []string{"bind"}},
			want:  "only a proc file system may be mounted on /proc",
		},
		{
			name:  "missing bind source",
			mount: specs.Mount{Destination: "/x", Type: "bind", Source: "/nonexistent/source", Options: []string{"bind"}},
			want:  "mount /nonexistent/source on /x (type bind): stat /nonexistent/source",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rootfs, _ := planRootfs(t)
			if tt.setup != nil {
				if err := tt.setup(rootfs); err != nil {
					t.Fatal(err)
				}
			}
			c := &Config{Rootfs: rootfs, Mounts: []specs.Mount{tt.mount}}
			f := &fakeMounter{}
			_, err := runPlan(t, c, f, fakeHost(unifiedMountinfo, "0::/\n"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
			for _, call := range f.calls[3:] {
				t.Errorf("mounted anyway: %s", call)
			}
		})
	}
}

func TestPlanAllowedProcBind(t *testing.T) {
	rootfs, _ := planRootfs(t)
	src := filepath.Join(t.TempDir(), "cpuinfo")
	if err := os.WriteFile(src, []byte("fake"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &Config{Rootfs: rootfs, Mounts: []specs.Mount{{Destination: "/proc/cpuinfo", Type: "bind", Source: src, Options: []string{"bind", "ro"}}}}
	got, err := runPlan(t, c, &fakeMounter{}, fakeHost(unifiedMountinfo, "0::/\n"))
	if err != nil {
		t.Fatal(err)
	}
	comparePlan(t, got[3:5], []string{
		"mount " + src + " $R/proc/cpuinfo bind BIND -",
		"mount - $R/proc/cpuinfo - RDONLY|REMOUNT|BIND|RELATIME -",
	})
}

func TestPlanRootPropagation(t *testing.T) {
	rootfs, _ := planRootfs(t)
	c := &Config{Rootfs: rootfs, RootfsPropagation: "rshared", Mounts: []specs.Mount{
		{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"ro", "rshared"}},
	}}
	got, err := runPlan(t, c, &fakeMounter{}, fakeHost(unifiedMountinfo, "0::/\n"))
	if err != nil {
		t.Fatal(err)
	}
	comparePlan(t, got, []string{
		"mount - / - REC|SHARED -",
		"mount $R $R bind BIND|REC -",
		"mount - $R - PRIVATE -",
		"mount tmpfs $R/tmp tmpfs 0 -", // read-only only in Finish
		"mount - $R/tmp - REC|SHARED -",
		"mknod $R/dev/null 020666 1:3 0:0",
		"mknod $R/dev/zero 020666 1:5 0:0",
		"mknod $R/dev/full 020666 1:7 0:0",
		"mknod $R/dev/random 020666 1:8 0:0",
		"mknod $R/dev/urandom 020666 1:9 0:0",
		"mknod $R/dev/tty 020666 5:0 0:0",
		"mount - $R/tmp - RDONLY|REMOUNT|BIND|RELATIME -",
		"mount - $R - REC|SHARED -",
	})
}

func TestHideHostKernelFS(t *testing.T) {
	f := &fakeMounter{fail: map[string]error{"umount /sys ": unix.EPERM}}
	h := fakeHost(hybridMountinfo+"50 27 0:21 / /run/rootfs/proc rw - proc proc rw\n51 22 0:21 /sys /proc/sys rw - proc proc rw\n", "")
	if err := hideHostKernelFS(f, h, "/run/rootfs"); err != nil {
		t.Fatal(err)
	}
	comparePlan(t, f.calls, []string{
		"mount - /proc - REC|SLAVE -",
		"umount /proc 0x2",
		"mount - /sys - REC|SLAVE -",
		"umount /sys 0x2",
		"mount tmpfs /sys tmpfs 0 -",
	})
}

func TestBindConsolePlan(t *testing.T) {
	rootfs, _ := planRootfs(t)
	f := &fakeMounter{rootfs: rootfs}
	if err := bindConsole(f, rootfs, "/dev/pts/0"); err != nil {
		t.Fatal(err)
	}
	comparePlan(t, f.calls, []string{"mount /dev/pts/0 $R/dev/console bind BIND -"})
	fi, err := os.Stat(filepath.Join(rootfs, "dev/console"))
	if err != nil || fi.Mode().Perm() != 0o666 {
		t.Errorf("dev/console: %v %v, want a 0666 file", fi, err)
	}
}

func TestPlanErrorNamesTheMount(t *testing.T) {
	rootfs, _ := planRootfs(t)
	c := &Config{Rootfs: rootfs, Mounts: []specs.Mount{{Destination: "/mnt", Type: "ext4", Source: "/dev/sdz"}}}
	f := &fakeMounter{fail: map[string]error{"mount /dev/sdz": unix.ENODEV}}
	_, err := runPlan(t, c, f, fakeHost(unifiedMountinfo, "0::/\n"))
	if !errors.Is(err, unix.ENODEV) || !strings.HasPrefix(err.Error(), "mount /dev/sdz on /mnt (type ext4): ") {
		t.Fatalf("err = %v", err)
	}
}
