package image

import (
	"encoding/json"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"
)

// addImage records an image whose layer blobs are already stored (load,
// import): it writes an OCI manifest and the config, unpacks the layers
// and commits the record with refs.
func (s *Store) addImage(cfgData []byte, layers []Layer, refs []string) (*Image, error) {
	img, err := s.addImageBlobs(cfgData, layers, refs)
	if err != nil {
		s.dropUnused(layerDigests(&Image{Layers: layers})...)
	}
	return img, err
}

func (s *Store) addImageBlobs(cfgData []byte, layers []Layer, refs []string) (*Image, error) {
	cfg, err := ParseConfig(cfgData)
	if err != nil {
		return nil, err
	}
	if len(cfg.RootFS.DiffIDs) != len(layers) {
		return nil, invalidf("image has %d layers but its config lists %d diff ids", len(layers), len(cfg.RootFS.DiffIDs))
	}
	chains := ChainIDs(cfg.RootFS.DiffIDs)
	for i := range layers {
		layers[i].DiffID, layers[i].ChainID = cfg.RootFS.DiffIDs[i], chains[i]
	}
	cdesc, mdesc, err := s.putManifest(cfgData, layers)
	if err != nil {
		return nil, err
	}
	if err := s.unpackAll(layers); err != nil {
		s.dropUnused(cdesc.Digest, mdesc.Digest)
		return nil, err
	}
	img := &Image{ID: cdesc.Digest.String(), Manifest: mdesc, Config: cdesc, Layers: layers, Created: cfg.Created.Time, Added: time.Now().UTC()}
	if _, err := s.commitImage(img, refs...); err != nil {
		return nil, err
	}
	return img, nil
}

// putManifest stores the config and an OCI manifest for it and layers.
func (s *Store) putManifest(cfgData []byte, layers []Layer) (cdesc, mdesc v1.Descriptor, err error) {
	cd, err := s.blobs.Put(cfgData)
	if err != nil {
		return cdesc, mdesc, err
	}
	cdesc = v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: cd, Size: int64(len(cfgData))}
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: cdesc}
	for _, l := range layers {
		m.Layers = append(m.Layers, v1.Descriptor{MediaType: l.MediaType, Digest: l.Digest, Size: l.Size})
	}
	data, err := json.Marshal(m)
	if err != nil {
		return cdesc, mdesc, fmt.Errorf("encode manifest: %w", err)
	}
	md, err := s.blobs.Put(data)
	if err != nil {
		return cdesc, mdesc, err
	}
	return cdesc, v1.Descriptor{MediaType: types.OCIManifestSchema1, Digest: md, Size: int64(len(data))}, nil
}

// unpackAll unpacks stored layers concurrently.
func (s *Store) unpackAll(layers []Layer) error {
	var g errgroup.Group
	g.SetLimit(8)
	for i := range layers {
		g.Go(func() error { return s.unpackFromBlob(&layers[i]) })
	}
	return g.Wait()
}

// layerMediaType names a layer blob by its compression.
func layerMediaType(magic []byte) types.MediaType {
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		return types.OCILayer
	case len(magic) >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd:
		return types.OCILayerZStd
	default:
		return types.OCIUncompressedLayer
	}
}

// dropUnused deletes blobs no image record uses: what a failed load or
// import stored.
func (s *Store) dropUnused(digests ...v1.Hash) {
	_ = s.locked(true, func() error {
		used, _ := s.usedLocked()
		for _, d := range digests {
			if !used[d.String()] {
				_ = s.blobs.Delete(d)
			}
		}
		return nil
	})
}
