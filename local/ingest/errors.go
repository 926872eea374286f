// Package ingest turns what Sentry SDKs send into events the local server
// can store: authentication, body decoding and size limits, envelope and
// /store/ body parsing, item classification, event normalization (with the
// title, culprit and metadata Sentry derives) and rate-limit headers.
//
// It is pure: no listeners, no database, no clocks except through options.
// The HTTP layer calls it in this order: ParseAuth, ReadBody, ParseEnvelope
// (or DecodeStoreBody), Auth.CheckEnvelope, Classify per item, Normalize.
// Every error it returns is an *Error carrying the HTTP status to answer.
package ingest

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinel errors for the kinds of failure; every *Error matches one of them
// with errors.Is.
var (
	// ErrMissingAuth: no key in any carrier (401).
	ErrMissingAuth = errors.New("missing authorization information")
	// ErrMultipleAuth: more than one request carrier present (401).
	ErrMultipleAuth = errors.New("multiple authorization payloads detected")
	// ErrBadAuth: an auth header or query that cannot be parsed (401).
	ErrBadAuth = errors.New("invalid authorization")
	// ErrBadKey: a public key of the wrong shape, or a bad project id (400).
	ErrBadKey = errors.New("invalid project key or id")
	// ErrAuthMismatch: the envelope dsn disagrees with the request auth (400).
	ErrAuthMismatch = errors.New("authorization header mismatch between envelope and request")
	// ErrUnsupportedEncoding: a Content-Encoding we cannot decode (415).
	ErrUnsupportedEncoding = errors.New("unsupported content encoding")
	// ErrDecompress: a body that fails to decompress (400).
	ErrDecompress = errors.New("failed to read request body")
	// ErrTooLarge: a body or item over its limit (413).
	ErrTooLarge = errors.New("payload too large")
	// ErrEmptyBody: nothing was sent (400).
	ErrEmptyBody = errors.New("empty request body")
	// ErrInvalidEnvelope: an envelope that does not parse (400).
	ErrInvalidEnvelope = errors.New("invalid envelope")
	// ErrInvalidJSON: an event that is not a JSON object (400).
	ErrInvalidJSON = errors.New("invalid event payload")
)

// Error is an ingest failure with the HTTP status the server should answer
// and the body it should send: {"detail": Detail, "causes": Causes}.
type Error struct {
	Status int
	Detail string
	Causes []string
	// Kind is one of the Err* sentinels.
	Kind error
	// Offset is the byte offset in the (decompressed) body the problem was
	// found at, or -1.
	Offset int64
	// Item is the index of the envelope item at fault, or -1.
	Item int
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Detail)
	if e.Item >= 0 {
		fmt.Fprintf(&b, " (item %d", e.Item)
		if e.Offset >= 0 {
			fmt.Fprintf(&b, ", byte %d", e.Offset)
		}
		b.WriteString(")")
	} else if e.Offset >= 0 {
		fmt.Fprintf(&b, " (byte %d)", e.Offset)
	}
	for _, c := range e.Causes {
		b.WriteString(": ")
		b.WriteString(c)
	}
	return b.String()
}

// Is matches the error's kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the kind, so errors.Is works through wrapping.
func (e *Error) Unwrap() error { return e.Kind }

// Body is the JSON error body Relay answers with.
func (e *Error) Body() map[string]any {
	causes := e.Causes
	if causes == nil {
		causes = []string{}
	}
	return map[string]any{"detail": e.Error(), "causes": causes}
}

func newError(kind error, status int, detail string, causes ...string) *Error {
	return &Error{Status: status, Detail: detail, Causes: causes, Kind: kind, Offset: -1, Item: -1}
}

// StatusOf returns the HTTP status for err: the *Error's own status, 500 for
// anything else, 200 for nil.
func StatusOf(err error) int {
	if err == nil {
		return http.StatusOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return http.StatusInternalServerError
}
