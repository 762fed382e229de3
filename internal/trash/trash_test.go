package trash

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestMoveThenSweep(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "c1")
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "sub", "f"), []byte("x"), 0o644)
	bin := filepath.Join(root, "trash") // made by Move
	into, err := Move(dir, bin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("%s still there after Move: %v", dir, err)
	}
	if _, err := os.Stat(filepath.Join(into, "c1", "sub", "f")); err != nil {
		t.Fatalf("the files did not move into %s: %v", into, err)
	}
	if _, err := Move(filepath.Join(root, "gone"), bin); err != nil {
		t.Fatalf("Move of a missing directory: %v", err)
	}
	os.WriteFile(filepath.Join(bin, "not-ours"), nil, 0o644)
	Sweep(bin, time.Hour, os.RemoveAll)
	if ents, _ := os.ReadDir(bin); len(ents) != 3 {
		t.Fatalf("a sweep for an hour's age removed young entries: %v", ents)
	}
	Sweep(bin, -time.Second, os.RemoveAll)
	ents, _ := os.ReadDir(bin)
	if len(ents) != 1 || ents[0].Name() != "not-ours" {
		t.Fatalf("after the sweep the trash holds %v, want only what Move did not make", ents)
	}
}
