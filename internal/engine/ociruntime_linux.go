package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/runtime"
	"github.com/hull-project/hull/internal/runtime/cgroups"
)

// ociRuntime runs containers: hull's own runtime in process (the fast
// path), or any runc-compatible binary (--runtime PATH) through its
// command line, as containerd and podman drive runc.
type ociRuntime interface {
	Create(id string, opts runtime.CreateOptions) (ociContainer, error)
	Load(id string) (ociContainer, error)
}

// ociContainer is one container of an ociRuntime.
type ociContainer interface {
	Start() error
	Status() (string, error) // created, running, paused, stopped
	Pid() int
	Kill(sig unix.Signal, all bool) error
	Delete(force bool) error
	Pause() error
	Resume() error
	Processes() ([]int, error)
	Stats() (*cgroups.Stats, error)
	OOMKillCount() (uint64, error)
	// Exec starts a process and returns its pid; the caller, a child
	// subreaper, waits for it.
	Exec(runtime.ExecOptions) (int, error)
	ProcessSpec() *specs.Process
	// StateFile is the runtime's state.json; it holds cgroup_paths and
	// namespace_paths for hull's runtime and for runc.
	StateFile() string
}

// runtimeFor returns the runtime a container runs with.
func (e *Engine) runtimeFor(c *Container) (ociRuntime, error) {
	if c.Runtime == "" {
		return builtinRuntime{e.runtime}, nil
	}
	return newBinaryRuntime(c.Runtime, e.runtime.Root)
}

func (e *Engine) loadRuntime(c *Container) (ociContainer, error) {
	rt, err := e.runtimeFor(c)
	if err != nil {
		return nil, err
	}
	return rt.Load(c.ID)
}

func (e *Engine) loadRuntimeByID(id string) (ociContainer, error) {
	c, err := e.containers.read(id)
	if err != nil {
		return nil, err
	}
	return e.loadRuntime(c)
}

// builtinRuntime is internal/runtime, in process.
type builtinRuntime struct{ rt *runtime.Runtime }

type builtinContainer struct{ *runtime.Container }

func (b builtinRuntime) Create(id string, opts runtime.CreateOptions) (ociContainer, error) {
	c, err := b.rt.Create(id, opts)
	if err != nil {
		return nil, err
	}
	return builtinContainer{c}, nil
}

func (b builtinRuntime) Load(id string) (ociContainer, error) {
	c, err := b.rt.Load(id)
	if err != nil {
		return nil, err
	}
	return builtinContainer{c}, nil
}

func (c builtinContainer) Status() (string, error) {
	st, err := c.Container.Status()
	return string(st), err
}

func (c builtinContainer) Pid() int          { return c.State().InitProcessPid }
func (c builtinContainer) StateFile() string { return c.StatePath() }

// binaryRuntime drives a runc-compatible binary: create, start, state,
// kill, delete, pause, resume, ps, events --stats, exec.
type binaryRuntime struct {
	path string
	root string
}

func newBinaryRuntime(path, hullRoot string) (binaryRuntime, error) {
	abs, err := exec.LookPath(path)
	if err != nil {
		return binaryRuntime{}, errdefs.InvalidArgument(fmt.Sprintf("runtime %q: %v", path, err))
	}
	// Each binary keeps its state beside hull's own runtime root.
	return binaryRuntime{path: abs, root: hullRoot + "-" + filepath.Base(abs)}, nil
}

type binaryContainer struct {
	rt  binaryRuntime
	id  string
	pid int
}

func (r binaryRuntime) run(args ...string) ([]byte, error) {
	cmd := exec.Command(r.path, append([]string{"--root", r.root}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %v: %s", filepath.Base(r.path), args[0], err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

func (r binaryRuntime) Create(id string, opts runtime.CreateOptions) (ociContainer, error) {
	pidFile := filepath.Join(opts.Bundle, "init.pid")
	logFile := filepath.Join(opts.Bundle, "runtime.log")
	args := []string{"--root", r.root, "--log", logFile, "create", "--bundle", opts.Bundle, "--pid-file", pidFile}
	var console *consoleListener
	if opts.Console != nil {
		// The runtime dials the path itself: keep it short (a unix
		// socket address holds 108 bytes), in a private directory.
		dir, err := os.MkdirTemp("", "hull-console-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		if console, err = listenConsole(filepath.Join(dir, "c.sock")); err != nil {
			return nil, err
		}
		defer console.close()
		args = append(args, "--console-socket", console.path)
	}
	// The runtime hands its own stdio to the container; its errors go to
	// the log.
	cmd := exec.Command(r.path, append(args, id)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = opts.Stdio[0], opts.Stdio[1], opts.Stdio[2]
	if err := cmd.Run(); err != nil {
		log, _ := os.ReadFile(logFile)
		return nil, fmt.Errorf("%s create: %v: %s", filepath.Base(r.path), err, strings.TrimSpace(string(log)))
	}
	if console != nil {
		if err := console.forward(opts.Console); err != nil {
			r.run("delete", "--force", id)
			return nil, err
		}
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return nil, err
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return &binaryContainer{rt: r, id: id, pid: pid}, nil
}

func (r binaryRuntime) Load(id string) (ociContainer, error) {
	out, err := r.run("state", id)
	if err != nil {
		return nil, errdefs.NotFound(err.Error())
	}
	var st struct {
		Pid int `json:"pid"`
	}
	if err := json.Unmarshal(out, &st); err != nil {
		return nil, err
	}
	return &binaryContainer{rt: r, id: id, pid: st.Pid}, nil
}

func (c *binaryContainer) Start() error { _, err := c.rt.run("start", c.id); return err }
func (c *binaryContainer) Pid() int     { return c.pid }
func (c *binaryContainer) Pause() error { _, err := c.rt.run("pause", c.id); return err }
func (c *binaryContainer) Resume() error {
	_, err := c.rt.run("resume", c.id)
	return err
}

func (c *binaryContainer) Status() (string, error) {
	out, err := c.rt.run("state", c.id)
	if err != nil {
		return "stopped", nil
	}
	var st struct {
		Status string `json:"status"`
	}
	err = json.Unmarshal(out, &st)
	return st.Status, err
}

func (c *binaryContainer) Kill(sig unix.Signal, all bool) error {
	args := []string{"kill"}
	if all {
		args = append(args, "--all")
	}
	_, err := c.rt.run(append(args, c.id, strconv.Itoa(int(sig)))...)
	return err
}

func (c *binaryContainer) Delete(force bool) error {
	args := []string{"delete"}
	if force {
		args = append(args, "--force")
	}
	_, err := c.rt.run(append(args, c.id)...)
	return err
}

func (c *binaryContainer) Processes() ([]int, error) {
	out, err := c.rt.run("ps", "--format", "json", c.id)
	if err != nil {
		return nil, err
	}
	var pids []int
	return pids, json.Unmarshal(out, &pids)
}

// Stats reads runc's `events --stats`, whose data has the shape of
// cgroups.Stats.
func (c *binaryContainer) Stats() (*cgroups.Stats, error) {
	out, err := c.rt.run("events", "--stats", c.id)
	if err != nil {
		return nil, err
	}
	var ev struct {
		Data cgroups.Stats `json:"data"`
	}
	return &ev.Data, json.Unmarshal(out, &ev)
}

// OOMKillCount reads the cgroup the runtime recorded in its state.json.
func (c *binaryContainer) OOMKillCount() (uint64, error) {
	data, err := os.ReadFile(c.StateFile())
	if err != nil {
		return 0, err
	}
	var st struct {
		CgroupPaths map[string]string `json:"cgroup_paths"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return 0, err
	}
	m, err := cgroups.Load(st.CgroupPaths)
	if err != nil {
		return 0, err
	}
	return m.OOMKillCount()
}

func (c *binaryContainer) StateFile() string { return filepath.Join(c.rt.root, c.id, "state.json") }

func (c *binaryContainer) ProcessSpec() *specs.Process {
	p := &specs.Process{Cwd: "/"}
	if s, err := c.spec(); err == nil && s.Process != nil {
		*p = *s.Process
		p.Terminal, p.ConsoleSize = false, nil
	}
	return p
}

func (c *binaryContainer) spec() (*specs.Spec, error) {
	out, err := c.rt.run("state", c.id)
	if err != nil {
		return nil, err
	}
	var st struct {
		Bundle string `json:"bundle"`
	}
	if err := json.Unmarshal(out, &st); err != nil {
		return nil, err
	}
	return runtime.LoadSpec(st.Bundle)
}

// Exec runs `exec --detach` so that the process is reparented to the
// caller, which waits for it as a subreaper, as with hull's own runtime.
func (c *binaryContainer) Exec(opts runtime.ExecOptions) (int, error) {
	dir, err := os.MkdirTemp("", "hull-exec-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	procFile, pidFile := filepath.Join(dir, "process.json"), filepath.Join(dir, "pid")
	data, _ := json.Marshal(opts.Process)
	if err := os.WriteFile(procFile, data, 0o600); err != nil {
		return 0, err
	}
	args := []string{"--root", c.rt.root, "exec", "--detach", "--process", procFile, "--pid-file", pidFile}
	var console *consoleListener
	if opts.Console != nil {
		if console, err = listenConsole(filepath.Join(dir, "console.sock")); err != nil {
			return 0, err
		}
		defer console.close()
		args = append(args, "--console-socket", console.path)
	}
	cmd := exec.Command(c.rt.path, append(args, c.id)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = opts.Stdio[0], opts.Stdio[1], opts.Stdio[2]
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s exec: %w", filepath.Base(c.rt.path), err)
	}
	if console != nil {
		if err := console.forward(opts.Console); err != nil {
			return 0, err
		}
	}
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(pid)))
}

// consoleListener receives the pty master a runtime sends over
// --console-socket, to pass it on to whoever asked for a terminal.
type consoleListener struct {
	path string
	ln   *net.UnixListener
}

func listenConsole(path string) (*consoleListener, error) {
	short, release, err := monitorViaDirFD(path)
	if err != nil {
		return nil, err
	}
	defer release()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: short, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listen on console socket: %w", err)
	}
	ln.SetUnlinkOnClose(false)
	return &consoleListener{path: path, ln: ln}, nil
}

// forward receives the master and sends it on over to.
func (l *consoleListener) forward(to *os.File) error {
	conn, err := l.ln.AcceptUnix()
	if err != nil {
		return fmt.Errorf("accept the runtime's console: %w", err)
	}
	defer conn.Close()
	f, err := conn.File()
	if err != nil {
		return err
	}
	defer f.Close()
	master, err := runtime.RecvFD(f)
	if err != nil {
		return err
	}
	defer master.Close()
	return unix.Sendmsg(int(to.Fd()), []byte(master.Name()), unix.UnixRights(int(master.Fd())), nil, 0)
}

func (l *consoleListener) close() {
	l.ln.Close()
	os.Remove(l.path)
}
