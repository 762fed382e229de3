package image

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hull-project/hull/internal/image/reference"
)

// ImportOptions configures Import.
type ImportOptions struct {
	Source   string   // shown in the history comment: "Imported from <source>"
	Ref      string   // optional repository[:tag]
	Changes  []string // Dockerfile instructions, see ApplyChanges
	Message  string   // history comment instead of the default
	Platform v1.Platform
}

// Import makes a one-layer image from a root file system tar (plain,
// gzip or zstd), as `docker import` does.
func (s *Store) Import(r io.Reader, opts ImportOptions) (*Image, error) {
	var refs []string
	if opts.Ref != "" {
		ref, err := reference.Parse(opts.Ref)
		if err != nil {
			return nil, err
		}
		refs = []string{ref.String()}
	}
	layer, err := s.importLayer(r)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	cfg, err := importConfig(layer.DiffID, opts)
	if err != nil {
		return nil, err
	}
	img, err := s.addImage(cfg, []Layer{layer}, refs)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	return img, nil
}

// importLayer stores the tar as a blob and computes its diff id.
func (s *Store) importLayer(r io.Reader) (Layer, error) {
	d, size, err := s.blobs.IngestUnknown(r)
	if err != nil {
		return Layer{}, err
	}
	f, err := s.blobs.Open(d)
	if err != nil {
		return Layer{}, err
	}
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	f.Close()
	l := Layer{MediaType: layerMediaType(magic[:n]), Digest: d, Size: size}
	rc, err := (&storedBlob{s: s, desc: v1.Descriptor{Digest: d}}).Uncompressed()
	if err != nil {
		return Layer{}, err
	}
	defer rc.Close()
	diffID, diffSize, err := v1.SHA256(rc)
	if err != nil {
		return Layer{}, fmt.Errorf("read layer: %w", err)
	}
	l.DiffID, l.DiffSize = diffID, diffSize
	return l, nil
}

func importConfig(diffID v1.Hash, opts ImportOptions) ([]byte, error) {
	p := opts.Platform
	if p.OS == "" {
		p = DefaultPlatform
	}
	now := v1.Time{Time: time.Now().UTC()}
	cfg := v1.ConfigFile{Architecture: p.Architecture, OS: p.OS, Variant: p.Variant, Created: now,
		RootFS: v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{diffID}}}
	if err := ApplyChanges(&cfg.Config, opts.Changes); err != nil {
		return nil, err
	}
	comment := opts.Message
	if comment == "" {
		comment = "Imported from " + opts.Source
	}
	cfg.History = []v1.History{{Created: now, Comment: comment}}
	return json.Marshal(cfg)
}
