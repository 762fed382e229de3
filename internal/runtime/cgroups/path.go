package cgroups

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hull-project/hull/internal/errdefs"
)

// cleanPath validates the OCI cgroupsPath of container id and returns it
// cleaned: "" becomes "/<id>" (as runc does), absolute paths stay absolute
// and relative ones relative. A ".." that climbs out of the start, a path
// that names the start itself, and systemd's "slice:prefix:name" are refused.
func cleanPath(cgroupsPath, id string) (string, error) {
	if isSystemdPath(cgroupsPath) {
		return "", fmt.Errorf("cgroupsPath %q: the systemd cgroup driver is not supported, use cgroupfs: %w",
			cgroupsPath, errdefs.ErrNotImplemented)
	}
	if cgroupsPath == "" {
		if err := checkID(id); err != nil {
			return "", err
		}
		return "/" + id, nil
	}
	parts, err := pathParts(cgroupsPath)
	if err != nil {
		return "", err
	}
	if len(parts) == 0 {
		return "", errdefs.InvalidArgument(fmt.Sprintf("cgroupsPath %q names no cgroup of its own", cgroupsPath))
	}
	p := strings.Join(parts, "/")
	if strings.HasPrefix(cgroupsPath, "/") {
		p = "/" + p
	}
	return p, nil
}

// pathParts splits p into its components with "." and ".." resolved.
func pathParts(p string) ([]string, error) {
	var parts []string
	for _, c := range strings.Split(p, "/") {
		switch c {
		case "", ".":
		case "..":
			if len(parts) == 0 {
				return nil, errdefs.InvalidArgument(fmt.Sprintf("cgroupsPath %q climbs out of its root", p))
			}
			parts = parts[:len(parts)-1]
		default:
			parts = append(parts, c)
		}
	}
	return parts, nil
}

// isSystemdPath reports whether p has the systemd driver's form
// "slice:prefix:name" (two colons, no slash).
func isSystemdPath(p string) bool {
	return strings.Count(p, ":") == 2 && !strings.Contains(p, "/")
}

func checkID(id string) error {
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, "/\x00") {
		return errdefs.InvalidArgument(fmt.Sprintf("container id %q cannot name a cgroup", id))
	}
	return nil
}

// dir returns where the cleaned cgroup path p lives on hierarchy hy: under
// the mount point for an absolute p, under the caller's own cgroup for a
// relative one.
func (h *host) dir(hy hierarchy, p string) (string, error) {
	if filepath.IsAbs(p) {
		return filepath.Join(hy.mountpoint, p), nil
	}
	key := hy.selfKey()
	own, ok := h.self[key]
	if !ok {
		return "", fmt.Errorf("own cgroup on hierarchy %q is unknown", key)
	}
	rel, err := filepath.Rel(hy.root, own)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("own cgroup %s is outside the mount of %s at %s", own, hy.root, hy.mountpoint)
	}
	return filepath.Join(hy.mountpoint, rel, p), nil
}
