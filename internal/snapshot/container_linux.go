package snapshot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/errdefs"
)

// Prepare creates the writable layer of container id over chainIDs (bottom
// first, the image config's rootfs.diff_ids order) and returns the mounts
// that build its root. Nothing is mounted here.
func (s *Store) Prepare(id string, chainIDs []string) ([]Mount, error) {
	hexes, err := s.checkPrepare(id, chainIDs)
	if err != nil {
		return nil, err
	}
	ms, err := plan(s.root, id, hexes)
	if err != nil {
		return nil, fmt.Errorf("prepare container %s: %w", id, err)
	}
	tmp, err := os.MkdirTemp(s.tmp(), "c-")
	if err != nil {
		return nil, fmt.Errorf("prepare container %s: %w", id, err)
	}
	if err := s.fillContainer(tmp, chainIDs, hexes); err != nil {
		removeAll(tmp)
		return nil, fmt.Errorf("prepare container %s: %w", id, err)
	}
	final := containerPaths(s.root, id).dir
	if err := os.Rename(tmp, final); err != nil {
		removeAll(tmp)
		if errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOTEMPTY) {
			return nil, errdefs.AlreadyExists(fmt.Sprintf("container %s already has a snapshot", id))
		}
		return nil, fmt.Errorf("prepare container %s: %w", id, err)
	}
	return ms, nil
}

// checkPrepare validates Prepare's arguments and returns the layers' hex ids.
func (s *Store) checkPrepare(id string, chainIDs []string) ([]string, error) {
	if err := checkContainerID(id); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(containerPaths(s.root, id).dir); err == nil {
		return nil, errdefs.AlreadyExists(fmt.Sprintf("container %s already has a snapshot", id))
	}
	hexes := make([]string, len(chainIDs))
	for i, c := range chainIDs {
		hex, err := chainHex(c)
		if err != nil {
			return nil, err
		}
		if !s.HasLayer(c) {
			return nil, errdefs.NotFound(fmt.Sprintf("layer %s not found", c))
		}
		hexes[i] = hex
	}
	return hexes, nil
}

// fillContainer makes a container's directories in dir (later renamed to
// containers/<id>): upper, work, merged, the lower/<n> links and the record.
func (s *Store) fillContainer(dir string, chainIDs, hexes []string) error {
	p := paths{dir: dir}
	if err := os.Chmod(dir, 0o711); err != nil {
		return err
	}
	for _, d := range []struct {
		path string
		mode fs.FileMode
	}{{p.upper(), 0o755}, {p.work(), 0o700}, {p.merged(), 0o755}, {p.lower(), 0o700}} {
		if err := os.Mkdir(d.path, d.mode); err != nil {
			return err
		}
	}
	for i, hex := range hexes {
		// lower/<n> -> ../../../layers/<hex>/fs, relative so the store can move.
		if err := os.Symlink(filepath.Join("..", "..", "..", "layers", hex, "fs"), p.lowerLink(i)); err != nil {
			return err
		}
	}
	if chainIDs == nil {
		chainIDs = []string{}
	}
	b, err := json.Marshal(chainIDs)
	if err != nil {
		return err
	}
	return os.WriteFile(p.record(), b, 0o644)
}

// Mounts returns the mounts of an existing container's root again.
func (s *Store) Mounts(id string) ([]Mount, error) {
	p, err := s.existing(id)
	if err != nil {
		return nil, err
	}
	chainIDs, err := readRecord(p)
	if err != nil {
		return nil, fmt.Errorf("mounts of container %s: %w", id, err)
	}
	hexes := make([]string, len(chainIDs))
	for i, c := range chainIDs {
		if hexes[i], err = chainHex(c); err != nil {
			return nil, fmt.Errorf("mounts of container %s: %w", id, err)
		}
	}
	return plan(s.root, id, hexes)
}

// existing returns the paths of container id, or a not-found error.
func (s *Store) existing(id string) (paths, error) {
	if err := checkContainerID(id); err != nil {
		return paths{}, err
	}
	p := containerPaths(s.root, id)
	if _, err := os.Stat(p.record()); err != nil {
		return paths{}, errdefs.NotFound(fmt.Sprintf("no snapshot for container %s", id))
	}
	return p, nil
}

// UpperDir returns the container's writable layer ("" for an invalid id).
func (s *Store) UpperDir(id string) string {
	if checkContainerID(id) != nil {
		return ""
	}
	return containerPaths(s.root, id).upper()
}

// WorkDir returns the container's overlay work dir ("" for an invalid id).
func (s *Store) WorkDir(id string) string {
	if checkContainerID(id) != nil {
		return ""
	}
	return containerPaths(s.root, id).work()
}

// MergedDir returns a directory the caller may mount the root on ("" for an
// invalid id).
func (s *Store) MergedDir(id string) string {
	if checkContainerID(id) != nil {
		return ""
	}
	return containerPaths(s.root, id).merged()
}

// Remove deletes the container's writable layer. It refuses while the
// container's root is still mounted in this mount namespace.
func (s *Store) Remove(id string) error {
	deleteFiles, err := s.Hide(id)
	if err != nil {
		return err
	}
	if err := deleteFiles(); err != nil {
		return fmt.Errorf("remove container snapshot %s: %w", id, err)
	}
	return nil
}

// Hide is Remove in two steps: the snapshot is gone from the store when
// Hide returns, and its files are deleted when the returned function is
// called. A caller that someone waits for (run --rm) answers in between.
func (s *Store) Hide(id string) (deleteFiles func() error, err error) {
	p, err := s.existing(id)
	if err != nil {
		return nil, err
	}
	if at, mounted, err := rootMounted(p.upper(), p.merged()); err != nil {
		return nil, fmt.Errorf("remove container snapshot %s: %w", id, err)
	} else if mounted {
		return nil, errdefs.Conflict(fmt.Sprintf("remove container snapshot %s: its root is still mounted at %s", id, at))
	}
	return s.hideContainer(id, p)
}

// HideUnmounted is Hide for a caller that has just unmounted the
// container's root itself: it skips the search of the mount table, whose
// cost grows with every container running.
func (s *Store) HideUnmounted(id string) (deleteFiles func() error, err error) {
	p, err := s.existing(id)
	if err != nil {
		return nil, err
	}
	return s.hideContainer(id, p)
}

func (s *Store) hideContainer(id string, p paths) (deleteFiles func() error, err error) {
	into, err := s.hide(p.dir)
	if err != nil {
		return nil, fmt.Errorf("remove container snapshot %s: %w", id, err)
	}
	return func() error { return removeAll(into) }, nil
}

// Usage returns the bytes held in the container's writable layer: the sizes
// of its regular files, each inode counted once.
func (s *Store) Usage(id string) (int64, error) {
	p, err := s.existing(id)
	if err != nil {
		return 0, err
	}
	seen := map[uint64]bool{}
	var total int64
	err = filepath.WalkDir(p.upper(), func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		st := info.Sys().(*syscall.Stat_t)
		if st.Nlink > 1 && seen[st.Ino] {
			return nil
		}
		seen[st.Ino] = true
		total += info.Size()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("usage of container %s: %w", id, err)
	}
	return total, nil
}
