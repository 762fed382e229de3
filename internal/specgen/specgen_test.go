package specgen

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The golden files were written once by runc 1.1.5's `runc spec` and
// `runc spec --rootless` (as root), then adapted: hostname "hull",
// ociVersion 1.3.0, and runc 1.2's changes (no ambient capabilities,
// /sys/devices/virtual/tpm masked, a cgroup namespace).

func TestDefaultMatchesGolden(t *testing.T) {
	compareGolden(t, Default(), "default.json", nil)
}

func TestRootlessMatchesGolden(t *testing.T) {
	s := Default()
	Rootless(s)
	compareGolden(t, s, "rootless.json", func(want *specs.Spec) {
		// The golden file was generated as root; mappings follow the caller.
		want.Linux.UIDMappings[0].HostID = uint32(os.Geteuid())
		want.Linux.GIDMappings[0].HostID = uint32(os.Getegid())
	})
}

func TestDefaultReturnsIndependentCopies(t *testing.T) {
	a, b := Default(), Default()
	a.Process.Capabilities.Bounding[0] = "CAP_SYS_ADMIN"
	a.Mounts[1].Options[0] = "changed"
	if b.Process.Capabilities.Bounding[0] != "CAP_AUDIT_WRITE" || b.Process.Capabilities.Effective[0] != "CAP_AUDIT_WRITE" {
		t.Fatalf("capability sets are shared between specs")
	}
	if b.Mounts[1].Options[0] != "nosuid" {
		t.Fatalf("mount options are shared between specs")
	}
}

func TestRootlessIsIdempotent(t *testing.T) {
	once := Default()
	Rootless(once)
	twice := Default()
	Rootless(twice)
	Rootless(twice)
	if !reflect.DeepEqual(once, twice) {
		t.Fatalf("Rootless applied twice differs from once:\n%s\n%s", mustJSON(t, once), mustJSON(t, twice))
	}
}

func TestRootlessWithoutLinuxSection(t *testing.T) {
	s := &specs.Spec{}
	Rootless(s)
	if len(s.Linux.Namespaces) != 1 || s.Linux.Namespaces[0].Type != specs.UserNamespace {
		t.Fatalf("namespaces = %+v, want only a user namespace", s.Linux.Namespaces)
	}
}

// compareGolden compares got with testdata/name as JSON values, after fix
// adjusts the expected spec.
func compareGolden(t *testing.T, got *specs.Spec, name string, fix func(*specs.Spec)) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var want specs.Spec
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	if want.Version != "1.3.0" {
		t.Fatalf("%s: ociVersion %q, golden files use 1.3.0", name, want.Version)
	}
	want.Version = specs.Version // follow the runtime-spec module in go.mod
	if fix != nil {
		fix(&want)
	}
	if g, w := jsonValue(t, got), jsonValue(t, &want); !reflect.DeepEqual(g, w) {
		t.Fatalf("spec differs from testdata/%s\ngot:\n%s\nwant:\n%s", name, mustJSON(t, got), mustJSON(t, &want))
	}
}

// jsonValue round-trips v through JSON so that nil and empty slices, and
// field order, do not matter.
func jsonValue(t *testing.T, v any) any {
	t.Helper()
	var out any
	if err := json.Unmarshal([]byte(mustJSON(t, v)), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
