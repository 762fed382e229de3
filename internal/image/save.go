package image

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/hull-project/hull/internal/image/reference"
)

// dockerManifestEntry is one entry of a docker-archive manifest.json.
type dockerManifestEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// saver writes one archive that is both what `docker save` writes
// (manifest.json, repositories) and an OCI image layout (oci-layout,
// index.json, blobs/sha256/...), as Docker 25 does. Layers are stored
// uncompressed, named by their diff id.
type saver struct {
	s       *Store
	tw      *tar.Writer
	written map[string]bool
	index   v1.IndexManifest
	docker  []dockerManifestEntry
	repos   map[string]map[string]string
}

// Save writes the named images (references or ids) to w as a tar.
func (s *Store) Save(w io.Writer, names []string) error {
	sv := &saver{s: s, tw: tar.NewWriter(w), written: map[string]bool{}, repos: map[string]map[string]string{}}
	sv.index = v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
	if err := sv.dir("blobs/"); err != nil {
		return err
	}
	if err := sv.dir("blobs/sha256/"); err != nil {
		return err
	}
	for _, n := range names {
		if err := sv.image(n); err != nil {
			return fmt.Errorf("save %s: %w", n, err)
		}
	}
	if err := sv.trailer(); err != nil {
		return fmt.Errorf("save: %w", err)
	}
	return sv.tw.Close()
}

func (sv *saver) image(name string) error {
	img, err := sv.s.Get(name)
	if err != nil {
		return err
	}
	tags := savedTags(name, img)
	cfg, err := sv.s.RawConfig(img)
	if err != nil {
		return err
	}
	if err := sv.blob(img.Config.Digest.Hex, cfg); err != nil {
		return err
	}
	entry := dockerManifestEntry{Config: "blobs/sha256/" + img.Config.Digest.Hex, RepoTags: []string{}}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1,
		Config: v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: img.Config.Digest, Size: img.Config.Size}}
	for i := range img.Layers {
		l := &img.Layers[i]
		if err := sv.layer(l); err != nil {
			return err
		}
		entry.Layers = append(entry.Layers, "blobs/sha256/"+l.DiffID.Hex)
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: types.OCIUncompressedLayer, Digest: l.DiffID, Size: l.DiffSize})
	}
	return sv.finishImage(img, m, entry, tags)
}

func (sv *saver) finishImage(img *Image, m v1.Manifest, entry dockerManifestEntry, tags []reference.Reference) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	d, size, _ := v1.SHA256(bytesReader(data))
	if err := sv.blob(d.Hex, data); err != nil {
		return err
	}
	desc := v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: d, Size: size}
	if len(tags) == 0 {
		sv.index.Manifests = append(sv.index.Manifests, desc)
	}
	for _, t := range tags {
		td := desc
		td.Annotations = map[string]string{"io.containerd.image.name": t.String(), "org.opencontainers.image.ref.name": t.Tag}
		sv.index.Manifests = append(sv.index.Manifests, td)
		entry.RepoTags = append(entry.RepoTags, t.FamiliarString())
		if sv.repos[t.FamiliarName()] == nil {
			sv.repos[t.FamiliarName()] = map[string]string{}
		}
		if n := len(img.Layers); n > 0 {
			sv.repos[t.FamiliarName()][t.Tag] = img.Layers[n-1].DiffID.Hex
		}
	}
	sv.docker = append(sv.docker, entry)
	return nil
}

// savedTags are the tags an archive records: the one named; none for an
// image named by id, as Docker does.
func savedTags(name string, img *Image) []reference.Reference {
	r, err := reference.Parse(name)
	if err != nil || r.Digest != "" {
		return nil
	}
	for _, t := range img.RepoTags {
		if tr, err := reference.Parse(t); err == nil && tr == r {
			return []reference.Reference{r}
		}
	}
	return nil
}

// layer writes a layer's uncompressed tar, checked against its diff id.
func (sv *saver) layer(l *Layer) error {
	if sv.written[l.DiffID.Hex] {
		return nil
	}
	if l.DiffSize == 0 {
		n, err := sv.s.diffSize(l)
		if err != nil {
			return err
		}
		l.DiffSize = n
	}
	rc, err := (&storedBlob{s: sv.s, desc: v1.Descriptor{Digest: l.Digest}}).Uncompressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := sv.header("blobs/sha256/"+l.DiffID.Hex, l.DiffSize); err != nil {
		return err
	}
	if err := copyVerified(sv.tw, rc, l.DiffID, l.DiffSize); err != nil {
		return fmt.Errorf("layer %s: %w", ShortID(l.Digest.Hex), err)
	}
	sv.written[l.DiffID.Hex] = true
	return nil
}

// diffSize measures a layer's uncompressed length.
func (s *Store) diffSize(l *Layer) (int64, error) {
	rc, err := (&storedBlob{s: s, desc: v1.Descriptor{Digest: l.Digest}}).Uncompressed()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	return io.Copy(io.Discard, rc)
}

func (sv *saver) trailer() error {
	manifest, err := json.Marshal(sv.docker)
	if err != nil {
		return err
	}
	repos, err := json.Marshal(sv.repos)
	if err != nil {
		return err
	}
	index, err := json.Marshal(sv.index)
	if err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{
		{"index.json", index},
		{"manifest.json", manifest},
		{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{"repositories", repos},
	}
	for _, f := range files {
		if err := sv.file(f.name, f.data); err != nil {
			return err
		}
	}
	return nil
}

func (sv *saver) blob(hex string, data []byte) error {
	if sv.written[hex] {
		return nil
	}
	sv.written[hex] = true
	return sv.file("blobs/sha256/"+hex, data)
}

func (sv *saver) file(name string, data []byte) error {
	if err := sv.header(name, int64(len(data))); err != nil {
		return err
	}
	_, err := sv.tw.Write(data)
	return err
}

var epoch = time.Unix(0, 0).UTC()

func (sv *saver) header(name string, size int64) error {
	return sv.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o444, ModTime: epoch, Format: tar.FormatPAX})
}

func (sv *saver) dir(name string) error {
	return sv.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755, ModTime: epoch, Format: tar.FormatPAX})
}
