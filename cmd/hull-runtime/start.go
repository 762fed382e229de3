package main

import "github.com/spf13/cobra"

func newStartCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "start <container-id>",
		Short: "Start a created container's process",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := loadContainer(args[0])
			if err != nil {
				return err
			}
			return c.Start()
		},
	}
}
