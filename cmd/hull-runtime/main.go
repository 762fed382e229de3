// hull's processes size themselves (GOMAXPROCS) by the machine, not by
// cgroup CPU limits: reading those costs every start a few files, and
// re-reading them every second would wake every idle container monitor.
//go:debug containermaxprocs=0
//go:debug updatemaxprocs=0

// Command hull-runtime is hull's OCI runtime with runc's command line, so
// that containerd, dockerd and podman can run it where they run runc.
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/runtime"
	_ "github.com/hull-project/hull/internal/runtime/nsenter"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

type globalFlags struct {
	root          string
	log           string
	logFormat     string
	debug         bool
	systemdCgroup bool
}

var global globalFlags

func main() {
	if len(os.Args) > 1 && os.Args[1] == runtime.InitArg {
		runtime.Init() // never returns
	}
	cmd := newRootCommand()
	if err := cmd.Execute(); err != nil {
		reportError(err)
		os.Exit(exitCodeOf(err))
	}
}

// exitError carries an exit code other than 1 out of a command: run and
// exec exit with their process's status.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func exitCodeOf(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func reportError(err error) {
	var ee *exitError
	if errors.As(err, &ee) {
		return
	}
	slog.Error(err.Error())
	if global.log != "" {
		// containerd reads the error from the JSON log; people read stderr.
		fmt.Fprintln(os.Stderr, "hull-runtime:", err)
	}
}

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "hull-runtime",
		Short:         "An OCI runtime with runc's command line",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return setupGlobals()
		},
	}
	f := root.PersistentFlags()
	f.StringVar(&global.root, "root", runtime.DefaultRoot, "directory for the containers' state")
	f.StringVar(&global.log, "log", "", "file to log to (default: stderr)")
	f.StringVar(&global.logFormat, "log-format", "text", "log format: text or json")
	f.BoolVar(&global.debug, "debug", false, "log debug messages")
	f.BoolVar(&global.systemdCgroup, "systemd-cgroup", false, "use systemd to manage cgroups (not supported)")
	// Accepted for runc compatibility; they change nothing here.
	f.String("criu", "criu", "path to criu (checkpoint/restore is not supported)")
	f.String("rootless", "auto", "rootless mode (hull-runtime runs as root)")
	for _, hide := range []string{"criu", "rootless"} {
		f.MarkHidden(hide)
	}
	root.AddCommand(
		newCreateCommand(), newStartCommand(), newRunCommand(), newStateCommand(),
		newKillCommand(), newDeleteCommand(), newExecCommand(), newPsCommand(),
		newListCommand(), newPauseCommand(), newResumeCommand(), newUpdateCommand(),
		newSpecCommand(), newFeaturesCommand(), newEventsCommand(),
	)
	return root
}

func setupGlobals() error {
	if err := setupLogging(global.log, global.logFormat, global.debug); err != nil {
		return err
	}
	if global.systemdCgroup {
		return errors.New("--systemd-cgroup is not supported: hull-runtime manages cgroups through cgroupfs; drop the flag (containerd: SystemdCgroup = false; podman: cgroup_manager = \"cgroupfs\")")
	}
	runtime.Logf = func(format string, args ...any) { slog.Warn(fmt.Sprintf(format, args...)) }
	runtime.Debugf = func(format string, args ...any) { slog.Debug(fmt.Sprintf(format, args...)) }
	slog.Debug("hull-runtime "+version, "args", os.Args[1:])
	return nil
}

func openRuntime() (*runtime.Runtime, error) {
	return runtime.New(global.root)
}

func loadContainer(id string) (*runtime.Container, error) {
	rt, err := openRuntime()
	if err != nil {
		return nil, err
	}
	return rt.Load(id)
}
