// Package api is the client for Sentry's web API (/api/0/), and it holds the
// Sentry wire types that the rest of snag shares.
package api

import (
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

// DefaultTimeout bounds one request when the caller's http.Client has none.
const DefaultTimeout = 30 * time.Second

// Client talks to one Sentry server with one token.
type Client struct {
	base      *url.URL
	token     string
	http      *http.Client
	userAgent string
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient replaces the default http.Client (tests pass one whose
// transport is an httptest server's).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// New returns a client for the server at baseURL (a root URL such as
// https://sentry.io/; a trailing /api/0/ is tolerated).
func New(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: %q is not an http(s) URL", ErrBadURL, baseURL)
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api/0")
	u.RawQuery, u.Fragment = "", ""
	c := &Client{base: u, token: token, http: &http.Client{Timeout: DefaultTimeout}, userAgent: build.UserAgent()}
	for _, o := range opts {
		o(c)
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

// get decodes the JSON answer to GET path into out.
func (c *Client) get(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint(path), nil)
	if err != nil {
		return err
	}
	return c.do(req, out)
}

func (c *Client) do(req *http.Request, out any) error {
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, redact(req.URL), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newHTTPError(req, resp)
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decoding the response: %w", req.Method, redact(req.URL), err)
	}
	return nil
}

// redact drops the query, which may carry cursors or ids but is never needed
// to understand an error.
func redact(u *url.URL) string {
	v := *u
	v.RawQuery = ""
	v.User = nil
	return v.String()
}

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
