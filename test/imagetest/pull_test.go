package imagetest

import (
	"fmt"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	testregistry "github.com/hull-project/hull/internal/testutil/registry"
)

func TestPullBusybox(t *testing.T) {
	requireSetup(t)
	rootfs := busyboxRoot(t)
	want := readTree(t, rootfs)
	img := buildImage(t, "amd64", gzipLayer, tarDir(t, rootfs))
	for _, format := range []string{"oci", "v2s2"} {
		t.Run(format, func(t *testing.T) {
			f := format
			if f == "oci" {
				f = ""
			}
			ref := pushImage(t, img, "busybox-"+format, f)
			root := newRoot(t)
			out := hull(t, root, "pull", ref)
			for _, line := range []string{"Pull complete", "Digest: sha256:", "Status: Downloaded newer image for " + ref} {
				if !strings.Contains(out, line) {
					t.Errorf("pull output lacks %q:\n%s", line, out)
				}
			}
			assertSameTree(t, want, mergedTree(t, root, ref))
			if out := hull(t, root, "images", "--format", "{{.Repository}}:{{.Tag}}"); strings.TrimSpace(out) != ref {
				t.Errorf("images = %q, want %q", out, ref)
			}
			if out := hull(t, root, "pull", ref); !strings.Contains(out, "Image is up to date") {
				t.Errorf("second pull:\n%s", out)
			}
		})
	}
}

func TestPullLayerCompressions(t *testing.T) {
	requireSetup(t)
	layer := layerTar(t, dir("etc", 0o755, 0), file("etc/motd", "hello\n", 0o644, 0), dir("home/user", 0o750, 1000),
		file("home/user/data", strings.Repeat("x", 100000), 0o600, 1000), symlink("home/link", "user/data"))
	for _, comp := range []string{zstdLayer, plainTar} {
		t.Run(comp, func(t *testing.T) {
			ref := pushImage(t, buildImage(t, "amd64", comp, layer), "compress-"+comp, "")
			root := newRoot(t)
			hull(t, root, "pull", ref)
			want := tree{
				"etc": dir("", 0o755, 0).node, "etc/motd": file("", "hello\n", 0o644, 0).node,
				"home": dir("", 0o755, 0).node, "home/user": dir("", 0o750, 1000).node,
				"home/user/data": file("", strings.Repeat("x", 100000), 0o600, 1000).node,
				"home/link":      symlink("", "user/data").node,
			}
			assertSameTree(t, want, mergedTree(t, root, ref))
		})
	}
}

// TestPullWhiteouts pulls an image whose later layers delete files and
// directories, replace a directory with a file and a file with a
// directory, and make a directory opaque; the merged view must be what
// applying the layers in order gives.
func TestPullWhiteouts(t *testing.T) {
	requireSetup(t)
	l1 := layerTar(t,
		dir("a", 0o755, 0), dir("a/b", 0o755, 0), file("a/b/f1", "one", 0o644, 1000), file("a/keep", "keep", 0o644, 0),
		file("a/gone", "gone", 0o644, 0), dir("d", 0o755, 0), file("d/x", "x", 0o644, 0), file("d/y", "y", 0o644, 0),
		symlink("s", "a/keep"), file("f2d", "file", 0o644, 0), dir("rm", 0o700, 0), file("rm/deep", "deep", 0o600, 0))
	l2 := layerTar(t,
		whiteout("a/gone"), opaque("d"), file("d/z", "z", 0o640, 33), whiteout("a/b"), file("a/b", "now a file", 0o600, 0),
		whiteout("s"), file("s", "no longer a link", 0o644, 0), whiteout("f2d"), dir("f2d", 0o711, 0), file("f2d/in", "in", 0o644, 0))
	l3 := layerTar(t,
		whiteout("rm"), file("a/new", "new", 0o4755, 0), file("a/linked", "shared inode", 0o640, 0), hardlink("a/new-link", "a/linked"), file("d/x", "x again", 0o644, 0))
	ref := pushImage(t, buildImage(t, "amd64", gzipLayer, l1, l2, l3), "whiteouts", "")
	root := newRoot(t)
	hull(t, root, "pull", ref)
	want := tree{
		"a": dir("", 0o755, 0).node, "a/b": file("", "now a file", 0o600, 0).node, "a/keep": file("", "keep", 0o644, 0).node,
		"a/new": file("", "new", 0o4755, 0).node, "a/linked": file("", "shared inode", 0o640, 0).node, "a/new-link": file("", "shared inode", 0o640, 0).node,
		"d": dir("", 0o755, 0).node, "d/z": file("", "z", 0o640, 33).node, "d/x": file("", "x again", 0o644, 0).node,
		"s": file("", "no longer a link", 0o644, 0).node, "f2d": dir("", 0o711, 0).node, "f2d/in": file("", "in", 0o644, 0).node,
	}
	assertSameTree(t, want, mergedTree(t, root, ref))
	if n := len(inspect(t, root, ref).RootFS.Layers); n != 3 {
		t.Errorf("RootFS.Layers has %d layers, want 3", n)
	}
}

func TestPullMultiPlatformIndex(t *testing.T) {
	requireSetup(t)
	amd := buildImage(t, "amd64", gzipLayer, layerTar(t, file("arch", "amd64\n", 0o644, 0)))
	arm := buildImage(t, "arm64", gzipLayer, layerTar(t, file("arch", "arm64\n", 0o644, 0)))
	ref := pushIndex(t, "multi", map[string]v1.Image{"arm64": arm, "amd64": amd})
	root := newRoot(t)
	hull(t, root, "pull", ref)
	got := inspect(t, root, ref)
	wantID, _ := amd.ConfigName()
	if got.ID != wantID.String() || got.Architecture != "amd64" {
		t.Fatalf("pulled %s (%s), want the amd64 image %s", got.ID, got.Architecture, wantID)
	}
	assertSameTree(t, tree{"arch": file("", "amd64\n", 0o644, 0).node}, mergedTree(t, root, ref))
	root2 := newRoot(t)
	hull(t, root2, "pull", "--platform", "linux/arm64", ref)
	assertSameTree(t, tree{"arch": file("", "arm64\n", 0o644, 0).node}, mergedTree(t, root2, ref))
}

func TestPullFailuresLeaveNothing(t *testing.T) {
	requireSetup(t)
	closed, _ := testregistry.FreeAddr()
	tests := []struct{ ref, want string }{
		{registry + "/does-not-exist:latest", "not found"},
		{registry + "/busybox-oci:no-such-tag", "manifest unknown"},
		{closed + "/app:latest", "connection refused"},
		{"Upper/Case", "must be lowercase"},
	}
	for _, tt := range tests {
		root := newRoot(t)
		_, stderr, err := hullRun(root, "pull", tt.ref)
		if err == nil || !strings.Contains(stderr, tt.want) {
			t.Errorf("pull %s: err %v, stderr %q, want %q", tt.ref, err, stderr, tt.want)
		}
		if code := exitCode(err); code != 125 {
			t.Errorf("pull %s exited %d, want 125", tt.ref, code)
		}
		if out, _, _ := hullRun(root, "images", "-q"); out != "" {
			t.Errorf("pull %s left images: %q", tt.ref, out)
		}
	}
}

func exitCode(err error) int {
	var code int
	fmt.Sscanf(fmt.Sprint(err), "exit status %d", &code)
	return code
}
