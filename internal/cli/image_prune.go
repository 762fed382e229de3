package cli

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/image/progress"
)

func newImagePruneCommand() *cobra.Command {
	var all, force bool
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove unused images",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !force && !confirmPrune(cmd, all) {
				return nil
			}
			store, err := openImages(cmd)
			if err != nil {
				return err
			}
			rep, err := store.Prune(all, imageInUse)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(rep.Deleted) > 0 {
				fmt.Fprintln(out, "Deleted Images:")
				printDeleted(cmd, rep.Deleted, "untagged", "deleted")
				fmt.Fprintln(out)
			}
			fmt.Fprintf(out, "Total reclaimed space: %s\n", progress.HumanSizePrecision(rep.SpaceReclaimed, 3))
			return nil
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "Remove all unused images, not just dangling ones")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "Do not prompt for confirmation")
	return cmd
}

func confirmPrune(cmd *cobra.Command, all bool) bool {
	warning := "WARNING! This will remove all dangling images."
	if all {
		warning = "WARNING! This will remove all images without at least one container associated to them."
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s\nAre you sure you want to continue? [y/N] ", warning)
	line, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}
