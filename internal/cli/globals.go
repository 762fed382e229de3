package cli

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/hull-project/hull/internal/engine"
	"github.com/hull-project/hull/internal/network"
)

// config is hull's configuration file, /etc/hull/config.json or
// $HULL_CONFIG: defaults for flags, as docker's daemon.json gives them.
var config struct {
	// Runtime is the default --runtime: a runc-compatible binary.
	Runtime string `json:"runtime"`
	// InsecureRegistries are added to every --insecure-registry.
	InsecureRegistries []string `json:"insecure-registries"`
	// Bridge and BIP configure the default network, as in daemon.json:
	// the Linux bridge's name (hull0) and its address with the subnet's
	// length (10.88.0.1/16).
	Bridge string `json:"bridge"`
	BIP    string `json:"bip"`
	// NftablesTable is the nftables table new networks keep their rules
	// in ("hull"); a second hull on one machine may want its own.
	NftablesTable string `json:"nftables-table"`
}

// networkConfig is the default network's settings from the config file.
func networkConfig() (network.Config, error) {
	cfg := network.Config{DefaultBridge: config.Bridge, Table: config.NftablesTable}
	if config.BIP != "" {
		subnet, gw, err := network.ParseBIP(config.BIP)
		if err != nil {
			return cfg, fmt.Errorf("config file: %w", err)
		}
		cfg.DefaultSubnet, cfg.DefaultGateway = subnet, gw
	}
	if len(cfg.DefaultBridge) > 15 {
		return cfg, fmt.Errorf("config file: bridge name %q is longer than the kernel's 15 characters", cfg.DefaultBridge)
	}
	return cfg, nil
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
	netCfg, err := networkConfig()
	if err != nil {
		return nil, err
	}
	eng, err := engine.New(engine.Options{Root: imageRoot(cmd), Insecure: insecure, Network: netCfg})
	if err != nil {
		return nil, err
	}
	imageInUse = eng.ContainersUsingImage
	return eng, nil
}
