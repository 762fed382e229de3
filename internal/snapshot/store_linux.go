package snapshot

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/trash"
)

// Store is a directory of unpacked layers and container roots.
type Store struct {
	root string
}

// New opens the store at root, creating its directories.
func New(root string) (*Store, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("snapshot store %s: %w", root, err)
	}
	if strings.ContainsAny(root, ",:") {
		return nil, errdefs.InvalidArgument(fmt.Sprintf("snapshot store %q: path may not contain ',' or ':' (overlay options)", root))
	}
	if err := os.MkdirAll(root, 0o711); err != nil {
		return nil, fmt.Errorf("create snapshot store: %w", err)
	}
	for _, d := range []string{"layers", "containers", "tmp", "locks"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o711); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create snapshot store: %w", err)
		}
	}
	return &Store{root: root}, nil
}

func (s *Store) layerPath(hex string) string { return filepath.Join(s.root, "layers", hex) }
func (s *Store) tmp() string                 { return filepath.Join(s.root, "tmp") }

// EnsureLayer makes sure the layer chainID exists, unpacking it with unpack
// into a fresh directory that is renamed into place when complete. Callers
// for one chain id are serialised by a flock, so unpack runs once. Returns
// whether the layer was created by this call.
func (s *Store) EnsureLayer(chainID string, unpack func(dir string) (int64, error)) (bool, error) {
	hex, err := chainHex(chainID)
	if err != nil {
		return false, err
	}
	if s.HasLayer(chainID) {
		return false, nil
	}
	unlock, err := s.lock(hex)
	if err != nil {
		return false, err
	}
	defer unlock()
	if s.HasLayer(chainID) {
		return false, nil
	}
	if err := s.unpackLayer(hex, unpack); err != nil {
		return false, fmt.Errorf("unpack layer %s: %w", chainID, err)
	}
	return true, nil
}

// unpackLayer runs unpack in tmp/<hex>-*/fs and renames the result to
// layers/<hex>. The caller holds the chain id's lock.
func (s *Store) unpackLayer(hex string, unpack func(dir string) (int64, error)) error {
	s.removeStale(hex + "-*")
	tmp, err := os.MkdirTemp(s.tmp(), hex+"-")
	if err != nil {
		return err
	}
	if err := s.fillLayer(tmp, unpack); err != nil {
		removeAll(tmp)
		return err
	}
	if err := os.Rename(tmp, s.layerPath(hex)); err != nil {
		removeAll(tmp)
		if errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOTEMPTY) {
			return nil // made by a process that does not take our lock
		}
		return fmt.Errorf("move layer into place: %w", err)
	}
	return nil
}

func (s *Store) fillLayer(tmp string, unpack func(dir string) (int64, error)) error {
	if err := os.Chmod(tmp, 0o711); err != nil {
		return err
	}
	dir := filepath.Join(tmp, "fs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	size, err := unpack(dir)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(tmp, "size"), []byte(strconv.FormatInt(size, 10)), 0o644)
}

// removeStale deletes leftovers in tmp/ matching pattern, from a process
// that died while making them. Only call it holding the lock for them.
func (s *Store) removeStale(pattern string) {
	stale, _ := filepath.Glob(filepath.Join(s.tmp(), pattern))
	for _, p := range stale {
		removeAll(p)
	}
}

// lock takes the flock of a chain id and returns its release.
func (s *Store) lock(hex string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(s.root, "locks", hex+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open layer lock: %w", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock layer %s: %w", hex, err)
	}
	return func() { f.Close() }, nil
}

// HasLayer reports whether the layer chainID is unpacked.
func (s *Store) HasLayer(chainID string) bool {
	hex, err := chainHex(chainID)
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(s.layerPath(hex), "size"))
	return err == nil
}

// LayerDir returns the directory holding the layer's files ("" for an
// invalid chain id).
func (s *Store) LayerDir(chainID string) string {
	hex, err := chainHex(chainID)
	if err != nil {
		return ""
	}
	return layerFS(s.root, hex)
}

// LayerSize returns the layer's unpacked size in bytes.
func (s *Store) LayerSize(chainID string) (int64, error) {
	hex, err := chainHex(chainID)
	if err != nil {
		return 0, err
	}
	b, err := os.ReadFile(filepath.Join(s.layerPath(hex), "size"))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, errdefs.NotFound(fmt.Sprintf("layer %s not found", chainID))
	}
	if err != nil {
		return 0, fmt.Errorf("read layer size: %w", err)
	}
	size, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("layer %s: bad size file: %w", chainID, err)
	}
	return size, nil
}

// RemoveLayer deletes a layer. Removing one that is absent is not an error.
func (s *Store) RemoveLayer(chainID string) error {
	hex, err := chainHex(chainID)
	if err != nil {
		return err
	}
	unlock, err := s.lock(hex)
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.discard(s.layerPath(hex)); err != nil {
		return fmt.Errorf("remove layer %s: %w", chainID, err)
	}
	return nil
}

// discard renames dir into tmp/ (so it is gone at once) and deletes it.
func (s *Store) discard(dir string) error {
	into, err := s.hide(dir)
	if err != nil {
		return err
	}
	return removeAll(into)
}

// hide renames dir into a new tmp/rm-* directory, which it returns.
func (s *Store) hide(dir string) (string, error) { return trash.Move(dir, s.tmp()) }

// SweepTrash deletes what removals left in tmp/ when their process died
// before it could (rm-* directories older than a minute).
func (s *Store) SweepTrash() { trash.Sweep(s.tmp(), time.Minute, removeAll) }

// Layers lists the chain ids of the unpacked layers.
func (s *Store) Layers() ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(s.root, "layers"))
	if err != nil {
		return nil, fmt.Errorf("list layers: %w", err)
	}
	var ids []string
	for _, e := range ents {
		if id, ok := chainIDOf(e.Name()); ok && s.HasLayer(id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// removeAll is os.RemoveAll that also copes with directories a non-root
// caller cannot write (layers keep their images' modes).
func removeAll(p string) error {
	if err := os.RemoveAll(p); err == nil {
		return nil
	}
	filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(q, 0o700)
		}
		return nil
	})
	return os.RemoveAll(p)
}

// readRecord reads the chain ids recorded for a container.
func readRecord(p paths) ([]string, error) {
	b, err := os.ReadFile(p.record())
	if err != nil {
		return nil, err
	}
	var ids []string
	if err := json.Unmarshal(b, &ids); err != nil {
		return nil, fmt.Errorf("parse %s: %w", p.record(), err)
	}
	return ids, nil
}
