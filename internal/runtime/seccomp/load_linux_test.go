//go:build cgo

package seccomp

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Environment of TestHelperProcess: the mode, and the directory to mkdir in.
const (
	helperEnv    = "HULL_SECCOMP_HELPER"
	helperDirEnv = "HULL_SECCOMP_HELPER_DIR"
)

// TestHelperProcess is not a test: run by TestLoad in a child process, it
// loads a filter that makes mkdir fail with ENOSYS, tries os.Mkdir, and
// prints the errno. In mode "thread" it loads the filter on its locked
// thread only and mkdirs there, the way the container's init loads the
// filter right before execve; in mode "tsync" it asks for
// SECCOMP_FILTER_FLAG_TSYNC and mkdirs from another goroutine.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper process for TestLoad")
	}
	runtime.LockOSThread()
	s := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: uintp(uint(unix.ENOSYS))},
		},
	}
	if mode == "tsync" {
		s.Flags = []specs.LinuxSeccompFlag{flagTsync}
	}
	if mode == "docker" {
		var err error
		if s, err = DockerDefault(dockerCaps); err != nil {
			helperExit("docker profile: %v", err)
		}
	}
	// Without CAP_SYS_ADMIN the kernel wants no_new_privs first.
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		helperExit("no_new_privs: %v", err)
	}
	if err := Load(s); err != nil {
		helperExit("load: %v", err)
	}
	if mode == "docker" {
		dockerChecks()
		return
	}
	dir := filepath.Join(os.Getenv(helperDirEnv), "d")
	if mode == "tsync" {
		done := make(chan error)
		go func() { done <- os.Mkdir(dir, 0o755) }()
		reportErrno(<-done)
	}
	reportErrno(os.Mkdir(dir, 0o755))
}

// dockerChecks makes system calls under Docker's default profile, loaded
// by the kernel with its -ENOSYS stub, and prints what each returned.
func dockerChecks() {
	_, _, e := unix.RawSyscall(1000, 0, 0, 0) // newer than any profile
	fmt.Printf("nr1000=%d\n", int(e))
	_, _, e = unix.RawSyscall(unix.SYS_MOUNT, 0, 0, 0)
	fmt.Printf("mount=%d\n", int(e))
	_, _, e = unix.RawSyscall(unix.SYS_GETPID, 0, 0, 0)
	fmt.Printf("getpid=%d\n", int(e))
}

func reportErrno(err error) {
	var errno unix.Errno
	if !errors.As(err, &errno) {
		helperExit("mkdir returned %v, not an errno", err)
	}
	fmt.Printf("errno=%d\n", int(errno))
}

func helperExit(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "helper: "+format+"\n", args...)
	os.Exit(3)
}

func TestLoadDockerDefault(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("uses x86-64 system call numbers")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"=docker")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	want := fmt.Sprintf("nr1000=%d\nmount=%d\ngetpid=0\n", int(unix.ENOSYS), int(unix.EPERM))
	if !strings.HasPrefix(string(out), want) {
		t.Fatalf("helper printed\n%s\nwant\n%s", out, want)
	}
}

func TestLoad(t *testing.T) {
	for _, mode := range []string{"thread", "tsync"} {
		t.Run(mode, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
			cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperDirEnv+"="+t.TempDir())
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("helper: %v\n%s", err, out)
			}
			want := fmt.Sprintf("errno=%d", int(unix.ENOSYS))
			lines := strings.Count(string(out), want)
			if (mode == "thread" && lines != 1) || (mode == "tsync" && lines != 2) {
				t.Fatalf("helper printed\n%s\nwant %s from every mkdir", out, want)
			}
		})
	}
}
