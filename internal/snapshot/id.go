package snapshot

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hull-project/hull/internal/errdefs"
)

var (
	hexDigest   = regexp.MustCompile(`^[0-9a-f]+$`)
	containerID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)
	digestSizes = map[string]int{"sha256": 64, "sha512": 128}
)

// chainHex checks a chain id ("sha256:<hex>") and returns its hex part,
// which names the layer's directory.
func chainHex(chainID string) (string, error) {
	alg, hex, ok := strings.Cut(chainID, ":")
	if n, known := digestSizes[alg]; !ok || !known || len(hex) != n || !hexDigest.MatchString(hex) {
		return "", errdefs.InvalidArgument(fmt.Sprintf("invalid chain id %q", chainID))
	}
	return hex, nil
}

// chainIDOf turns a layer directory name back into its chain id.
func chainIDOf(hex string) (string, bool) {
	for alg, n := range digestSizes {
		if len(hex) == n && hexDigest.MatchString(hex) {
			return alg + ":" + hex, true
		}
	}
	return "", false
}

// checkContainerID refuses ids that could not safely name a directory.
func checkContainerID(id string) error {
	if !containerID.MatchString(id) {
		return errdefs.InvalidArgument(fmt.Sprintf("invalid container id %q", id))
	}
	return nil
}
