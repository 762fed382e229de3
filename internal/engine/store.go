package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/atomicfile"
	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/trash"
)

// containerStore keeps one directory per container under dir:
//
//	<dir>/<id>/container.json   the record, replaced atomically
//	<dir>/<id>/<id>-json.log     its log, in docker's json-file format
//	<dir>/<id>/bundle/           the OCI bundle the runtime runs
//	<dir>/.names/<name>          holds the id that owns the name
//	<dir>/.trash/rm-*/<id>       a removed container's files, being deleted
//
// A name is claimed by creating its file with O_EXCL, so two concurrent
// creates can never take the same name. A record changes only under an
// flock on its directory, so concurrent commands never lose an update.
type containerStore struct {
	dir string
}

const (
	recordFile = "container.json"
	// trashDir holds removed containers' directories until they are deleted.
	trashDir = ".trash"
)

func newContainerStore(dir string) (*containerStore, error) {
	if err := os.MkdirAll(filepath.Join(dir, ".names"), 0o700); err != nil {
		return nil, fmt.Errorf("create container store %s: %w", dir, err)
	}
	return &containerStore{dir: dir}, nil
}

func (s *containerStore) path(id string, elem ...string) string {
	return filepath.Join(append([]string{s.dir, id}, elem...)...)
}

// claimName reserves name for id; it fails if another container holds it.
func (s *containerStore) claimName(name, id string) error {
	f, err := os.OpenFile(filepath.Join(s.dir, ".names", name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			owner, _ := os.ReadFile(filepath.Join(s.dir, ".names", name))
			return errdefs.Conflict(fmt.Sprintf("Conflict. The container name \"/%s\" is already in use by container \"%s\". You have to remove (or rename) that container to be able to reuse that name.", name, owner))
		}
		return fmt.Errorf("claim name %s: %w", name, err)
	}
	defer f.Close()
	_, err = f.WriteString(id)
	return err
}

func (s *containerStore) releaseName(name, id string) {
	path := filepath.Join(s.dir, ".names", name)
	if owner, err := os.ReadFile(path); err == nil && string(owner) == id {
		os.Remove(path)
	}
}

// create writes a new container's first record; the name must be
// claimed. Not to disk yet: creation writes the finished record next.
func (s *containerStore) create(c *Container) error {
	if err := os.Mkdir(s.path(c.ID), 0o711); err != nil {
		return fmt.Errorf("create container directory: %w", err)
	}
	return s.put(c, false)
}

// write replaces a container's record. It reaches the disk before write
// returns, but for a --rm container's: that record is deleted when the
// container ends, and after a crash what is left of it is removed.
func (s *containerStore) write(c *Container) error {
	return s.put(c, !c.Host.AutoRemove)
}

func (s *containerStore) put(c *Container, durable bool) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	path := s.path(c.ID, recordFile)
	if !durable {
		return atomicfile.ReplaceUnsynced(path, data, 0o600)
	}
	return atomicfile.ReplaceFile(path, data, 0o600)
}

func (s *containerStore) read(id string) (*Container, error) {
	data, err := os.ReadFile(s.path(id, recordFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errdefs.NotFound("No such container: " + id)
		}
		return nil, err
	}
	var c Container
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("read container %s: %w", id, err)
	}
	return &c, nil
}

// update changes a record under its lock: fn sees the current record and
// its changes are written atomically. fn returning an error writes nothing.
func (s *containerStore) update(id string, fn func(*Container) error) (*Container, error) {
	unlock, err := s.lock(id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	c, err := s.read(id)
	if err != nil {
		return nil, err
	}
	if err := fn(c); err != nil {
		return c, err
	}
	return c, s.write(c)
}

func (s *containerStore) lock(id string) (func(), error) {
	fd, err := unix.Open(s.path(id), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.ENOENT) {
			return nil, errdefs.NotFound("No such container: " + id)
		}
		return nil, fmt.Errorf("lock container %s: %w", id, err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lock container %s: %w", id, err)
	}
	return func() { unix.Close(fd) }, nil
}

// remove deletes a container's directory and name.
func (s *containerStore) remove(c *Container) error {
	deleteFiles, err := s.hide(c)
	if err != nil {
		return err
	}
	return deleteFiles()
}

// hide is remove in two steps: the container is gone from the store (its
// name free, its directory moved into .trash) when hide returns, and its
// files are deleted when the returned function is called.
func (s *containerStore) hide(c *Container) (deleteFiles func() error, err error) {
	s.releaseName(c.Name, c.ID)
	into, err := trash.Move(s.path(c.ID), filepath.Join(s.dir, trashDir))
	if err != nil {
		return nil, fmt.Errorf("remove container %s: %w", c.ID, err)
	}
	return func() error { return os.RemoveAll(into) }, nil
}

// sweepTrash deletes what removals left in .trash when their process died
// first (entries older than a minute).
func (s *containerStore) sweepTrash() {
	trash.Sweep(filepath.Join(s.dir, trashDir), time.Minute, os.RemoveAll)
}

func (s *containerStore) ids() ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			ids = append(ids, e.Name())
		}
	}
	return ids, nil
}

// list returns every readable record, newest first (docker ps order).
func (s *containerStore) list() ([]*Container, error) {
	ids, err := s.ids()
	if err != nil {
		return nil, err
	}
	var out []*Container
	for _, id := range ids {
		if c, err := s.read(id); err == nil {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// resolve finds a container by full id, name (with or without "/") or
// unique id prefix, as docker does.
func (s *containerStore) resolve(ref string) (string, error) {
	if ref == "" {
		return "", errdefs.InvalidArgument("container name or id cannot be empty")
	}
	if len(ref) == 64 && !strings.ContainsAny(ref, "/.") {
		// A full id, docker's first choice: no need to list every container.
		if fi, err := os.Stat(s.path(ref)); err == nil && fi.IsDir() {
			return ref, nil
		}
	}
	name := strings.TrimPrefix(ref, "/")
	if owner, err := os.ReadFile(filepath.Join(s.dir, ".names", name)); err == nil && !strings.Contains(name, "/") {
		return string(owner), nil
	}
	ids, err := s.ids()
	if err != nil {
		return "", err
	}
	var match []string
	for _, id := range ids {
		if id == ref {
			return id, nil
		}
		if strings.HasPrefix(id, ref) {
			match = append(match, id)
		}
	}
	switch len(match) {
	case 0:
		return "", errdefs.NotFound("No such container: " + ref)
	case 1:
		return match[0], nil
	}
	return "", errdefs.InvalidArgument(fmt.Sprintf("multiple IDs found with provided prefix: %s", ref))
}
