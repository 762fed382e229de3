package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/reap"
	"github.com/hull-project/hull/internal/runtime"
)

type execFlags struct {
	processFile   string
	consoleSocket string
	pidFile       string
	cwd           string
	user          string
	env           []string
	caps          []string
	additionalGID []int
	tty           bool
	detach        bool
	noNewPrivs    bool
	preserveFDs   int
	apparmor      string
	processLabel  string
}

func newExecCommand() *cobra.Command {
	var f execFlags
	cmd := &cobra.Command{
		Use:   "exec [flags] <container-id> [command [args...]]",
		Short: "Run another process in a running container",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return execProcess(args[0], args[1:], &f)
		},
	}
	cmd.Flags().SetInterspersed(false)
	fl := cmd.Flags()
	fl.StringVarP(&f.processFile, "process", "p", "", "path to a process.json (the OCI process object)")
	fl.StringVar(&f.consoleSocket, "console-socket", "", "unix socket that receives the pty master")
	fl.StringVar(&f.pidFile, "pid-file", "", "file to write the process's pid to")
	fl.StringVar(&f.cwd, "cwd", "", "working directory inside the container")
	fl.StringVarP(&f.user, "user", "u", "", "uid[:gid] to run as")
	fl.StringArrayVarP(&f.env, "env", "e", nil, "set an environment variable (KEY=VALUE)")
	fl.StringArrayVarP(&f.caps, "cap", "c", nil, "add a capability")
	fl.IntSliceVarP(&f.additionalGID, "additional-gids", "g", nil, "additional gids")
	fl.BoolVarP(&f.tty, "tty", "t", false, "allocate a pseudo-terminal")
	fl.BoolVarP(&f.detach, "detach", "d", false, "return once the process has started")
	fl.BoolVar(&f.noNewPrivs, "no-new-privs", false, "set no_new_privs for the process")
	fl.IntVar(&f.preserveFDs, "preserve-fds", 0, "pass this many descriptors from 3 up to the process")
	fl.StringVarP(&f.apparmor, "apparmor", "a", "", "AppArmor profile for the process")
	fl.StringVar(&f.processLabel, "process-label", "", "SELinux label for the process")
	return cmd
}

func execProcess(id string, args []string, f *execFlags) error {
	c, err := loadContainer(id)
	if err != nil {
		return err
	}
	p, err := f.process(c, args)
	if err != nil {
		return err
	}
	opts := runtime.ExecOptions{Process: p, ConsoleSocket: f.consoleSocket, PidFile: f.pidFile, PreserveFDs: f.preserveFDs}
	if f.detach {
		if p.Terminal && f.consoleSocket == "" {
			return fmt.Errorf("cannot allocate a terminal for a detached process without --console-socket")
		}
		_, err := c.Exec(opts)
		return err
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("become child subreaper: %w", err)
	}
	var tty *ttyRelay
	if p.Terminal && f.consoleSocket == "" {
		if tty, err = newTTYRelay(); err != nil {
			return err
		}
		defer tty.Close()
		opts.Console = tty.childEnd
	}
	pid, err := c.Exec(opts)
	if err != nil {
		return err
	}
	code, err := superviseExec(pid, tty)
	if err != nil {
		return err
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

func superviseExec(pid int, tty *ttyRelay) (int, error) {
	if tty != nil {
		if err := tty.receive(); err != nil {
			return 0, err
		}
		if err := tty.relay(os.Stdin, os.Stdout); err != nil {
			return 0, err
		}
	}
	signals := forwardSignals(pid, tty)
	defer signals.stop()
	code, err := reap.Wait(pid)
	if tty != nil {
		tty.drain()
	}
	return code, err
}

// process builds the exec'd process: from --process, or from the
// container's own process with the command and flags laid over it.
func (f *execFlags) process(c *runtime.Container, args []string) (*specs.Process, error) {
	var p *specs.Process
	if f.processFile != "" {
		data, err := os.ReadFile(f.processFile)
		if err != nil {
			return nil, fmt.Errorf("read process file: %w", err)
		}
		p = &specs.Process{}
		if err := json.Unmarshal(data, p); err != nil {
			return nil, fmt.Errorf("parse process file %s: %w", f.processFile, err)
		}
	} else {
		if len(args) == 0 {
			return nil, fmt.Errorf("exec needs a command, or --process with a process.json")
		}
		p = c.ProcessSpec()
		p.Args = args
	}
	return p, f.apply(p)
}

func (f *execFlags) apply(p *specs.Process) error {
	if f.tty {
		p.Terminal = true
	}
	if f.cwd != "" {
		p.Cwd = f.cwd
	}
	p.Env = append(p.Env, f.env...)
	if f.user != "" {
		if err := parseUser(f.user, &p.User); err != nil {
			return err
		}
	}
	for _, g := range f.additionalGID {
		p.User.AdditionalGids = append(p.User.AdditionalGids, uint32(g))
	}
	if len(f.caps) > 0 {
		addCaps(p, f.caps)
	}
	if f.noNewPrivs {
		p.NoNewPrivileges = true
	}
	if f.apparmor != "" {
		p.ApparmorProfile = f.apparmor
	}
	if f.processLabel != "" {
		p.SelinuxLabel = f.processLabel
	}
	return nil
}

func parseUser(s string, u *specs.User) error {
	uidText, gidText, hasGID := strings.Cut(s, ":")
	uid, err := strconv.ParseUint(uidText, 10, 32)
	if err != nil {
		return fmt.Errorf("invalid --user %q: want uid[:gid] as numbers", s)
	}
	u.UID = uint32(uid)
	if hasGID {
		gid, err := strconv.ParseUint(gidText, 10, 32)
		if err != nil {
			return fmt.Errorf("invalid --user %q: want uid[:gid] as numbers", s)
		}
		u.GID = uint32(gid)
	}
	return nil
}

func addCaps(p *specs.Process, names []string) {
	if p.Capabilities == nil {
		p.Capabilities = &specs.LinuxCapabilities{}
	}
	c := p.Capabilities
	for _, name := range names {
		c.Bounding = append(c.Bounding, name)
		c.Effective = append(c.Effective, name)
		c.Permitted = append(c.Permitted, name)
		c.Inheritable = append(c.Inheritable, name)
		c.Ambient = append(c.Ambient, name)
	}
}
