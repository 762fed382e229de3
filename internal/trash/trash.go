// Package trash removes directories in two steps: Move renames one out of
// sight into a trash directory (one atomic rename, after which it is gone
// for everyone), and deleting its files comes after, when nobody waits
// for it. Sweep deletes what a process that died between the two steps
// left behind.
package trash

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// prefix starts the name of every directory Move makes in a trash
// directory; Sweep removes only those.
const prefix = "rm-"

// Move renames dir into a new directory under trashDir (made if missing)
// and returns that directory, which holds dir's files until it is deleted.
// A dir that does not exist is not an error: the returned directory is
// then empty.
func Move(dir, trashDir string) (string, error) {
	into, err := os.MkdirTemp(trashDir, prefix)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(trashDir, 0o700); err == nil {
			into, err = os.MkdirTemp(trashDir, prefix)
		}
	}
	if err != nil {
		return "", err
	}
	if err := os.Rename(dir, filepath.Join(into, filepath.Base(dir))); err != nil && !errors.Is(err, fs.ErrNotExist) {
		os.Remove(into)
		return "", err
	}
	return into, nil
}

// Sweep deletes, with remove, the directories Move made in trashDir more
// than age ago: a younger one may still be in its remover's hands.
func Sweep(trashDir string, age time.Duration, remove func(string) error) {
	ents, err := os.ReadDir(trashDir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > age {
			remove(filepath.Join(trashDir, e.Name()))
		}
	}
}
