package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/runtime/cgroups"
)

// DefaultRoot is where hull-runtime keeps container state unless told
// otherwise.
const DefaultRoot = "/run/hull-runtime"

// Runtime is a directory of containers' state: one subdirectory per
// container holding state.json and, until start, exec.fifo.
type Runtime struct {
	Root string
	// InitBinary is the binary re-executed as each container's init and
	// exec'd processes; it must call Init when it sees InitArg. Empty
	// means this process's own binary. A small one (hull-runtime) starts
	// faster than a large one (hull).
	InitBinary string
}

// New returns the runtime whose state lives under root, creating it.
func New(root string) (*Runtime, error) {
	if root == "" {
		root = DefaultRoot
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o711); err != nil {
		return nil, fmt.Errorf("create runtime root %s: %w", abs, err)
	}
	return &Runtime{Root: abs}, nil
}

// Container is one container the runtime created.
type Container struct {
	dir        string
	state      *State
	initBinary string
}

const fifoName = "exec.fifo"

// Load returns the container id.
func (r *Runtime) Load(id string) (*Container, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	dir := filepath.Join(r.Root, id)
	st, err := loadState(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, errdefs.NotFound(fmt.Sprintf("container %s does not exist", id))
		}
		return nil, fmt.Errorf("load container %s: %w", id, err)
	}
	return &Container{dir: dir, state: st, initBinary: r.InitBinary}, nil
}

// List returns every container under the root, sorted by id. A directory
// without a readable state (a create in progress) is passed over.
func (r *Runtime) List() ([]*Container, error) {
	entries, err := os.ReadDir(r.Root)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", r.Root, err)
	}
	var out []*Container
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c, err := r.Load(e.Name())
		if err != nil {
			continue
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].state.ID < out[j].state.ID })
	return out, nil
}

// ID returns the container's id.
func (c *Container) ID() string { return c.state.ID }

// State returns the runtime's record of the container.
func (c *Container) State() *State { return c.state }

// StatePath is where the container's state.json lives.
func (c *Container) StatePath() string { return filepath.Join(c.dir, stateFile) }

// Status works out the container's status from the kernel's view, never
// from a stored string: the init process alive or not, its cgroup frozen
// or not, exec.fifo present (not yet started) or not.
func (c *Container) Status() (Status, error) {
	if !ProcessAlive(c.state.InitProcessPid, c.state.InitProcessStart) {
		return Stopped, nil
	}
	if c.frozen() {
		return Paused, nil
	}
	if _, err := os.Stat(filepath.Join(c.dir, fifoName)); err == nil {
		return Created, nil
	}
	return Running, nil
}

func (c *Container) frozen() bool {
	if dir, ok := c.state.CgroupPaths["freezer"]; ok {
		data, _ := os.ReadFile(filepath.Join(dir, "freezer.state"))
		return strings.TrimSpace(string(data)) != "THAWED" && len(data) > 0
	}
	if dir, ok := c.state.CgroupPaths[""]; ok {
		data, _ := os.ReadFile(filepath.Join(dir, "cgroup.events"))
		return strings.Contains(string(data), "frozen 1")
	}
	return false
}

func (c *Container) cgroup() (cgroups.Manager, error) {
	m, err := cgroups.Load(c.state.CgroupPaths)
	if err != nil {
		return nil, fmt.Errorf("container %s cgroup: %w", c.state.ID, err)
	}
	return m, nil
}

// ProcessAlive reports whether pid is still the process that started at
// start (clock ticks since boot, as ProcessStart reads it), and not a
// zombie: a pid reused by another process does not count.
func ProcessAlive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	st, state, err := processStart(pid)
	if err != nil {
		return false
	}
	return st == start && state != 'Z' && state != 'X'
}

// ProcessStart reads a live process's start time from /proc/<pid>/stat.
func ProcessStart(pid int) (uint64, error) {
	start, state, err := processStart(pid)
	if err == nil && (state == 'Z' || state == 'X') {
		return 0, fmt.Errorf("process %d has exited", pid)
	}
	return start, err
}

// processStart reads a process's start time and state from /proc/<pid>/stat.
func processStart(pid int) (start uint64, state byte, err error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, err
	}
	// The command name may hold spaces and parentheses: fields start
	// after the last ')'.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 20 {
		return 0, 0, fmt.Errorf("parse /proc/%d/stat", pid)
	}
	start, err = strconv.ParseUint(fields[19], 10, 64)
	return start, fields[0][0], err
}

// waitGone waits until the init process has died, up to timeout.
func (c *Container) waitGone(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for ProcessAlive(c.state.InitProcessPid, c.state.InitProcessStart) {
		if time.Now().After(deadline) {
			return fmt.Errorf("container %s: init process %d did not exit within %s", c.state.ID, c.state.InitProcessPid, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

func (c *Container) signalInit(sig unix.Signal) error {
	pidfd, err := unix.PidfdOpen(c.state.InitProcessPid, 0)
	if err != nil {
		if errors.Is(err, unix.ESRCH) {
			return errdefs.Conflict(fmt.Sprintf("container %s is not running", c.state.ID))
		}
		return fmt.Errorf("open init process %d: %w", c.state.InitProcessPid, err)
	}
	defer unix.Close(pidfd)
	// The pidfd pins the process: checked once more, the pid cannot be
	// reused between this check and the signal.
	if !ProcessAlive(c.state.InitProcessPid, c.state.InitProcessStart) {
		return errdefs.Conflict(fmt.Sprintf("container %s is not running", c.state.ID))
	}
	if err := unix.PidfdSendSignal(pidfd, sig, nil, 0); err != nil {
		return fmt.Errorf("signal %s to init process %d: %w", unix.SignalName(sig), c.state.InitProcessPid, err)
	}
	return nil
}
