package cli

import (
	"errors"
	"fmt"
	"os"
	"os/signal"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/engine"
	"github.com/hull-project/hull/internal/errdefs"
	"github.com/hull-project/hull/internal/phase"
)

func init() {
	register(newRunCommand)
	register(newCreateCommand)
}

func newRunCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [OPTIONS] IMAGE [COMMAND] [ARG...]",
		Short: "Create and run a new container from an image",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runContainer(cmd, &f, args[0], args[1:])
		},
	}
	f.register(cmd, true)
	return cmd
}

func newCreateCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "create [OPTIONS] IMAGE [COMMAND] [ARG...]",
		Short: "Create a new container",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			c, err := createContainer(cmd, eng, &f, args[0], args[1:])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), c.ID)
			return nil
		},
	}
	f.register(cmd, false)
	return cmd
}

// createContainer creates the container, pulling its image first if the
// store does not have it, as docker does.
func createContainer(cmd *cobra.Command, eng *engine.Engine, f *runFlags, image string, args []string) (*engine.Container, error) {
	req, err := f.request(cmd, image, args)
	if err != nil {
		return nil, withCode(err, 125)
	}
	if req.Host.NetworkMode == "host" && (len(req.Host.PortBindings) > 0 || req.Host.PublishAllPorts) {
		fmt.Fprintln(cmd.ErrOrStderr(), "WARNING: Published ports are discarded when using host network mode")
	}
	// Only a missing image is pulled: a missing network or container
	// named by a flag is the user's error to see.
	if _, err := eng.Images.Get(image); errors.Is(err, errdefs.ErrNotFound) {
		fmt.Fprintf(cmd.ErrOrStderr(), "Unable to find image '%s' locally\n", image)
		if perr := pullMissingImage(cmd, eng, image); perr != nil {
			return nil, perr
		}
	}
	return eng.Create(req)
}

func runContainer(cmd *cobra.Command, f *runFlags, image string, args []string) error {
	phase.Mark("run: command line read")
	eng, err := openEngine(cmd)
	if err != nil {
		return err
	}
	// The monitor's own start up overlaps the creation of its container
	// (main started it already for `hull run`).
	engine.WarmMonitor()
	go engine.LearnJSONTypes() // while the image is looked up
	c, err := createContainer(cmd, eng, f, image, args)
	phase.Mark("create: done")
	if err != nil {
		return err
	}
	if f.detach {
		if _, err := eng.Start(c.ID, false); err != nil {
			return startFailure(err)
		}
		fmt.Fprintln(cmd.OutOrStdout(), c.ID)
		return nil
	}
	return runAttached(cmd, eng, c, f.interactive)
}

// runAttached starts the container with its monitor waiting for us, so no
// output is lost, streams until it exits, and exits with its status.
func runAttached(cmd *cobra.Command, eng *engine.Engine, c *engine.Container, stdin bool) error {
	att, wait, err := eng.StartAttached(c.ID, engine.AttachOptions{Stdin: stdin, Stdout: true, Stderr: true})
	phase.Mark("run: started")
	if err != nil {
		return startFailure(err)
	}
	defer att.Close()
	stream := newStreamer(att, c.Config.Tty, stdin)
	defer stream.restore()
	stop := forwardSignals(eng, c)
	defer stop()
	if detached := stream.run(cmd.OutOrStdout(), cmd.ErrOrStderr()); detached {
		return nil
	}
	st := wait()
	phase.Mark("run: exit status received")
	if st.ExitCode != 0 {
		return &exitCode{code: st.ExitCode}
	}
	return nil
}

// forwardSignals passes SIGINT and SIGTERM to the container, as docker
// run's --sig-proxy does by default.
func forwardSignals(eng *engine.Engine, c *engine.Container) func() {
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT)
	go func() {
		for s := range ch {
			eng.Kill(c.ID, s.(unix.Signal))
		}
	}()
	return func() { signal.Stop(ch); close(ch) }
}

func startFailure(err error) error {
	var se *engine.StartError
	if errors.As(err, &se) {
		return withCode(errors.New(se.Message), se.Code)
	}
	return err
}
