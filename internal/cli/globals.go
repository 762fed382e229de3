//go:build hullwip

package cli

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/engine"
)

// globals are the flags every hull command takes.
var globals struct {
	root     string
	insecure []string
}

func registerGlobals(root *cobra.Command) {
	def := os.Getenv("HULL_ROOT")
	if def == "" {
		def = engine.DefaultRoot
	}
	root.PersistentFlags().StringVar(&globals.root, "root", def, "hull's data directory (images, containers); also $HULL_ROOT")
	root.PersistentFlags().StringArrayVar(&globals.insecure, "insecure-registry", nil, "registry (host[:port] or CIDR) that may be reached over plain HTTP, besides loopback")
}

// openEngine opens the engine at --root.
func openEngine(cmd *cobra.Command) (*engine.Engine, error) {
	return engine.New(engine.Options{Root: globals.root, Insecure: globals.insecure})
}
