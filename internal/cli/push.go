package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/image/progress"
	"github.com/hull-project/hull/internal/image/reference"
)

func init() { register(newPushCommand) }

func newPushCommand() *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use:   "push [OPTIONS] NAME[:TAG]",
		Short: "Upload an image to a registry",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPush(cmd, args[0], quiet)
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Suppress verbose output")
	cmd.Flags().Bool("disable-content-trust", true, "Skip image signing (ignored)")
	return cmd
}

func runPush(cmd *cobra.Command, name string, quiet bool) error {
	ref, err := reference.ParseName(name)
	if err != nil {
		return err
	}
	if ref.Digest != "" {
		return fmt.Errorf("cannot push a digest reference")
	}
	out := cmd.OutOrStdout()
	if quiet {
		out = io.Discard
	}
	if ref.Tag == "" {
		fmt.Fprintln(out, "Using default tag: latest")
		ref.Tag = reference.DefaultTag
	}
	store, err := openImages(cmd)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "The push refers to repository [%s]\n", ref.Name())
	pw := progress.New(out, !quiet && isTerminal(cmd.OutOrStdout()) && cmd.OutOrStdout() == os.Stdout)
	res, err := store.Push(cmd.Context(), ref, pw.Update)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: digest: %s size: %d\n", res.Tag, res.Digest, res.Size)
	if quiet {
		fmt.Fprintln(cmd.OutOrStdout(), ref.String())
	}
	return nil
}
