// Package cli is hull's Docker-compatible command line: cobra commands, one
// file per command, that turn flags into engine calls and engine results
// into Docker's output.
package cli

import (
	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X .../internal/cli.Version=...".
var Version = "0.1.0-dev"

// commands collects the constructors of the top-level commands; each
// command's file registers itself in an init function.
var commands []func() *cobra.Command

func register(c func() *cobra.Command) { commands = append(commands, c) }

// NewRoot returns the hull command with every registered subcommand.
func NewRoot() *cobra.Command {
	configErr := loadConfig()
	root := &cobra.Command{
		Use:           "hull",
		Short:         "A container engine where a container is an ordinary process",
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	registerGlobals(root)
	if configErr != nil {
		root.PersistentPreRunE = func(*cobra.Command, []string) error { return configErr }
	}
	for _, c := range commands {
		root.AddCommand(c())
	}
	return root
}
