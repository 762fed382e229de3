package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/reap"
	"github.com/hull-project/hull/internal/runtime"
)

func newRunCommand() *cobra.Command {
	var f createFlags
	var detach, keep bool
	cmd := &cobra.Command{
		Use:   "run [flags] <container-id>",
		Short: "Create and start a container, and wait for it unless detached",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runContainer(args[0], &f, detach, keep)
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVarP(&detach, "detach", "d", false, "return once the container has started")
	cmd.Flags().BoolVar(&keep, "keep", false, "do not delete the container after it exits")
	return cmd
}

func runContainer(id string, f *createFlags, detach, keep bool) error {
	rt, err := openRuntime()
	if err != nil {
		return err
	}
	spec, err := runtime.LoadSpec(f.bundle)
	if err != nil {
		return err
	}
	opts := f.options()
	terminal := spec.Process != nil && spec.Process.Terminal
	if detach {
		if terminal && f.consoleSocket == "" {
			return errors.New("cannot allocate a terminal for a detached container without --console-socket")
		}
		c, err := rt.Create(id, opts)
		if err != nil {
			return err
		}
		return startOrDelete(c)
	}
	// The init process is our grandchild; as a subreaper we can wait for it.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("become child subreaper: %w", err)
	}
	var tty *ttyRelay
	if terminal && f.consoleSocket == "" {
		if tty, err = newTTYRelay(); err != nil {
			return err
		}
		defer tty.Close()
		opts.Console = tty.childEnd
	}
	c, err := rt.Create(id, opts)
	if err != nil {
		return err
	}
	code, err := superviseRun(c, tty)
	if !keep {
		if derr := c.Delete(true); derr != nil && err == nil {
			err = derr
		}
	}
	if err != nil {
		return err
	}
	if code != 0 {
		return &exitError{code: code}
	}
	return nil
}

func startOrDelete(c *runtime.Container) error {
	if err := c.Start(); err != nil {
		c.Delete(true)
		return err
	}
	return nil
}

// superviseRun starts the container, relays signals and the terminal, and
// returns the init's exit code as a shell would report it.
func superviseRun(c *runtime.Container, tty *ttyRelay) (int, error) {
	pid := c.State().InitProcessPid
	if tty != nil {
		if err := tty.receive(); err != nil {
			return 0, err
		}
	}
	signals := forwardSignals(pid, tty)
	defer signals.stop()
	if err := c.Start(); err != nil {
		return 0, err
	}
	if tty != nil {
		if err := tty.relay(os.Stdin, os.Stdout); err != nil {
			return 0, err
		}
	}
	code, err := reap.Wait(pid)
	if tty != nil {
		tty.drain()
	}
	return code, err
}
