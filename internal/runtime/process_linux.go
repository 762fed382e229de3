package runtime

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/phase"
	"github.com/hull-project/hull/internal/runtime/seccomp"
)

// initConfig is what the Go side of a new container process reads from the
// init socket: the validated spec and the numbers of the descriptors the
// parent passed.
type initConfig struct {
	Mode         string         `json:"mode"` // modeInit or modeExec
	ID           string         `json:"id"`
	Spec         *initSpec      `json:"spec"`
	Process      *specs.Process `json:"process"`
	Rootfs       string         `json:"rootfs"`
	NoPivot      bool           `json:"no_pivot,omitempty"`
	NoNewKeyring bool           `json:"no_new_keyring,omitempty"`
	PreserveFDs  int            `json:"preserve_fds,omitempty"`
	ConsoleFD    int            `json:"console_fd"`
	FifoFD       int            `json:"fifo_fd"`
	ExeFD        int            `json:"exe_fd"`
	// Seccomp is the spec's filter, compiled by the parent: the init only
	// loads it.
	Seccomp *seccomp.Program `json:"seccomp,omitempty"`
}

// initSpec is the part of the OCI spec that the container's process reads
// (Init), all of it: decoding a whole specs.Spec, whose types span every
// platform and every resource, cost a new process most of a millisecond
// before its first mount. The process itself travels beside it, and the
// seccomp filter goes compiled.
type initSpec struct {
	Root       *specs.Root   `json:"root,omitempty"`
	Mounts     []specs.Mount `json:"mounts,omitempty"`
	Hooks      *specs.Hooks  `json:"hooks,omitempty"`
	Hostname   string        `json:"hostname,omitempty"`
	Domainname string        `json:"domainname,omitempty"`
	Linux      initLinux     `json:"linux"`
}

type initLinux struct {
	Namespaces        []specs.LinuxNamespace  `json:"namespaces,omitempty"`
	Devices           []specs.LinuxDevice     `json:"devices,omitempty"`
	RootfsPropagation string                  `json:"rootfsPropagation,omitempty"`
	MaskedPaths       []string                `json:"maskedPaths,omitempty"`
	ReadonlyPaths     []string                `json:"readonlyPaths,omitempty"`
	MountLabel        string                  `json:"mountLabel,omitempty"`
	Sysctl            map[string]string       `json:"sysctl,omitempty"`
	Personality       *specs.LinuxPersonality `json:"personality,omitempty"`
}

func newInitSpec(s *specs.Spec) *initSpec {
	i := &initSpec{Root: s.Root, Mounts: s.Mounts, Hooks: s.Hooks, Hostname: s.Hostname, Domainname: s.Domainname}
	if l := s.Linux; l != nil {
		i.Linux = initLinux{
			Namespaces: l.Namespaces, Devices: l.Devices, RootfsPropagation: l.RootfsPropagation,
			MaskedPaths: l.MaskedPaths, ReadonlyPaths: l.ReadonlyPaths, MountLabel: l.MountLabel,
			Sysctl: l.Sysctl, Personality: l.Personality,
		}
	}
	return i
}

// spec is i as a specs.Spec, for the code that reads one.
func (i *initSpec) spec() *specs.Spec {
	l := i.Linux
	return &specs.Spec{
		Root: i.Root, Mounts: i.Mounts, Hooks: i.Hooks, Hostname: i.Hostname, Domainname: i.Domainname,
		Linux: &specs.Linux{
			Namespaces: l.Namespaces, Devices: l.Devices, RootfsPropagation: l.RootfsPropagation,
			MaskedPaths: l.MaskedPaths, ReadonlyPaths: l.ReadonlyPaths, MountLabel: l.MountLabel,
			Sysctl: l.Sysctl, Personality: l.Personality,
		},
	}
}

const (
	modeInit = "init"
	modeExec = "exec"
)

// ProcessError is a failure inside the new container process, reported by
// it before the user's program ran. Code is the exit status a shell would
// give for it (126 cannot execute, 127 not found), or 1.
type ProcessError struct {
	Message string
	Code    int
}

func (e *ProcessError) Error() string { return e.Message }

// spawnRequest is one new process to start inside (new or existing)
// namespaces.
type spawnRequest struct {
	boot     bootstrap
	config   initConfig
	stdio    [3]*os.File
	preserve []*os.File // become fds 3.. in the new process
	console  *os.File   // connected console socket, or nil
	fifo     *os.File   // exec.fifo opened O_PATH, or nil
	// initBinary is the binary to run as the container's process (it must
	// call Init on InitArg); empty for this process's own.
	initBinary string
	idMaps     func(pid int) error
	// atMounts runs when init has mounted the rootfs but not pivoted:
	// prestart and createRuntime hooks. It returns the state that
	// createContainer hooks read.
	atMounts func(pid int) (*specs.State, error)
}

// spawn starts the process and returns its host pid once it is ready: for
// init, blocked on exec.fifo; for exec, about to execute the user's program.
// On error nothing it started is left running.
func spawn(req *spawnRequest) (pid int, err error) {
	exe, err := protectedExe(req.initBinary)
	if err != nil {
		return 0, err
	}
	defer exe.Close()
	bootParent, bootChild, err := socketPair("bootstrap")
	if err != nil {
		return 0, err
	}
	defer bootParent.Close()
	initParent, initChild, err := socketPair("init")
	if err != nil {
		bootChild.Close()
		return 0, err
	}
	defer initParent.Close()

	var v2 string
	req.boot.cgroupProcs, v2 = cgroupJoin(req.boot.cgroupProcs)
	cmd, err := buildCommand(req, exe, bootChild, initChild, v2)
	phase.Mark("runtime: init executed")
	bootChild.Close()
	initChild.Close()
	if err != nil {
		return 0, err
	}
	pid, err = bootstrapNamespaces(cmd, bootParent, req)
	if err != nil {
		return 0, err
	}
	phase.Mark("runtime: namespaces made")
	if err := handshake(initParent, req, pid); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return 0, err
	}
	return pid, nil
}

func socketPair(name string) (parent, child *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("create %s socket pair: %w", name, err)
	}
	return os.NewFile(uintptr(fds[0]), name+"-parent"), os.NewFile(uintptr(fds[1]), name+"-child"), nil
}

// buildCommand lays out the child's descriptors: stdio, the preserved fds,
// then the runtime's own (numbers recorded in the init config).
func buildCommand(req *spawnRequest, exe, boot, init *os.File, cgroupV2 string) (*exec.Cmd, error) {
	extra := append([]*os.File{}, req.preserve...)
	next := func(f *os.File) int {
		extra = append(extra, f)
		return 2 + len(extra)
	}
	exeFD := next(exe)
	bootFD := next(boot)
	initFD := next(init)
	req.config.ExeFD = exeFD
	req.config.ConsoleFD, req.config.FifoFD = -1, -1
	if req.console != nil {
		req.config.ConsoleFD = next(req.console)
	}
	if req.fifo != nil {
		req.config.FifoFD = next(req.fifo)
	}
	req.config.PreserveFDs = len(req.preserve)
	// One P: fewer threads for the pids limit to count, and a quicker start.
	env := []string{"_HULL_BOOTSTRAP=" + strconv.Itoa(bootFD), "_HULL_INITPIPE=" + strconv.Itoa(initFD), "GOMAXPROCS=1"}
	if phase.Enabled() {
		env = append(env, phase.EnvVar+"="+phase.Path())
	}
	command := func() *exec.Cmd {
		return &exec.Cmd{
			Path:       "/proc/self/fd/" + strconv.Itoa(exeFD),
			Args:       []string{"hull-runtime", "init"},
			Env:        env,
			Stdin:      req.stdio[0],
			Stdout:     req.stdio[1],
			Stderr:     req.stdio[2],
			ExtraFiles: extra,
		}
	}
	if cgroupV2 != "" {
		// Born in its v2 cgroup (clone3 CLONE_INTO_CGROUP): joining
		// afterwards would cost a grace period (see cgroupJoin).
		if fd, err := unix.Open(cgroupV2, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err == nil {
			cmd := command()
			cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
			err := cmd.Start()
			unix.Close(fd)
			if err == nil {
				return cmd, nil
			}
		}
		// An older kernel, or a cgroup that refuses it: join by writing.
		req.boot.cgroupProcs = append(req.boot.cgroupProcs, filepath.Join(cgroupV2, "cgroup.procs"))
	}
	cmd := command()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start container process: %w", err)
	}
	return cmd, nil
}

// cgroupJoin splits the cgroup.procs files a new process joins into what
// its C stage writes and the v2 cgroup it is cloned into. Moving a whole
// process between cgroups takes the kernel's threadgroup lock for writing,
// which waits an RCU grace period (10 to 30 ms here, on every container
// start); moving the calling thread alone ("0" written to a v1 hierarchy's
// tasks file) does not take it, and the C stage is single-threaded, so the
// thread is the process. A v2 cgroup has no tasks file: the process is
// created in it instead.
func cgroupJoin(procs []string) (files []string, v2 string) {
	for _, f := range procs {
		dir := filepath.Dir(f)
		if _, err := os.Stat(filepath.Join(dir, "cgroup.controllers")); err == nil {
			if v2 == "" {
				v2 = dir
				continue
			}
			files = append(files, f)
			continue
		}
		files = append(files, filepath.Join(dir, "tasks"))
	}
	return files, v2
}

// bootstrapNamespaces serves the C stage until it reports the pid of the
// process that lives on inside the namespaces, and reaps the intermediate.
func bootstrapNamespaces(cmd *exec.Cmd, sock *os.File, req *spawnRequest) (int, error) {
	pid, err := serveStage(sock, req)
	waitErr := cmd.Wait()
	if err != nil {
		return 0, err
	}
	if waitErr != nil {
		unix.Kill(pid, unix.SIGKILL)
		return 0, fmt.Errorf("namespace setup stage: %w", waitErr)
	}
	return pid, nil
}

func serveStage(sock *os.File, req *spawnRequest) (int, error) {
	if _, err := sock.Write(req.boot.encode()); err != nil {
		return 0, fmt.Errorf("send bootstrap data: %w", err)
	}
	for {
		typ, value, err := readStageMessage(sock)
		if err != nil {
			return 0, err
		}
		switch typ {
		case msgUsermapRequest:
			errno := uint32(0)
			if err := req.idMaps(int(value)); err != nil {
				errno = uint32(errnoOf(err))
			}
			reply := []uint32{msgUsermapDone, errno}
			if err := writeUint32s(sock, reply); err != nil {
				return 0, err
			}
		case msgChildPID:
			return int(value), nil
		default:
			return 0, fmt.Errorf("unexpected message %d from the namespace setup stage", typ)
		}
	}
}

func writeUint32s(f *os.File, v []uint32) error {
	buf := make([]byte, 0, 4*len(v))
	for _, x := range v {
		buf = append(buf, byte(x), byte(x>>8), byte(x>>16), byte(x>>24))
	}
	_, err := f.Write(buf)
	return err
}

func errnoOf(err error) syscall.Errno {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return syscall.EPERM
}

// awaitExec waits until an exec'd process has executed its program (its
// end of the socket closes with execve) or reports why it could not.
func awaitExec(sock *os.File) error {
	var msg syncMessage
	if err := readJSON(sock, &msg); err != nil {
		return nil // closed by execve: the program runs
	}
	if msg.Type == syncError {
		return &ProcessError{Message: msg.Message, Code: msg.Code}
	}
	return fmt.Errorf("unexpected message %q from the exec'd process", msg.Type)
}

// handshake sends the init config and follows the Go side until it is ready.
func handshake(sock *os.File, req *spawnRequest, pid int) error {
	if err := writeJSON(sock, &req.config); err != nil {
		return fmt.Errorf("send config to container process: %w", err)
	}
	for {
		var msg syncMessage
		if err := readJSON(sock, &msg); err != nil {
			return fmt.Errorf("container process exited during setup (%v); see its output above", err)
		}
		switch msg.Type {
		case syncError:
			return &ProcessError{Message: msg.Message, Code: msg.Code}
		case syncCreated:
			if req.config.Mode == modeExec {
				return awaitExec(sock)
			}
			return nil
		case syncMountsReady:
			state, err := req.atMounts(pid)
			if err != nil {
				return err
			}
			if err := writeJSON(sock, &syncMessage{Type: syncHooksDone, State: state}); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unexpected message %q from container process", msg.Type)
		}
	}
}
