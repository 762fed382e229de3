package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/image"
)

func init() { register(newRmiCommand) }

// imageInUse tells rmi and prune which containers use an image; the
// container engine sets it. Nil means none.
var imageInUse func(id string) []string

func newRmiCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "rmi [OPTIONS] IMAGE [IMAGE...]",
		Short: "Remove one or more images",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := openImages(cmd)
			if err != nil {
				return err
			}
			var errs []error
			for _, name := range args {
				deleted, err := store.Remove(name, image.RemoveOptions{Force: force, InUse: imageInUse})
				if err != nil {
					errs = append(errs, err)
					continue
				}
				printDeleted(cmd, deleted, "Untagged", "Deleted")
			}
			return errors.Join(errs...)
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Force removal of the image")
	cmd.Flags().Bool("no-prune", false, "Do not delete untagged parents (hull images have none)")
	return cmd
}

func printDeleted(cmd *cobra.Command, deleted []image.Deleted, untagged, del string) {
	for _, d := range deleted {
		if d.Untagged != "" {
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", untagged, d.Untagged)
		}
		if d.Deleted != "" {
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", del, d.Deleted)
		}
	}
}
