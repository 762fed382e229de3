package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// recordHook returns a hook that saves the state it reads on stdin, its
// mount namespace, hostname and $HOOKVAR as dir/<kind>.{json,mnt,host,env}.
// sh is the shell's path where the hook runs (host or container).
func recordHook(kind, sh, dir string) specs.Hook {
	script := fmt.Sprintf("cat > %[1]s/%[2]s.json; readlink /proc/self/ns/mnt > %[1]s/%[2]s.mnt; "+
		"hostname > %[1]s/%[2]s.host; echo \"$HOOKVAR\" > %[1]s/%[2]s.env", dir, kind)
	return specs.Hook{Path: sh, Args: []string{"sh", "-c", script}, Env: []string{"HOOKVAR=" + kind}}
}

func TestHooksAllKinds(t *testing.T) {
	e := setup(t)
	c := e.newContainer("sh", "-c", "echo ready; sleep 100")
	out := c.bindDir("/hookout")
	c.spec.Hooks = &specs.Hooks{
		Prestart:        []specs.Hook{recordHook("prestart", "/bin/sh", out)},
		CreateRuntime:   []specs.Hook{recordHook("createRuntime", "/bin/sh", out)},
		CreateContainer: []specs.Hook{recordHook("createContainer", "/bin/sh", out)},
		StartContainer:  []specs.Hook{recordHook("startContainer", "/bin/sh", "/hookout")},
		Poststart:       []specs.Hook{recordHook("poststart", "/bin/sh", out)},
		Poststop:        []specs.Hook{recordHook("poststop", "/bin/sh", out)},
	}
	c.writeSpec()
	c.create()
	pid := c.pid()
	containerMnt, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid))
	hostMnt, _ := os.Readlink("/proc/self/ns/mnt")
	c.start()
	c.waitOutput("ready")
	waitFile(t, filepath.Join(out, "poststart.env"))
	mustRun(t, "kill", c.id, "KILL")
	waitForState(t, c.id, "stopped")
	mustRun(t, "delete", c.id)

	for _, h := range []struct {
		kind, status, mnt string
	}{
		{"prestart", "creating", hostMnt},
		{"createRuntime", "creating", hostMnt},
		{"createContainer", "creating", containerMnt},
		{"startContainer", "created", containerMnt},
		{"poststart", "running", hostMnt},
		{"poststop", "stopped", hostMnt},
	} {
		checkHook(t, out, h.kind, c, h.status, h.mnt)
	}
	if host := strings.TrimSpace(readOptional(filepath.Join(out, "startContainer.host"))); host != "hull" {
		t.Errorf("startContainer hook saw hostname %q, want hull (the container's)", host)
	}
}

// checkHook checks what one hook recorded.
func checkHook(t *testing.T, dir, kind string, c *container, status, mnt string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, kind+".json"))
	if err != nil {
		t.Errorf("%s hook did not run: %v", kind, err)
		return
	}
	var s specs.State
	if err := json.Unmarshal(data, &s); err != nil {
		t.Errorf("%s hook read no state JSON on stdin: %v: %q", kind, err, data)
		return
	}
	if s.ID != c.id || s.Bundle != c.bundle || s.Version == "" {
		t.Errorf("%s hook state = %+v", kind, s)
	}
	if s.Status != specs.ContainerState(status) && !(isRunc && runcHookStatus(kind, string(s.Status))) {
		t.Errorf("%s hook state status = %q, want %q", kind, s.Status, status)
	}
	if kind != "poststop" && s.Pid <= 0 {
		t.Errorf("%s hook state has no pid: %+v", kind, s)
	}
	if got := strings.TrimSpace(readOptional(filepath.Join(dir, kind+".mnt"))); got != mnt {
		t.Errorf("%s hook ran in mount namespace %q, want %q", kind, got, mnt)
	}
	if env := strings.TrimSpace(readOptional(filepath.Join(dir, kind+".env"))); env != kind {
		t.Errorf("%s hook env HOOKVAR = %q, want %q", kind, env, kind)
	}
}

// runcHookStatus lists where runc 1.1 passes another status than the
// runtime spec's lifecycle implies: its poststart hooks see "created".
func runcHookStatus(kind, status string) bool {
	return kind == "poststart" && status == "created"
}

// waitFile waits up to 10s for path to exist; on failure it shows the
// contents of the files in show.
func waitFile(t *testing.T, path string, show ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			var b strings.Builder
			for _, f := range show {
				fmt.Fprintf(&b, "\n%s:\n%s", f, readOptional(f))
			}
			t.Fatalf("%s did not appear after 10s%s", path, b.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestHookTimeout(t *testing.T) {
	e := setup(t)
	c := e.newContainer("true")
	timeout := 1
	c.spec.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{
		Path: "/bin/sleep", Args: []string{"sleep", "20"}, Timeout: &timeout,
	}}}
	c.writeSpec()
	start := time.Now()
	r := runCmd(t, c.cmd("create"))
	if r.code == 0 {
		t.Fatalf("create succeeded although its hook timed out:\n%s", r)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("create with a 1s hook timeout took %v", d)
	}
}

func TestHookFailureFailsCreate(t *testing.T) {
	e := setup(t)
	c := e.newContainer("true")
	c.spec.Hooks = &specs.Hooks{Prestart: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "exit 3"}}}}
	c.writeSpec()
	if r := runCmd(t, c.cmd("create")); r.code == 0 {
		t.Fatalf("create succeeded although its prestart hook failed:\n%s", r)
	}
}
