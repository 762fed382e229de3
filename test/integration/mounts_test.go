package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestMountBindReadOnly(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "cat /data/hello; touch /data/new && echo wrote")
	dir := c.bindDir("/data", "ro")
	writeFile(t, filepath.Join(dir, "hello"), "hello from the host\n")
	out, errOut, _ := c.runForeground()
	if !strings.Contains(out, "hello from the host") || strings.Contains(out, "wrote") ||
		!strings.Contains(errOut, "Read-only file system") {
		t.Fatalf("ro bind mount:\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
}

func TestMountBindReadWrite(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "echo from-container > /data/new")
	dir := c.bindDir("/data")
	c.output()
	if got := readFile(t, filepath.Join(dir, "new")); got != "from-container\n" {
		t.Fatalf("host sees %q", got)
	}
}

func TestMountBindFile(t *testing.T) {
	e := setup(t)
	c := e.newContainer("cat", "/etc/motd")
	src := filepath.Join(t.TempDir(), "motd")
	writeFile(t, src, "message of the day\n")
	c.spec.Mounts = append(c.spec.Mounts, specs.Mount{Destination: "/etc/motd", Type: "bind", Source: src, Options: []string{"bind", "ro"}})
	c.writeSpec()
	if out := c.output(); out != "message of the day\n" {
		t.Fatalf("bind-mounted file reads %q", out)
	}
}

// TestMountCreatesDestination: a missing mount point is made inside the
// rootfs, even with a read-only root.
func TestMountCreatesDestination(t *testing.T) {
	e := setup(t)
	c := e.newContainer("ls", "/new/deep/dir")
	dir := c.bindDir("/new/deep/dir")
	writeFile(t, filepath.Join(dir, "marker"), "")
	if out := c.output(); strings.TrimSpace(out) != "marker" {
		t.Fatalf("ls /new/deep/dir = %q", out)
	}
}

func TestMountTmpfs(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "grep ' /scratch ' /proc/mounts; stat -c %a /scratch; "+
		"head -c 2000000 /dev/zero > /scratch/big; echo status=$?")
	c.spec.Mounts = append(c.spec.Mounts, specs.Mount{Destination: "/scratch", Type: "tmpfs", Source: "tmpfs",
		Options: []string{"nosuid", "nodev", "size=1m", "mode=700"}})
	c.writeSpec()
	out := c.output()
	got := lines(out)
	if len(got) != 3 || !strings.HasPrefix(got[0], "tmpfs /scratch tmpfs") || !strings.Contains(got[0], "size=1024k") ||
		!strings.Contains(got[0], "nosuid") || got[1] != "700" || got[2] != "status=1" {
		t.Fatalf("tmpfs mount:\n%s", out)
	}
}

func TestMountDefaults(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "cat /proc/mounts; touch /sys/x && echo sys-writable; ls /sys/fs/cgroup")
	out := c.output()
	for _, want := range []string{"proc /proc proc", "tmpfs /dev tmpfs", "devpts /dev/pts devpts", "shm /dev/shm tmpfs",
		"mqueue /dev/mqueue mqueue", "sysfs /sys sysfs ro"} {
		if !strings.Contains(out, want) {
			t.Errorf("/proc/mounts lacks %q", want)
		}
	}
	if strings.Contains(out, "sys-writable") || !strings.Contains(out, "memory") && !strings.Contains(out, "cgroup.controllers") {
		t.Errorf("sysfs or the cgroup mount is wrong:\n%s", out)
	}
}

func TestMaskedPaths(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "echo timers=$(wc -c < /proc/timer_list) keys=$(wc -c < /proc/keys) firmware=$(ls /sys/firmware | wc -l) "+
		"secret=$(wc -c < /etc/secret) home=$(ls /home | wc -l)")
	c.spec.Linux.MaskedPaths = append(c.spec.Linux.MaskedPaths, "/etc/secret", "/home")
	c.writeSpec()
	writeFile(t, c.rootfs("etc/secret"), "secret\n")
	if out := strings.TrimSpace(c.output()); out != "timers=0 keys=0 firmware=0 secret=0 home=0" {
		t.Fatalf("masked paths read %q, want all empty", out)
	}
}

func TestReadonlyPaths(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "echo 1 > /proc/sys/kernel/shm_rmid_forced; echo sys=$?; touch /srv/x; echo srv=$?; touch /tmp/x; echo tmp=$?")
	if err := os.MkdirAll(c.rootfs("srv"), 0o755); err != nil {
		t.Fatal(err)
	}
	c.spec.Linux.ReadonlyPaths = append(c.spec.Linux.ReadonlyPaths, "/srv")
	c.writable()
	if got := lines(c.output()); strings.Join(got, ",") != "sys=1,srv=1,tmp=0" {
		t.Fatalf("readonly paths: %q, want sys=1 srv=1 tmp=0", got)
	}
}

// TestMountPropagationSlave: with rslave, a mount the host makes under the
// bind source after the container started appears inside.
func TestMountPropagationSlave(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sleep", "100")
	src := c.bindDir("/data", "rslave")
	mountCmd(t, "--bind", src, src)
	t.Cleanup(func() { mountCmdNoFail(t, "umount", "-R", src) })
	mountCmd(t, "--make-shared", src)
	if err := os.Mkdir(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	c.runDetached()
	mountCmd(t, "-t", "tmpfs", "hulltestprop", filepath.Join(src, "sub"))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(c.mustExec("cat", "/proc/mounts"), "hulltestprop /data/sub tmpfs") {
		if time.Now().After(deadline) {
			t.Fatalf("a host mount under an rslave bind did not propagate into the container")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mountCmd(t *testing.T, args ...string) {
	t.Helper()
	mustHost(t, "mount", args...)
}

func mountCmdNoFail(t *testing.T, name string, args ...string) {
	if r := hostCmd(t, name, args...); r.code != 0 {
		t.Errorf("%s %s: exit code %d\n%s", name, strings.Join(args, " "), r.code, r.stderr)
	}
}

func TestMountOverlay(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "ls /merged; echo new > /merged/newfile")
	base := t.TempDir()
	lower, upper, work := filepath.Join(base, "lower"), filepath.Join(base, "upper"), filepath.Join(base, "work")
	for _, d := range []string{lower, upper, work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(lower, "lowerfile"), "")
	c.spec.Mounts = append(c.spec.Mounts, specs.Mount{Destination: "/merged", Type: "overlay", Source: "overlay",
		Options: []string{"lowerdir=" + lower, "upperdir=" + upper, "workdir=" + work}})
	c.writeSpec()
	if out := strings.TrimSpace(c.output()); out != "lowerfile" {
		t.Fatalf("ls /merged = %q, want lowerfile", out)
	}
	if got := readFile(t, filepath.Join(upper, "newfile")); got != "new\n" {
		t.Fatalf("upper dir holds %q", got)
	}
}
