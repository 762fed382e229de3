// Package mounts finds and detaches what tests leave mounted under their
// directories: the proc and sys of a debootstrap, overlays and bind mounts
// of an engine's storage.
package mounts

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/hull-project/hull/internal/mountinfo"
)

// Under lists the mount points at or below dir (after resolving symlinks
// in dir), deepest first, from /proc/self/mountinfo.
func Under(dir string) []string {
	dir = filepath.Clean(dir)
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := mountinfo.Unescape(fields[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// UnmountUnder detaches (MNT_DETACH) every mount at or below dir, deepest
// first, in up to three passes (a mount stacked on another shows up once
// the upper one is gone), and fails if any is left.
func UnmountUnder(dir string) error {
	for i := 0; i < 3; i++ {
		m := Under(dir)
		if len(m) == 0 {
			return nil
		}
		for _, mp := range m {
			syscall.Unmount(mp, syscall.MNT_DETACH)
		}
	}
	if m := Under(dir); len(m) > 0 {
		return fmt.Errorf("still mounted under %s: %s", dir, strings.Join(m, ", "))
	}
	return nil
}
