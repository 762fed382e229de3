package imagetest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSaveLoadsIntoPodman loads `hull save` output into podman, when podman
// is installed, in storage of the test's own (vfs, so no mount is made).
func TestSaveLoadsIntoPodman(t *testing.T) {
	requireSetup(t)
	podman, err := exec.LookPath("podman")
	if err != nil {
		t.Skip("podman not installed (apt-get install podman): skipping the podman load check")
	}
	rootfs := busyboxRoot(t)
	img := buildImage(t, "amd64", gzipLayer, tarDir(t, rootfs), layerTar(t, file("etc/extra", "x", 0o644, 0)))
	ref := pushImage(t, img, "for-podman", "")
	root := newRoot(t)
	hull(t, root, "pull", ref)
	archive := filepath.Join(t.TempDir(), "saved.tar")
	hull(t, root, "save", "-o", archive, ref)
	store := t.TempDir()
	pm := func(args ...string) (string, error) {
		base := []string{"--root", filepath.Join(store, "root"), "--runroot", filepath.Join(store, "run"), "--storage-driver", "vfs"}
		out, err := exec.Command(podman, append(base, args...)...).CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() { pm("rmi", "-a", "-f") })
	out, err := pm("load", "-i", archive)
	if err != nil || !strings.Contains(out, "Loaded image") {
		t.Fatalf("podman load of hull save output: %v\n%s", err, out)
	}
	id := inspect(t, root, ref).ID
	out, err = pm("images", "--no-trunc", "--format", "{{.ID}}")
	if err != nil || !strings.Contains(out, strings.TrimPrefix(id, "sha256:")) {
		t.Fatalf("podman images shows %q, want hull's image id %s (%v)", out, id, err)
	}
}
