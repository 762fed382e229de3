package runtime

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestCgroupJoin(t *testing.T) {
	root := t.TempDir()
	v1mem, v1pids, v2 := filepath.Join(root, "memory", "c"), filepath.Join(root, "pids", "c"), filepath.Join(root, "unified", "c")
	for _, d := range []string{v1mem, v1pids, v2} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Only a v2 cgroup has cgroup.controllers.
	if err := os.WriteFile(filepath.Join(v2, "cgroup.controllers"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	procs := []string{filepath.Join(v1mem, "cgroup.procs"), filepath.Join(v2, "cgroup.procs"), filepath.Join(v1pids, "cgroup.procs")}
	files, gotV2 := cgroupJoin(procs)
	want := []string{filepath.Join(v1mem, "tasks"), filepath.Join(v1pids, "tasks")}
	if !reflect.DeepEqual(files, want) || gotV2 != v2 {
		t.Fatalf("cgroupJoin = %v, %q; want %v, %q", files, gotV2, want, v2)
	}
	if files, gotV2 := cgroupJoin(nil); len(files) != 0 || gotV2 != "" {
		t.Fatalf("no cgroups: %v, %q", files, gotV2)
	}
}
