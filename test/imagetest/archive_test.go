package imagetest

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSaveIsReadBySkopeo checks that `hull save` writes the archive
// `docker save` writes: skopeo reads it through its docker-archive
// transport and sees the same config and layers.
func TestSaveIsReadBySkopeo(t *testing.T) {
	requireSetup(t)
	rootfs := busyboxRoot(t)
	img := buildImage(t, "amd64", gzipLayer, tarDir(t, rootfs), layerTar(t, file("etc/extra", "x", 0o644, 0)))
	ref := pushImage(t, img, "save-me", "")
	root := newRoot(t)
	hull(t, root, "pull", ref)
	archive := filepath.Join(t.TempDir(), "saved.tar")
	hull(t, root, "save", "-o", archive, ref)
	var info struct {
		Digest string
		Layers []string
	}
	out := skopeo(t, "inspect", "--config", "docker-archive:"+archive)
	var cfg struct {
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal([]byte(out), &cfg); err != nil {
		t.Fatalf("skopeo inspect --config: %v\n%s", err, out)
	}
	want := inspect(t, root, ref).RootFS.Layers
	if strings.Join(cfg.RootFS.DiffIDs, ",") != strings.Join(want, ",") {
		t.Fatalf("skopeo sees diff ids %v, want %v", cfg.RootFS.DiffIDs, want)
	}
	if err := json.Unmarshal([]byte(skopeo(t, "inspect", "docker-archive:"+archive)), &info); err != nil || len(info.Layers) != 2 {
		t.Fatalf("skopeo inspect: %+v, %v", info, err)
	}
	// And the archive loads back into an empty store as the same image.
	root2 := newRoot(t)
	if out := hull(t, root2, "load", "-i", archive); !strings.Contains(out, "Loaded image: "+ref) {
		t.Fatalf("load output %q", out)
	}
	if got := inspect(t, root2, ref); got.ID != inspect(t, root, ref).ID {
		t.Fatalf("loaded id %s, saved %s", got.ID, inspect(t, root, ref).ID)
	}
	assertSameTree(t, mergedTree(t, root, ref), mergedTree(t, root2, ref))
}

// TestLoadSkopeoArchives loads what skopeo writes in docker save's format
// (docker-archive) and as an OCI archive.
func TestLoadSkopeoArchives(t *testing.T) {
	requireSetup(t)
	rootfs := busyboxRoot(t)
	img := buildImage(t, "amd64", gzipLayer, tarDir(t, rootfs))
	ref := pushImage(t, img, "load-me", "")
	wantID, _ := img.ConfigName()
	want := readTree(t, rootfs)
	for _, transport := range []string{"docker-archive", "oci-archive"} {
		t.Run(transport, func(t *testing.T) {
			archive := filepath.Join(t.TempDir(), "archive.tar")
			skopeo(t, "--insecure-policy", "copy", "--quiet", "--src-tls-verify=false", "docker://"+ref, transport+":"+archive+":loaded/busybox:v1")
			root := newRoot(t)
			out := hull(t, root, "load", "-i", archive)
			if !strings.Contains(out, "Loaded image") {
				t.Fatalf("load output %q", out)
			}
			got := inspect(t, root, wantID.String())
			if got.ID != wantID.String() {
				t.Fatalf("loaded %s, want %s", got.ID, wantID)
			}
			if transport == "docker-archive" && (len(got.RepoTags) != 1 || got.RepoTags[0] != "loaded/busybox:v1") {
				t.Errorf("RepoTags = %v", got.RepoTags)
			}
			assertSameTree(t, want, mergedTree(t, root, wantID.String()))
		})
	}
}

// TestImportPushPull imports a root file system tar with changes, pushes
// it with hull and pulls it back into another store.
func TestImportPushPull(t *testing.T) {
	requireSetup(t)
	rootfs := busyboxRoot(t)
	tarball := filepath.Join(t.TempDir(), "rootfs.tar")
	if out, err := exec.Command("tar", "--numeric-owner", "-C", rootfs, "-czf", tarball, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	root := newRoot(t)
	ref := registry + "/imported:v1"
	id := strings.TrimSpace(hull(t, root, "import", "-c", `CMD ["/bin/sh"]`, "-c", "ENV A=b", "-m", "from a test", tarball, ref))
	if !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("import printed %q", id)
	}
	hist := hull(t, root, "history", ref)
	if !strings.Contains(hist, "from a test") || !strings.Contains(hist, "IMAGE") {
		t.Errorf("history:\n%s", hist)
	}
	if out := hull(t, root, "push", ref); !strings.Contains(out, "Pushed") || !strings.Contains(out, "v1: digest: sha256:") {
		t.Errorf("push output:\n%s", out)
	}
	root2 := newRoot(t)
	hull(t, root2, "pull", ref)
	if got := inspect(t, root2, ref); got.ID != id {
		t.Fatalf("pulled %s, imported %s", got.ID, id)
	}
	assertSameTree(t, readTree(t, rootfs), mergedTree(t, root2, ref))
	// rmi removes it and its layers.
	out := hull(t, root2, "rmi", ref)
	if !strings.Contains(out, "Untagged: "+ref) || !strings.Contains(out, "Deleted: "+id) {
		t.Errorf("rmi output:\n%s", out)
	}
	if out := hull(t, root2, "images", "-q"); out != "" {
		t.Errorf("images after rmi: %q", out)
	}
}
