package cli

import (
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/engine"
	"github.com/hull-project/hull/internal/image"
	"github.com/hull-project/hull/internal/units"
)

func init() { register(newImageCommand) }

// newImageCommand is `hull image`, the parent of docker's image
// management subcommands.
func newImageCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "image", Short: "Manage images", Args: cobra.NoArgs}
	ls := newImagesCommand()
	ls.Use, ls.Aliases = "ls [OPTIONS] [REPOSITORY[:TAG]]", []string{"list"}
	rm := newRmiCommand()
	rm.Use, rm.Aliases = "rm [OPTIONS] IMAGE [IMAGE...]", []string{"remove", "rmi"}
	cmd.AddCommand(ls, newPullCommand(), newPushCommand(), rm, newTagCommand(), newImageInspectCommand(),
		newImagePruneCommand(), newHistoryCommand(), newSaveCommand(), newLoadCommand(), newImportCommand())
	return cmd
}

// openImages opens the image store at --root (or $HULL_ROOT).
func openImages(cmd *cobra.Command) (*image.Store, error) {
	store, _, err := engine.OpenImages(engine.ImageOptions{Root: imageRoot(cmd), Insecure: insecureRegistries(cmd)})
	return store, err
}

func imageRoot(cmd *cobra.Command) string {
	for _, name := range []string{"root", "data-root"} {
		if f := cmd.Flag(name); f != nil && f.Changed {
			return f.Value.String()
		}
	}
	if r := os.Getenv("HULL_ROOT"); r != "" {
		return r
	}
	return engine.DefaultImageRoot
}

func insecureRegistries(cmd *cobra.Command) []string {
	f := cmd.Flag("insecure-registry")
	if f == nil {
		return nil
	}
	if sv, ok := f.Value.(interface{ GetSlice() []string }); ok {
		return sv.GetSlice()
	}
	return strings.Split(strings.Trim(f.Value.String(), "[]"), ",")
}

// isTerminal reports whether f (a command's input or output) is a terminal.
func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(file.Fd()), unix.TCGETS)
	return err == nil
}

// imgCreatedSince is docker's CreatedSince: "3 weeks ago", or "N/A".
func imgCreatedSince(t time.Time) string {
	if t.IsZero() {
		return "N/A"
	}
	return units.HumanDuration(time.Since(t)) + " ago"
}

func strconvI64(n int64) string { return strconv.FormatInt(n, 10) }
