package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hull-project/hull/internal/errdefs"
)

// tarOf makes an uncompressed tar holding the given files.
func tarOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(content))
	}
	tw.Close()
	return b.Bytes()
}

func importTest(t *testing.T, s *Store, ref string, files map[string]string) *Image {
	t.Helper()
	img, err := s.Import(bytes.NewReader(tarOf(t, files)), ImportOptions{Source: "-", Ref: ref})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestConcurrentTagsFromSeveralStores(t *testing.T) {
	s := newTestStore(t)
	img := importTest(t, s, "base:1", map[string]string{"a": "1"})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A Store per goroutine: separate lock fds, as separate processes have.
			other, err := New(s.opts)
			if err != nil {
				t.Error(err)
				return
			}
			if err := other.Tag(img.ID, fmt.Sprintf("app:%d", i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := s.Get("base:1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.RepoTags) != 21 {
		t.Fatalf("%d tags after concurrent tagging, want 21: %v", len(got.RepoTags), got.RepoTags)
	}
	leftovers, _ := filepath.Glob(filepath.Join(s.opts.Root, ".*tmp*"))
	if len(leftovers) != 0 {
		t.Fatalf("temporary files left: %v", leftovers)
	}
}

func TestGetByIDPrefixAndName(t *testing.T) {
	s := newTestStore(t)
	img := importTest(t, s, "app", map[string]string{"a": "1"})
	hex := strings.TrimPrefix(img.ID, "sha256:")
	for _, name := range []string{"app", "app:latest", "docker.io/library/app:latest", img.ID, hex, hex[:12], hex[:4]} {
		got, err := s.Get(name)
		if err != nil || got.ID != img.ID {
			t.Errorf("Get(%q) = %v, %v", name, got, err)
		}
	}
	if _, err := s.Get("nope"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Get(nope) = %v, want not found", err)
	}
}

func TestRemoveLikeDocker(t *testing.T) {
	s := newTestStore(t)
	img := importTest(t, s, "app:1", map[string]string{"a": "1"})
	if err := s.Tag("app:1", "other:2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Remove(img.ShortID(), RemoveOptions{}); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("rmi by id with two repositories: %v, want conflict", err)
	}
	out, err := s.Remove("other:2", RemoveOptions{})
	if err != nil || len(out) != 1 || out[0].Untagged != "other:2" {
		t.Fatalf("rmi other:2 = %+v, %v", out, err)
	}
	inUse := func(string) []string { return []string{"c0ffee"} }
	if _, err := s.Remove("app:1", RemoveOptions{InUse: inUse}); !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("rmi of an image in use: %v, want conflict", err)
	}
	out, err = s.Remove("app:1", RemoveOptions{})
	if err != nil || len(out) != 2 || out[1].Deleted != img.ID {
		t.Fatalf("rmi app:1 = %+v, %v", out, err)
	}
	for _, l := range img.Layers {
		if s.blobs.Has(l.Digest) || s.opts.Layers.HasLayer(l.ChainID) {
			t.Errorf("layer %s survived its image", l.Digest)
		}
	}
	if s.blobs.Has(img.Config.Digest) || s.blobs.Has(img.Manifest.Digest) {
		t.Error("config or manifest survived the image")
	}
}

func TestSharedLayersSurviveRemoval(t *testing.T) {
	s := newTestStore(t)
	a := importTest(t, s, "a", map[string]string{"same": "x"})
	b, err := s.Import(bytes.NewReader(tarOf(t, map[string]string{"same": "x"})), ImportOptions{Source: "other", Ref: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Layers[0].ChainID != b.Layers[0].ChainID {
		t.Fatal("identical tars should share a layer")
	}
	if _, err := s.Remove("a", RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if !s.opts.Layers.HasLayer(b.Layers[0].ChainID) || !s.blobs.Has(b.Layers[0].Digest) {
		t.Fatal("removing a deleted b's layer")
	}
}

func TestPrune(t *testing.T) {
	s := newTestStore(t)
	importTest(t, s, "", map[string]string{"dangling": "1"})
	importTest(t, s, "kept", map[string]string{"kept": "1"})
	rep, err := s.Prune(false, nil)
	if err != nil || len(rep.Deleted) != 1 || rep.SpaceReclaimed == 0 {
		t.Fatalf("prune = %+v, %v", rep, err)
	}
	imgs, _ := s.List()
	if len(imgs) != 1 || imgs[0].RepoTags[0] != "kept:latest" {
		t.Fatalf("after prune: %+v", imgs)
	}
	rep, err = s.Prune(true, nil)
	if err != nil || len(rep.Deleted) != 2 {
		t.Fatalf("prune -a = %+v, %v", rep, err)
	}
}

func TestImportBadInputLeavesNothing(t *testing.T) {
	s := newTestStore(t)
	if _, err := s.Import(strings.NewReader("this is not a tar archive, not at all, not even close"), ImportOptions{Source: "-", Ref: "x"}); err == nil {
		t.Fatal("import of a non-tar succeeded")
	}
	blobs, _ := os.ReadDir(filepath.Join(s.opts.Root, "blobs", "sha256"))
	if len(blobs) != 0 {
		t.Fatalf("%d blobs left after a failed import", len(blobs))
	}
	assertEmptyIngest(t, s)
}
