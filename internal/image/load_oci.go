package image

import (
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hull-project/hull/internal/image/reference"
)

// ociLayout loads every image an OCI layout's index.json lists; nested
// indexes resolve to linux/amd64.
func (l *loader) ociLayout() ([]Loaded, error) {
	data, err := l.read("index.json")
	if err != nil {
		return nil, err
	}
	idx, err := ParseIndex(data)
	if err != nil {
		return nil, err
	}
	var out []Loaded
	for _, d := range idx.Manifests {
		ld, err := l.ociEntry(d)
		if err != nil {
			return out, err
		}
		out = append(out, ld)
	}
	return out, nil
}

func (l *loader) ociEntry(d v1.Descriptor) (Loaded, error) {
	data, err := l.verifiedBlob(d)
	if err != nil {
		return Loaded{}, err
	}
	refs := ociRefs(d)
	if IsIndex(d.MediaType) {
		idx, err := ParseIndex(data)
		if err != nil {
			return Loaded{}, err
		}
		if d, err = SelectPlatform(idx, DefaultPlatform); err != nil {
			return Loaded{}, err
		}
		if data, err = l.verifiedBlob(d); err != nil {
			return Loaded{}, err
		}
	}
	return l.ociImage(data, refs)
}

func (l *loader) ociImage(data []byte, refs []reference.Reference) (Loaded, error) {
	m, err := ParseManifest(data)
	if err != nil {
		return Loaded{}, err
	}
	cfg, err := l.verifiedBlob(m.Config)
	if err != nil {
		return Loaded{}, err
	}
	var layers []Layer
	for _, ld := range m.Layers {
		got, err := l.adopt(blobPath(ld.Digest))
		if err != nil {
			return Loaded{}, err
		}
		if got.Digest != ld.Digest || got.Size != ld.Size {
			return Loaded{}, invalidf("blob %s: digest or size mismatch", ld.Digest)
		}
		layers = append(layers, Layer{MediaType: ld.MediaType, Digest: ld.Digest, Size: ld.Size})
	}
	return l.add(cfg, layers, refs)
}

// verifiedBlob reads a small blob and checks it against its descriptor.
func (l *loader) verifiedBlob(d v1.Descriptor) ([]byte, error) {
	if err := checkDescriptor("blob", d); err != nil {
		return nil, err
	}
	if d.Size > maxConfigSize {
		return nil, invalidf("blob %s: %d bytes is too large", d.Digest, d.Size)
	}
	data, err := l.read(blobPath(d.Digest))
	if err != nil {
		return nil, err
	}
	if err := copyVerified(discard{}, bytesReader(data), d.Digest, d.Size); err != nil {
		return nil, err
	}
	return data, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func blobPath(d v1.Hash) string { return fmt.Sprintf("blobs/%s/%s", d.Algorithm, d.Hex) }

// ociRefs reads an index entry's name annotations: containerd's full name,
// or a ref.name that is a full reference (podman, skopeo); a bare tag
// names no repository, so the image loads untagged.
func ociRefs(d v1.Descriptor) []reference.Reference {
	for _, key := range []string{"io.containerd.image.name", "org.opencontainers.image.ref.name"} {
		v := d.Annotations[key]
		if v == "" || (key == "org.opencontainers.image.ref.name" && !containsRepo(v)) {
			continue
		}
		if r, err := reference.Parse(v); err == nil {
			return []reference.Reference{r}
		}
	}
	return nil
}

func containsRepo(s string) bool {
	for _, c := range s {
		if c == '/' {
			return true
		}
	}
	return false
}
