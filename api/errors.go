package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Sentinels that HTTPError matches with errors.Is.
var (
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrNotFound     = errors.New("not found")
	ErrBadURL       = errors.New("bad server URL")
)

// HTTPError is a non-2xx answer from the API.
type HTTPError struct {
	StatusCode int
	Method     string
	URL        string
	// Detail is Sentry's {"detail": "..."} message, or a short body excerpt.
	Detail string
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("%s %s: HTTP %d", e.Method, e.URL, e.StatusCode)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Is lets errors.Is(err, ErrUnauthorized) and friends work on status codes.
func (e *HTTPError) Is(target error) bool {
	switch target {
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	}
	return false
}

func newHTTPError(req *http.Request, resp *http.Response) *HTTPError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &HTTPError{StatusCode: resp.StatusCode, Method: req.Method, URL: redact(req.URL)}
	var d struct {
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &d) == nil && len(d.Detail) > 0 {
		var s string
		if json.Unmarshal(d.Detail, &s) == nil {
			e.Detail = s
		} else {
			e.Detail = string(d.Detail)
		}
	} else if s := strings.TrimSpace(string(body)); s != "" && !strings.HasPrefix(s, "<") {
		if len(s) > 200 {
			s = s[:200] + "…"
		}
		e.Detail = s
	}
	return e
}
