package runtime

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/internal/atomicfile"
	"github.com/hull-project/hull/internal/errdefs"
)

// Status is a container's lifecycle state as the OCI runtime spec names it,
// plus runc's "paused".
type Status string

const (
	Creating Status = "creating"
	Created  Status = "created"
	Running  Status = "running"
	Paused   Status = "paused"
	Stopped  Status = "stopped"
)

// State is what the runtime records about a container in
// <root>/<id>/state.json. Its keys follow runc's state.json so the file
// reads the same to someone who learned containers from runc; Config is the
// OCI spec the container was created from (runc stores its own internal
// form there).
type State struct {
	ID                  string            `json:"id"`
	InitProcessPid      int               `json:"init_process_pid"`
	InitProcessStart    uint64            `json:"init_process_start"`
	Created             time.Time         `json:"created"`
	Config              *specs.Spec       `json:"config"`
	Rootless            bool              `json:"rootless"`
	CgroupPaths         map[string]string `json:"cgroup_paths"`
	NamespacePaths      map[string]string `json:"namespace_paths"`
	ExternalDescriptors []string          `json:"external_descriptors"`
	Bundle              string            `json:"bundle"`
	Rootfs              string            `json:"rootfs"`
	Owner               string            `json:"owner"`
	// OOMKilled is set once the runtime saw the kernel's OOM killer act in
	// the container's cgroup.
	OOMKilled bool `json:"oom_killed,omitempty"`
}

const stateFile = "state.json"

var validID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+\-.]+$`) })

// ValidateID refuses ids that could name a path outside the runtime root.
func ValidateID(id string) error {
	if id == "" {
		return errdefs.InvalidArgument("container id cannot be empty")
	}
	if !validID().MatchString(id) || id == "." || id == ".." || len(id) > 1024 {
		return errdefs.InvalidArgument(fmt.Sprintf("invalid container id %q: use letters, digits, '_', '+', '-' and '.'", id))
	}
	return nil
}

func loadState(dir string) (*State, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("parse %s: %w", filepath.Join(dir, stateFile), err)
	}
	return &s, nil
}

// saveState writes state.json atomically: a reader sees the old or the new
// file, never half of one.
func saveState(dir string, s *State) error {
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	// Under /run: it describes processes, which a reboot ends anyway.
	return atomicfile.ReplaceUnsynced(filepath.Join(dir, stateFile), data, 0o600)
}

// OCIState is the state the OCI spec defines: what `state` prints and what
// hooks read on stdin.
func (c *Container) OCIState() (*specs.State, error) {
	status, err := c.Status()
	if err != nil {
		return nil, err
	}
	st := &specs.State{
		Version:     specs.Version,
		ID:          c.state.ID,
		Status:      specs.ContainerState(status),
		Bundle:      c.state.Bundle,
		Annotations: c.state.Config.Annotations,
	}
	if status != Stopped {
		st.Pid = c.state.InitProcessPid
	}
	return st, nil
}
