// Package nsenter links the container process's pre-Go stage into a binary.
// Import it for its side effect in every binary that re-executes itself as a
// container's init or exec'd process; the C constructor in nsenter.c runs
// before the Go runtime and does nothing unless the runtime asked for it.
package nsenter

/*
#cgo CFLAGS: -Wall -Werror -O2
*/
import "C"
