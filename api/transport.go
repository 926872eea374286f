package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// headerTransport adds the User-Agent every request carries. The token is
// not added here but on each request (Client.attempt): at this layer it would
// also ride along on redirects to other hosts, which net/http otherwise
// strips it from.
type headerTransport struct {
	next      http.RoundTripper
	userAgent string
}

func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// A RoundTripper must not change the caller's request.
	req = req.Clone(req.Context())
	req.Header.Set("User-Agent", t.userAgent)
	return t.next.RoundTrip(req)
}

// attemptKey carries the attempt number (0 = first send) to the debug log.
type attemptKey struct{}

// debugLog writes the --debug trace. It sits below headerTransport so that
// it sees, and redacts, the headers actually sent.
type debugLog struct {
	mu    sync.Mutex // chunk batches upload concurrently
	w     io.Writer
	token string
}

// wrap returns next (or the default transport) logged through d; a nil d
// logs nothing.
func (d *debugLog) wrap(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	if d == nil {
		return next
	}
	return &debugTransport{log: d, next: next}
}

func (d *debugLog) printf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	// Belt and braces: whatever path the token took into a line, it stops here.
	if d.token != "" {
		line = strings.ReplaceAll(line, d.token, "[redacted]")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintln(d.w, line)
}

// retry logs a decision to send r again.
func (d *debugLog) retry(r *request, n, maxN int, wait time.Duration, cause error) {
	if d == nil {
		return
	}
	d.printf("! retry %d/%d of %s %s in %s after %s", n, maxN, r.method, safeURL(r.url), wait.Round(time.Millisecond), shortCause(cause))
}

// shortCause is an error without the method and URL the line already shows.
func shortCause(err error) string {
	var he *HTTPError
	var te *transportError
	switch {
	case errors.As(err, &he):
		s := fmt.Sprintf("HTTP %d", he.StatusCode)
		if he.Detail != "" {
			s += ": " + he.Detail
		}
		return s
	case errors.As(err, &te):
		return te.err.Error()
	}
	return err.Error()
}

type debugTransport struct {
	log  *debugLog
	next http.RoundTripper
}

// loggedResponseHeaders are the answer headers worth seeing when debugging
// pagination, retries and rate limits; the rest is noise or cookies.
var loggedResponseHeaders = []string{"Content-Type", "Link", "Retry-After", "X-Hits",
	"X-Sentry-Rate-Limit-Remaining", "X-Sentry-Rate-Limit-Reset"}

func (t *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	u := safeURL(req.URL.String())
	attempt, _ := req.Context().Value(attemptKey{}).(int)
	suffix := ""
	if attempt > 0 {
		suffix = fmt.Sprintf(" (retry %d)", attempt)
	}
	t.log.printf("> %s %s%s", req.Method, u, suffix)
	keys := make([]string, 0, len(req.Header))
	for k := range req.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := strings.Join(req.Header[k], ", ")
		if http.CanonicalHeaderKey(k) == "Authorization" {
			scheme, _, _ := strings.Cut(v, " ")
			v = scheme + " [redacted]"
		}
		t.log.printf("> %s: %s", k, v)
	}
	start := time.Now()
	resp, err := t.next.RoundTrip(req)
	took := time.Since(start).Round(time.Millisecond)
	if err != nil {
		t.log.printf("< %s %s failed after %s: %v", req.Method, u, took, err)
		return resp, err
	}
	t.log.printf("< %s %s %s (%s)", resp.Status, req.Method, u, took)
	for _, k := range loggedResponseHeaders {
		if v := resp.Header.Get(k); v != "" {
			t.log.printf("< %s: %s", k, v)
		}
	}
	return resp, nil
}

// safeURL is a URL fit for a log: no user info, and the values of query
// parameters that carry keys or tokens (sentry_key in DSN-style URLs) hidden.
func safeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			lk := strings.ToLower(k)
			if strings.Contains(lk, "key") || strings.Contains(lk, "token") || strings.Contains(lk, "secret") || strings.Contains(lk, "auth") {
				q[k] = []string{"REDACTED"}
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}
