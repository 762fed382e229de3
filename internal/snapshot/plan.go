package snapshot

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Mount is one mount of a container's root, as data.
type Mount struct {
	Type    string   `json:"type"`
	Source  string   `json:"source"`
	Options []string `json:"options,omitempty"`
	// Chdir, when set, is the directory relative lowerdir paths in Options
	// are read from: mount from there (Apply does).
	Chdir string `json:"chdir,omitempty"`
}

// maxMountData is what fits overlay's mount data: one page, with its NUL.
const maxMountData = 4096 - 1

// paths names a container's directories under the store root.
type paths struct{ dir string }

func containerPaths(root, id string) paths { return paths{dir: filepath.Join(root, "containers", id)} }

func (p paths) upper() string          { return filepath.Join(p.dir, "upper") }
func (p paths) work() string           { return filepath.Join(p.dir, "work") }
func (p paths) merged() string         { return filepath.Join(p.dir, "merged") }
func (p paths) lower() string          { return filepath.Join(p.dir, "lower") }
func (p paths) lowerLink(i int) string { return filepath.Join(p.lower(), strconv.Itoa(i)) }
func (p paths) record() string         { return filepath.Join(p.dir, "layers.json") }

func layerFS(root, hex string) string { return filepath.Join(root, "layers", hex, "fs") }

// plan returns the mounts that make a container's root over the layers
// hexes (bottom first). Lowerdir lists the top layer first. When absolute
// layer paths would not fit in a page, lowerdir names the container's
// lower/<n> symlinks relative to Chdir instead.
func plan(root, id string, hexes []string) ([]Mount, error) {
	p := containerPaths(root, id)
	if len(hexes) == 0 {
		return []Mount{{Type: "bind", Source: p.upper(), Options: []string{"rbind", "rw"}}}, nil
	}
	abs := make([]string, len(hexes))
	short := make([]string, len(hexes))
	for i, hex := range hexes {
		top := len(hexes) - 1 - i
		abs[top], short[top] = layerFS(root, hex), strconv.Itoa(i)
	}
	if opts := overlayOptions(p, abs); len(strings.Join(opts, ",")) <= maxMountData {
		return []Mount{{Type: "overlay", Source: "overlay", Options: opts}}, nil
	}
	opts := overlayOptions(p, short)
	if n := len(strings.Join(opts, ",")); n > maxMountData {
		return nil, fmt.Errorf("%d layers need %d bytes of overlay options, more than a page", len(hexes), n)
	}
	return []Mount{{Type: "overlay", Source: "overlay", Options: opts, Chdir: p.lower()}}, nil
}

// overlayOptions are the overlay options for lowers (top first). index=off:
// a layer is shared by many overlays, and the index would tie it to one.
func overlayOptions(p paths, lowers []string) []string {
	return []string{
		"index=off",
		"upperdir=" + p.upper(),
		"workdir=" + p.work(),
		"lowerdir=" + strings.Join(lowers, ":"),
	}
}

// volatile returns ms with their overlays marked volatile (see
// ApplyVolatile).
func volatile(ms []Mount) []Mount {
	out := make([]Mount, len(ms))
	for i, m := range ms {
		out[i] = m
		if m.Type == "overlay" {
			out[i].Options = append(append([]string(nil), m.Options...), "volatile")
		}
	}
	return out
}
