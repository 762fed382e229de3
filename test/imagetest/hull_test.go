package imagetest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// hull runs the hull binary with --root root and returns its stdout.
func hull(t testing.TB, root string, args ...string) string {
	t.Helper()
	out, stderr, err := hullRun(root, args...)
	if err != nil {
		t.Fatalf("hull %v: %v\n%s%s", args, err, out, stderr)
	}
	return out
}

func hullRun(root string, args ...string) (string, string, error) {
	cmd := exec.Command(hullBin, append([]string{"--root", root}, args...)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

type inspectJSON struct {
	ID           string `json:"Id"`
	RepoTags     []string
	RepoDigests  []string
	Architecture string
	Os           string
	Size         int64
	GraphDriver  struct {
		Name string
		Data map[string]string
	}
	RootFS struct {
		Type   string
		Layers []string
	}
}

func inspect(t testing.TB, root, ref string) inspectJSON {
	t.Helper()
	var out []inspectJSON
	if err := json.Unmarshal([]byte(hull(t, root, "image", "inspect", ref)), &out); err != nil || len(out) != 1 {
		t.Fatalf("image inspect %s: %v", ref, err)
	}
	return out[0]
}

// mergedTree reads the image's root file system as a container would
// see it: an overlay of its layers (GraphDriver's UpperDir is the top
// layer, LowerDir the ones below), mounted read-only for the read.
func mergedTree(t testing.TB, root, ref string) tree {
	t.Helper()
	data := inspect(t, root, ref).GraphDriver.Data
	if data["LowerDir"] == "" {
		return readTree(t, data["UpperDir"])
	}
	target := filepath.Join(t.TempDir(), "merged")
	os.MkdirAll(target, 0o755)
	opts := "lowerdir=" + data["UpperDir"] + ":" + data["LowerDir"]
	if err := unix.Mount("overlay", target, "overlay", unix.MS_RDONLY, opts); err != nil {
		t.Fatalf("mount overlay %s: %v", opts, err)
	}
	defer unix.Unmount(target, unix.MNT_DETACH)
	return readTree(t, target)
}

func newRoot(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "hull")
}
