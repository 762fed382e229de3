package errdefs

import (
	"errors"
	"fmt"
	"testing"
)

func TestClassesSurviveWrapping(t *testing.T) {
	err := fmt.Errorf("load container: %w", NotFound("container abc does not exist"))
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("wrapped not-found error lost its class: %v", err)
	}
	if errors.Is(err, ErrConflict) {
		t.Fatalf("not-found error reports conflict")
	}
	if got, want := err.Error(), "load container: container abc does not exist"; got != want {
		t.Fatalf("message = %q, want %q", got, want)
	}
}
