//go:build !hullwip

package cli

import "github.com/spf13/pflag"

// The global flags image commands read (--root, --insecure-registry).
// Cobra adds pflag.CommandLine to the root command's persistent flags, so
// they work before or after the command name. Builds with the container
// engine (tag hullwip) declare them in globals.go instead.
func init() {
	pflag.CommandLine.String("root", "/var/lib/hull", "hull's data directory (images, containers); also $HULL_ROOT")
	pflag.CommandLine.StringArray("insecure-registry", nil, "registry (host[:port] or CIDR) that may be reached over plain HTTP, besides loopback")
}
