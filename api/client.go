// Package api is the client for Sentry's web API (/api/0/), and it holds the
// Sentry wire types that the rest of snag shares.
//
// Every call takes a context first. Requests carry a Bearer token and a
// snag/<version> User-Agent; idempotent requests are retried on gateway
// errors, dropped connections and 429s (see retry.go); list endpoints follow
// Sentry's Link-header cursors (see pagination.go).
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/snag-dev/snag/internal/build"
)

// DefaultTimeout bounds one attempt of one request (connect, send, wait for
// and read the answer) unless WithTimeout says otherwise.
const DefaultTimeout = 30 * time.Second

// UploadTimeout bounds one attempt of a chunk upload: a batch is up to 32 MiB,
// which takes minutes on a slow CI uplink, so DefaultTimeout would cut it off.
const UploadTimeout = 5 * time.Minute

// Client talks to one Sentry server with one token. It is safe for concurrent
// use.
type Client struct {
	base    *url.URL
	token   string
	http    *http.Client
	timeout time.Duration
	retry   retryPolicy
	debug   *debugLog
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes requests through h (tests pass one whose transport
// reaches an httptest server). The client adds its auth, User-Agent and debug
// layers on top of h's transport, on a copy: h itself is not changed. A
// Timeout set on h still applies to every attempt, uploads included.
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithTimeout bounds each attempt of each request (0 means no bound beyond
// the context's). Chunk uploads get at least UploadTimeout.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithMaxRetries sets how many times a failed idempotent request is retried
// (default 5, like sentry-cli's http.max_retries; 0 disables retries).
func WithMaxRetries(n int) Option {
	return func(c *Client) { c.retry.maxRetries = max(n, 0) }
}

// WithSleep replaces how the client waits between retries and polls. The
// function must return ctx.Err() if ctx ends first. Tests pass one that
// records the duration and returns at once.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) {
		if sleep != nil {
			c.retry.sleep = sleep
		}
	}
}

// WithDebug logs one line per request and per response (method, URL, status,
// duration, retries) to w. Tokens and the Authorization header are redacted.
func WithDebug(w io.Writer) Option {
	return func(c *Client) {
		if w != nil {
			c.debug = &debugLog{w: w}
		}
	}
}

// New returns a client for the server at baseURL (a root URL such as
// https://sentry.io/; a trailing /api/0/ is tolerated).
func New(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: %q is not an http(s) URL", ErrBadURL, baseURL)
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api/0")
	u.RawQuery, u.Fragment = "", ""
	c := &Client{
		base:    u,
		token:   token,
		http:    &http.Client{},
		timeout: DefaultTimeout,
		retry:   defaultRetryPolicy(),
	}
	for _, o := range opts {
		o(c)
	}
	// Work on a copy so a caller's shared http.Client keeps its transport.
	hc := *c.http
	hc.Transport = &headerTransport{next: c.debug.wrap(hc.Transport), userAgent: build.UserAgent()}
	c.http = &hc
	if c.debug != nil {
		c.debug.token = token
	}
	return c, nil
}

// BaseURL is the server's root URL, without a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// endpoint joins an API path ("/organizations/?cursor=x") onto /api/0.
func (c *Client) endpoint(path string) string {
	u := *c.base
	p, q, _ := strings.Cut(path, "?")
	u.Path = strings.TrimRight(u.Path, "/") + "/api/0/" + strings.TrimLeft(p, "/")
	u.RawQuery = q
	return u.String()
}

// request is one API call before it is sent. The body is kept as bytes so
// every retry can send it again.
type request struct {
	method      string
	url         string // absolute
	query       url.Values
	body        []byte
	contentType string
	// retryable marks a POST as safe to send twice (chunk upload and
	// assemble are keyed by checksum; release creation is get-or-create).
	retryable bool
	timeout   time.Duration
	// onSend, when set, is told how much of the body each attempt has
	// handed to the connection: 0 when the attempt starts, then more.
	onSend func(read int64)
}

// newRequest returns a request for an API path; path segments that come from
// users (slugs, ids, versions) must already be escaped with pathEscape.
func (c *Client) newRequest(method, path string, query url.Values) *request {
	return &request{method: method, url: c.endpoint(path), query: query}
}

// withJSON sets v, encoded, as the request body.
func (r *request) withJSON(v any) (*request, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding the %s body: %w", r.method, err)
	}
	r.body, r.contentType = b, "application/json"
	return r, nil
}

// response is a finished exchange: the body is read and the connection
// released.
type response struct {
	status int
	header http.Header
	body   []byte
}

// get decodes the JSON answer to GET path into out.
func (c *Client) get(ctx context.Context, path string, out any) error {
	_, err := c.send(ctx, c.newRequest(http.MethodGet, path, nil), out)
	return err
}

// send runs r, retrying as the policy allows, and decodes a 2xx JSON answer
// into out (unless out is nil or the answer is empty).
func (c *Client) send(ctx context.Context, r *request, out any) (*response, error) {
	resp, err := c.roundTrip(ctx, r)
	if err != nil {
		return nil, err
	}
	if out != nil && len(bytes.TrimSpace(resp.body)) > 0 {
		if err := json.Unmarshal(resp.body, out); err != nil {
			return nil, fmt.Errorf("%s %s: decoding the response: %w", r.method, redactURL(r.url), err)
		}
	}
	return resp, nil
}

// roundTrip sends r until it succeeds, fails for good, or runs out of
// retries. Non-2xx answers come back as *HTTPError.
func (c *Client) roundTrip(ctx context.Context, r *request) (*response, error) {
	idempotent := r.retryable || isIdempotent(r.method)
	for attempt := 0; ; attempt++ {
		resp, err := c.attempt(ctx, r, attempt)
		if err == nil && resp.status >= 200 && resp.status <= 299 {
			return resp, nil
		}
		if err == nil {
			err = newHTTPError(r.method, r.url, resp)
		}
		wait, ok := c.retry.next(ctx, attempt, idempotent, resp, err)
		if !ok {
			return nil, err
		}
		c.debug.retry(r, attempt+1, c.retry.maxRetries, wait, err)
		if serr := c.retry.sleep(ctx, wait); serr != nil {
			return nil, fmt.Errorf("%w (gave up waiting to retry: %w)", err, serr)
		}
	}
}

// attempt sends r once. A nil error means an answer arrived, whatever its
// status.
func (c *Client) attempt(ctx context.Context, r *request, n int) (*response, error) {
	timeout := r.timeout
	if timeout == 0 {
		timeout = c.timeout
	}
	actx := context.WithValue(ctx, attemptKey{}, n)
	if timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(actx, timeout)
		defer cancel()
	}
	u := r.url
	if len(r.query) > 0 {
		u = setQuery(u, r.query)
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, redactURL(r.url), err)
	}
	if r.onSend != nil && r.body != nil {
		r.onSend(0)
		// Keep the length NewRequest took from the bytes.Reader, so the
		// body is not sent chunked.
		req.Body = &countingBody{r: bytes.NewReader(r.body), fn: r.onSend}
		req.GetBody = nil
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	req.Header.Set("Accept", "application/json")
	// Sentry wants the token on the chunk-upload URL too, even on another
	// (region) host; net/http drops it if a redirect leaves the domain.
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &transportError{method: r.method, url: redactURL(r.url), err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &transportError{method: r.method, url: redactURL(r.url), err: err}
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// countingBody reports how much of a request body has been read.
type countingBody struct {
	r  *bytes.Reader
	n  int64
	fn func(read int64)
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 {
		b.n += int64(n)
		b.fn(b.n)
	}
	return n, err
}

func (b *countingBody) Close() error { return nil }

// setQuery merges q into the query of the absolute URL u.
func setQuery(u string, q url.Values) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	merged := parsed.Query()
	for k, vs := range q {
		merged[k] = vs
	}
	parsed.RawQuery = merged.Encode()
	return parsed.String()
}

// transportError is a request that got no HTTP answer: a refused or dropped
// connection, a DNS failure, a timeout.
type transportError struct {
	method, url string
	err         error
}

func (e *transportError) Error() string { return e.method + " " + e.url + ": " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// unwrapURLError drops net/http's *url.Error wrapper, whose message repeats
// the full URL (query included); transportError names the URL itself.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// pathEscape escapes one path segment (a slug, an id, a release version,
// which may contain "+" or spaces).
func pathEscape(s string) string { return url.PathEscape(s) }

// User is the account behind a user token.
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Email    string `json:"email"`
	Name     string `json:"name"`
}

// AuthInfo is the answer to GET /api/0/.
type AuthInfo struct {
	Version string `json:"version"`
	User    *User  `json:"user"`
	Auth    *struct {
		Scopes []string `json:"scopes"`
	} `json:"auth"`
}

// Scopes is the token's scopes, or nil.
func (a *AuthInfo) Scopes() []string {
	if a.Auth == nil {
		return nil
	}
	return a.Auth.Scopes
}

// Authenticate checks the client's token with GET /api/0/. Sentry answers an
// unauthenticated request with 200 and "auth": null, so that counts as
// ErrUnauthorized too.
func (c *Client) Authenticate(ctx context.Context) (*AuthInfo, error) {
	var info AuthInfo
	if err := c.get(ctx, "/", &info); err != nil {
		return nil, err
	}
	if info.Auth == nil && info.User == nil {
		return nil, &HTTPError{StatusCode: http.StatusUnauthorized, Method: http.MethodGet, URL: c.endpoint("/"), Detail: "the server did not accept the token"}
	}
	return &info, nil
}

// IsAuthError reports whether err means the token is missing, wrong or lacks
// permission.
func IsAuthError(err error) bool {
	return errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrForbidden)
}
