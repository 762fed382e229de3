//go:build !linux

package seccomp

import specs "github.com/opencontainers/runtime-spec/specs-go"

var errNotLinux = notImplemented("seccomp: seccomp is a Linux feature")

// Program is a compiled filter; only Linux has them.
type Program struct{}

// Load is only supported on Linux.
func (p *Program) Load() error {
	if p == nil {
		return nil
	}
	return errNotLinux
}

// Compile is only supported on Linux; it accepts a disabled profile.
func Compile(s *specs.LinuxSeccomp) (*Program, error) {
	if Disabled(s) {
		return nil, Validate(s)
	}
	return nil, errNotLinux
}

// Load is only supported on Linux; it accepts a disabled profile.
func Load(s *specs.LinuxSeccomp) error {
	_, err := Compile(s)
	return err
}

// UnknownSyscalls has no libseccomp to ask off Linux.
func UnknownSyscalls(*specs.LinuxSeccomp) []string { return nil }

// Supported reports nothing off Linux.
func Supported() (actions, archs, flags []string) { return nil, nil, nil }
