package image

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/image/reference"
)

// Loaded is one image Load added: its id and the references it got.
type Loaded struct {
	ID   string
	Refs []string // familiar form
}

// Load reads a docker-archive (what `docker save` writes) or an OCI image
// layout archive, either possibly compressed, and adds its images.
func (s *Store) Load(r io.Reader) ([]Loaded, error) {
	dir, err := os.MkdirTemp(filepath.Join(s.opts.Root, "ingest"), "load-")
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	defer os.RemoveAll(dir)
	if err := s.extractArchive(dir, r); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	l := &loader{s: s, dir: dir, adopted: map[string]v1.Descriptor{}}
	var out []Loaded
	switch {
	case exists(filepath.Join(dir, "manifest.json")):
		out, err = l.dockerArchive()
	case exists(filepath.Join(dir, "index.json")):
		out, err = l.ociLayout()
	default:
		err = errdefs.InvalidArgument("archive has neither manifest.json nor index.json")
	}
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	return out, nil
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// extractArchive writes the regular files of a (possibly compressed) tar
// under dir; any other entry type is skipped, and names leaving dir are
// refused.
func (s *Store) extractArchive(dir string, r io.Reader) error {
	dr, err := s.opts.Decompress(r)
	if err != nil {
		return err
	}
	defer dr.Close()
	tr := tar.NewReader(dr)
	for n := 0; ; n++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			if n == 0 {
				return errdefs.InvalidArgument("empty archive")
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("read archive: %w", err)
		}
		if err := extractEntry(dir, h, tr); err != nil {
			return err
		}
	}
}

func extractEntry(dir string, h *tar.Header, r io.Reader) error {
	name := strings.TrimPrefix(filepath.Clean(h.Name), "./")
	if h.Typeflag != tar.TypeReg {
		return nil
	}
	if !filepath.IsLocal(name) {
		return errdefs.InvalidArgument(fmt.Sprintf("archive entry %q leaves the archive", h.Name))
	}
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("read archive entry %s: %w", h.Name, err)
	}
	return f.Close()
}

// loader turns an extracted archive into images.
type loader struct {
	s       *Store
	dir     string
	adopted map[string]v1.Descriptor // archive path -> stored blob
}

// path resolves a name from the archive's metadata inside dir.
func (l *loader) path(name string) (string, error) {
	name = strings.TrimPrefix(filepath.Clean(name), "./")
	if !filepath.IsLocal(name) {
		return "", errdefs.InvalidArgument(fmt.Sprintf("archive path %q leaves the archive", name))
	}
	return filepath.Join(l.dir, name), nil
}

func (l *loader) read(name string) ([]byte, error) {
	p, err := l.path(name)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, errdefs.InvalidArgument(fmt.Sprintf("archive lacks %s", name))
	}
	return data, err
}

// adopt moves an archive file into the blob store and describes it.
func (l *loader) adopt(name string) (v1.Descriptor, error) {
	if d, ok := l.adopted[name]; ok {
		return d, nil
	}
	p, err := l.path(name)
	if err != nil {
		return v1.Descriptor{}, err
	}
	f, err := os.Open(p)
	if err != nil {
		return v1.Descriptor{}, errdefs.InvalidArgument(fmt.Sprintf("archive lacks %s", name))
	}
	defer f.Close()
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return v1.Descriptor{}, err
	}
	d, size, err := l.s.blobs.IngestUnknown(f)
	if err != nil {
		return v1.Descriptor{}, err
	}
	desc := v1.Descriptor{MediaType: layerMediaType(magic[:n]), Digest: d, Size: size}
	l.adopted[name] = desc
	return desc, nil
}

func (l *loader) dockerArchive() ([]Loaded, error) {
	data, err := l.read("manifest.json")
	if err != nil {
		return nil, err
	}
	var entries []dockerManifestEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, errdefs.InvalidArgument(fmt.Sprintf("manifest.json: %v", err))
	}
	var out []Loaded
	for _, e := range entries {
		ld, err := l.dockerImage(e)
		if err != nil {
			return out, err
		}
		out = append(out, ld)
	}
	return out, nil
}

func (l *loader) dockerImage(e dockerManifestEntry) (Loaded, error) {
	cfg, err := l.read(e.Config)
	if err != nil {
		return Loaded{}, err
	}
	var layers []Layer
	for _, name := range e.Layers {
		d, err := l.adopt(name)
		if err != nil {
			return Loaded{}, err
		}
		layers = append(layers, Layer{MediaType: d.MediaType, Digest: d.Digest, Size: d.Size})
	}
	refs, err := fullRefs(e.RepoTags)
	if err != nil {
		return Loaded{}, err
	}
	return l.add(cfg, layers, refs)
}

func (l *loader) add(cfg []byte, layers []Layer, refs []reference.Reference) (Loaded, error) {
	var full []string
	ld := Loaded{}
	for _, r := range refs {
		full = append(full, r.String())
		ld.Refs = append(ld.Refs, r.FamiliarString())
	}
	img, err := l.s.addImage(cfg, layers, full)
	if err != nil {
		return Loaded{}, err
	}
	ld.ID = img.ID
	return ld, nil
}

func fullRefs(tags []string) ([]reference.Reference, error) {
	var out []reference.Reference
	for _, t := range tags {
		r, err := reference.Parse(t)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
