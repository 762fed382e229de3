package cli

import (
	"fmt"
	goruntime "runtime"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
)

func init() { register(newVersionCommand) }

// versionInfo has docker version's shape, so that --format templates
// written for docker ({{.Server.Version}}) work.
type versionInfo struct {
	Client componentVersion
	Server componentVersion
}

type componentVersion struct {
	Version       string
	GoVersion     string
	Os            string
	Arch          string
	KernelVersion string `json:",omitempty"`
}

func newVersionCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show the hull version information",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var uts unix.Utsname
			unix.Uname(&uts)
			v := componentVersion{Version: Version, GoVersion: goruntime.Version(), Os: goruntime.GOOS, Arch: goruntime.GOARCH}
			info := versionInfo{Client: v, Server: v}
			info.Server.KernelVersion = unix.ByteSliceToString(uts.Release[:])
			if format != "" {
				return printTemplate(cmd.OutOrStdout(), format, []any{info})
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "Client:\n Version:           %s\n Go version:        %s\n OS/Arch:           %s/%s\n\n", v.Version, v.GoVersion, v.Os, v.Arch)
			fmt.Fprintf(w, "Server: hull (no daemon: containers are owned by hull-monitor processes)\n Engine:\n  Version:          %s\n  Go version:       %s\n  OS/Arch:          %s/%s\n  Kernel Version:   %s\n", v.Version, v.GoVersion, v.Os, v.Arch, info.Server.KernelVersion)
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "Format output using a Go template")
	return cmd
}
