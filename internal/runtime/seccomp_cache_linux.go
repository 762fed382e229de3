package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hull-project/hull/internal/atomicfile"
	"github.com/hull-project/hull/internal/runtime/seccomp"
)

// seccompCache holds compiled filters for every runtime root on the host.
// It is on /run, so it goes with a reboot, as would any change of kernel.
var seccompCache = "/run/hull/seccomp"

// compiledSeccomp returns the spec's seccomp filter compiled to BPF. The
// compiled program is cached by the profile's digest: libseccomp needs
// about 18 ms for Docker's default profile, a cached program is one small
// file read, and every container of an image asks for the same profile.
func compiledSeccomp(s *specs.LinuxSeccomp) (*seccomp.Program, error) {
	if s == nil {
		return nil, nil
	}
	key, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(key)
	path := filepath.Join(seccompCache, hex.EncodeToString(sum[:])+".bpf.json")
	if data, err := os.ReadFile(path); err == nil {
		var p seccomp.Program
		if json.Unmarshal(data, &p) == nil && len(p.Instructions) > 0 {
			return &p, nil
		}
	}
	p, err := seccomp.Compile(s)
	if err != nil {
		return nil, fmt.Errorf("compile seccomp profile: %w", err)
	}
	if data, err := json.Marshal(p); err == nil {
		if os.MkdirAll(filepath.Dir(path), 0o700) == nil {
			atomicfile.WriteFile(path, data, 0o600) // a cache: failing to keep it costs only time
		}
	}
	return p, nil
}
