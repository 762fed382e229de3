package cgroups

import (
	"errors"
	"testing"

	"github.com/hull-project/hull/internal/errdefs"
)

func TestCleanPath(t *testing.T) {
	tests := []struct {
		path, id string
		want     string
		wantErr  error // class, or nil
	}{
		{"", "abc", "/abc", nil},
		{"/hull/abc", "x", "/hull/abc", nil},
		{"//hull/./abc/", "x", "/hull/abc", nil},
		{"/a/../b", "x", "/b", nil},
		{"rel/abc", "x", "rel/abc", nil},
		{"./rel", "x", "rel", nil},
		{"/../etc", "x", "", errdefs.ErrInvalidArgument},
		{"../sibling", "x", "", errdefs.ErrInvalidArgument},
		{"a/../../b", "x", "", errdefs.ErrInvalidArgument},
		{"/", "x", "", errdefs.ErrInvalidArgument},
		{"a/..", "x", "", errdefs.ErrInvalidArgument},
		{"system.slice:docker:abc", "abc", "", errdefs.ErrNotImplemented},
		{":hull:abc", "abc", "", errdefs.ErrNotImplemented},
		{"", "", "", errdefs.ErrInvalidArgument},
		{"", "a/b", "", errdefs.ErrInvalidArgument},
		{"", "..", "", errdefs.ErrInvalidArgument},
	}
	for _, tt := range tests {
		got, err := cleanPath(tt.path, tt.id)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("cleanPath(%q, %q) error = %v, want %v", tt.path, tt.id, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("cleanPath(%q, %q) = %q, %v; want %q", tt.path, tt.id, got, err, tt.want)
		}
	}
}

func TestHostDir(t *testing.T) {
	h := &host{self: map[string]string{"memory": "/process_api/b5", "": "/user.slice/u", "pids": "/elsewhere"}}
	memory := hierarchy{mountpoint: "/sys/fs/cgroup/memory", root: "/", names: []string{"memory"}}
	unified := hierarchy{mountpoint: "/sys/fs/cgroup/unified", root: "/", unified: true}
	// A bind mount showing only /docker/abc of the hierarchy, as inside a container.
	bound := hierarchy{mountpoint: "/mnt/pids", root: "/elsewhere", names: []string{"pids"}}
	outside := hierarchy{mountpoint: "/mnt/pids", root: "/docker", names: []string{"pids"}}
	tests := []struct {
		hy      hierarchy
		path    string
		want    string
		wantErr bool
	}{
		{memory, "/hull/c1", "/sys/fs/cgroup/memory/hull/c1", false},
		{memory, "c1", "/sys/fs/cgroup/memory/process_api/b5/c1", false},
		{unified, "c1", "/sys/fs/cgroup/unified/user.slice/u/c1", false},
		{unified, "/c1", "/sys/fs/cgroup/unified/c1", false},
		{bound, "c1", "/mnt/pids/c1", false},
		{outside, "c1", "", true},
		{hierarchy{mountpoint: "/x", root: "/", names: []string{"rdma"}}, "c1", "", true},
	}
	for _, tt := range tests {
		got, err := h.dir(tt.hy, tt.path)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("dir(%s, %q) = %q, %v; want %q (error %v)", tt.hy.mountpoint, tt.path, got, err, tt.want, tt.wantErr)
		}
	}
}
