package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/engine"
)

func init() {
	register(newStartCommand)
	register(newStopCommand)
	register(newRestartCommand)
	register(newKillCommand)
	register(newRmCommand)
	register(newWaitCommand)
	register(newPauseCommand)
	register(newUnpauseCommand)
}

func newPauseCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "pause CONTAINER [CONTAINER...]",
		Short: "Pause all processes within one or more containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return eachContainer(cmd, args, func(eng *engine.Engine, ref string) error { return eng.Pause(ref) })
		},
	}
}

func newUnpauseCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "unpause CONTAINER [CONTAINER...]",
		Short: "Unpause all processes within one or more containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return eachContainer(cmd, args, func(eng *engine.Engine, ref string) error { return eng.Unpause(ref) })
		},
	}
}

// eachContainer runs fn on every named container, printing each name
// that succeeded and each error, as docker's multi-container commands do.
func eachContainer(cmd *cobra.Command, refs []string, fn func(eng *engine.Engine, ref string) error) error {
	eng, err := openEngine(cmd)
	if err != nil {
		return err
	}
	var failed []error
	for _, ref := range refs {
		if err := fn(eng, ref); err != nil {
			fmt.Fprintln(cmd.ErrOrStderr(), "Error response from daemon:", err)
			failed = append(failed, err)
			continue
		}
		fmt.Fprintln(cmd.OutOrStdout(), ref)
	}
	if len(failed) > 0 {
		return withCode(errors.New(""), 1)
	}
	return nil
}

func newStartCommand() *cobra.Command {
	var attach, interactive bool
	cmd := &cobra.Command{
		Use:   "start [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Start one or more stopped containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if attach || interactive {
				eng, err := openEngine(cmd)
				if err != nil {
					return err
				}
				c, err := eng.Get(args[0])
				if err != nil {
					return err
				}
				return runAttached(cmd, eng, c, interactive)
			}
			return eachContainer(cmd, args, func(eng *engine.Engine, ref string) error {
				_, err := eng.Start(ref, false)
				return startFailure(err)
			})
		},
	}
	cmd.Flags().BoolVarP(&attach, "attach", "a", false, "Attach STDOUT/STDERR and forward signals")
	cmd.Flags().BoolVarP(&interactive, "interactive", "i", false, "Attach container's STDIN")
	return cmd
}

func newStopCommand() *cobra.Command {
	var timeout int
	var signal string
	cmd := &cobra.Command{
		Use:   "stop [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Stop one or more running containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var t *int
			if cmd.Flags().Changed("time") {
				t = &timeout
			}
			return eachContainer(cmd, args, func(eng *engine.Engine, ref string) error {
				return eng.Stop(ref, t)
			})
		},
	}
	cmd.Flags().IntVarP(&timeout, "time", "t", 10, "Seconds to wait before killing the container")
	cmd.Flags().StringVarP(&signal, "signal", "s", "", "Signal to send to the container")
	return cmd
}

func newRestartCommand() *cobra.Command {
	var timeout int
	cmd := &cobra.Command{
		Use:   "restart [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Restart one or more containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var t *int
			if cmd.Flags().Changed("time") {
				t = &timeout
			}
			return eachContainer(cmd, args, func(eng *engine.Engine, ref string) error {
				if err := eng.Stop(ref, t); err != nil {
					return err
				}
				_, err := eng.Start(ref, false)
				return startFailure(err)
			})
		},
	}
	cmd.Flags().IntVarP(&timeout, "time", "t", 10, "Seconds to wait before killing the container")
	return cmd
}

func newKillCommand() *cobra.Command {
	var signal string
	cmd := &cobra.Command{
		Use:   "kill [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Kill one or more running containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sig, err := engine.ParseSignal(signal)
			if err != nil {
				return err
			}
			return eachContainer(cmd, args, func(eng *engine.Engine, ref string) error {
				return eng.Kill(ref, sig)
			})
		},
	}
	cmd.Flags().StringVarP(&signal, "signal", "s", "KILL", "Signal to send to the container")
	return cmd
}

func newRmCommand() *cobra.Command {
	var force, volumes bool
	cmd := &cobra.Command{
		Use:   "rm [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Remove one or more containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return eachContainer(cmd, args, func(eng *engine.Engine, ref string) error {
				err := eng.Remove(ref, force, volumes)
				if force && isContainerNotFound(err) {
					return nil
				}
				return err
			})
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Force the removal of a running container (uses SIGKILL)")
	cmd.Flags().BoolVarP(&volumes, "volumes", "v", false, "Remove anonymous volumes associated with the container")
	return cmd
}

func newWaitCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "wait CONTAINER [CONTAINER...]",
		Short: "Block until one or more containers stop, then print their exit codes",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			for _, ref := range args {
				st, err := eng.Wait(ref)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), st.ExitCode)
			}
			return nil
		},
	}
}
