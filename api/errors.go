package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Sentinels that HTTPError matches with errors.Is.
var (
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrNotFound     = errors.New("not found")
	ErrRateLimited  = errors.New("rate limited")
	ErrBadURL       = errors.New("bad server URL")
)

// HTTPError is a non-2xx answer from the API.
type HTTPError struct {
	StatusCode int
	Method     string
	// URL is the request URL without its query, which may carry cursors or
	// ids but is never needed to understand an error.
	URL string
	// Detail is Sentry's {"detail": "..."} (or {"error": "..."}) message, the
	// field errors rendered on one line, or a short body excerpt.
	Detail string
	// Fields holds a 400's validation errors, {"field": ["message", ...]},
	// with nested fields joined by dots ("statusDetails.inRelease").
	Fields map[string][]string
	// RetryAfter is what a 429 or 503 asked us to wait, or 0.
	RetryAfter time.Duration
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("%s %s: HTTP %d", e.Method, e.URL, e.StatusCode)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.StatusCode == http.StatusTooManyRequests && e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (the server asks to retry after %s)", e.RetryAfter)
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
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

func newHTTPError(method, rawURL string, resp *response) *HTTPError {
	e := &HTTPError{StatusCode: resp.status, Method: method, URL: redactURL(rawURL)}
	e.RetryAfter, _ = parseRetryAfter(resp.header.Get("Retry-After"), time.Now())
	body := resp.body
	if len(body) > 64<<10 {
		body = body[:64<<10]
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil && obj != nil {
		for _, key := range []string{"detail", "error"} {
			if raw, ok := obj[key]; ok && string(raw) != "null" {
				e.Detail = rawText(raw)
				return e
			}
		}
		e.Fields = fieldErrors(obj)
		e.Detail = renderFields(e.Fields)
		if e.Detail != "" {
			return e
		}
	}
	// HTML error pages (a proxy's 502) say nothing the status does not.
	if s := strings.TrimSpace(string(body)); s != "" && !strings.HasPrefix(s, "<") {
		if len(s) > 200 {
			s = s[:200] + "…"
		}
		e.Detail = s
	}
	return e
}

// rawText is a JSON string's value, or the JSON itself for anything else
// (Sentry sometimes sends {"detail": {"code": ..., "message": ...}}).
func rawText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// fieldErrors flattens Django REST framework's validation shape: each key is
// a field and its value a list of messages, a single message, or a nested
// object of the same shape.
func fieldErrors(obj map[string]json.RawMessage) map[string][]string {
	out := map[string][]string{}
	var walk func(prefix string, obj map[string]json.RawMessage)
	walk = func(prefix string, obj map[string]json.RawMessage) {
		for k, raw := range obj {
			name := k
			if prefix != "" {
				name = prefix + "." + k
			}
			var msgs []string
			var one string
			var nested map[string]json.RawMessage
			switch {
			case json.Unmarshal(raw, &msgs) == nil:
				out[name] = append(out[name], msgs...)
			case json.Unmarshal(raw, &one) == nil:
				out[name] = append(out[name], one)
			case json.Unmarshal(raw, &nested) == nil:
				walk(name, nested)
			default:
				out[name] = append(out[name], string(raw))
			}
		}
	}
	walk("", obj)
	if len(out) == 0 {
		return nil
	}
	return out
}

// renderFields writes field errors as `field: message; other: message`,
// sorted so the text is stable; Django's catch-all key is left unnamed.
func renderFields(fields map[string][]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		msg := strings.Join(fields[k], " ")
		if k == "non_field_errors" || k == "__all__" {
			parts = append(parts, msg)
		} else {
			parts = append(parts, k+": "+msg)
		}
	}
	return strings.Join(parts, "; ")
}

// redactURL drops the query and any user info from a URL for error messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.RawQuery, u.User, u.Fragment = "", nil, ""
	return u.String()
}
