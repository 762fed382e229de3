package cli

import (
	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/engine"
)

// registerGlobals adds the flags every hull command takes. Commands read
// them through imageRoot and insecureRegistries, which also honour
// $HULL_ROOT.
func registerGlobals(root *cobra.Command) {
	root.PersistentFlags().String("root", engine.DefaultRoot, "hull's data directory (images, containers); also $HULL_ROOT")
	root.PersistentFlags().StringArray("insecure-registry", nil, "registry (host[:port] or CIDR) that may be reached over plain HTTP, besides loopback")
}

// openEngine opens the engine at --root.
func openEngine(cmd *cobra.Command) (*engine.Engine, error) {
	eng, err := engine.New(engine.Options{Root: imageRoot(cmd), Insecure: insecureRegistries(cmd)})
	if err != nil {
		return nil, err
	}
	imageInUse = eng.ContainersUsingImage
	return eng, nil
}
