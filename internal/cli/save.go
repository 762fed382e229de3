package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

func init() { register(newSaveCommand) }

func newSaveCommand() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "save [OPTIONS] IMAGE [IMAGE...]",
		Short: "Save one or more images to a tar archive (streamed to STDOUT by default)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSave(cmd, args, output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Write to a file, instead of STDOUT")
	return cmd
}

func runSave(cmd *cobra.Command, names []string, output string) error {
	store, err := openImages(cmd)
	if err != nil {
		return err
	}
	if output == "" {
		if cmd.OutOrStdout() == os.Stdout && isTerminal(os.Stdout) {
			return errors.New("cowardly refusing to save to a terminal. Use the -o flag or redirect")
		}
		return store.Save(cmd.OutOrStdout(), names)
	}
	// Write beside the target and rename, so a failed save leaves no
	// partial archive under the name asked for.
	f, err := os.CreateTemp(filepath.Dir(output), "."+filepath.Base(output)+".tmp-*")
	if err != nil {
		return fmt.Errorf("failed to save image: %w", err)
	}
	defer os.Remove(f.Name())
	if err := store.Save(f, names); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("failed to save image: %w", err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), output)
}
