package bench

import (
	"path/filepath"
	"testing"

	testregistry "github.com/hull-project/hull/internal/testutil/registry"
)

// registrySetup starts Debian's docker-registry on a free 127.0.0.1 port,
// its storage under benchDir, once; it is stopped when the run ends.
var registrySetup = onceFor(func(b *testing.B) (string, error) {
	reg, err := testregistry.Start(filepath.Join(benchDir(b), "registry"))
	if err != nil {
		return "", err
	}
	atExit(reg.Stop)
	return reg.Addr, nil
})
