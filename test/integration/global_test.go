package integration

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestGlobalLog: --log writes the runtime's log to a file; with --debug
// there is always something to write.
func TestGlobalLog(t *testing.T) {
	e := setup(t)
	c := e.newContainer("true")
	logFile := filepath.Join(t.TempDir(), "runtime.log")
	r := runCmd(t, runtimeCmd("--log", logFile, "--debug", "run", "--bundle", c.bundle, c.id))
	if r.code != 0 {
		t.Fatalf("run with --log:\n%s", r)
	}
	if log := readFile(t, logFile); strings.TrimSpace(log) == "" {
		t.Fatalf("--log %s is empty after a --debug run", logFile)
	}
}

func TestGlobalLogFormatJSON(t *testing.T) {
	e := setup(t)
	c := e.newContainer("true")
	logFile := filepath.Join(t.TempDir(), "runtime.log")
	r := runCmd(t, runtimeCmd("--log", logFile, "--log-format", "json", "--debug", "run", "--bundle", c.bundle, c.id))
	if r.code != 0 {
		t.Fatalf("run with --log-format json:\n%s", r)
	}
	log := lines(readFile(t, logFile))
	if len(log) == 0 {
		t.Fatalf("--log-format json: empty log")
	}
	for _, l := range log {
		var entry map[string]any
		if err := json.Unmarshal([]byte(l), &entry); err != nil {
			t.Errorf("log line is not JSON: %q", l)
		}
	}
}

// TestGlobalLogErrors: a failing command leaves its error in the log file.
func TestGlobalLogErrors(t *testing.T) {
	e := setup(t)
	logFile := filepath.Join(t.TempDir(), "runtime.log")
	id := e.newID()
	runCmd(t, runtimeCmd("--log", logFile, "--log-format", "json", "state", id))
	if log := readFile(t, logFile); !strings.Contains(log, `"error"`) {
		t.Errorf("log of a failed `state %s` has no error entry:\n%s", id, log)
	}
}

// TestGlobalDebug: --debug without --log prints debug lines on stderr.
func TestGlobalDebug(t *testing.T) {
	e := setup(t)
	c := e.newContainer("true")
	r := runCmd(t, runtimeCmd("--debug", "run", "--bundle", c.bundle, c.id))
	if r.code != 0 || !strings.Contains(strings.ToLower(r.stderr), "debug") {
		t.Fatalf("--debug printed no debug lines on stderr:\n%s", r)
	}
}

// TestGlobalSystemdCgroup: --systemd-cgroup either works or is refused with
// a message about systemd (no systemd runs on these machines).
func TestGlobalSystemdCgroup(t *testing.T) {
	e := setup(t)
	c := e.newContainer("true")
	r := runCmd(t, runtimeCmd("--systemd-cgroup", "run", "--bundle", c.bundle, c.id))
	if r.code != 0 && !strings.Contains(strings.ToLower(r.stderr), "systemd") {
		t.Fatalf("--systemd-cgroup failed without saying why:\n%s", r)
	}
}

func TestVersion(t *testing.T) {
	setup(t)
	if out := mustRun(t, "--version"); !strings.Contains(out, "version") {
		t.Errorf("--version = %q", out)
	}
}
