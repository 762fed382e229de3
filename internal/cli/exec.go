package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/engine"
	"github.com/hull-project/hull/internal/reap"
	"github.com/hull-project/hull/internal/runtime"
)

func init() { register(newExecCommand) }

func newExecCommand() *cobra.Command {
	var detach, interactive, tty, privileged bool
	var env []string
	var workdir, user string
	cmd := &cobra.Command{
		Use:   "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
		Short: "Execute a command in a running container",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			req := engine.ExecRequest{Cmd: args[1:], Env: env, WorkingDir: workdir, User: user, Tty: tty, Privileged: privileged}
			return execInContainer(eng, args[0], req, detach, interactive)
		},
	}
	cmd.Flags().SetInterspersed(false)
	fl := cmd.Flags()
	fl.BoolVarP(&detach, "detach", "d", false, "Detached mode: run command in the background")
	fl.BoolVarP(&interactive, "interactive", "i", false, "Keep STDIN open even if not attached")
	fl.BoolVarP(&tty, "tty", "t", false, "Allocate a pseudo-TTY")
	fl.BoolVar(&privileged, "privileged", false, "Give extended privileges to the command")
	stringList(fl, &env, "env", "e", "Set environment variables")
	fl.StringVarP(&workdir, "workdir", "w", "", "Working directory inside the container")
	fl.StringVarP(&user, "user", "u", "", "Username or UID (format: <name|uid>[:<group|gid>])")
	return cmd
}

// execInContainer runs the process with this command's own stdio (or a
// pty relayed to this terminal) and exits with its status.
func execInContainer(eng *engine.Engine, ref string, req engine.ExecRequest, detach, interactive bool) error {
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer devnull.Close()
	req.Stdio = [3]*os.File{os.Stdin, os.Stdout, os.Stderr}
	if !interactive {
		req.Stdio[0] = devnull
	}
	if detach {
		req.Stdio = [3]*os.File{devnull, devnull, devnull}
		req.Tty = false
		_, err := eng.Exec(ref, req)
		return err
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("become child subreaper: %w", err)
	}
	var console *consoleRelay
	if req.Tty {
		if console, err = newConsoleRelay(); err != nil {
			return err
		}
		defer console.close()
		req.Console = console.child
	}
	pid, err := eng.Exec(ref, req)
	if err != nil {
		var pe *runtime.ProcessError
		if asProcessError(err, &pe) && pe.Code >= 126 {
			return withCode(err, pe.Code)
		}
		return err
	}
	if console != nil {
		if err := console.start(interactive); err != nil {
			return err
		}
	}
	code, _ := reap.Wait(pid)
	if console != nil {
		console.drain()
	}
	if code != 0 {
		return &exitCode{code: code}
	}
	return nil
}
