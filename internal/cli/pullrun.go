package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/engine"
	"github.com/hull-project/hull/internal/image"
	"github.com/hull-project/hull/internal/image/reference"
)

// pullMissingImage pulls the image run or create needs, with one line a
// layer event as docker prints when output is not a terminal.
func pullMissingImage(cmd *cobra.Command, eng *engine.Engine, name string) error {
	ref, err := reference.Parse(name)
	if err != nil {
		return err
	}
	out := cmd.ErrOrStderr()
	res, err := eng.Images.Pull(context.Background(), ref, image.PullOptions{Progress: func(p image.Progress) {
		if p.ID != "" && p.Total == 0 {
			fmt.Fprintf(out, "%s: %s\n", p.ID, p.Status)
		}
	}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Digest: %s\nStatus: Downloaded newer image for %s\n", res.Digest, name)
	return nil
}
