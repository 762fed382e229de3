package engine

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hull-project/hull/internal/archive"
	"github.com/hull-project/hull/internal/image"
	"github.com/hull-project/hull/internal/snapshot"
)

// ImageOptions configures OpenImages.
type ImageOptions struct {
	Root     string   // hull's data directory, DefaultImageRoot when empty
	Insecure []string // registries (host[:port] or CIDR) reachable over HTTP
}

// DefaultImageRoot is where hull keeps images unless told otherwise.
const DefaultImageRoot = "/var/lib/hull"

// OpenImages opens the image store under root, with its layers unpacked
// by the snapshot store under root/snapshots and unpacked by archive.Apply.
func OpenImages(opts ImageOptions) (*image.Store, *snapshot.Store, error) {
	if opts.Root == "" {
		opts.Root = DefaultImageRoot
	}
	if err := os.MkdirAll(opts.Root, 0o711); err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", opts.Root, err)
	}
	snaps, err := snapshot.New(filepath.Join(opts.Root, "snapshots"))
	if err != nil {
		return nil, nil, err
	}
	images, err := image.New(image.Options{
		Root: opts.Root, Layers: snaps, Apply: archive.Apply, Decompress: archive.Decompress,
		Insecure: opts.Insecure, UserAgent: "hull",
	})
	if err != nil {
		return nil, nil, err
	}
	return images, snaps, nil
}
