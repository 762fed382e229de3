package runtime

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hull-project/hull/internal/errdefs"
)

// ParseSignal accepts a number ("9"), a name ("KILL") or a full name
// ("SIGKILL"), in any case, as runc's kill and docker's --signal do.
func ParseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, errdefs.InvalidArgument(fmt.Sprintf("invalid signal %q: numbers run from 1 to 64", s))
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, errdefs.InvalidArgument(fmt.Sprintf("unknown signal %q: use a name such as KILL or TERM, or a number", s))
}
