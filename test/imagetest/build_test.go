package imagetest

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/compression"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// compressions a test layer can be stored with.
const (
	gzipLayer = "gzip"
	zstdLayer = "zstd"
	plainTar  = "tar"
)

// buildImage makes an OCI image for linux/arch from uncompressed layer
// tars.
func buildImage(t testing.TB, arch, comp string, layers ...[]byte) v1.Image {
	t.Helper()
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	for i, data := range layers {
		img = appendLayer(t, img, data, comp, i)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", arch
	cf.Config.Cmd = []string{"/bin/sh"}
	cf.Config.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func appendLayer(t testing.TB, img v1.Image, data []byte, comp string, i int) v1.Image {
	t.Helper()
	var l v1.Layer
	var err error
	switch comp {
	case plainTar:
		l = static.NewLayer(data, types.OCIUncompressedLayer)
	case zstdLayer:
		l, err = tarball.LayerFromOpener(opener(data), tarball.WithCompression(compression.ZStd), tarball.WithMediaType(types.OCILayerZStd))
	default:
		l, err = tarball.LayerFromOpener(opener(data), tarball.WithMediaType(types.OCILayer))
	}
	if err != nil {
		t.Fatal(err)
	}
	img, err = mutate.Append(img, mutate.Addendum{Layer: l, History: v1.History{CreatedBy: "layer " + string(rune('0'+i))}})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func opener(data []byte) tarball.Opener {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
}

// pushImage writes img to an OCI layout and copies it to the registry
// with skopeo; format "v2s2" makes a Docker schema 2 image.
func pushImage(t testing.TB, img v1.Image, repo, format string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "latest"})); err != nil {
		t.Fatal(err)
	}
	ref := registry + "/" + repo + ":latest"
	args := []string{"--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false"}
	if format != "" {
		args = append(args, "--format", format)
	}
	skopeo(t, append(args, "oci:"+dir+":latest", "docker://"+ref)...)
	return ref
}

// pushIndex pushes a multi-platform index of imgs by their platforms.
func pushIndex(t testing.TB, repo string, imgs map[string]v1.Image) string {
	t.Helper()
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for arch, img := range imgs {
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	dir := filepath.Join(t.TempDir(), "layout")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "latest"})); err != nil {
		t.Fatal(err)
	}
	ref := registry + "/" + repo + ":latest"
	skopeo(t, "--insecure-policy", "copy", "--quiet", "--all", "--dest-tls-verify=false", "oci:"+dir+":latest", "docker://"+ref)
	return ref
}

func skopeo(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command("skopeo", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// busyboxRoot makes a busybox root file system from busybox-static, as
// PEERS.md describes, and returns its directory.
func busyboxRoot(t testing.TB) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "rootfs")
	for _, d := range []string{"bin", "etc", "tmp", "root", "usr/bin", "usr/sbin", "sbin"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(filepath.Join(root, "tmp"), 0o1777)
	os.Chmod(filepath.Join(root, "root"), 0o700)
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "bin/busybox"), data, 0o755)
	if out, err := exec.Command("chroot", root, "/bin/busybox", "--install", "-s").CombinedOutput(); err != nil {
		t.Fatalf("busybox --install: %v\n%s", err, out)
	}
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte("root:x:0:\nnogroup:x:65534:\n"), 0o644)
	return root
}

// tarDir makes an uncompressed layer tar of dir with GNU tar.
func tarDir(t testing.TB, dir string) []byte {
	t.Helper()
	out, err := exec.Command("tar", "--numeric-owner", "--sort=name", "-C", dir, "-cf", "-", ".").Output()
	if err != nil {
		t.Fatalf("tar %s: %v", dir, err)
	}
	return out
}
