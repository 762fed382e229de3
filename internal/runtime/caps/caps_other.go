//go:build !linux

package caps

import "github.com/hull-project/hull/internal/errdefs"

// lastCap: without a Linux kernel to ask, every known capability counts.
func lastCap() Cap { return Last }

var errNotLinux = errdefs.NotImplemented("caps: capabilities are a Linux feature")

// DropBounding is only supported on Linux.
func (s *Set) DropBounding() error { return errNotLinux }

// Apply is only supported on Linux.
func (s *Set) Apply() error { return errNotLinux }

// Current is only supported on Linux.
func Current() (*Set, error) { return nil, errNotLinux }
