package mounts

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

func TestUnmountUnder(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting needs root")
	}
	dir := t.TempDir()
	outer := filepath.Join(dir, "with space")
	inner := filepath.Join(outer, "inner")
	if err := os.MkdirAll(outer, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", outer, "tmpfs", 0, ""); err != nil {
		t.Skipf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(outer, syscall.MNT_DETACH) })
	if err := os.Mkdir(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", inner, "tmpfs", 0, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Unmount(inner, syscall.MNT_DETACH) })

	if got, want := Under(dir), []string{inner, outer}; !slices.Equal(got, want) {
		t.Fatalf("Under = %q, want %q (deepest first)", got, want)
	}
	if got := Under(filepath.Join(dir, "with")); len(got) != 0 {
		t.Fatalf("Under a sibling prefix = %q, want none", got)
	}
	if err := UnmountUnder(dir); err != nil {
		t.Fatal(err)
	}
	if got := Under(dir); len(got) != 0 {
		t.Fatalf("left mounted: %q", got)
	}
}
