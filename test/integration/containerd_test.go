package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hull-project/hull/internal/testutil/busybox"
)

// TestUnderContainerd runs containers with the runtime under test through
// containerd's runc shim (`ctr run --runc-binary`), as containerd, dockerd
// and Kubernetes drive runc: create with --pid-file and --log-format json,
// start, state, exec, kill, delete.
func TestUnderContainerd(t *testing.T) {
	containerd, err := exec.LookPath("containerd")
	if err != nil {
		t.Skip("containerd not installed (apt-get install containerd)")
	}
	ctr, err := exec.LookPath("ctr")
	if err != nil {
		t.Skip("ctr not installed")
	}
	dir, err := os.MkdirTemp("", "hull-ctrd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "containerd.sock")
	config := fmt.Sprintf("version = 2\nroot = %q\nstate = %q\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = %q\n[ttrpc]\n  address = %q\n",
		filepath.Join(dir, "root"), filepath.Join(dir, "state"), sock, sock+".ttrpc")
	writeFile(t, filepath.Join(dir, "config.toml"), config)
	daemon := exec.Command(containerd, "--config", filepath.Join(dir, "config.toml"))
	var log bytes.Buffer
	daemon.Stdout, daemon.Stderr = &log, &log
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		daemon.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { daemon.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			daemon.Process.Kill()
			<-done
		}
		unmountUnder(filepath.Join(dir, "state"))
	})
	ctrCmd := func(args ...string) (string, error) {
		out, err := exec.Command(ctr, append([]string{"--address", sock}, args...)...).CombinedOutput()
		return string(out), err
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := ctrCmd("version"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("containerd did not come up:\n%s", log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	rootfs := filepath.Join(dir, "rootfs")
	busybox.Rootfs(t, rootfs)

	out, err := ctrCmd("run", "--rm", "--runc-binary", runtimeBin, "--rootfs", rootfs, "ctr-fg", "/bin/sh", "-c", "echo hello from $(cat /proc/1/comm)")
	if err != nil || !strings.Contains(out, "hello from sh") {
		t.Fatalf("ctr run --rm: %v\n%s\ncontainerd log:\n%s", err, out, log.String())
	}
	if out, err := ctrCmd("run", "-d", "--runc-binary", runtimeBin, "--rootfs", rootfs, "ctr-bg", "/bin/sleep", "100"); err != nil {
		t.Fatalf("ctr run -d: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		ctrCmd("task", "kill", "-s", "KILL", "ctr-bg")
		time.Sleep(200 * time.Millisecond)
		ctrCmd("task", "delete", "-f", "ctr-bg")
		ctrCmd("container", "delete", "ctr-bg")
	})
	if out, err := ctrCmd("task", "exec", "--exec-id", "e1", "ctr-bg", "/bin/cat", "/proc/1/comm"); err != nil || strings.TrimSpace(out) != "sleep" {
		t.Fatalf("ctr task exec: %v: %q", err, out)
	}
	if out, err := ctrCmd("task", "ls"); err != nil || !strings.Contains(out, "RUNNING") {
		t.Fatalf("ctr task ls: %v\n%s", err, out)
	}
	if out, err := ctrCmd("task", "kill", "-s", "KILL", "ctr-bg"); err != nil {
		t.Fatalf("ctr task kill: %v\n%s", err, out)
	}
	waitUntil := time.Now().Add(10 * time.Second)
	for {
		out, _ := ctrCmd("task", "ls")
		if strings.Contains(out, "STOPPED") {
			break
		}
		if time.Now().After(waitUntil) {
			t.Fatalf("task never stopped:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// unmountUnder detaches whatever containerd left mounted below dir.
func unmountUnder(dir string) {
	data, _ := os.ReadFile("/proc/self/mountinfo")
	lines := strings.Split(string(data), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if f := strings.Fields(lines[i]); len(f) > 4 && strings.HasPrefix(f[4], dir) {
			syscall.Unmount(f[4], syscall.MNT_DETACH)
		}
	}
}
