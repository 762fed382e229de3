package snapshot

import (
	"fmt"
	"strings"

	"github.com/hull-project/hull/internal/errdefs"
)

var digestSizes = map[string]int{"sha256": 64, "sha512": 128}

// isLowerHex reports whether s is non-empty and all lower-case hex digits.
func isLowerHex(s string) bool { return s != "" && strings.Trim(s, "0123456789abcdef") == "" }

// chainHex checks a chain id ("sha256:<hex>") and returns its hex part,
// which names the layer's directory.
func chainHex(chainID string) (string, error) {
	alg, hex, ok := strings.Cut(chainID, ":")
	if n, known := digestSizes[alg]; !ok || !known || len(hex) != n || !isLowerHex(hex) {
		return "", errdefs.InvalidArgument(fmt.Sprintf("invalid chain id %q", chainID))
	}
	return hex, nil
}

// chainIDOf turns a layer directory name back into its chain id.
func chainIDOf(hex string) (string, bool) {
	for alg, n := range digestSizes {
		if len(hex) == n && isLowerHex(hex) {
			return alg + ":" + hex, true
		}
	}
	return "", false
}

// checkContainerID refuses ids that could not safely name a directory:
// [A-Za-z0-9][A-Za-z0-9_.-]{0,127}. (Not a regexp: the bounded repetition
// compiles to a program that took most of a millisecond at every start of
// every hull process.)
func checkContainerID(id string) error {
	valid := len(id) > 0 && len(id) <= 128
	for i := 0; valid && i < len(id); i++ {
		c := id[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		valid = alnum || i > 0 && (c == '_' || c == '.' || c == '-')
	}
	if !valid {
		return errdefs.InvalidArgument(fmt.Sprintf("invalid container id %q", id))
	}
	return nil
}
