package cli

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/image"
)

func init() { register(newImportCommand) }

type importFlags struct {
	changes  []string
	message  string
	platform string
}

func newImportCommand() *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "import [OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
		Short: "Import the contents from a tarball to create a filesystem image",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImport(cmd, args, f)
		},
	}
	stringList(cmd.Flags(), &f.changes, "change", "c", "Apply Dockerfile instruction to the created image")
	cmd.Flags().StringVarP(&f.message, "message", "m", "", "Set commit message for imported image")
	cmd.Flags().StringVar(&f.platform, "platform", "", "Set platform if server is multi-platform capable")
	return cmd
}

func runImport(cmd *cobra.Command, args []string, f importFlags) error {
	opts := image.ImportOptions{Source: args[0], Changes: f.changes, Message: f.message}
	if len(args) == 2 {
		opts.Ref = args[1]
	}
	if f.platform != "" {
		p, err := parsePlatform(f.platform)
		if err != nil {
			return err
		}
		opts.Platform = p
	}
	r, err := openImportSource(cmd, args[0])
	if err != nil {
		return err
	}
	defer r.Close()
	store, err := openImages(cmd)
	if err != nil {
		return err
	}
	img, err := store.Import(r, opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout(), img.ID)
	return nil
}

// openImportSource opens a file, "-" (stdin) or an http(s) URL.
func openImportSource(cmd *cobra.Command, src string) (io.ReadCloser, error) {
	switch {
	case src == "-":
		return io.NopCloser(cmd.InOrStdin()), nil
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		resp, err := http.Get(src) //nolint:gosec // the user named the URL
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", src, err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, fmt.Errorf("import %s: %s", src, resp.Status)
		}
		return resp.Body, nil
	}
	f, err := os.Open(src)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	return f, nil
}
