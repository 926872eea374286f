package cmdutil

import (
	"errors"
	"fmt"
)

// FlagError is a usage mistake: a bad flag, argument or combination. It
// exits 2 and points at --help.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ErrSilent exits 1 without printing anything: the command already said why
// (a validator that printed its findings, for example).
var ErrSilent = errors.New("silent error")

// ErrCancel means the user backed out; it exits 130 like an interrupt.
var ErrCancel = errors.New("cancelled")

// HintError carries a next step for the user, printed under the error.
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

// WithHint attaches a hint to err.
func WithHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &HintError{Err: err, Hint: hint}
}

// AuthError is an authentication problem found before any request was made
// (no token, a malformed token). It exits 4.
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }
