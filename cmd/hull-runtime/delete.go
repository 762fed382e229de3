package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/errdefs"
)

func newDeleteCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "delete [flags] <container-id>",
		Short: "Delete a stopped container, or with --force any container",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := loadContainer(args[0])
			if err != nil {
				// Deleting what is already gone succeeds with --force, as in runc.
				if force && errors.Is(err, errdefs.ErrNotFound) {
					return nil
				}
				return err
			}
			return c.Delete(force)
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "kill the container first if it is running")
	return cmd
}
