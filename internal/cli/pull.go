package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/image"
	"github.com/hull-project/hull/internal/image/progress"
	"github.com/hull-project/hull/internal/image/reference"
)

func init() { register(newPullCommand) }

func newPullCommand() *cobra.Command {
	var quiet bool
	var platform string
	cmd := &cobra.Command{
		Use:   "pull [OPTIONS] NAME[:TAG|@DIGEST]",
		Short: "Download an image from a registry",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPull(cmd, args[0], platform, quiet)
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Suppress verbose output")
	cmd.Flags().StringVar(&platform, "platform", "", "Set platform if server is multi-platform capable")
	cmd.Flags().Bool("disable-content-trust", true, "Skip image verification (ignored)")
	return cmd
}

func runPull(cmd *cobra.Command, name, platform string, quiet bool) error {
	ref, err := reference.ParseName(name)
	if err != nil {
		return err
	}
	store, err := openImages(cmd)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if quiet {
		out = io.Discard
	}
	if ref.Tag == "" && ref.Digest == "" {
		fmt.Fprintln(out, "Using default tag: latest")
		ref.Tag = reference.DefaultTag
	}
	fmt.Fprintf(out, "%s: Pulling from %s\n", pullTagOrDigest(ref), pathOf(ref))
	pw := progress.New(out, !quiet && isTerminal(cmd.OutOrStdout()) && cmd.OutOrStdout() == os.Stdout)
	opts := image.PullOptions{Progress: pw.Update}
	if platform != "" {
		if opts.Platform, err = parsePlatform(platform); err != nil {
			return err
		}
	}
	res, err := store.Pull(cmd.Context(), ref, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Digest: %s\n", res.Digest)
	if res.Updated {
		fmt.Fprintf(out, "Status: Downloaded newer image for %s\n", ref.FamiliarString())
	} else {
		fmt.Fprintf(out, "Status: Image is up to date for %s\n", ref.FamiliarString())
	}
	fmt.Fprintln(cmd.OutOrStdout(), ref.String())
	return nil
}

func pullTagOrDigest(r reference.Reference) string {
	if r.Digest != "" {
		return r.Digest
	}
	return r.Tag
}

// pathOf is the repository as docker names it in "Pulling from".
func pathOf(r reference.Reference) string {
	if r.Domain == reference.DefaultDomain {
		return r.Path
	}
	return r.Name()
}
