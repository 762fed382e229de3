// Package cgroups lets tests leave the cgroup tree as they found it: the
// parent directories an engine makes in every hierarchy (/hull, /docker,
// /libpod_parent) are removed after a run.
package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Existing lists the directories named name directly under each
// hierarchy in /sys/fs/cgroup.
func Existing(name string) map[string]bool {
	dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", name))
	out := map[string]bool{}
	for _, d := range dirs {
		out[d] = true
	}
	return out
}

// RemoveEmptyParents removes the directories named name, if empty. One
// still holding a cgroup stays: another test package running at the same
// time may be using it, and removes it when it ends. (Which package made
// it cannot be told when they run at once; an empty one is harmless to
// remove, hull makes it again when needed.)
func RemoveEmptyParents(name string) error {
	var errs []error
	for d := range Existing(name) {
		if err := os.Remove(d); err != nil && !errors.Is(err, syscall.EBUSY) && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RemoveNew removes the directories named name that were not in before,
// with every empty cgroup below them, depth first (rmdir only: a cgroup
// holding a process stays and is reported). For a peer engine that ran
// alone and left its nested cgroups.
func RemoveNew(name string, before map[string]bool) error {
	var errs []error
	for d := range Existing(name) {
		if before[d] {
			continue
		}
		var all []string
		filepath.WalkDir(d, func(p string, e os.DirEntry, err error) error {
			if err == nil && e.IsDir() {
				all = append(all, p)
			}
			return nil
		})
		for i := len(all) - 1; i >= 0; i-- {
			if err := os.Remove(all[i]); err != nil {
				errs = append(errs, fmt.Errorf("rmdir %s: %w", all[i], err))
			}
		}
	}
	return errors.Join(errs...)
}
