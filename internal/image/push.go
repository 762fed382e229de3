package image

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"github.com/hull-project/hull/internal/image/reference"
)

// PushResult tells what a push wrote.
type PushResult struct {
	Tag    string
	Digest string
	Size   int64
}

// Push uploads the image ref names to its registry: the layers
// concurrently (each reported "Pushed" or "Layer already exists"), the
// config, then the manifest under ref's tag.
func (s *Store) Push(ctx context.Context, ref reference.Reference, progress ProgressFunc) (*PushResult, error) {
	img, err := s.Get(ref.String())
	if err != nil {
		return nil, fmt.Errorf("push %s: %w", ref.FamiliarString(), err)
	}
	rref, err := s.remoteRef(ref)
	if err != nil {
		return nil, err
	}
	pusher, err := remote.NewPusher(s.remoteOptions(ctx, ref.Domain)...)
	if err != nil {
		return nil, fmt.Errorf("push %s: %w", ref.FamiliarString(), err)
	}
	if err := s.uploadBlobs(ctx, pusher, rref.Context(), img, progress); err != nil {
		return nil, registryError(err, ref, "push")
	}
	raw, err := s.blobs.Read(img.Manifest.Digest)
	if err != nil {
		return nil, err
	}
	if err := pusher.Push(ctx, rref, rawManifest{raw, img.Manifest.MediaType}); err != nil {
		return nil, registryError(err, ref, "push")
	}
	if err := s.addRefs(img.ID, ref.Digested(img.Manifest.Digest.String()).String()); err != nil {
		return nil, err
	}
	return &PushResult{Tag: ref.Tag, Digest: img.Manifest.Digest.String(), Size: img.Manifest.Size}, nil
}

// uploadBlobs uploads the layers concurrently, then the config.
func (s *Store) uploadBlobs(ctx context.Context, p *remote.Pusher, repo name.Repository, img *Image, progress ProgressFunc) error {
	for _, l := range img.Layers {
		progress.send(ShortID(l.Digest.Hex), "Preparing", 0, 0)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, l := range img.Layers {
		b := &storedBlob{s: s, desc: v1.Descriptor{MediaType: l.MediaType, Digest: l.Digest, Size: l.Size}, diffID: l.DiffID}
		g.Go(func() error { return s.uploadLayer(gctx, p, repo, b, progress) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	cfg := &storedBlob{s: s, desc: img.Config}
	return p.Upload(ctx, repo, cfg)
}

func (s *Store) uploadLayer(ctx context.Context, p *remote.Pusher, repo name.Repository, b *storedBlob, progress ProgressFunc) error {
	id := ShortID(b.desc.Digest.Hex)
	if err := p.Upload(ctx, repo, b); err != nil {
		return err
	}
	if b.read.Load() {
		progress.send(id, "Pushed", 0, 0)
	} else {
		progress.send(id, "Layer already exists", 0, 0)
	}
	return nil
}

// addRefs points refs at id.
func (s *Store) addRefs(id string, refs ...string) error {
	return s.locked(true, func() error { return s.setRefsLocked(id, refs...) })
}

type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.raw, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mt, nil }

// storedBlob is a stored blob seen as a go-containerregistry layer. It
// notes whether its content was read, which tells a blob the registry
// already had from one that was uploaded.
type storedBlob struct {
	s      *Store
	desc   v1.Descriptor
	diffID v1.Hash
	read   atomic.Bool
}

func (b *storedBlob) Digest() (v1.Hash, error)            { return b.desc.Digest, nil }
func (b *storedBlob) DiffID() (v1.Hash, error)            { return b.diffID, nil }
func (b *storedBlob) Size() (int64, error)                { return b.desc.Size, nil }
func (b *storedBlob) MediaType() (types.MediaType, error) { return b.desc.MediaType, nil }
func (b *storedBlob) Compressed() (io.ReadCloser, error) {
	b.read.Store(true)
	return b.s.blobs.Open(b.desc.Digest)
}
func (b *storedBlob) Uncompressed() (io.ReadCloser, error) {
	f, err := b.s.blobs.Open(b.desc.Digest)
	if err != nil {
		return nil, err
	}
	rc, err := b.s.opts.Decompress(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return closeBoth{rc, f}, nil
}

// closeBoth closes a decompressor and the file under it.
type closeBoth struct {
	io.ReadCloser
	under io.Closer
}

func (c closeBoth) Close() error {
	err := c.ReadCloser.Close()
	if cerr := c.under.Close(); err == nil {
		err = cerr
	}
	return err
}
