package network

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/atomicfile"
	"github.com/hull-project/hull/internal/errdefs"
)

// store is ROOT/networks:
//
//	.lock               flock held by every change
//	<id>.json           one network
//	sandboxes/<id>.json one running container's networking
type store struct{ dir string }

func (s store) sandboxDir() string           { return filepath.Join(s.dir, "sandboxes") }
func (s store) networkPath(id string) string { return filepath.Join(s.dir, id+".json") }
func (s store) sandboxPath(id string) string { return filepath.Join(s.sandboxDir(), id+".json") }

func (s store) init() error {
	if err := os.MkdirAll(s.sandboxDir(), 0o700); err != nil {
		return fmt.Errorf("create network store: %w", err)
	}
	return nil
}

// lock serialises changes to networks and sandboxes across hull processes.
func (s store) lock() (func(), error) {
	fd, err := unix.Open(filepath.Join(s.dir, ".lock"), unix.O_CREAT|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock network store: %w", err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lock network store: %w", err)
	}
	return func() { unix.Close(fd) }, nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o600)
}

// writeSandbox records a running container's networking. It need not
// survive a crash of the machine: its network namespace would not either.
func (s store) writeSandbox(sb *Sandbox) error {
	data, err := json.Marshal(sb)
	if err != nil {
		return err
	}
	return atomicfile.ReplaceFile(s.sandboxPath(sb.ContainerID), data, 0o600)
}

func (s store) networks() ([]*Network, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	var out []*Network
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") || strings.HasPrefix(name, ".") {
			continue
		}
		n := &Network{}
		if err := readJSON(filepath.Join(s.dir, name), n); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, err
		}
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// network finds a stored network by name, id or unique id prefix.
func (s store) network(ref string) (*Network, error) {
	all, err := s.networks()
	if err != nil {
		return nil, err
	}
	var match *Network
	for _, n := range all {
		if n.Name == ref || n.ID == ref {
			return n, nil
		}
		if len(ref) >= 1 && strings.HasPrefix(n.ID, ref) {
			if match != nil {
				return nil, errdefs.InvalidArgument(fmt.Sprintf("network %s is ambiguous: several networks' ids start with it", ref))
			}
			match = n
		}
	}
	if match == nil {
		return nil, errdefs.NotFound(fmt.Sprintf("network %s not found", ref))
	}
	return match, nil
}

func (s store) sandboxes() ([]*Sandbox, error) {
	entries, err := os.ReadDir(s.sandboxDir())
	if err != nil {
		return nil, fmt.Errorf("list sandboxes: %w", err)
	}
	var out []*Sandbox
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		sb := &Sandbox{}
		if err := readJSON(filepath.Join(s.sandboxDir(), e.Name()), sb); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, err
		}
		out = append(out, sb)
	}
	return out, nil
}

func (s store) sandbox(containerID string) (*Sandbox, error) {
	sb := &Sandbox{}
	if err := readJSON(s.sandboxPath(containerID), sb); err != nil {
		return nil, err
	}
	return sb, nil
}
