package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/names"
)

// Volumes are directories under <root>/volumes/<name>/_data, as docker's
// local driver keeps them, mounted into containers with -v NAME:/path. An
// anonymous volume (-v /path) gets a random 64-hex name and goes with its
// container on rm -v.

var volumeName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`) })

// Volume is one named volume.
type Volume struct {
	Name       string
	Mountpoint string
}

func (e *Engine) volumeDir(name string) string {
	return filepath.Join(e.root, "volumes", name, "_data")
}

// CreateVolume makes the named volume unless it exists.
func (e *Engine) CreateVolume(name string) (*Volume, error) {
	if name == "" {
		name = names.NewID()
	}
	if !volumeName().MatchString(name) {
		return nil, errdefs.InvalidArgument(fmt.Sprintf("create %s: %q includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed", name, name))
	}
	dir := e.volumeDir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create volume %s: %w", name, err)
	}
	return &Volume{Name: name, Mountpoint: dir}, nil
}

// Volumes lists the named volumes.
func (e *Engine) Volumes() ([]*Volume, error) {
	entries, err := os.ReadDir(filepath.Join(e.root, "volumes"))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var out []*Volume
	for _, en := range entries {
		if en.IsDir() {
			out = append(out, &Volume{Name: en.Name(), Mountpoint: e.volumeDir(en.Name())})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// RemoveVolume deletes a volume no container uses.
func (e *Engine) RemoveVolume(name string) error {
	if _, err := os.Stat(e.volumeDir(name)); err != nil {
		return errdefs.NotFound(fmt.Sprintf("get %s: no such volume", name))
	}
	all, err := e.containers.list()
	if err != nil {
		return err
	}
	for _, c := range all {
		for _, v := range c.Volumes {
			if v == name {
				return errdefs.Conflict(fmt.Sprintf("remove %s: volume is in use - [%s]", name, c.ID))
			}
		}
	}
	return os.RemoveAll(filepath.Join(e.root, "volumes", name))
}

// volumeSpec is one parsed -v: Source is a host path (absolute), a volume
// name, or "" for a new anonymous volume.
type volumeSpec struct {
	Source, Destination string
	ReadOnly            bool
}

// parseVolumeSpec reads /host:/ctr[:ro|rw], name:/ctr[:ro|rw] or /ctr.
func parseVolumeSpec(spec string) (volumeSpec, error) {
	parts := strings.Split(spec, ":")
	if len(parts) == 1 && strings.HasPrefix(parts[0], "/") {
		parts = []string{"", parts[0]}
	}
	if len(parts) < 2 || len(parts) > 3 || !strings.HasPrefix(parts[1], "/") {
		return volumeSpec{}, errdefs.InvalidArgument(fmt.Sprintf("invalid volume specification: %q: use /host/path:/container/path[:ro], name:/container/path or /container/path", spec))
	}
	v := volumeSpec{Source: parts[0], Destination: parts[1]}
	if len(parts) == 3 {
		switch parts[2] {
		case "ro":
			v.ReadOnly = true
		case "rw":
		default:
			return volumeSpec{}, errdefs.InvalidArgument(fmt.Sprintf("invalid mode %q in volume %q: use ro or rw", parts[2], spec))
		}
	}
	return v, nil
}

// resolveVolumes turns -v specs into mounts, making named volumes on first
// use and anonymous ones always. It returns the volumes used and which of
// them are anonymous.
func (e *Engine) resolveVolumes(binds []string) (mounts []specs.Mount, used, anonymous []string, err error) {
	for _, b := range binds {
		v, err := parseVolumeSpec(b)
		if err != nil {
			return nil, nil, nil, err
		}
		src := v.Source
		if strings.HasPrefix(src, "/") {
			if _, err := os.Stat(src); err != nil {
				return nil, nil, nil, errdefs.InvalidArgument(fmt.Sprintf("invalid volume %q: %v", b, err))
			}
		} else {
			vol, err := e.CreateVolume(src)
			if err != nil {
				return nil, nil, nil, err
			}
			used, src = append(used, vol.Name), vol.Mountpoint
			if v.Source == "" {
				anonymous = append(anonymous, vol.Name)
			}
		}
		opts := []string{"rbind", "rprivate"}
		if v.ReadOnly {
			opts = append(opts, "ro")
		}
		mounts = append(mounts, specs.Mount{Destination: v.Destination, Type: "bind", Source: src, Options: opts})
	}
	return mounts, used, anonymous, nil
}

// MountPoint is one entry of docker inspect's Mounts.
type MountPoint struct {
	Type        string `json:"Type"`
	Name        string `json:"Name,omitempty"`
	Source      string `json:"Source"`
	Destination string `json:"Destination"`
	Mode        string `json:"Mode"`
	RW          bool   `json:"RW"`
	Propagation string `json:"Propagation"`
}

// MountPoints describes the container's binds and volumes as docker does.
func (e *Engine) MountPoints(c *Container) []MountPoint {
	out := []MountPoint{}
	for _, m := range containerMounts(c) {
		v := m.spec
		mp := MountPoint{Type: "bind", Source: v.Source, Destination: v.Destination, RW: !v.ReadOnly, Propagation: "rprivate"}
		if m.volume != "" {
			mp = MountPoint{Type: "volume", Name: m.volume, Source: e.volumeDir(m.volume), Destination: v.Destination, Mode: "z", RW: !v.ReadOnly}
		}
		out = append(out, mp)
	}
	return out
}

// containerMount is one of a container's -v: a bind (volume "") or a
// volume, by name.
type containerMount struct {
	spec   volumeSpec
	volume string
}

// containerMounts reads a container's -v specs back, giving each
// anonymous one the name it was created with.
func containerMounts(c *Container) []containerMount {
	var out []containerMount
	anon := 0
	for _, b := range c.Host.Binds {
		v, err := parseVolumeSpec(b)
		if err != nil {
			continue
		}
		m := containerMount{spec: v}
		if !strings.HasPrefix(v.Source, "/") {
			m.volume = v.Source
			if m.volume == "" {
				if anon >= len(c.Anonymous) {
					continue
				}
				m.volume = c.Anonymous[anon]
				anon++
			}
		}
		out = append(out, m)
	}
	return out
}
