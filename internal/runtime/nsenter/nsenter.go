// Package nsenter links the container process's pre-Go stage into a binary.
// Import it for its side effect in every binary that re-executes itself as a
// container's init or exec'd process; the C constructor in nsenter.c runs
// before the Go runtime and does nothing unless the runtime asked for it.
//
// It also makes those binaries static (LDFLAGS -static): a container start
// executes hull and hull-runtime three times, and a dynamic loader would
// cost each time. Build them with -tags netgo,osusergo (the Makefile does),
// so that static glibc never needs the host's NSS modules.
package nsenter

/*
#cgo CFLAGS: -Wall -Werror -O2
#cgo LDFLAGS: -static
*/
import "C"
