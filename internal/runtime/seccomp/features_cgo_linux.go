//go:build cgo

package seccomp

import (
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

// Supported returns what this machine can do, for `hull-runtime features`:
// the actions the kernel has, the architectures the libseccomp in use can
// add to a filter, and the flags the kernel accepts. Operators and
// KnownFlags complete the picture.
func Supported() (actions, archs, flags []string) {
	return supportedActions(), supportedArchs(), supportedFlags()
}

// supportedArchs lists, sorted, the OCI architectures libseccomp can add.
var supportedArchs = sync.OnceValue(func() []string {
	var out []string
	for _, a := range Archs() {
		if archAddable(a) {
			out = append(out, a)
		}
	}
	return out
})

func archAddable(oci string) bool {
	arch, err := libseccomp.GetArchFromString(archs[specs.Arch(oci)])
	if err != nil {
		return false
	}
	f, err := libseccomp.NewFilter(libseccomp.ActAllow)
	if err != nil {
		return false
	}
	defer f.Release()
	return f.AddArch(arch) == nil
}
