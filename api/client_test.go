package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNewNormalizesBaseURL(t *testing.T) {
	tests := map[string]string{
		"https://sentry.io/":             "https://sentry.io/api/0/organizations/",
		"https://sentry.io":              "https://sentry.io/api/0/organizations/",
		"https://sentry.example/api/0/":  "https://sentry.example/api/0/organizations/",
		"http://127.0.0.1:8969/prefix//": "http://127.0.0.1:8969/prefix/api/0/organizations/",
	}
	for in, want := range tests {
		c, err := New(in, "")
		if err != nil {
			t.Fatalf("New(%q): %v", in, err)
		}
		if got := c.endpoint("/organizations/"); got != want {
			t.Errorf("New(%q).endpoint = %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"", "sentry.io", "ftp://x", "http://"} {
		if _, err := New(bad, ""); !errors.Is(err, ErrBadURL) {
			t.Errorf("New(%q) err = %v, want ErrBadURL", bad, err)
		}
	}
}

func TestAuthenticate(t *testing.T) {
	const token = "sntryu_" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/0/" {
			http.NotFound(w, r)
			return
		}
		if !strings.HasPrefix(r.Header.Get("User-Agent"), "snag/") {
			t.Errorf("User-Agent = %q", r.Header.Get("User-Agent"))
		}
		switch r.Header.Get("Authorization") {
		case "Bearer " + token:
			w.Write([]byte(`{"version":"0","auth":{"scopes":["org:read","project:write"]},"user":{"id":"1","email":"dev@example.com"}}`))
		case "":
			w.Write([]byte(`{"version":"0","auth":null,"user":null}`))
		default:
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"detail":"Invalid token"}`))
		}
	}))
	defer srv.Close()

	tests := []struct {
		name      string
		token     string
		wantEmail string
		wantAuth  bool
		wantInMsg string
	}{
		{"valid token", token, "dev@example.com", false, ""},
		{"wrong token", "sntryu_nope", "", true, "Invalid token"},
		{"no token", "", "", true, "did not accept"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(srv.URL, tt.token)
			if err != nil {
				t.Fatal(err)
			}
			info, err := c.Authenticate(context.Background())
			if tt.wantAuth {
				if !IsAuthError(err) || !errors.Is(err, ErrUnauthorized) {
					t.Fatalf("err = %v, want an auth error", err)
				}
				if !strings.Contains(err.Error(), tt.wantInMsg) {
					t.Fatalf("err = %q, want it to contain %q", err, tt.wantInMsg)
				}
				if tt.token != "" && strings.Contains(err.Error(), tt.token) {
					t.Fatal("error contains the token")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if info.User.Email != tt.wantEmail || len(info.Scopes()) != 2 {
				t.Fatalf("info = %+v", info)
			}
		})
	}
}

func TestHTTPErrorDetail(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/0/forbidden/":
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"detail":{"code":"x","message":"nope"}}`))
		case "/api/0/html/":
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte(`<html>bad gateway</html>`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c, _ := New(srv.URL, "t")
	err := c.get(context.Background(), "/forbidden/?cursor=secret", nil)
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), `"message":"nope"`) || strings.Contains(err.Error(), "secret") {
		t.Fatalf("err = %v", err)
	}
	err = c.get(context.Background(), "/html/", nil)
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 502 || he.Detail != "" {
		t.Fatalf("err = %#v", err)
	}
	if err := c.get(context.Background(), "/missing/", nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}
