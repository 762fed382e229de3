package cli

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/engine"
)

// config is hull's configuration file, /etc/hull/config.json or
// $HULL_CONFIG: defaults for flags, as docker's daemon.json gives them.
var config struct {
	// Runtime is the default --runtime: a runc-compatible binary.
	Runtime string `json:"runtime"`
	// InsecureRegistries are added to every --insecure-registry.
	InsecureRegistries []string `json:"insecure-registries"`
}

func loadConfig() error {
	path := os.Getenv("HULL_CONFIG")
	if path == "" {
		path = "/etc/hull/config.json"
	}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &config); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// registerGlobals adds the flags every hull command takes. Commands read
// them through imageRoot and insecureRegistries, which also honour
// $HULL_ROOT.
func registerGlobals(root *cobra.Command) {
	root.PersistentFlags().String("root", engine.DefaultRoot, "hull's data directory (images, containers); also $HULL_ROOT")
	root.PersistentFlags().StringArray("insecure-registry", nil, "registry (host[:port] or CIDR) that may be reached over plain HTTP, besides loopback")
}

// openEngine opens the engine at --root.
func openEngine(cmd *cobra.Command) (*engine.Engine, error) {
	insecure := append(insecureRegistries(cmd), config.InsecureRegistries...)
	eng, err := engine.New(engine.Options{Root: imageRoot(cmd), Insecure: insecure})
	if err != nil {
		return nil, err
	}
	imageInUse = eng.ContainersUsingImage
	return eng, nil
}
