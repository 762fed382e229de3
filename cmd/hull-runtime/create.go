package main

import (
	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/runtime"
)

type createFlags struct {
	bundle        string
	consoleSocket string
	pidFile       string
	noPivot       bool
	noNewKeyring  bool
	preserveFDs   int
}

func (f *createFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(&f.bundle, "bundle", "b", ".", "path to the OCI bundle")
	fl.StringVar(&f.consoleSocket, "console-socket", "", "unix socket that receives the pty master when process.terminal is true")
	fl.StringVar(&f.pidFile, "pid-file", "", "file to write the init process's pid to")
	fl.BoolVar(&f.noPivot, "no-pivot", false, "use MS_MOVE and chroot instead of pivot_root (for a rootfs on ramfs)")
	fl.BoolVar(&f.noNewKeyring, "no-new-keyring", false, "keep the caller's session keyring")
	fl.IntVar(&f.preserveFDs, "preserve-fds", 0, "pass this many descriptors from 3 up to the container")
}

func (f *createFlags) options() runtime.CreateOptions {
	return runtime.CreateOptions{
		Bundle: f.bundle, ConsoleSocket: f.consoleSocket, PidFile: f.pidFile,
		NoPivot: f.noPivot, NoNewKeyring: f.noNewKeyring, PreserveFDs: f.preserveFDs,
	}
}

func newCreateCommand() *cobra.Command {
	var f createFlags
	cmd := &cobra.Command{
		Use:   "create [flags] <container-id>",
		Short: "Create a container from a bundle; its init waits for start",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := openRuntime()
			if err != nil {
				return err
			}
			_, err = rt.Create(args[0], f.options())
			return err
		},
	}
	f.register(cmd)
	return cmd
}
