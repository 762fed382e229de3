package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/names"
	"github.com/hull-project/hull/internal/phase"
	"github.com/hull-project/hull/internal/specgen"
)

// CreateRequest is everything `hull create` knows.
type CreateRequest struct {
	Name        string
	Image       string
	Run         specgen.RunConfig
	Restart     RestartPolicy
	AutoRemove  bool
	StopTimeout *int
	Host        HostConfig
	// Runtime is a runc-compatible binary to run the container with;
	// empty for hull's own runtime, in process.
	Runtime string
	// Network is --network-alias and --ip; the rest is in Host.
	Network NetworkRequest
	// Expose adds to the image's exposed ports ("80/tcp"), as --expose
	// and -p do.
	Expose []string
}

// Create makes a container from an image present in the store: a record,
// a writable layer, and an OCI bundle. Nothing runs until Start.
func (e *Engine) Create(req CreateRequest) (*Container, error) {
	img, err := e.Images.Get(req.Image)
	if err != nil {
		return nil, err
	}
	cfg, err := e.Images.ConfigFile(img)
	phase.Mark("create: image config read")
	if err != nil {
		return nil, err
	}
	c := &Container{ID: names.NewID(), Created: time.Now().UTC(), Image: img.ID, ImageName: req.Image}
	if req.Runtime != "" {
		rt, err := newBinaryRuntime(req.Runtime, e.runtime.Root)
		if err != nil {
			return nil, err
		}
		c.Runtime = rt.path
	}
	if err := e.claimName(c, req.Name); err != nil {
		return nil, err
	}
	for _, l := range img.Layers {
		c.Layers = append(c.Layers, l.ChainID)
	}
	rc := req.Run
	rc.Image = imageConfig(cfg.Config.Entrypoint, cfg.Config.Cmd, cfg.Config.Env, cfg.Config.WorkingDir, cfg.Config.User, cfg.Config.ExposedPorts, cfg.Config.Labels, cfg.Config.StopSignal)
	if err := e.prepare(c, &rc, req); err != nil {
		e.containers.releaseName(c.Name, c.ID)
		os.RemoveAll(e.containers.path(c.ID))
		e.snapshots.Remove(c.ID)
		return nil, err
	}
	return c, nil
}

func (e *Engine) claimName(c *Container, name string) error {
	if name != "" {
		if err := names.Valid(name); err != nil {
			return errdefs.InvalidArgument(err.Error())
		}
		c.Name = strings.TrimPrefix(name, "/")
		return e.containers.claimName(c.Name, c.ID)
	}
	for retry := 0; ; retry++ {
		c.Name = names.Random(retry)
		err := e.containers.claimName(c.Name, c.ID)
		if err == nil || !errors.Is(err, errdefs.ErrConflict) || retry > 10 {
			return err
		}
	}
}

// prepare writes the record, the writable layer and the bundle.
func (e *Engine) prepare(c *Container, rc *specgen.RunConfig, req CreateRequest) error {
	dir := e.containers.path(c.ID)
	if err := e.containers.create(c); err != nil {
		return err
	}
	phase.Mark("create: record written")
	if _, err := e.snapshots.Prepare(c.ID, c.Layers); err != nil {
		return fmt.Errorf("prepare root file system: %w", err)
	}
	phase.Mark("create: writable layer made")
	c.Host = req.Host
	c.Host.AutoRemove, c.Host.RestartPolicy = req.AutoRemove, req.Restart
	c.Config.ExposedPorts = exposedPorts(rc.Image.ExposedPorts, req.Expose)
	if err := e.prepareNetwork(c, rc, req); err != nil {
		return err
	}
	mounts, used, anonymous, err := e.resolveVolumes(req.Host.Binds)
	if err != nil {
		return err
	}
	rc.Mounts = append(rc.Mounts, mounts...)
	c.Volumes, c.Anonymous = used, anonymous
	if req.Host.Init {
		rc.Init, rc.InitPath = true, monitorBinary()
		if rc.InitPath == "" {
			return errdefs.InvalidArgument("--init needs hull-monitor installed beside hull")
		}
	}
	rc.Rootfs = filepath.Join(dir, "rootfs")
	rc.CgroupsPath = "/hull/" + c.ID
	spec, err := specgen.Docker(rc)
	if err != nil {
		return errdefs.InvalidArgument(err.Error())
	}
	if err := writeBundle(dir, spec); err != nil {
		return err
	}
	phase.Mark("create: bundle written")
	c.Path, c.Args = spec.Process.Args[0], spec.Process.Args[1:]
	c.Config = ContainerConfig{
		Hostname: rc.Hostname, Domainname: rc.Domainname, User: rc.User, Env: spec.Process.Env,
		Cmd: rc.Cmd, Entrypoint: rc.Entrypoint, WorkingDir: spec.Process.Cwd, Labels: rc.Labels,
		Tty: rc.TTY, OpenStdin: rc.OpenStdin, StopSignal: rc.StopSignal, StopTimeout: req.StopTimeout,
		ExposedPorts: c.Config.ExposedPorts,
	}
	if c.Config.StopSignal == "" {
		c.Config.StopSignal = rc.Image.StopSignal
	}
	c.State = State{Status: StatusCreated}
	return e.containers.write(c)
}

func writeBundle(dir string, spec *specs.Spec) error {
	if err := os.MkdirAll(filepath.Join(dir, "bundle"), 0o700); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "rootfs"), 0o755); err != nil {
		return err
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "bundle", "config.json"), data, 0o600)
}

func exposedPorts(image map[string]struct{}, more []string) map[string]struct{} {
	if len(more) == 0 {
		return image
	}
	out := map[string]struct{}{}
	for k := range image {
		out[k] = struct{}{}
	}
	for _, k := range more {
		out[k] = struct{}{}
	}
	return out
}
