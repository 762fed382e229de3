package busybox

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestRootfsLayout(t *testing.T) {
	root := filepath.Join(t.TempDir(), "rootfs")
	Rootfs(t, root)

	for _, c := range []struct {
		path string
		mode os.FileMode
	}{
		{"bin/busybox", 0o755},
		{"tmp", os.ModeDir | os.ModeSticky | 0o777},
		{"root", os.ModeDir | 0o700},
		{"proc", os.ModeDir | 0o555},
		{"sys", os.ModeDir | 0o555},
		{"dev", os.ModeDir | 0o755},
		{"etc/passwd", 0o644},
		{"etc/group", 0o644},
	} {
		fi, err := os.Lstat(filepath.Join(root, c.path))
		if err != nil {
			t.Errorf("%s: %v", c.path, err)
			continue
		}
		if got := fi.Mode() & (os.ModeType | os.ModePerm | os.ModeSticky); got != c.mode {
			t.Errorf("%s: mode %v, want %v", c.path, got, c.mode)
		}
	}
	for _, applet := range []string{"bin/sh", "bin/ls", "usr/bin/id", "sbin/ip"} {
		target, err := os.Readlink(filepath.Join(root, applet))
		if err != nil || target != "/bin/busybox" {
			t.Errorf("%s -> %q (%v), want /bin/busybox", applet, target, err)
		}
	}
	passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	if !strings.Contains(string(passwd), "hull:x:1000:1000:") {
		t.Errorf("/etc/passwd lacks user hull:\n%s", passwd)
	}
}

func TestRootfsCopiesAreIndependent(t *testing.T) {
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	Rootfs(t, a)
	Rootfs(t, b)
	if err := os.WriteFile(filepath.Join(a, "bin/busybox"), []byte("changed"), 0o755); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(b, "bin/busybox"))
	if err != nil || fi.Size() < 100_000 {
		t.Fatalf("changing one rootfs changed another: %v %v", fi, err)
	}
}

func TestBundle(t *testing.T) {
	bundle, spec := Bundle(t, "echo", "hi")
	if spec.Process.Terminal || strings.Join(spec.Process.Args, " ") != "echo hi" {
		t.Fatalf("spec process = %+v", spec.Process)
	}
	spec.Hostname = "changed"
	WriteSpec(t, bundle, spec)

	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got specs.Spec
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Hostname != "changed" || got.Root.Path != "rootfs" || got.Process.Terminal {
		t.Fatalf("config.json = %s", data)
	}
}

// TestRootfsRuns runs a shell from the new rootfs through its applet links
// (no chroot: the links are absolute, so the host's /bin/busybox answers).
func TestRootfsRuns(t *testing.T) {
	root := filepath.Join(t.TempDir(), "rootfs")
	Rootfs(t, root)
	out, err := exec.Command(filepath.Join(root, "bin/busybox"), "sh", "-c", "echo ok").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("busybox sh: %v: %s", err, out)
	}
}

// BenchmarkBundle measures one bundle; it should stay well under 50ms.
func BenchmarkBundle(b *testing.B) {
	Bundle(b) // load the image once
	b.ResetTimer()
	for b.Loop() {
		Bundle(b)
	}
}
