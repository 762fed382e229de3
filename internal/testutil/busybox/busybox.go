// Package busybox builds OCI bundles for tests from Debian's busybox-static:
// a root file system holding /bin/busybox, a symlink for every applet, the
// usual /etc files and empty mount points, and a config.json made from
// hull's default spec.
//
// The pristine root file system is read once per test binary and kept in
// memory; every call writes a fresh, independent copy (no hard links), so a
// test may change its files freely.
package busybox

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/internal/specgen"
)

// Binary is where Debian's busybox-static installs its static busybox.
const Binary = "/bin/busybox"

// image is the pristine root file system, loaded once.
type image struct {
	busybox []byte
	applets []string // paths relative to the root, e.g. "usr/bin/awk"
}

var (
	loadOnce sync.Once
	loaded   *image
	loadErr  error
)

// dirs are created in every root file system, with their modes.
var dirs = []struct {
	path string
	mode os.FileMode
}{
	{"bin", 0o755}, {"sbin", 0o755}, {"usr/bin", 0o755}, {"usr/sbin", 0o755},
	{"etc", 0o755}, {"root", 0o700}, {"home/hull", 0o755}, {"tmp", os.ModeSticky | 0o777},
	{"var/tmp", os.ModeSticky | 0o777}, {"proc", 0o555}, {"sys", 0o555}, {"dev", 0o755},
}

// files are written in every root file system.
var files = []struct {
	path    string
	mode    os.FileMode
	content string
}{
	{"etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/sh\n" +
		"hull:x:1000:1000:hull:/home/hull:/bin/sh\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"},
	{"etc/group", 0o644, "root:x:0:\ntty:x:5:\nusers:x:100:hull\n" +
		"hull:x:1000:\nnogroup:x:65534:\n"},
	{"etc/hostname", 0o644, "busybox\n"},
}

// load reads the busybox binary and asks it for its applet paths.
func load() (*image, error) {
	bin, err := os.ReadFile(Binary)
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(Binary, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list-full: %w", Binary, err)
	}
	img := &image{busybox: bin}
	for _, p := range strings.Fields(string(out)) {
		if p != "bin/busybox" {
			img.applets = append(img.applets, p)
		}
	}
	return img, nil
}

// pristine returns the cached image, skipping the test when busybox is
// missing and failing it when busybox cannot be read.
func pristine(t testing.TB) *image {
	t.Helper()
	if _, err := os.Stat(Binary); os.IsNotExist(err) {
		t.Skipf("%s not found: install Debian's busybox-static (apt-get install busybox-static)", Binary)
	}
	loadOnce.Do(func() { loaded, loadErr = load() })
	if loadErr != nil {
		t.Fatalf("load busybox: %v", loadErr)
	}
	return loaded
}

// Rootfs fills dir (created if missing) with a busybox root file system:
// /bin/busybox, an absolute symlink to it for each applet, /etc/passwd and
// /etc/group with root, a user "hull" (1000:1000) and nobody, /tmp (1777),
// /root, /home/hull, and empty /proc, /sys and /dev.
func Rootfs(t testing.TB, dir string) {
	t.Helper()
	img := pristine(t)
	if err := img.write(dir); err != nil {
		t.Fatalf("busybox rootfs in %s: %v", dir, err)
	}
}

func (img *image) write(root string) error {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	for _, d := range dirs {
		if err := mkdirMode(filepath.Join(root, d.path), d.mode); err != nil {
			return err
		}
	}
	// Only root can give /home/hull to its user; elsewhere it stays ours.
	if err := os.Chown(filepath.Join(root, "home/hull"), 1000, 1000); err != nil && os.Geteuid() == 0 {
		return err
	}
	for _, f := range files {
		if err := writeFileMode(filepath.Join(root, f.path), []byte(f.content), f.mode); err != nil {
			return err
		}
	}
	if err := writeFileMode(filepath.Join(root, "bin/busybox"), img.busybox, 0o755); err != nil {
		return err
	}
	return img.link(root)
}

// link makes each applet an absolute symlink to /bin/busybox, as
// `busybox --install -s` does. Creating an inode costs about 300µs on the
// ext4 of these machines, so only the first applet is a new symlink; the
// others are hard links to that one symlink inode, in the same rootfs. That
// is safe to share: a symlink cannot be changed in place, only replaced, so
// a test that replaces one applet leaves the others alone.
func (img *image) link(root string) error {
	first := ""
	for _, a := range img.applets {
		p := filepath.Join(root, a)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if first != "" && os.Link(first, p) == nil {
			continue
		}
		if err := os.Symlink("/bin/busybox", p); err != nil && !os.IsExist(err) {
			return err
		}
		first = p
	}
	return nil
}

// mkdirMode creates p and sets its mode exactly, past the umask.
func mkdirMode(p string, mode os.FileMode) error {
	if err := os.MkdirAll(p, 0o755); err != nil {
		return err
	}
	return os.Chmod(p, mode)
}

func writeFileMode(p string, data []byte, mode os.FileMode) error {
	if err := os.WriteFile(p, data, mode); err != nil {
		return err
	}
	return os.Chmod(p, mode)
}

// Bundle makes a bundle in a new temporary directory: a busybox rootfs and a
// config.json from hull's default spec, without a terminal, running args
// (the default "sh" when args is empty). The bundle directory and its parent
// are made world-searchable, so a container in a user namespace can reach
// its rootfs. It returns the bundle directory and the spec it wrote; after
// changing the spec, write it again with WriteSpec.
func Bundle(t testing.TB, args ...string) (string, *specs.Spec) {
	t.Helper()
	bundle := t.TempDir()
	for _, d := range []string{filepath.Dir(bundle), bundle} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	Rootfs(t, filepath.Join(bundle, "rootfs"))
	spec := specgen.Default()
	spec.Process.Terminal = false
	if len(args) > 0 {
		spec.Process.Args = args
	}
	WriteSpec(t, bundle, spec)
	return bundle, spec
}

// WriteSpec writes spec as bundle/config.json.
func WriteSpec(t testing.TB, bundle string, spec *specs.Spec) {
	t.Helper()
	data, err := json.MarshalIndent(spec, "", "\t")
	if err != nil {
		t.Fatalf("encode spec: %v", err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644); err != nil {
		t.Fatalf("write config.json: %v", err)
	}
}
