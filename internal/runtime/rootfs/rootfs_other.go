//go:build !linux

package rootfs

import "github.com/hull-project/hull/internal/errdefs"

var errNotLinux = errdefs.NotImplemented("container root file systems need Linux")

// Validate, Prepare, BindConsole, Pivot and Finish exist only on Linux.
func Validate(*Config) error   { return errNotLinux }
func Prepare(*Config) error    { return errNotLinux }
func BindConsole(string) error { return errNotLinux }
func Pivot(*Config) error      { return errNotLinux }
func Finish(*Config) error     { return errNotLinux }
