package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/engine"
)

func init() { register(newVolumeCommand) }

// newVolumeCommand is docker's `volume` with ls, create, rm and inspect.
func newVolumeCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "volume", Short: "Manage volumes", Args: cobra.NoArgs}
	cmd.AddCommand(
		&cobra.Command{
			Use: "create [VOLUME]", Short: "Create a volume", Args: cobra.MaximumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				eng, err := openEngine(cmd)
				if err != nil {
					return err
				}
				name := ""
				if len(args) == 1 {
					name = args[0]
				}
				v, err := eng.CreateVolume(name)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), v.Name)
				return nil
			},
		},
		newVolumeLs(),
		&cobra.Command{
			Use: "rm VOLUME [VOLUME...]", Aliases: []string{"remove"}, Short: "Remove one or more volumes", Args: cobra.MinimumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				eng, err := openEngine(cmd)
				if err != nil {
					return err
				}
				for _, name := range args {
					if err := eng.RemoveVolume(name); err != nil {
						return err
					}
					fmt.Fprintln(cmd.OutOrStdout(), name)
				}
				return nil
			},
		},
		&cobra.Command{
			Use: "inspect VOLUME [VOLUME...]", Short: "Display detailed information on one or more volumes", Args: cobra.MinimumNArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return inspectEach(cmd, args, "", func(eng *engine.Engine, name string) (any, error) {
					vols, err := eng.Volumes()
					if err != nil {
						return nil, err
					}
					for _, v := range vols {
						if v.Name == name {
							return map[string]any{"Driver": "local", "Mountpoint": v.Mountpoint, "Name": v.Name, "Scope": "local", "Labels": map[string]string{}, "Options": map[string]string{}}, nil
						}
					}
					return nil, fmt.Errorf("get %s: no such volume", name)
				})
			},
		},
	)
	return cmd
}

func newVolumeLs() *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use: "ls", Aliases: []string{"list"}, Short: "List volumes", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, err := openEngine(cmd)
			if err != nil {
				return err
			}
			vols, err := eng.Volumes()
			if err != nil {
				return err
			}
			if quiet {
				for _, v := range vols {
					fmt.Fprintln(cmd.OutOrStdout(), v.Name)
				}
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 10, 1, 5, ' ', 0)
			fmt.Fprintln(tw, "DRIVER\tVOLUME NAME")
			for _, v := range vols {
				fmt.Fprintf(tw, "local\t%s\n", v.Name)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Only display volume names")
	return cmd
}
