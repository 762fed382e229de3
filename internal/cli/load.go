package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

func init() { register(newLoadCommand) }

func newLoadCommand() *cobra.Command {
	var input string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "load [OPTIONS]",
		Short: "Load an image from a tar archive or STDIN",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLoad(cmd, input, quiet)
		},
	}
	cmd.Flags().StringVarP(&input, "input", "i", "", "Read from tar archive file, instead of STDIN")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Suppress the load output")
	return cmd
}

func runLoad(cmd *cobra.Command, input string, quiet bool) error {
	var r io.Reader = cmd.InOrStdin()
	if input != "" {
		f, err := os.Open(input)
		if err != nil {
			return fmt.Errorf("open %s: %w", input, err)
		}
		defer f.Close()
		r = f
	} else if cmd.InOrStdin() == os.Stdin && isTerminal(os.Stdin) {
		return fmt.Errorf("requested load from stdin, but stdin is empty")
	}
	store, err := openImages(cmd)
	if err != nil {
		return err
	}
	loaded, err := store.Load(r)
	if err != nil {
		return err
	}
	for _, l := range loaded {
		if len(l.Refs) == 0 {
			fmt.Fprintf(cmd.OutOrStdout(), "Loaded image ID: %s\n", l.ID)
		}
		for _, ref := range l.Refs {
			fmt.Fprintf(cmd.OutOrStdout(), "Loaded image: %s\n", ref)
		}
	}
	return nil
}
