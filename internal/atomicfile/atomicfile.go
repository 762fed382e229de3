// Package atomicfile replaces files so that a reader sees the old content
// or the new, never a mix, and a crash keeps one of them: write a temporary
// file beside the target, fsync it, rename it over the target, fsync the
// directory (WriteFile), or not (ReplaceFile).
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile atomically replaces path with data, with the given mode.
func WriteFile(path string, data []byte, mode os.FileMode) error {
	if err := ReplaceFile(path, data, mode); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// ReplaceFile is WriteFile without the directory's fsync, as Docker's
// AtomicWriteFile: a reader still sees the old content or the new, and
// what was renamed in is on disk, but a crash right after may bring back
// the previous version. For records rewritten at every step of a
// container's life, where the next step writes again.
func ReplaceFile(path string, data []byte, mode os.FileMode) error {
	return replace(path, data, mode, true)
}

// ReplaceUnsynced is ReplaceFile without any fsync: readers still see the
// old content or the new, but a crash may bring back the old. For what
// does not outlive a reboot (runtime state under /run) or is about to be
// written again or deleted.
func ReplaceUnsynced(path string, data []byte, mode os.FileMode) error {
	return replace(path, data, mode, false)
}

func replace(path string, data []byte, mode os.FileMode, sync bool) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp, data, mode, sync); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func write(f *os.File, data []byte, mode os.FileMode, sync bool) error {
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if !sync {
		return nil
	}
	return f.Sync()
}

// SyncDir makes a directory's entries (a rename, a removal) durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
