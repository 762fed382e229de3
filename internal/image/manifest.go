package image

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/hull-project/hull/internal/errdefs"
)

// DefaultPlatform is the platform an index resolves to.
var DefaultPlatform = v1.Platform{OS: "linux", Architecture: "amd64"}

// layerTypes are the layer media types hull unpacks.
var layerTypes = map[types.MediaType]bool{
	types.DockerLayer:             true,
	types.DockerUncompressedLayer: true,
	types.OCILayer:                true,
	types.OCILayerZStd:            true,
	types.OCIUncompressedLayer:    true,
	types.DockerForeignLayer:      false,
	types.OCIRestrictedLayer:      false,
}

// IsIndex reports whether mt is an OCI index or a Docker manifest list.
func IsIndex(mt types.MediaType) bool {
	return mt == types.OCIImageIndex || mt == types.DockerManifestList
}

// IsManifest reports whether mt is an OCI or Docker schema 2 manifest.
func IsManifest(mt types.MediaType) bool {
	return mt == types.OCIManifestSchema1 || mt == types.DockerManifestSchema2
}

// ParseManifest reads and checks an image manifest: schema version 2, a
// JSON config, layers hull can unpack, well-formed digests and sizes.
func ParseManifest(data []byte) (*v1.Manifest, error) {
	m, err := v1.ParseManifest(bytes.NewReader(data))
	if err != nil {
		return nil, invalidf("parse manifest: %v", err)
	}
	if m.SchemaVersion != 2 {
		return nil, invalidf("unsupported manifest schema version %d (schema 1 images are not supported)", m.SchemaVersion)
	}
	if m.MediaType != "" && !IsManifest(m.MediaType) {
		return nil, invalidf("unsupported manifest media type %q", m.MediaType)
	}
	if err := checkDescriptor("config", m.Config); err != nil {
		return nil, err
	}
	if !strings.HasSuffix(string(m.Config.MediaType), "json") && m.Config.MediaType != "" {
		return nil, invalidf("unsupported config media type %q", m.Config.MediaType)
	}
	for i, l := range m.Layers {
		if err := checkDescriptor(fmt.Sprintf("layer %d", i), l); err != nil {
			return nil, err
		}
		if !layerTypes[l.MediaType] {
			return nil, invalidf("layer %d: unsupported media type %q", i, l.MediaType)
		}
	}
	return m, nil
}

// ParseIndex reads and checks an OCI index or Docker manifest list.
func ParseIndex(data []byte) (*v1.IndexManifest, error) {
	idx, err := v1.ParseIndexManifest(bytes.NewReader(data))
	if err != nil {
		return nil, invalidf("parse index: %v", err)
	}
	if idx.SchemaVersion != 2 {
		return nil, invalidf("unsupported index schema version %d", idx.SchemaVersion)
	}
	for i, d := range idx.Manifests {
		if err := checkDescriptor(fmt.Sprintf("index entry %d", i), d); err != nil {
			return nil, err
		}
	}
	return idx, nil
}

// SelectPlatform picks the manifest for p from an index: an exact OS,
// architecture and variant match first; without a variant asked for, the
// first entry for the OS and architecture. Attestation and other non-image
// entries are skipped.
func SelectPlatform(idx *v1.IndexManifest, p v1.Platform) (v1.Descriptor, error) {
	var fallback *v1.Descriptor
	for i, d := range idx.Manifests {
		if !IsManifest(d.MediaType) || d.Platform == nil {
			continue
		}
		dp := d.Platform
		if dp.OS != p.OS || dp.Architecture != p.Architecture {
			continue
		}
		if dp.Variant == p.Variant {
			return d, nil
		}
		if p.Variant == "" && fallback == nil {
			fallback = &idx.Manifests[i]
		}
	}
	if fallback != nil {
		return *fallback, nil
	}
	return v1.Descriptor{}, errdefs.NotFound(fmt.Sprintf("no matching manifest for %s in the manifest list entries", platformString(p)))
}

func platformString(p v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// ParseConfig reads and checks an image config: JSON with a layers rootfs
// whose diff ids are sha256 digests.
func ParseConfig(data []byte) (*v1.ConfigFile, error) {
	if !json.Valid(data) {
		return nil, invalidf("image config is not JSON")
	}
	c, err := v1.ParseConfigFile(bytes.NewReader(data))
	if err != nil {
		return nil, invalidf("parse image config: %v", err)
	}
	if c.RootFS.Type != "layers" {
		return nil, invalidf("image config: unsupported rootfs type %q", c.RootFS.Type)
	}
	for i, d := range c.RootFS.DiffIDs {
		if d.Algorithm != "sha256" || len(d.Hex) != 64 {
			return nil, invalidf("image config: diff id %d is not a sha256 digest", i)
		}
	}
	return c, nil
}

func checkDescriptor(what string, d v1.Descriptor) error {
	if d.Digest.Algorithm != "sha256" || len(d.Digest.Hex) != 64 {
		return invalidf("%s: unsupported digest %q", what, d.Digest)
	}
	if d.Size < 0 {
		return invalidf("%s: negative size %d", what, d.Size)
	}
	return nil
}

func invalidf(format string, args ...any) error {
	return errdefs.InvalidArgument(fmt.Sprintf(format, args...))
}

// ChainIDs computes the chain id of every layer from the diff ids:
// chain(0) = diff(0), chain(n) = sha256(chain(n-1) + " " + diff(n)).
func ChainIDs(diffIDs []v1.Hash) []string {
	out := make([]string, len(diffIDs))
	for i, d := range diffIDs {
		if i == 0 {
			out[i] = d.String()
			continue
		}
		h, _, _ := v1.SHA256(strings.NewReader(out[i-1] + " " + d.String()))
		out[i] = h.String()
	}
	return out
}

type v1Hash = v1.Hash

func layerDigests(img *Image) []v1.Hash {
	out := make([]v1.Hash, len(img.Layers))
	for i, l := range img.Layers {
		out[i] = l.Digest
	}
	return out
}
