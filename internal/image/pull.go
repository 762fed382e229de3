package image

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"

	"github.com/hull-project/hull/internal/image/reference"
)

// maxConfigSize bounds a config blob read into memory.
const maxConfigSize = 16 << 20

// PullOptions configures a pull.
type PullOptions struct {
	Platform v1.Platform // linux/amd64 when empty
	Progress ProgressFunc
}

// PullResult tells what a pull did.
type PullResult struct {
	Image   *Image
	Digest  string // the digest the reference resolved to (index or manifest)
	Updated bool   // false when the reference already named this image
}

// puller is one pull in progress.
type puller struct {
	s     *Store
	ref   reference.Reference
	rref  name.Reference
	rp    *remote.Puller
	opts  PullOptions
	top   v1.Descriptor // what the reference resolved to
	mdesc v1.Descriptor // the image manifest
	mdata []byte
	cdata []byte
}

// Pull fetches an image from its registry into the store. Blobs and layers
// are verified and committed before the image record is written, so a
// failed pull leaves no image behind.
func (s *Store) Pull(ctx context.Context, ref reference.Reference, opts PullOptions) (*PullResult, error) {
	if opts.Platform.OS == "" {
		opts.Platform = DefaultPlatform
	}
	rref, err := s.remoteRef(ref)
	if err != nil {
		return nil, err
	}
	rp, err := remote.NewPuller(s.remoteOptions(ctx, ref.Domain)...)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", ref.FamiliarString(), err)
	}
	p := &puller{s: s, ref: ref, rref: rref, rp: rp, opts: opts}
	return p.run(ctx)
}

func (p *puller) run(ctx context.Context) (*PullResult, error) {
	if err := p.resolve(ctx); err != nil {
		return nil, err
	}
	m, err := ParseManifest(p.mdata)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", p.ref.FamiliarString(), err)
	}
	cfg, err := p.fetchConfig(ctx, m.Config)
	if err != nil {
		return nil, err
	}
	img, err := newImageRecord(p.mdesc, m, cfg)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", p.ref.FamiliarString(), err)
	}
	if err := p.fetchLayers(ctx, img.Layers); err != nil {
		return nil, err
	}
	return p.commit(img)
}

// resolve fetches what the reference names and, for an index, the
// manifest for the wanted platform.
func (p *puller) resolve(ctx context.Context) error {
	desc, err := p.rp.Get(ctx, p.rref)
	if err != nil {
		return registryError(err, p.ref, "pull")
	}
	p.top = desc.Descriptor
	p.mdesc, p.mdata = desc.Descriptor, desc.Manifest
	if !IsIndex(desc.MediaType) {
		return p.checkManifestType()
	}
	idx, err := ParseIndex(desc.Manifest)
	if err != nil {
		return fmt.Errorf("pull %s: %w", p.ref.FamiliarString(), err)
	}
	chosen, err := SelectPlatform(idx, p.opts.Platform)
	if err != nil {
		return fmt.Errorf("pull %s: %w", p.ref.FamiliarString(), err)
	}
	return p.fetchManifest(ctx, chosen)
}

func (p *puller) checkManifestType() error {
	if !IsManifest(p.mdesc.MediaType) {
		return invalidf("pull %s: unsupported manifest media type %q", p.ref.FamiliarString(), p.mdesc.MediaType)
	}
	return nil
}

func (p *puller) fetchManifest(ctx context.Context, d v1.Descriptor) error {
	desc, err := p.rp.Get(ctx, p.rref.Context().Digest(d.Digest.String()))
	if err != nil {
		return registryError(err, p.ref, "pull")
	}
	if desc.Digest != d.Digest || desc.Size != d.Size {
		return invalidf("pull %s: manifest %s does not match the index entry", p.ref.FamiliarString(), d.Digest)
	}
	p.mdesc, p.mdata = desc.Descriptor, desc.Manifest
	return p.checkManifestType()
}

// fetchConfig downloads, verifies and parses the config blob.
func (p *puller) fetchConfig(ctx context.Context, d v1.Descriptor) (*v1.ConfigFile, error) {
	if d.Size > maxConfigSize {
		return nil, invalidf("pull %s: config of %d bytes is too large", p.ref.FamiliarString(), d.Size)
	}
	rc, err := p.openBlob(ctx, d.Digest)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	v := newVerifier(rc, d.Digest, d.Size)
	data, err := io.ReadAll(v)
	if err == nil {
		err = v.Verify()
	}
	if err != nil {
		return nil, fmt.Errorf("pull %s: config: %w", p.ref.FamiliarString(), err)
	}
	p.cdata = data
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", p.ref.FamiliarString(), err)
	}
	return cfg, nil
}

func (p *puller) openBlob(ctx context.Context, d v1.Hash) (io.ReadCloser, error) {
	l, err := p.rp.Layer(ctx, p.rref.Context().Digest(d.String()))
	if err != nil {
		return nil, registryError(err, p.ref, "pull")
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, registryError(err, p.ref, "pull")
	}
	return rc, nil
}

// fetchLayers gets every layer concurrently.
func (p *puller) fetchLayers(ctx context.Context, layers []Layer) error {
	for i := range layers {
		p.opts.Progress.send(ShortID(layers[i].Digest.Hex), p.initialStatus(&layers[i]), 0, 0)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i := range layers {
		g.Go(func() error { return p.fetchLayer(gctx, &layers[i]) })
	}
	return g.Wait()
}

func (p *puller) initialStatus(l *Layer) string {
	if p.s.blobs.Has(l.Digest) && p.s.opts.Layers.HasLayer(l.ChainID) {
		return "Already exists"
	}
	return "Pulling fs layer"
}

// fetchLayer makes sure layer l's blob is stored and its chain unpacked.
func (p *puller) fetchLayer(ctx context.Context, l *Layer) error {
	id := ShortID(l.Digest.Hex)
	haveBlob, haveLayer := p.s.blobs.Has(l.Digest), p.s.opts.Layers.HasLayer(l.ChainID)
	switch {
	case haveBlob && haveLayer:
		return nil
	case haveBlob:
		p.opts.Progress.send(id, "Extracting", 0, l.Size)
		if err := p.s.unpackFromBlob(l); err != nil {
			return fmt.Errorf("pull %s: %w", p.ref.FamiliarString(), err)
		}
	default:
		if err := p.downloadLayer(ctx, l); err != nil {
			return err
		}
	}
	p.opts.Progress.send(id, "Pull complete", 0, 0)
	return nil
}

// downloadLayer streams a layer from the registry into the blob store and
// the layer directory at once; both are verified before either counts.
func (p *puller) downloadLayer(ctx context.Context, l *Layer) error {
	w, err := p.s.blobs.begin()
	if err != nil {
		return err
	}
	defer w.Abort()
	created, err := p.s.opts.Layers.EnsureLayer(l.ChainID, func(dir string) (int64, error) {
		return p.streamLayer(ctx, dir, l, w)
	})
	if err != nil {
		return fmt.Errorf("pull %s: %w", p.ref.FamiliarString(), err)
	}
	if !created { // unpacked meanwhile by someone else: fetch the blob alone
		return p.downloadBlob(ctx, l)
	}
	p.opts.Progress.send(ShortID(l.Digest.Hex), "Download complete", 0, 0)
	return w.Commit(l.Digest)
}

func (p *puller) streamLayer(ctx context.Context, dir string, l *Layer, w io.Writer) (int64, error) {
	rc, err := p.openBlob(ctx, l.Digest)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	pr := &progressReader{r: rc, fn: p.opts.Progress, id: ShortID(l.Digest.Hex), what: "Downloading", total: l.Size}
	return p.s.unpackLayer(dir, pr, l, w)
}

func (p *puller) downloadBlob(ctx context.Context, l *Layer) error {
	if p.s.blobs.Has(l.Digest) {
		return nil
	}
	rc, err := p.openBlob(ctx, l.Digest)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := p.s.blobs.Ingest(l.Digest, l.Size, rc); err != nil {
		return fmt.Errorf("pull %s: %w", p.ref.FamiliarString(), err)
	}
	return nil
}

// commit stores manifest and config and then, under the lock, the record
// and the references.
func (p *puller) commit(img *Image) (*PullResult, error) {
	if err := p.s.blobs.Ingest(p.mdesc.Digest, p.mdesc.Size, bytesReader(p.mdata)); err != nil {
		return nil, fmt.Errorf("pull %s: manifest: %w", p.ref.FamiliarString(), err)
	}
	if err := p.s.blobs.Ingest(img.Config.Digest, img.Config.Size, bytesReader(p.cdata)); err != nil {
		return nil, fmt.Errorf("pull %s: config: %w", p.ref.FamiliarString(), err)
	}
	refs := []string{p.ref.Digested(p.top.Digest.String()).String()}
	if p.ref.Digest == "" {
		refs = append(refs, p.ref.String())
	}
	updated, err := p.s.commitImage(img, refs...)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", p.ref.FamiliarString(), err)
	}
	return &PullResult{Image: img, Digest: p.top.Digest.String(), Updated: updated}, nil
}

// newImageRecord builds the record of an image from its manifest and
// config; the layer sizes on disk are added once layers are unpacked.
func newImageRecord(mdesc v1.Descriptor, m *v1.Manifest, cfg *v1.ConfigFile) (*Image, error) {
	if len(cfg.RootFS.DiffIDs) != len(m.Layers) {
		return nil, invalidf("manifest has %d layers but the config lists %d diff ids", len(m.Layers), len(cfg.RootFS.DiffIDs))
	}
	chains := ChainIDs(cfg.RootFS.DiffIDs)
	img := &Image{
		ID:       m.Config.Digest.String(),
		Manifest: v1.Descriptor{MediaType: mdesc.MediaType, Digest: mdesc.Digest, Size: mdesc.Size},
		Config:   v1.Descriptor{MediaType: m.Config.MediaType, Digest: m.Config.Digest, Size: m.Config.Size},
		Created:  cfg.Created.Time,
		Added:    time.Now().UTC(),
	}
	for i, l := range m.Layers {
		img.Layers = append(img.Layers, Layer{MediaType: l.MediaType, Digest: l.Digest, Size: l.Size, DiffID: cfg.RootFS.DiffIDs[i], ChainID: chains[i]})
	}
	return img, nil
}
