package runtime

import (
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/runtime/caps"
)

// ExecOptions are exec's flags, as runc names them.
type ExecOptions struct {
	Process       *specs.Process
	ConsoleSocket string
	Console       *os.File
	PidFile       string
	PreserveFDs   int
	Stdio         [3]*os.File
}

// Exec starts another process in a created or running container, in all
// of its namespaces and cgroups, and returns its host pid. The caller
// waits for it (as a child subreaper: the process is its grandchild).
func (c *Container) Exec(opts ExecOptions) (int, error) {
	status, err := c.Status()
	if err != nil {
		return 0, err
	}
	if status != Running && status != Created {
		return 0, notIn(c, status, "exec in")
	}
	p := opts.Process
	if err := validateExecProcess(p); err != nil {
		return 0, err
	}
	if p.Terminal && opts.ConsoleSocket == "" && opts.Console == nil {
		return 0, invalid("terminal was asked for but no console socket was given")
	}
	cg, err := c.cgroup()
	if err != nil {
		return 0, err
	}
	console, err := consoleConnection(opts.ConsoleSocket, opts.Console, p.Terminal)
	if err != nil {
		return 0, err
	}
	if console != nil && opts.Console == nil {
		defer console.Close()
	}
	filter, err := compiledSeccomp(c.state.Config.Linux.Seccomp)
	if err != nil {
		return 0, err
	}
	req := &spawnRequest{
		boot:       c.execBootstrap(cg.ProcsFiles(), p),
		config:     initConfig{Mode: modeExec, ID: c.state.ID, Spec: newInitSpec(c.state.Config), Process: p, Rootfs: c.state.Rootfs, Seccomp: filter},
		stdio:      stdioOrDefault(opts.Stdio),
		preserve:   preservedFiles(opts.PreserveFDs),
		console:    console,
		initBinary: c.initBinary,
	}
	pid, err := spawn(req)
	if err != nil {
		return 0, err
	}
	if opts.PidFile != "" {
		if err := WritePidFile(opts.PidFile, pid); err != nil {
			unix.Kill(pid, unix.SIGKILL)
			return 0, err
		}
	}
	return pid, nil
}

func validateExecProcess(p *specs.Process) error {
	if p == nil || len(p.Args) == 0 {
		return invalid("exec: process args must not be empty")
	}
	if p.Cwd == "" {
		p.Cwd = "/"
	}
	if _, err := caps.Parse(p.Capabilities); err != nil {
		return invalid("exec: %v", err)
	}
	for _, r := range p.Rlimits {
		if _, ok := rlimitTypes[r.Type]; !ok {
			return invalid("exec: unknown rlimit %q", r.Type)
		}
	}
	return nil
}

// execBootstrap joins every namespace the container's spec lists, through
// the init process's /proc links.
func (c *Container) execBootstrap(procs []string, p *specs.Process) bootstrap {
	b := bootstrap{cgroupProcs: procs, oomScoreAdj: p.OOMScoreAdj}
	for _, k := range namespaceKinds {
		if listed, _ := hasNamespace(c.state.Config, k.spec); listed {
			path := fmt.Sprintf("/proc/%d/ns/%s", c.state.InitProcessPid, k.procEntry)
			b.joins = append(b.joins, nsJoin{flag: k.flag, path: path})
		}
	}
	return b
}

// ProcessSpec returns a copy of the container's process, the base that
// exec's command-line flags change.
func (c *Container) ProcessSpec() *specs.Process {
	p := *c.state.Config.Process
	p.Terminal = false
	p.ConsoleSize = nil
	return &p
}
