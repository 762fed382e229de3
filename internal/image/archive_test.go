package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

// entries reads a tar into name -> content.
func entries(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out[h.Name] = b
	}
}

func retar(t *testing.T, files map[string][]byte, drop string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for name, content := range files {
		if name == drop || strings.HasSuffix(name, "/") {
			continue
		}
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg})
		tw.Write(content)
	}
	tw.Close()
	return b.Bytes()
}

func TestSaveWritesDockerArchiveAndOCILayout(t *testing.T) {
	s := newTestStore(t)
	img := importTest(t, s, "app:v1", map[string]string{"etc/hello": "world"})
	var out bytes.Buffer
	if err := s.Save(&out, []string{"app:v1"}); err != nil {
		t.Fatal(err)
	}
	files := entries(t, out.Bytes())
	var manifest []dockerManifestEntry
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil {
		t.Fatal(err)
	}
	if len(manifest) != 1 || manifest[0].RepoTags[0] != "app:v1" || manifest[0].Config != "blobs/sha256/"+img.Config.Digest.Hex {
		t.Fatalf("manifest.json = %+v", manifest)
	}
	layer := files[manifest[0].Layers[0]]
	if !bytes.Contains(layer, []byte("world")) {
		t.Fatal("layer in the archive is not the uncompressed tar")
	}
	for _, name := range []string{"index.json", "oci-layout", "repositories"} {
		if files[name] == nil {
			t.Errorf("archive lacks %s", name)
		}
	}
	idx, err := ParseIndex(files["index.json"])
	if err != nil || idx.Manifests[0].Annotations["io.containerd.image.name"] != "docker.io/library/app:v1" {
		t.Fatalf("index.json = %+v, %v", idx, err)
	}
}

func TestLoadRoundTrips(t *testing.T) {
	src := newTestStore(t)
	img := importTest(t, src, "app:v1", map[string]string{"etc/hello": "world"})
	var saved bytes.Buffer
	if err := src.Save(&saved, []string{"app:v1"}); err != nil {
		t.Fatal(err)
	}
	files := entries(t, saved.Bytes())
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(saved.Bytes())
	zw.Close()
	tests := map[string][]byte{
		"docker-archive": retar(t, files, "index.json"),
		"oci-layout":     retar(t, files, "manifest.json"),
		"gzip":           gz.Bytes(),
	}
	for name, archive := range tests {
		t.Run(name, func(t *testing.T) {
			dst := newTestStore(t)
			loaded, err := dst.Load(bytes.NewReader(archive))
			if err != nil {
				t.Fatal(err)
			}
			if len(loaded) != 1 || loaded[0].ID != img.ID || loaded[0].Refs[0] != "app:v1" {
				t.Fatalf("loaded %+v, want %s app:v1", loaded, img.ID)
			}
			got, err := dst.Get("app:v1")
			if err != nil || len(got.Layers) != 1 || !dst.opts.Layers.HasLayer(got.Layers[0].ChainID) {
				t.Fatalf("after load: %+v, %v", got, err)
			}
			assertEmptyIngest(t, dst)
		})
	}
}

func TestLoadRejectsBadArchives(t *testing.T) {
	src := newTestStore(t)
	importTest(t, src, "app:v1", map[string]string{"a": "b"})
	var saved bytes.Buffer
	src.Save(&saved, []string{"app:v1"})
	files := entries(t, saved.Bytes())
	var manifest []dockerManifestEntry
	json.Unmarshal(files["manifest.json"], &manifest)
	badConfig := copyFiles(files)
	badConfig[manifest[0].Config] = []byte("not json")
	badLayer := copyFiles(files)
	badLayer[manifest[0].Layers[0]] = []byte("not a tar")
	escape := copyFiles(files)
	escape["manifest.json"] = []byte(`[{"Config":"../../etc/passwd","Layers":[]}]`)
	tests := map[string]struct {
		archive []byte
		want    string
	}{
		"config not JSON": {retar(t, badConfig, "index.json"), "not JSON"},
		"layer not a tar": {retar(t, badLayer, "index.json"), "layer"},
		"path escape":     {retar(t, escape, "index.json"), "leaves the archive"},
		"not an archive":  {[]byte("garbage"), "load"},
		"empty layout":    {retar(t, map[string][]byte{"x": []byte("y")}, ""), "neither manifest.json nor index.json"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			dst := newTestStore(t)
			_, err := dst.Load(bytes.NewReader(tt.archive))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("load: %v, want %q", err, tt.want)
			}
			if imgs, _ := dst.List(); len(imgs) != 0 {
				t.Fatalf("a failed load left %d images", len(imgs))
			}
			assertEmptyIngest(t, dst)
		})
	}
}

func copyFiles(m map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range m {
		out[k] = v
	}
	return out
}
