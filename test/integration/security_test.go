package integration

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// leakyFd opens a host directory without O_CLOEXEC, as a careless caller of
// the runtime might, so the runtime inherits it; it is closed when the test
// ends.
func leakyFd(t *testing.T) int {
	t.Helper()
	fd, err := unix.Open(t.TempDir(), unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// TestNoHostFdLeak: only stdio reaches the container (ls's own directory
// fd is the 3), even when the runtime's caller leaks fds.
func TestNoHostFdLeak(t *testing.T) {
	e := setup(t)
	fd := leakyFd(t)
	c := e.newContainer("ls", "/proc/self/fd")
	if got := strings.Join(lines(c.output()), " "); got != "0 1 2 3" {
		t.Fatalf("fds in the container: %s, want 0 1 2 3 (the runtime inherited fd %d)", got, fd)
	}
	c2 := runningContainer(e)
	if got := strings.Join(lines(c2.mustExec("ls", "/proc/self/fd")), " "); got != "0 1 2 3" {
		t.Fatalf("fds in an exec'd process: %s, want 0 1 2 3", got)
	}
}

// climbsToRoot is a shell test that prints "inside" when walking up from
// the cwd ends at the container's root, which is true for any directory
// inside it and false for a host directory reached through a leaked fd.
const climbsToRoot = `test "$(stat -c %d:%i ../../../../../../../../..)" = "$(stat -c %d:%i /)" && echo inside`

// TestCwdOutsideRoot: a cwd naming an inherited fd (/proc/self/fd/N, the
// CVE-2024-21626 class) or a symlink out of the rootfs never leaves the
// process in a host directory: the runtime refuses or stays inside.
func TestCwdOutsideRoot(t *testing.T) {
	var cwds []string
	for fd := 3; fd <= 9; fd++ {
		cwds = append(cwds, fmt.Sprintf("/proc/self/fd/%d", fd))
	}
	cwds = append(cwds, "/escape", "/../../../../..")
	for _, cwd := range cwds {
		t.Run(strings.ReplaceAll(strings.Trim(cwd, "/"), "/", "-"), func(t *testing.T) {
			e := setup(t)
			leakyFd(t)
			c := e.newContainer("sh", "-c", climbsToRoot)
			if err := os.Symlink("../../../../../../../../../"+strings.TrimPrefix(os.TempDir(), "/"), c.rootfs("escape")); err != nil {
				t.Fatal(err)
			}
			c.spec.Process.Cwd = cwd
			c.writeSpec()
			out, errOut, code := c.runForeground()
			if code == 0 && strings.TrimSpace(out) != "inside" {
				t.Fatalf("cwd %s left the process outside the container's root\nstdout:\n%s\nstderr:\n%s", cwd, out, errOut)
			}
		})
	}
}

// TestInitBinaryNotWritable is the CVE-2019-5736 check: while a container
// is created, its pid 1 is the runtime's own init. A process in the
// container opens /proc/1/exe, waits for start (the init execs the user
// process), then tries to open it for writing. That must fail, or the file
// must not be the runtime binary on the host (a sealed copy). Nothing is
// ever written.
func TestInitBinaryNotWritable(t *testing.T) {
	e := setup(t)
	before := fileHash(t, runtimeBin)
	c := e.newContainer("sleep", "100")
	out := c.bindDir("/out")
	c.create()
	attack := `exec 2>/out/stderr
if ! (exec 3</proc/1/exe); then echo no > /out/opened; echo cannot-open > /out/result; exit; fi
exec 3</proc/1/exe
stat -L -c %d:%i /proc/self/fd/3 > /out/inode
echo yes > /out/opened
while [ "$(cat /proc/1/comm)" != sleep ]; do sleep 0.02; done
if (: >> /proc/self/fd/3); then echo WRITABLE > /out/result; else echo refused > /out/result; fi
if (: >> /proc/1/exe); then echo WRITABLE >> /out/result; fi`
	if r := c.execFlags([]string{"-d"}, "sh", "-c", attack); r.code != 0 {
		t.Fatalf("exec into the created container:\n%s", r)
	}
	waitFile(t, filepath.Join(out, "opened"), filepath.Join(out, "stderr"))
	c.start()
	waitFile(t, filepath.Join(out, "result"), filepath.Join(out, "stderr"))
	result := readFile(t, filepath.Join(out, "result"))
	var st syscall.Stat_t
	if err := syscall.Stat(runtimeBin, &st); err != nil {
		t.Fatal(err)
	}
	hostInode := fmt.Sprintf("%d:%d", st.Dev, st.Ino)
	inode := strings.TrimSpace(readOptional(filepath.Join(out, "inode")))
	t.Logf("open for write: %s; /proc/1/exe was %s, the host binary %s", strings.TrimSpace(result), inode, hostInode)
	if strings.Contains(result, "WRITABLE") && inode == hostInode {
		t.Errorf("a container process could open the host's runtime binary %s for writing", runtimeBin)
	}
	if fileHash(t, runtimeBin) != before {
		t.Fatalf("the runtime binary %s changed", runtimeBin)
	}
}

func fileHash(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// TestMountDestinationSymlinkStaysInside: a mount whose destination is a
// symlink to an absolute host path lands inside the rootfs, at the path the
// symlink names there.
func TestMountDestinationSymlinkStaysInside(t *testing.T) {
	e := setup(t)
	hostTarget := t.TempDir()
	writeFile(t, filepath.Join(hostTarget, "host-file"), "")
	c := e.newContainer("sh", "-c", "ls /evil/; ls "+hostTarget)
	if err := os.Symlink(hostTarget, c.rootfs("evil")); err != nil {
		t.Fatal(err)
	}
	src := c.bindDir("/evil")
	writeFile(t, filepath.Join(src, "mounted-file"), "")
	out := c.output()
	if strings.Contains(out, "host-file") || strings.Count(out, "mounted-file") != 2 {
		t.Fatalf("the mount through /evil -> %s did not land inside the rootfs at %[1]s:\n%s", hostTarget, out)
	}
	if _, err := os.Stat(c.rootfs(hostTarget)); err != nil {
		t.Errorf("the mount point was not made inside the rootfs: %v", err)
	}
}

// TestProcMountOntoSymlinkRefused: /proc goes only onto a real directory.
func TestProcMountOntoSymlinkRefused(t *testing.T) {
	e := setup(t)
	c := e.newContainer("true")
	if err := os.Remove(c.rootfs("proc")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/tmp", c.rootfs("proc")); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := c.runForeground(); code == 0 {
		t.Fatalf("run with /proc a symlink succeeded\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
}

// TestDevicesCannotEscape: a device node path with .. stays in /dev.
func TestDevicePathStaysInside(t *testing.T) {
	e := setup(t)
	hostTarget := t.TempDir()
	c := e.newContainer("true")
	mode := os.FileMode(0o666)
	c.spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/../../../../../../.." + hostTarget + "/hullnull",
		Type: "c", Major: 1, Minor: 3, FileMode: &mode}}
	c.writeSpec()
	c.runForeground()
	if _, err := os.Lstat(filepath.Join(hostTarget, "hullnull")); err == nil {
		t.Fatalf("a device node was made on the host at %s", hostTarget)
	}
}
