// Package phase timestamps the phases of a container's start and end, for
// whoever wants to see where the time goes. With HULL_TRACE=FILE in the
// environment of a hull command, every process that takes part (the
// command, the container's monitor, the runtime and the container's init
// before it executes the user's program) appends one line per phase to
// FILE:
//
//	<CLOCK_MONOTONIC in µs> <pid> <phase>
//
// The processes share the clock, so their lines sort into one timeline.
// Without HULL_TRACE, Mark costs a comparison.
package phase

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// EnvVar names the file that phases are appended to.
const EnvVar = "HULL_TRACE"

var out = open(os.Getenv(EnvVar))

func open(path string) *os.File {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil
	}
	return f
}

// Enabled reports whether phases are being recorded.
func Enabled() bool { return out != nil }

// Path is the file phases go to, or "".
func Path() string {
	if out == nil {
		return ""
	}
	return out.Name()
}

// Mark records that this process reached the named phase.
func Mark(name string) {
	if out == nil {
		return
	}
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	line := strconv.FormatInt(ts.Nano()/1000, 10) + " " + strconv.Itoa(os.Getpid()) + " " + name + "\n"
	out.WriteString(line) // one write: O_APPEND keeps lines whole
}
