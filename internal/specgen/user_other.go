//go:build !linux

package specgen

import "errors"

// readInRoot needs openat2, which only Linux has.
func readInRoot(root, name string) ([]byte, error) {
	return nil, errors.New("resolving a container's user needs linux")
}
