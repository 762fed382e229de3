package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/atomicfile"
	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/phase"
	"github.com/hull-project/hull/internal/runtime/caps"
	"github.com/hull-project/hull/internal/runtime/cgroups"
	"github.com/hull-project/hull/internal/runtime/rootfs"
	"github.com/hull-project/hull/internal/runtime/seccomp"
)

// CreateOptions are create's flags, as runc names them.
type CreateOptions struct {
	Bundle string
	// ConsoleSocket is the path of a unix socket that receives the pty
	// master when process.terminal is true. Console, if set, is an already
	// connected socket used instead.
	ConsoleSocket string
	Console       *os.File
	PidFile       string
	NoPivot       bool
	NoNewKeyring  bool
	// PreserveFDs passes this many descriptors from 3 up to the container.
	PreserveFDs int
	// Stdio defaults to the caller's own.
	Stdio [3]*os.File
	// Spec, if set, is the bundle's config.json as its caller has just
	// written it, so that it is not read and parsed again.
	Spec *specs.Spec
}

// Create sets up container id from its bundle and leaves its init process
// waiting, inside the container's namespaces, for Start.
func (r *Runtime) Create(id string, opts CreateOptions) (*Container, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	spec, rootfsPath, err := loadBundle(opts.Bundle, opts.Spec)
	if err != nil {
		return nil, err
	}
	phase.Mark("runtime: bundle loaded")
	if spec.Process.Terminal && opts.ConsoleSocket == "" && opts.Console == nil {
		return nil, invalid("process.terminal is true but no --console-socket was given: pass one, or set terminal to false in config.json")
	}
	dir := filepath.Join(r.Root, id)
	if err := os.Mkdir(dir, 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, errdefs.AlreadyExists(fmt.Sprintf("container %s already exists", id))
		}
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	c := &Container{dir: dir, state: newState(id, opts.Bundle, rootfsPath, spec), initBinary: r.InitBinary}
	if err := c.create(opts); err != nil {
		c.discard()
		return nil, err
	}
	return c, nil
}

// loadBundle reads (unless given) and validates a bundle's config and
// finds its rootfs.
func loadBundle(bundle string, given *specs.Spec) (*specs.Spec, string, error) {
	if bundle == "" {
		bundle = "."
	}
	abs, err := filepath.Abs(bundle)
	if err != nil {
		return nil, "", err
	}
	spec := given
	if spec == nil {
		if spec, err = LoadSpec(abs); err != nil {
			return nil, "", err
		}
	}
	if err := validateSpec(spec); err != nil {
		return nil, "", err
	}
	root := spec.Root.Path
	if !filepath.IsAbs(root) {
		root = filepath.Join(abs, root)
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return nil, "", invalid("rootfs %s (root.path in %s/config.json) is not a directory", root, abs)
	}
	if err := validateSecurity(spec, root); err != nil {
		return nil, "", err
	}
	return spec, root, nil
}

// validateSecurity runs the checks that belong to the seccomp, caps and
// rootfs packages, before anything starts.
func validateSecurity(spec *specs.Spec, root string) error {
	if err := seccomp.Validate(spec.Linux.Seccomp); err != nil {
		return errdefs.InvalidArgument(fmt.Sprintf("config.json: %v", err))
	}
	if _, err := caps.Parse(spec.Process.Capabilities); err != nil {
		return errdefs.InvalidArgument(fmt.Sprintf("config.json: %v", err))
	}
	rc := &rootfs.Config{
		Rootfs: root, Readonly: spec.Root.Readonly, Mounts: spec.Mounts, Devices: spec.Linux.Devices,
		RootfsPropagation: spec.Linux.RootfsPropagation, MaskedPaths: spec.Linux.MaskedPaths,
		ReadonlyPaths: spec.Linux.ReadonlyPaths,
	}
	if err := rootfs.Validate(rc); err != nil {
		return errdefs.InvalidArgument(fmt.Sprintf("config.json: %v", err))
	}
	return nil
}

func newState(id, bundle, rootfsPath string, spec *specs.Spec) *State {
	abs, _ := filepath.Abs(bundle)
	owner := userName(os.Getuid())
	return &State{
		ID:          id,
		Config:      spec,
		Bundle:      abs,
		Rootfs:      rootfsPath,
		Owner:       owner,
		CgroupPaths: map[string]string{},
	}
}

func (c *Container) create(opts CreateOptions) error {
	spec := c.state.Config
	fifo, err := makeExecFifo(c.dir)
	if err != nil {
		return err
	}
	defer fifo.Close()
	cg, err := cgroups.New(spec.Linux.CgroupsPath, c.state.ID)
	if err != nil {
		return err
	}
	c.state.CgroupPaths = cg.Paths()
	// The pids limit applies once init is set up, as runc applies
	// resources: the Go side of init needs a few threads of its own.
	resources := withDefaultDevices(spec.Linux.Resources)
	pids := resources.Pids
	resources.Pids = nil
	if err := cg.Create(resources); err != nil {
		return fmt.Errorf("create cgroup: %w", err)
	}
	phase.Mark("runtime: cgroups made")
	console, err := consoleConnection(opts.ConsoleSocket, opts.Console, spec.Process.Terminal)
	if err != nil {
		return err
	}
	if console != nil && opts.Console == nil {
		defer console.Close()
	}
	filter, err := compiledSeccomp(spec.Linux.Seccomp)
	if err != nil {
		return err
	}
	phase.Mark("runtime: seccomp filter ready")
	preserve := preservedFiles(opts.PreserveFDs)
	req := &spawnRequest{
		boot:       newContainerBootstrap(spec, cg.ProcsFiles()),
		config:     initConfig{Mode: modeInit, ID: c.state.ID, Spec: newInitSpec(spec), Process: spec.Process, Rootfs: c.state.Rootfs, NoPivot: opts.NoPivot, NoNewKeyring: opts.NoNewKeyring, Seccomp: filter},
		stdio:      stdioOrDefault(opts.Stdio),
		preserve:   preserve,
		console:    console,
		fifo:       fifo,
		idMaps:     func(pid int) error { return writeIDMaps(pid, spec) },
		atMounts:   c.runtimeHooks,
		initBinary: c.initBinary,
	}
	Debugf("creating container %s: bundle %s, cgroup %v", c.state.ID, c.state.Bundle, c.state.CgroupPaths)
	pid, err := spawn(req)
	if err != nil {
		return err
	}
	phase.Mark("runtime: init ready")
	Debugf("container %s init process %d is waiting for start", c.state.ID, pid)
	if pids != nil {
		if err := cg.Set(&specs.LinuxResources{Pids: pids}); err != nil {
			unix.Kill(pid, unix.SIGKILL)
			return fmt.Errorf("set pids limit: %w", err)
		}
	}
	if err := c.recordInit(pid); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return err
	}
	phase.Mark("runtime: state written")
	if opts.PidFile != "" {
		if err := WritePidFile(opts.PidFile, pid); err != nil {
			unix.Kill(pid, unix.SIGKILL)
			return err
		}
	}
	return nil
}

// runtimeHooks runs prestart and createRuntime hooks in the runtime's
// namespaces once init has mounted the rootfs, and returns the state that
// createContainer hooks read.
func (c *Container) runtimeHooks(pid int) (*specs.State, error) {
	spec := c.state.Config
	state := &specs.State{
		Version: specs.Version, ID: c.state.ID, Status: specs.StateCreating,
		Pid: pid, Bundle: c.state.Bundle, Annotations: spec.Annotations,
	}
	if spec.Hooks == nil {
		return state, nil
	}
	if err := runHooks("prestart", spec.Hooks.Prestart, state); err != nil { //nolint:staticcheck // deprecated but honoured
		return nil, err
	}
	if err := runHooks("createRuntime", spec.Hooks.CreateRuntime, state); err != nil {
		return nil, err
	}
	return state, nil
}

// recordInit writes the state of a created container.
func (c *Container) recordInit(pid int) error {
	start, _, err := processStart(pid)
	if err != nil {
		return fmt.Errorf("container init process %d exited during create", pid)
	}
	c.state.InitProcessPid = pid
	c.state.InitProcessStart = start
	c.state.Created = time.Now().UTC()
	c.state.NamespacePaths = map[string]string{}
	for _, k := range namespaceKinds {
		c.state.NamespacePaths[k.stateKey] = fmt.Sprintf("/proc/%d/ns/%s", pid, k.procEntry)
	}
	c.state.ExternalDescriptors = externalDescriptors(pid)
	return saveState(c.dir, c.state)
}

func externalDescriptors(pid int) []string {
	out := make([]string, 3)
	for i := range out {
		out[i], _ = os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", pid, i))
	}
	return out
}

// discard removes what a failed create made.
func (c *Container) discard() {
	if len(c.state.CgroupPaths) > 0 {
		if cg, err := cgroups.Load(c.state.CgroupPaths); err == nil {
			killAll(cg)
			cg.Destroy()
		}
	}
	os.RemoveAll(c.dir)
}

func makeExecFifo(dir string) (*os.File, error) {
	path := filepath.Join(dir, fifoName)
	old := unix.Umask(0)
	err := unix.Mkfifo(path, 0o622)
	unix.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("create exec fifo %s: %w", path, err)
	}
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open exec fifo: %w", err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

func consoleConnection(path string, conn *os.File, terminal bool) (*os.File, error) {
	if !terminal {
		return nil, nil
	}
	if conn != nil {
		return conn, nil
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("connect to console socket %s: %w", path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

func preservedFiles(n int) []*os.File {
	files := make([]*os.File, n)
	for i := range files {
		files[i] = os.NewFile(uintptr(3+i), "preserved-"+strconv.Itoa(3+i))
	}
	return files
}

func stdioOrDefault(s [3]*os.File) [3]*os.File {
	defaults := [3]*os.File{os.Stdin, os.Stdout, os.Stderr}
	for i := range s {
		if s[i] == nil {
			s[i] = defaults[i]
		}
	}
	return s
}

// newContainerBootstrap tells the C stage which namespaces to make and join.
func newContainerBootstrap(spec *specs.Spec, procs []string) bootstrap {
	b := bootstrap{cgroupProcs: procs, oomScoreAdj: spec.Process.OOMScoreAdj}
	for _, k := range namespaceKinds {
		listed, path := hasNamespace(spec, k.spec)
		switch {
		case !listed:
		case path == "":
			b.cloneFlags |= k.flag
		default:
			b.joins = append(b.joins, nsJoin{flag: k.flag, path: path})
		}
	}
	if b.cloneFlags&unix.CLONE_NEWUSER != 0 {
		b.uidMap = idMapText(spec.Linux.UIDMappings)
		b.gidMap = idMapText(spec.Linux.GIDMappings)
	}
	b.timeOffsets = timeOffsetsText(spec.Linux.TimeOffsets)
	return b
}

// writeIDMaps writes a new user namespace's maps from outside it, which
// only a privileged process may do for more than one id.
func writeIDMaps(pid int, spec *specs.Spec) error {
	base := "/proc/" + strconv.Itoa(pid)
	if err := os.WriteFile(base+"/uid_map", []byte(idMapText(spec.Linux.UIDMappings)), 0); err != nil {
		return fmt.Errorf("write uid_map: %w", err)
	}
	if err := os.WriteFile(base+"/gid_map", []byte(idMapText(spec.Linux.GIDMappings)), 0); err != nil {
		return fmt.Errorf("write gid_map: %w", err)
	}
	return nil
}

// defaultDeviceRules are the devices every container may use, appended
// after the spec's own rules as runc does, so "deny all" still leaves the
// standard /dev working.
var defaultDeviceRules = []specs.LinuxDeviceCgroup{
	{Allow: true, Type: "c", Access: "m"},
	{Allow: true, Type: "b", Access: "m"},
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(3), Access: "rwm"},    // null
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(5), Access: "rwm"},    // zero
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(7), Access: "rwm"},    // full
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(8), Access: "rwm"},    // random
	{Allow: true, Type: "c", Major: i64(1), Minor: i64(9), Access: "rwm"},    // urandom
	{Allow: true, Type: "c", Major: i64(5), Minor: i64(0), Access: "rwm"},    // tty
	{Allow: true, Type: "c", Major: i64(5), Minor: i64(1), Access: "rwm"},    // console
	{Allow: true, Type: "c", Major: i64(5), Minor: i64(2), Access: "rwm"},    // ptmx
	{Allow: true, Type: "c", Major: i64(136), Minor: nil, Access: "rwm"},     // pts/*
	{Allow: true, Type: "c", Major: i64(10), Minor: i64(200), Access: "rwm"}, // net/tun
}

func i64(v int64) *int64 { return &v }

func withDefaultDevices(r *specs.LinuxResources) *specs.LinuxResources {
	out := &specs.LinuxResources{}
	if r != nil {
		copied := *r
		out = &copied
	}
	if len(out.Devices) == 0 {
		return out // no device rules asked for: the cgroup stays open
	}
	out.Devices = append(append([]specs.LinuxDeviceCgroup{}, out.Devices...), defaultDeviceRules...)
	return out
}

// userName finds uid in /etc/passwd without the C library's lookup (NSS,
// nscd), which would cost every create a few system calls for a label.
func userName(uid int) string {
	data, _ := os.ReadFile("/etc/passwd")
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) > 2 && f[2] == strconv.Itoa(uid) {
			return f[0]
		}
	}
	return strconv.Itoa(uid)
}

// WritePidFile writes pid to path atomically, as runc's --pid-file does.
func WritePidFile(path string, pid int) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(abs, []byte(strconv.Itoa(pid)), 0o644); err != nil {
		return fmt.Errorf("write pid file %s: %w", abs, err)
	}
	return nil
}
