//go:build !cgo

package seccomp

import specs "github.com/opencontainers/runtime-spec/specs-go"

// errNoCgo: building filters needs libseccomp, which needs cgo.
var errNoCgo = notImplemented("seccomp: this binary was built without cgo, so without libseccomp")

// Compile needs libseccomp: without cgo it only accepts a disabled profile.
func Compile(s *specs.LinuxSeccomp) (*Program, error) {
	if Disabled(s) {
		return nil, Validate(s)
	}
	return nil, errNoCgo
}

// Load needs libseccomp: without cgo it only accepts a disabled profile.
func Load(s *specs.LinuxSeccomp) error {
	_, err := Compile(s)
	return err
}

// UnknownSyscalls cannot ask libseccomp without cgo and reports nothing.
func UnknownSyscalls(*specs.LinuxSeccomp) []string { return nil }

// Supported reports no architectures without libseccomp.
func Supported() (actions, archs, flags []string) {
	return supportedActions(), nil, supportedFlags()
}
