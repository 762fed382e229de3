package runtime

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hull-project/hull/internal/specgen"
)

func TestStateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := &State{
		ID: "abc", InitProcessPid: 42, InitProcessStart: 1234, Created: time.Now().UTC().Round(0),
		Config: specgen.Default(), CgroupPaths: map[string]string{"memory": "/sys/fs/cgroup/memory/abc"},
		NamespacePaths: map[string]string{"NEWPID": "/proc/42/ns/pid"}, Bundle: "/b",
	}
	if err := saveState(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := loadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.InitProcessPid != 42 || got.InitProcessStart != 1234 || got.NamespacePaths["NEWPID"] != "/proc/42/ns/pid" || !got.Created.Equal(want.Created) {
		t.Errorf("state did not round-trip: %+v", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("atomic write left %d files, want only state.json", len(entries))
	}
	if _, err := os.Stat(filepath.Join(dir, stateFile)); err != nil {
		t.Error(err)
	}
}

func TestProcessStartOfSelf(t *testing.T) {
	start, state, err := processStart(os.Getpid())
	if err != nil || start == 0 {
		t.Fatalf("processStart(self) = %d, %v", start, err)
	}
	if state != 'R' && state != 'S' {
		t.Errorf("own state %q, want R or S", state)
	}
	if !ProcessAlive(os.Getpid(), start) {
		t.Error("ProcessAlive(self) = false")
	}
	if ProcessAlive(os.Getpid(), start+1) {
		t.Error("processAlive with the wrong start time = true: pid reuse would go unnoticed")
	}
}
