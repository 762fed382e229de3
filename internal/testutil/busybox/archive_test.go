package busybox

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDockerArchive(t *testing.T) {
	pristine(t)
	var a, b bytes.Buffer
	if err := DockerArchive(&a, "busybox:latest"); err != nil {
		t.Fatal(err)
	}
	if err := DockerArchive(&b, "busybox:latest"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two archives of the same busybox differ: image ids would change on every setup")
	}
	files := map[string][]byte{}
	tr := tar.NewReader(&a)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		files[h.Name] = data
	}
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil {
		t.Fatal(err)
	}
	if len(manifest) != 1 || manifest[0].RepoTags[0] != "busybox:latest" || len(manifest[0].Layers) != 1 {
		t.Fatalf("manifest = %+v", manifest)
	}
	layer := tar.NewReader(bytes.NewReader(files[manifest[0].Layers[0]]))
	found := map[string]bool{}
	for {
		h, err := layer.Next()
		if err != nil {
			break
		}
		// podman and docker refuse a layer that names a path twice.
		name := strings.TrimSuffix(h.Name, "/")
		if found[name] {
			t.Errorf("layer names %s twice", name)
		}
		found[name] = true
	}
	for _, want := range []string{"bin/busybox", "bin/sh", "etc/passwd", "tmp"} {
		if !found[want] {
			t.Errorf("layer has no %s", want)
		}
	}
}

func TestDockerArchiveFile(t *testing.T) {
	pristine(t)
	var want bytes.Buffer
	if err := DockerArchive(&want, "busybox:latest"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "busybox.tar")
	if err := DockerArchiveFile(path, "busybox:latest"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("the file differs from DockerArchive's stream")
	}
	if err := DockerArchiveFile(filepath.Join(t.TempDir(), "missing", "busybox.tar"), "busybox:latest"); err == nil {
		t.Fatal("DockerArchiveFile into a missing directory succeeded")
	}
}
