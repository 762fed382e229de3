// Package errdefs holds hull's error classes. Every layer wraps its cause with
// context; front ends turn a class into an exit code (CLI) or an HTTP status
// (API server) and nowhere else.
package errdefs

import "errors"

// The classes. Wrap one with fmt.Errorf("...: %w", errdefs.ErrNotFound) or
// build one with the helpers below; test with errors.Is.
var (
	ErrNotFound        = errors.New("not found")
	ErrAlreadyExists   = errors.New("already exists")
	ErrInvalidArgument = errors.New("invalid argument")
	ErrConflict        = errors.New("conflict")
	ErrNotImplemented  = errors.New("not supported")
	ErrPermission      = errors.New("permission denied")
)

type classed struct {
	msg   string
	class error
}

func (e *classed) Error() string { return e.msg }
func (e *classed) Unwrap() error { return e.class }

// Classify returns an error reading msg that errors.Is reports as class.
func Classify(class error, msg string) error { return &classed{msg: msg, class: class} }

// NotFound, InvalidArgument, Conflict and NotImplemented are shorthands for
// Classify with their class.
func NotFound(msg string) error        { return Classify(ErrNotFound, msg) }
func InvalidArgument(msg string) error { return Classify(ErrInvalidArgument, msg) }
func Conflict(msg string) error        { return Classify(ErrConflict, msg) }
func NotImplemented(msg string) error  { return Classify(ErrNotImplemented, msg) }
func AlreadyExists(msg string) error   { return Classify(ErrAlreadyExists, msg) }
