package cli

import (
	"errors"
	"strings"

	"github.com/hull-project/hull/internal/errdefs"
)

// exitCode makes hull exit with a container's status instead of 125.
type exitCode struct {
	code int
	err  error
}

func (e *exitCode) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return ""
}
func (e *exitCode) Unwrap() error { return e.err }

func withCode(err error, code int) error { return &exitCode{code: code, err: err} }

// ExitCode is the status hull exits with for err: a container's own, or
// 125 for hull's failures, as docker does.
func ExitCode(err error) (code int, message string) {
	var ec *exitCode
	if errors.As(err, &ec) {
		return ec.code, ec.Error()
	}
	return 125, err.Error()
}

func isContainerNotFound(err error) bool {
	return errors.Is(err, errdefs.ErrNotFound) && strings.Contains(err.Error(), "No such container")
}
