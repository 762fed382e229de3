package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/hull-project/hull/internal/atomicfile"
)

// Image is what the store knows about one image. Its ID is the digest of
// its config; RepoTags and RepoDigests are filled from the references when
// the record is read.
type Image struct {
	ID       string        `json:"id"`
	Manifest v1.Descriptor `json:"manifest"`
	Config   v1.Descriptor `json:"config"`
	Layers   []Layer       `json:"layers"`
	Created  time.Time     `json:"created"`
	Size     int64         `json:"size"`
	Added    time.Time     `json:"added"`

	RepoTags    []string `json:"-"`
	RepoDigests []string `json:"-"`
}

// Layer is one layer of an image: its blob, the digest of its uncompressed
// tar (DiffID), that tar's length, and the chain id naming the unpacked
// layer in the snapshot store.
type Layer struct {
	MediaType types.MediaType `json:"mediaType"`
	Digest    v1.Hash         `json:"digest"`
	Size      int64           `json:"size"`
	DiffID    v1.Hash         `json:"diffID"`
	DiffSize  int64           `json:"diffSize,omitempty"`
	ChainID   string          `json:"chainID"`
}

// ShortID is the 12 hex digits Docker shows.
func (img *Image) ShortID() string { return ShortID(img.ID) }

// ShortID cuts an id ("sha256:<hex>" or "<hex>") to 12 hex digits.
func ShortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// Dangling reports whether no tag names the image.
func (img *Image) Dangling() bool { return len(img.RepoTags) == 0 }

// records reads and writes images/<hex>.json and repositories.json. Callers
// hold the store's lock.
type records struct{ root string }

type refIndex struct {
	Refs map[string]string `json:"refs"`
}

func (r records) init() error {
	if err := os.MkdirAll(filepath.Join(r.root, "images"), 0o700); err != nil {
		return fmt.Errorf("create image records: %w", err)
	}
	return nil
}

func (r records) imagePath(id string) string {
	return filepath.Join(r.root, "images", strings.TrimPrefix(id, "sha256:")+".json")
}

func (r records) get(id string) (*Image, error) {
	data, err := os.ReadFile(r.imagePath(id))
	if err != nil {
		return nil, err
	}
	var img Image
	if err := json.Unmarshal(data, &img); err != nil {
		return nil, fmt.Errorf("read image record %s: %w", id, err)
	}
	return &img, nil
}

func (r records) put(img *Image) error {
	data, err := json.Marshal(img)
	if err != nil {
		return fmt.Errorf("encode image record: %w", err)
	}
	return atomicfile.WriteFile(r.imagePath(img.ID), data, 0o600)
}

func (r records) remove(id string) error {
	if err := os.Remove(r.imagePath(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove image record %s: %w", id, err)
	}
	return atomicfile.SyncDir(filepath.Join(r.root, "images"))
}

func (r records) ids() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(r.root, "images"))
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	var ids []string
	for _, e := range entries {
		if hex, ok := strings.CutSuffix(e.Name(), ".json"); ok && !strings.HasPrefix(hex, ".") {
			ids = append(ids, "sha256:"+hex)
		}
	}
	return ids, nil
}

func (r records) refs() (map[string]string, error) {
	data, err := os.ReadFile(filepath.Join(r.root, "repositories.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read references: %w", err)
	}
	var idx refIndex
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("read references: %w", err)
	}
	if idx.Refs == nil {
		idx.Refs = map[string]string{}
	}
	return idx.Refs, nil
}

func (r records) putRefs(refs map[string]string) error {
	data, err := json.MarshalIndent(refIndex{Refs: refs}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode references: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(r.root, "repositories.json"), data, 0o600)
}
