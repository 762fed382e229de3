// Package engine is hull as users see it: containers with names, ids,
// statuses and logs, and the images they come from. It knows nothing of
// HTTP or of command lines; the CLI (internal/cli) and the Docker API
// server are two thin front ends over the same calls.
//
// On-disk layout under Options.Root (default /var/lib/hull):
//
//	containers/   one directory per container (see store.go)
//	images/, blobs/  the image store (internal/image)
//	snapshots/    unpacked layers and containers' writable layers
//
// and the runtime's state under /run/hull/runtime.
package engine

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hull-project/hull/internal/image"
	"github.com/hull-project/hull/internal/network"
	"github.com/hull-project/hull/internal/runtime"
	"github.com/hull-project/hull/internal/snapshot"
)

// DefaultRoot is where hull keeps images and containers.
const DefaultRoot = DefaultImageRoot

// Options configures an Engine.
type Options struct {
	Root string
	// RuntimeRoot is the OCI runtime's state directory.
	RuntimeRoot string
	// Insecure registries, besides loopback, that may be reached over HTTP.
	Insecure []string
	// Network configures the default bridge network.
	Network network.Config
}

// Engine is the entry point of every hull operation.
type Engine struct {
	root       string
	Images     *image.Store
	snapshots  *snapshot.Store
	containers *containerStore
	runtime    *runtime.Runtime
	net        *network.Manager
}

// New opens the engine's stores, creating them on first use.
func New(opts Options) (*Engine, error) {
	if opts.Root == "" {
		opts.Root = DefaultRoot
	}
	if opts.RuntimeRoot == "" {
		opts.RuntimeRoot = runtimeRootFor(opts.Root)
	}
	if err := os.MkdirAll(opts.Root, 0o711); err != nil {
		return nil, fmt.Errorf("create %s: %w", opts.Root, err)
	}
	images, snaps, err := OpenImages(ImageOptions{Root: opts.Root, Insecure: opts.Insecure})
	if err != nil {
		return nil, err
	}
	containers, err := newContainerStore(filepath.Join(opts.Root, "containers"))
	if err != nil {
		return nil, err
	}
	nets, err := network.Open(opts.Root, opts.Network)
	if err != nil {
		return nil, err
	}
	rt, err := runtime.New(opts.RuntimeRoot)
	if err != nil {
		return nil, err
	}
	// hull-runtime, when installed beside hull, is the smaller binary to
	// start as each container's init.
	rt.InitBinary = besideSelf("hull-runtime")
	return &Engine{root: opts.Root, Images: images, snapshots: snaps, containers: containers, runtime: rt, net: nets}, nil
}

// runtimeRootFor keeps the runtime's state for the default data root on
// /run (gone at reboot, as the processes are); another data root keeps its
// own, so two hull roots on one machine never see each other's containers.
func runtimeRootFor(root string) string {
	if filepath.Clean(root) == DefaultRoot {
		return "/run/hull/runtime"
	}
	return filepath.Join(root, "runtime")
}

// ContainersUsingImage lists the containers created from image id, so that
// rmi can refuse to remove an image in use.
func (e *Engine) ContainersUsingImage(id string) []string {
	all, err := e.containers.list()
	if err != nil {
		return nil
	}
	var out []string
	for _, c := range all {
		if c.Image == id {
			out = append(out, c.ID)
		}
	}
	return out
}

// Root is the engine's data directory.
func (e *Engine) Root() string { return e.root }
