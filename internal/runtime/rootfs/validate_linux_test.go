package rootfs

import (
	"errors"
	"os"
	"testing"

	"github.com/hull-project/hull/internal/errdefs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestValidate(t *testing.T) {
	mode := os.FileMode(0o600)
	ok := func(c *Config) {}
	tests := []struct {
		name  string
		edit  func(c *Config)
		class error // nil: valid
	}{
		{"runc spec", ok, nil},
		{"relative rootfs", func(c *Config) { c.Rootfs = "rootfs" }, errdefs.ErrInvalidArgument},
		{"relative destination is joined to /", func(c *Config) { c.Mounts[1].Destination = "dev" }, nil},
		{"unknown type passes through", func(c *Config) {
			c.Mounts = append(c.Mounts, specs.Mount{Destination: "/x", Type: "9p", Source: "tag", Options: []string{"trans=virtio"}})
		}, nil},
		{"fs-specific bare word", func(c *Config) {
			c.Mounts = append(c.Mounts, specs.Mount{Destination: "/x", Type: "overlay", Source: "overlay", Options: []string{"userxattr", "lowerdir=/a"}})
		}, nil},
		{"every propagation value", func(c *Config) { c.RootfsPropagation = "runbindable" }, nil},
		{"bad propagation", func(c *Config) { c.RootfsPropagation = "rsharedd" }, errdefs.ErrInvalidArgument},
		{"unknown bind option", func(c *Config) { c.Mounts[7].Options = append(c.Mounts[7].Options, "bogus") }, errdefs.ErrInvalidArgument},
		{"empty option", func(c *Config) { c.Mounts[0].Options = []string{""} }, errdefs.ErrInvalidArgument},
		{"no destination", func(c *Config) { c.Mounts[0].Destination = "" }, errdefs.ErrInvalidArgument},
		{"mount on /", func(c *Config) { c.Mounts[8].Destination = "/" }, errdefs.ErrInvalidArgument},
		{"no type, no bind", func(c *Config) { c.Mounts[8].Type = "" }, errdefs.ErrInvalidArgument},
		{"bind without source", func(c *Config) { c.Mounts[7].Source = "" }, errdefs.ErrInvalidArgument},
		{"proc elsewhere than /proc", func(c *Config) { c.Mounts[0].Destination = "/proc2" }, errdefs.ErrInvalidArgument},
		{"idmap is not implemented", func(c *Config) { c.Mounts[7].Options = append(c.Mounts[7].Options, "idmap") }, errdefs.ErrNotImplemented},
		{"tmpcopyup on a bind", func(c *Config) { c.Mounts[7].Options = append(c.Mounts[7].Options, "tmpcopyup") }, errdefs.ErrInvalidArgument},
		{"tmpcopyup on tmpfs", func(c *Config) { c.Mounts[8].Options = append(c.Mounts[8].Options, "tmpcopyup") }, nil},
		{"devices", func(c *Config) {
			c.Devices = []specs.LinuxDevice{
				{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229, FileMode: &mode},
				{Path: "/dev/sda", Type: "b", Major: 8},
				{Path: "/dev/ttyu", Type: "u", Major: 4, Minor: 1},
				{Path: "/dev/fifo", Type: "p"},
			}
		}, nil},
		{"bad device type", func(c *Config) { c.Devices = []specs.LinuxDevice{{Path: "/dev/x", Type: "x"}} }, errdefs.ErrInvalidArgument},
		{"relative device path", func(c *Config) { c.Devices = []specs.LinuxDevice{{Path: "dev/x", Type: "c"}} }, errdefs.ErrInvalidArgument},
		{"negative device number", func(c *Config) { c.Devices = []specs.LinuxDevice{{Path: "/dev/x", Type: "c", Major: -1}} }, errdefs.ErrInvalidArgument},
		{"relative masked path", func(c *Config) { c.MaskedPaths = []string{"proc/kcore"} }, errdefs.ErrInvalidArgument},
		{"relative readonly path", func(c *Config) { c.ReadonlyPaths = []string{"proc/sys"} }, errdefs.ErrInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Config{
				Rootfs:        "/run/bundle/rootfs",
				Mounts:        runcMounts("/srv/data"),
				MaskedPaths:   []string{"/proc/kcore"},
				ReadonlyPaths: []string{"/proc/sys"},
				MountLabel:    "system_u:object_r:container_file_t:s0",
			}
			tt.edit(c)
			err := Validate(c)
			switch {
			case tt.class == nil && err != nil:
				t.Fatalf("Validate = %v, want nil", err)
			case tt.class != nil && !errors.Is(err, tt.class):
				t.Fatalf("Validate = %v, want %v", err, tt.class)
			}
		})
	}
}
