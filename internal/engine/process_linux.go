package engine

import (
	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/runtime"
)

// ParseSignal reads "KILL", "SIGKILL" or "9".
func ParseSignal(s string) (unix.Signal, error) { return runtime.ParseSignal(s) }
