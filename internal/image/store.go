package image

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/image/reference"
)

// Layers is the part of the snapshot store images use: layer directories
// named by chain id, each unpacked once.
type Layers interface {
	EnsureLayer(chainID string, unpack func(dir string) (int64, error)) (bool, error)
	HasLayer(chainID string) bool
	LayerDir(chainID string) string
	LayerSize(chainID string) (int64, error)
	RemoveLayer(chainID string) error
}

// Options configures a Store.
type Options struct {
	Root   string // where blobs and records live
	Layers Layers // where layers are unpacked
	// Apply unpacks an uncompressed layer tar into dir (archive.Apply).
	Apply func(dir string, r io.Reader) (int64, error)
	// Decompress detects and undoes gzip or zstd (archive.Decompress).
	Decompress func(r io.Reader) (io.ReadCloser, error)
	// Insecure lists registries (host[:port] or CIDR) that may be reached
	// over plain HTTP or unverified TLS, besides loopback.
	Insecure []string
	// UserAgent is sent to registries.
	UserAgent string
}

// Store holds images. It is safe for concurrent use by goroutines and by
// processes sharing the root.
type Store struct {
	opts    Options
	blobs   blobs
	records records
	lock    fileLock
	mu      sync.Mutex // orders this process's goroutines around the flock
}

// New opens (creating if needed) the image store at opts.Root.
func New(opts Options) (*Store, error) {
	if opts.Root == "" || opts.Layers == nil || opts.Apply == nil || opts.Decompress == nil {
		return nil, errors.New("image store: root, layers, apply and decompress are required")
	}
	s := &Store{
		opts:    opts,
		blobs:   blobs{root: opts.Root},
		records: records{root: opts.Root},
		lock:    fileLock{path: filepath.Join(opts.Root, "images.lock")},
	}
	if err := s.blobs.init(); err != nil {
		return nil, err
	}
	if err := s.records.init(); err != nil {
		return nil, err
	}
	return s, nil
}

// locked runs fn under the store lock, shared or exclusive.
func (s *Store) locked(exclusive bool, fn func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lock.with(exclusive, fn)
}

// List returns every image with its references, newest first.
func (s *Store) List() ([]*Image, error) {
	var imgs []*Image
	err := s.locked(false, func() error {
		var err error
		imgs, err = s.listLocked()
		return err
	})
	return imgs, err
}

func (s *Store) listLocked() ([]*Image, error) {
	ids, err := s.records.ids()
	if err != nil {
		return nil, err
	}
	refs, err := s.records.refs()
	if err != nil {
		return nil, err
	}
	imgs := make([]*Image, 0, len(ids))
	for _, id := range ids {
		img, err := s.records.get(id)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		attachRefs(img, refs)
		imgs = append(imgs, img)
	}
	sort.SliceStable(imgs, func(i, j int) bool { return imgs[i].Created.After(imgs[j].Created) })
	return imgs, nil
}

// attachRefs fills RepoTags and RepoDigests (familiar form, sorted).
func attachRefs(img *Image, refs map[string]string) {
	img.RepoTags, img.RepoDigests = nil, nil
	for ref, id := range refs {
		if id != img.ID {
			continue
		}
		r, err := reference.Parse(ref)
		if err != nil {
			continue
		}
		if r.Digest != "" {
			img.RepoDigests = append(img.RepoDigests, r.FamiliarString())
		} else {
			img.RepoTags = append(img.RepoTags, r.FamiliarString())
		}
	}
	sort.Strings(img.RepoTags)
	sort.Strings(img.RepoDigests)
}

// Get finds an image by reference ("busybox", "busybox:1"), full id
// ("sha256:<hex>" or "<hex>") or unique id prefix, as Docker does.
func (s *Store) Get(name string) (*Image, error) {
	var img *Image
	err := s.locked(false, func() error {
		var err error
		img, err = s.getLocked(name)
		return err
	})
	return img, err
}

func (s *Store) getLocked(name string) (*Image, error) {
	refs, err := s.records.refs()
	if err != nil {
		return nil, err
	}
	id, err := s.resolve(name, refs)
	if err != nil {
		return nil, err
	}
	img, err := s.records.get(id)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, noSuchImage(name)
	}
	if err != nil {
		return nil, err
	}
	attachRefs(img, refs)
	return img, nil
}

// resolve turns what a user typed into an image id.
func (s *Store) resolve(name string, refs map[string]string) (string, error) {
	if reference.IsDigest(name) {
		if _, err := s.records.get(name); err == nil {
			return name, nil
		}
	}
	if r, err := reference.Parse(name); err == nil {
		if id, ok := refs[r.String()]; ok {
			return id, nil
		}
	}
	if id := s.idByPrefix(strings.TrimPrefix(name, "sha256:")); id != "" {
		return id, nil
	}
	return "", noSuchImage(name)
}

func (s *Store) idByPrefix(prefix string) string {
	if prefix == "" || strings.Trim(prefix, "0123456789abcdef") != "" {
		return ""
	}
	ids, err := s.records.ids()
	if err != nil {
		return ""
	}
	found := ""
	for _, id := range ids {
		if strings.HasPrefix(strings.TrimPrefix(id, "sha256:"), prefix) {
			if found != "" {
				return "" // ambiguous
			}
			found = id
		}
	}
	return found
}

func noSuchImage(name string) error {
	return errdefs.NotFound(fmt.Sprintf("no such image: %s", name))
}

// Tag adds reference target for the image source names.
func (s *Store) Tag(source, target string) error {
	r, err := reference.Parse(target)
	if err != nil {
		return err
	}
	if r.Digest != "" {
		return errdefs.InvalidArgument("refusing to create a tag with a digest reference")
	}
	return s.locked(true, func() error {
		img, err := s.getLocked(source)
		if err != nil {
			return err
		}
		return s.setRefsLocked(img.ID, r.String())
	})
}

// setRefsLocked points refs at id.
func (s *Store) setRefsLocked(id string, refs ...string) error {
	all, err := s.records.refs()
	if err != nil {
		return err
	}
	for _, r := range refs {
		all[r] = id
	}
	return s.records.putRefs(all)
}

// RawConfig returns the image's config blob.
func (s *Store) RawConfig(img *Image) ([]byte, error) {
	return s.blobs.Read(img.Config.Digest)
}

// ConfigFile returns the image's parsed config.
func (s *Store) ConfigFile(img *Image) (*v1.ConfigFile, error) {
	data, err := s.RawConfig(img)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", img.ShortID(), err)
	}
	return ParseConfig(data)
}

// LayerDir returns the directory a layer is unpacked in.
func (s *Store) LayerDir(l Layer) string { return s.opts.Layers.LayerDir(l.ChainID) }

// LayerSize returns the size of a layer's unpacked content.
func (s *Store) LayerSize(l Layer) (int64, error) { return s.opts.Layers.LayerSize(l.ChainID) }
