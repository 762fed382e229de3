package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/internal/specgen"
)

// readSpec parses bundle/config.json.
func readSpec(t *testing.T, bundle string) *specs.Spec {
	t.Helper()
	var s specs.Spec
	data := readFile(t, filepath.Join(bundle, "config.json"))
	if err := json.Unmarshal([]byte(data), &s); err != nil {
		t.Fatalf("config.json: %v\n%s", err, data)
	}
	return &s
}

func TestSpecDefaults(t *testing.T) {
	setup(t)
	dir := t.TempDir()
	mustRun(t, "spec", "--bundle", dir)
	s := readSpec(t, dir)

	// The safe defaults every runc-compatible runtime writes.
	if s.Root == nil || s.Root.Path != "rootfs" || !s.Root.Readonly || s.Process == nil || !s.Process.NoNewPrivileges {
		t.Fatalf("root or process defaults wrong: %+v %+v", s.Root, s.Process)
	}
	if caps := s.Process.Capabilities; caps == nil ||
		!reflect.DeepEqual(caps.Bounding, []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}) {
		t.Errorf("bounding capabilities = %+v", s.Process.Capabilities)
	}
	for _, p := range []string{"/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"} {
		if !contains(s.Linux.MaskedPaths, p) {
			t.Errorf("maskedPaths lacks %s: %v", p, s.Linux.MaskedPaths)
		}
	}
	if !contains(s.Linux.ReadonlyPaths, "/proc/sys") {
		t.Errorf("readonlyPaths lacks /proc/sys: %v", s.Linux.ReadonlyPaths)
	}
	if r := s.Linux.Resources; r == nil || len(r.Devices) != 1 || r.Devices[0].Allow || r.Devices[0].Access != "rwm" {
		t.Errorf("device cgroup default is not deny-all: %+v", s.Linux.Resources)
	}
	if isRunc {
		return
	}
	// hull writes exactly specgen.Default().
	if want := specgen.Default(); !reflect.DeepEqual(jsonRoundTrip(t, s), jsonRoundTrip(t, want)) {
		t.Errorf("spec differs from specgen.Default():\n%s", readFile(t, filepath.Join(dir, "config.json")))
	}
}

func TestSpecRootless(t *testing.T) {
	setup(t)
	dir := t.TempDir()
	mustRun(t, "spec", "--rootless", "--bundle", dir)
	s := readSpec(t, dir)
	var user, network bool
	for _, ns := range s.Linux.Namespaces {
		user = user || ns.Type == specs.UserNamespace
		network = network || ns.Type == specs.NetworkNamespace
	}
	if !user || network {
		t.Errorf("rootless namespaces = %+v, want a user namespace and no network namespace", s.Linux.Namespaces)
	}
	if len(s.Linux.UIDMappings) != 1 || s.Linux.UIDMappings[0].HostID != uint32(os.Geteuid()) || s.Linux.UIDMappings[0].Size != 1 {
		t.Errorf("uidMappings = %+v", s.Linux.UIDMappings)
	}
	if s.Linux.Resources != nil {
		t.Errorf("rootless spec has resources: %+v", s.Linux.Resources)
	}
	if !isRunc {
		want := specgen.Default()
		specgen.Rootless(want)
		if !reflect.DeepEqual(jsonRoundTrip(t, s), jsonRoundTrip(t, want)) {
			t.Errorf("spec --rootless differs from specgen.Rootless(specgen.Default())")
		}
	}
}

func TestSpecInWorkingDirectory(t *testing.T) {
	setup(t)
	dir := t.TempDir()
	cmd := runtimeCmd("spec")
	cmd.Dir = dir
	if r := runCmd(t, cmd); r.code != 0 {
		t.Fatalf("spec in cwd:\n%s", r)
	}
	readSpec(t, dir)
}

func TestSpecRefusesToOverwrite(t *testing.T) {
	setup(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "config.json"), "keep me")
	mustFail(t, "spec", "--bundle", dir)
	if got := readFile(t, filepath.Join(dir, "config.json")); got != "keep me" {
		t.Fatalf("spec overwrote an existing config.json")
	}
}

// TestSpecRuns: the written spec, with a busybox rootfs, runs.
func TestSpecRuns(t *testing.T) {
	e := setup(t)
	c := e.newContainer()
	os.Remove(filepath.Join(c.bundle, "config.json"))
	mustRun(t, "spec", "--bundle", c.bundle)
	c.spec = readSpec(t, c.bundle)
	c.spec.Process.Terminal = false
	c.spec.Process.Args = []string{"echo", "ok"}
	c.writeSpec()
	if out := c.output(); out != "ok\n" {
		t.Fatalf("output = %q", out)
	}
}

func jsonRoundTrip(t *testing.T, v any) any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
