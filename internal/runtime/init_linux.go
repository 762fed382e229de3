package runtime

import (
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/phase"
	"github.com/hull-project/hull/internal/runtime/rootfs"
)

// InitArg is the argument a re-executed runtime binary receives as its first
// argument when it is to become a container process; a main calls Init when
// it sees it, before anything else.
const InitArg = "init"

// Init is the Go side of a container's init or exec'd process. By the time
// it runs, nsenter.c has placed this process in the container's cgroups and
// namespaces. It never returns: it executes the user's program or exits.
func Init() {
	phase.Mark("init: main")
	goruntime.LockOSThread()
	fd, err := strconv.Atoi(os.Getenv("_HULL_INITPIPE"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "hull-runtime init: not started by the runtime")
		os.Exit(2)
	}
	sock := os.NewFile(uintptr(fd), "init-socket")
	if err := initProcess(sock); err != nil {
		// Before "created" the parent reads this and reports it with
		// context; after, stderr is the container's and the only witness.
		if writeJSON(sock, &syncMessage{Type: syncError, Message: err.Error(), Code: exitCodeFor(err)}) != nil {
			fmt.Fprintln(os.Stderr, "hull-runtime init:", err)
		}
		os.Exit(exitCodeFor(err))
	}
}

// execFailure marks an error in executing the user's program, which the
// process reports with the shell's exit codes (126, 127).
type execFailure struct {
	err  error
	code int
}

func (e *execFailure) Error() string { return e.err.Error() }
func (e *execFailure) Unwrap() error { return e.err }

func exitCodeFor(err error) int {
	var ef *execFailure
	if errors.As(err, &ef) {
		return ef.code
	}
	return 1
}

func initProcess(sock *os.File) error {
	var cfg initConfig
	if err := readJSON(sock, &cfg); err != nil {
		return fmt.Errorf("read init config: %w", err)
	}
	phase.Mark("init: config read")
	unix.Close(cfg.ExeFD)
	unix.Close(envFD("_HULL_BOOTSTRAP"))
	// Nothing of the runtime's may reach a hook or the container by accident.
	if err := closeOnExecFrom(3 + cfg.PreserveFDs); err != nil {
		return err
	}
	if cfg.Mode == modeExec {
		return execInit(sock, &cfg)
	}
	return containerInit(sock, &cfg)
}

func envFD(name string) int {
	fd, err := strconv.Atoi(os.Getenv(name))
	if err != nil {
		return -1
	}
	return fd
}

// containerInit sets up a new container. The order of the steps is the
// contract: mounts before hooks, hooks before pivot_root, console after
// pivot_root, identity and capabilities last, seccomp as late as it can be.
func containerInit(sock *os.File, cfg *initConfig) error {
	spec := cfg.Spec.spec()
	rc := rootfsConfig(cfg)
	if err := rootfs.Prepare(rc); err != nil {
		return fmt.Errorf("prepare rootfs: %w", err)
	}
	phase.Mark("init: mounts made")
	state, err := awaitRuntimeHooks(sock)
	if err != nil {
		return err
	}
	phase.Mark("init: hooks run")
	if spec.Hooks != nil {
		if err := runHooks("createContainer", spec.Hooks.CreateContainer, state); err != nil {
			return err
		}
	}
	if err := rootfs.Pivot(rc); err != nil {
		return fmt.Errorf("pivot_root: %w", err)
	}
	if cfg.Process.Terminal {
		if err := setupConsole(cfg, true); err != nil {
			return err
		}
	}
	// Sysctls go through /proc/sys, which Finish makes read-only.
	if err := setupContainerKernelState(cfg); err != nil {
		return err
	}
	if err := rootfs.Finish(rc); err != nil {
		return fmt.Errorf("finish rootfs: %w", err)
	}
	phase.Mark("init: root finished")
	path, err := prepareProcess(cfg)
	if err != nil {
		return err
	}
	if err := writeJSON(sock, &syncMessage{Type: syncCreated}); err != nil {
		return err
	}
	sock.Close()
	phase.Mark("init: ready")
	if err := awaitStart(cfg.FifoFD); err != nil {
		return err
	}
	phase.Mark("init: start received")
	if spec.Hooks != nil {
		// runc reports "created" here: the user's program has not run yet.
		state.Status = specs.StateCreated
		if err := runHooks("startContainer", spec.Hooks.StartContainer, state); err != nil {
			return err
		}
	}
	return execProgram(cfg, path)
}

func awaitRuntimeHooks(sock *os.File) (*specs.State, error) {
	if err := writeJSON(sock, &syncMessage{Type: syncMountsReady}); err != nil {
		return nil, err
	}
	var msg syncMessage
	if err := readJSON(sock, &msg); err != nil {
		return nil, fmt.Errorf("wait for runtime hooks: %w", err)
	}
	if msg.Type != syncHooksDone {
		return nil, fmt.Errorf("unexpected message %q while waiting for runtime hooks", msg.Type)
	}
	return msg.State, nil
}

func rootfsConfig(cfg *initConfig) *rootfs.Config {
	s := cfg.Spec.spec()
	return &rootfs.Config{
		Rootfs:            cfg.Rootfs,
		Readonly:          s.Root.Readonly,
		Mounts:            s.Mounts,
		Devices:           s.Linux.Devices,
		RootfsPropagation: s.Linux.RootfsPropagation,
		MaskedPaths:       s.Linux.MaskedPaths,
		ReadonlyPaths:     s.Linux.ReadonlyPaths,
		NoPivot:           cfg.NoPivot,
		UserNS:            hasOwnOrJoined(s, specs.UserNamespace),
		CgroupNS:          hasOwnOrJoined(s, specs.CgroupNamespace),
		NetNS:             hasOwnOrJoined(s, specs.NetworkNamespace),
		MountLabel:        s.Linux.MountLabel,
	}
}

func hasOwnOrJoined(s *specs.Spec, t specs.LinuxNamespaceType) bool {
	listed, _ := hasNamespace(s, t)
	return listed
}

// setupContainerKernelState sets what belongs to the container's
// namespaces rather than to one process: names, sysctls, keyring,
// personality.
func setupContainerKernelState(cfg *initConfig) error {
	s := cfg.Spec.spec()
	if s.Hostname != "" {
		if err := unix.Sethostname([]byte(s.Hostname)); err != nil {
			return fmt.Errorf("set hostname %q: %w", s.Hostname, err)
		}
	}
	if s.Domainname != "" {
		if err := unix.Setdomainname([]byte(s.Domainname)); err != nil {
			return fmt.Errorf("set domainname %q: %w", s.Domainname, err)
		}
	}
	for key, value := range s.Linux.Sysctl {
		path := "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
		if err := writeExisting(path, value); err != nil {
			return fmt.Errorf("set sysctl %s=%s: %w", key, value, err)
		}
	}
	if !cfg.NoNewKeyring {
		if err := joinSessionKeyring(cfg.ID); err != nil {
			return err
		}
	}
	if p := s.Linux.Personality; p != nil {
		persona := uintptr(perLinux)
		if p.Domain == specs.PerLinux32 {
			persona = perLinux32
		}
		if _, _, errno := unix.RawSyscall(unix.SYS_PERSONALITY, persona, 0, 0); errno != 0 {
			return fmt.Errorf("set personality %s: %w", p.Domain, errno)
		}
	}
	return nil
}

// Personality domains from <linux/personality.h>.
const (
	perLinux   = 0x0000
	perLinux32 = 0x0008
)

func writeExisting(path, value string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteString(value)
	return err
}

// joinSessionKeyring gives the container a session keyring of its own, so
// that it cannot read the keys of the host session (runc does the same).
func joinSessionKeyring(id string) error {
	keyring, err := unix.KeyctlJoinSessionKeyring("_ses." + id)
	if err != nil {
		if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.EDQUOT) {
			return nil // keyrings unavailable here, as runc tolerates
		}
		return fmt.Errorf("join session keyring: %w", err)
	}
	// The kernel's default for a new session keyring, plus search for its
	// user, as runc sets it.
	if err := unix.KeyctlSetperm(keyring, 0x3f1b0000); err != nil {
		return fmt.Errorf("set session keyring permissions: %w", err)
	}
	return nil
}

// awaitStart blocks until `start` opens exec.fifo for reading, then tells
// it that the process is about to execute the user's program.
func awaitStart(fifoFD int) error {
	fd, err := unix.Open("/proc/self/fd/"+strconv.Itoa(fifoFD), unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec fifo: %w", err)
	}
	defer unix.Close(fd)
	unix.Close(fifoFD)
	if _, err := unix.Write(fd, []byte("0")); err != nil {
		return fmt.Errorf("write exec fifo: %w", err)
	}
	return nil
}

// execInit prepares an exec'd process: nsenter.c has joined the
// container's namespaces and cgroups; the rest is the same as for init.
func execInit(sock *os.File, cfg *initConfig) error {
	if cfg.Process.Terminal {
		if err := setupConsole(cfg, false); err != nil {
			return err
		}
	}
	path, err := prepareProcess(cfg)
	if err != nil {
		return err
	}
	if err := writeJSON(sock, &syncMessage{Type: syncCreated}); err != nil {
		return err
	}
	// The socket stays open, close-on-exec: the parent sees it close when
	// the program runs, or reads the error if it could not be executed.
	return execProgram(cfg, path)
}

// closeOnExecFrom marks every descriptor from first on close-on-exec.
func closeOnExecFrom(first int) error {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return fmt.Errorf("list open descriptors: %w", err)
	}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd < first {
			continue
		}
		unix.CloseOnExec(fd)
	}
	return nil
}
