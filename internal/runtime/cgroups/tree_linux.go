package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// treeHooks prepare each level of a cgroup path as makeTree walks down it.
type treeHooks struct {
	before func(parent string) error      // runs before dir is made in parent
	after  func(dir, parent string) error // runs once dir exists
}

// makeTree makes dir and its missing ancestors, top-down from the
// hierarchy's root (the highest directory holding cgroup.procs), running the
// hooks on every level below the root, made or found. It returns the
// directories it made.
func makeTree(dir string, h treeHooks) ([]string, error) {
	if h.before == nil && h.after == nil {
		// Mostly the parent (hull's own) exists and only dir is new.
		switch err := os.Mkdir(dir, 0o755); {
		case err == nil:
			return []string{dir}, nil
		case errors.Is(err, fs.ErrExist):
			return nil, nil
		}
	}
	parent := filepath.Dir(dir)
	if parent == dir {
		return nil, fmt.Errorf("%s is not inside a cgroup hierarchy", dir)
	}
	if exists(dir, "cgroup.procs") && !exists(parent, "cgroup.procs") {
		return nil, nil // dir is the root
	}
	created, err := makeTree(parent, h)
	if err != nil {
		return created, err
	}
	if h.before != nil {
		if err := h.before(parent); err != nil {
			return created, err
		}
	}
	switch err := os.Mkdir(dir, 0o755); {
	case err == nil:
		created = append(created, dir)
	case !errors.Is(err, fs.ErrExist):
		return created, fmt.Errorf("mkdir %s: %w", dir, bare(err))
	}
	if h.after != nil {
		return created, h.after(dir, parent)
	}
	return created, nil
}

// removeTree removes the cgroup dir and any child cgroups, deepest first. A
// cgroup already gone is fine.
func removeTree(dir string) error {
	// Mostly a leaf with no process left: one rmdir does it. EBUSY means
	// child cgroups or exiting processes, which the walk below waits out.
	if err := unix.Rmdir(dir); err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	} else if !errors.Is(err, unix.EBUSY) && !errors.Is(err, unix.ENOTEMPTY) {
		return fmt.Errorf("rmdir %s: %w", dir, err)
	}
	var dirs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return ignoreGone(err)
		}
		if d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// WalkDir lists a directory before its children, so backwards is
	// children first.
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := rmdir(dirs[i]); err != nil {
			return err
		}
	}
	return nil
}

// rmdirRetries bounds how long rmdir waits for exiting processes to leave.
var rmdirRetries = 8

// rmdir removes one cgroup directory, retrying while the kernel still counts
// exiting processes in it (EBUSY).
func rmdir(dir string) error {
	delay := 10 * time.Millisecond
	for i := 0; ; i++ {
		err := unix.Rmdir(dir)
		switch {
		case err == nil || errors.Is(err, unix.ENOENT):
			return nil
		case !errors.Is(err, unix.EBUSY) || i == rmdirRetries:
			return fmt.Errorf("rmdir %s: %w", dir, err)
		}
		time.Sleep(delay)
		delay = min(2*delay, 200*time.Millisecond)
	}
}
