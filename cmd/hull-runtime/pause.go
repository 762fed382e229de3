package main

import "github.com/spf13/cobra"

func newPauseCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "pause <container-id>",
		Short: "Freeze every process of a container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := loadContainer(args[0])
			if err != nil {
				return err
			}
			return c.Pause()
		},
	}
}

func newResumeCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "resume <container-id>",
		Short: "Thaw a paused container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := loadContainer(args[0])
			if err != nil {
				return err
			}
			return c.Resume()
		},
	}
}
