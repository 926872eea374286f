package login

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/cmd/factory"
	"github.com/snag-dev/snag/internal/config"
	"github.com/snag-dev/snag/internal/iostreams"
)

var userToken = "sntryu_" + strings.Repeat("c0ffee", 10) + "abcd"

// sentry answers GET /api/0/ the way sentry.io does.
func sentry(t *testing.T, good string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/0/" {
			t.Errorf("unexpected request %s %s", r.Method, r.URL)
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+good {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"detail":"Invalid token"}`))
			return
		}
		if strings.HasPrefix(good, "sntrys_") {
			w.Write([]byte(`{"version":"0","auth":{"scopes":["org:ci"]},"user":null}`))
			return
		}
		w.Write([]byte(`{"version":"0","auth":{"scopes":["org:read"]},"user":{"id":"1","email":"dev@example.com"}}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

type world struct {
	env   map[string]string
	home  string
	work  string
	saved string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	w := &world{env: map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "config")}, home: filepath.Join(dir, "home"), work: filepath.Join(dir, "work")}
	w.saved = filepath.Join(dir, "config", "snag", "config.ini")
	for _, d := range []string{w.home, w.work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *world) login(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	ios, in, _, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := factory.NewWith(factory.Options{IO: ios, Getenv: func(k string) string { return w.env[k] }, WorkDir: w.work, HomeDir: w.home})
	cmd := NewCmdLogin(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(errOut)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	return errOut.String(), err
}

func (w *world) config(t *testing.T) *config.Config {
	t.Helper()
	c, err := config.Load(config.Options{Getenv: func(k string) string { return w.env[k] }, WorkDir: w.work, HomeDir: w.home})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLoginWithToken(t *testing.T) {
	srv := sentry(t, userToken)
	w := newWorld(t)
	stderr, err := w.login(t, userToken+"\n", "--url", srv.URL, "--with-token")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "Logged in to "+srv.URL+" as dev@example.com") || !strings.Contains(stderr, "Token saved to "+w.saved) {
		t.Errorf("stderr = %q", stderr)
	}
	if strings.Contains(stderr, userToken) {
		t.Fatal("login printed the token")
	}
	st, err := os.Stat(w.saved)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("config file mode %v, want 0600", st.Mode().Perm())
	}
	c := w.config(t)
	if c.Value(config.AuthToken) != userToken || c.Value(config.URL) != srv.URL {
		t.Errorf("saved token/url: %+v %+v", c.Get(config.URL), c.Get(config.AuthToken).Source)
	}
}

func TestLoginOrgTokenUsesItsURL(t *testing.T) {
	var tok string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+tok {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"version":"0","auth":{"scopes":["org:ci"]},"user":null}`))
	}))
	defer srv.Close()
	tok = "sntrys_" + base64.StdEncoding.EncodeToString([]byte(`{"iat":1,"url":"`+srv.URL+`","region_url":"","org":"acme"}`)) + "_c2VjcmV0"
	w := newWorld(t)
	stderr, err := w.login(t, "", "--auth-token", tok)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "with an org token for acme") {
		t.Errorf("stderr = %q", stderr)
	}
	data, err := os.ReadFile(w.saved)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "url") {
		t.Errorf("the org token's own URL was saved:\n%s", data)
	}
}

func TestLoginRejectsBadToken(t *testing.T) {
	srv := sentry(t, userToken)
	w := newWorld(t)
	_, err := w.login(t, "sntryu_wrong\n", "--url", srv.URL, "--with-token")
	if !errors.Is(err, api.ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	var he *cmdutil.HintError
	if !errors.As(err, &he) || !strings.Contains(he.Hint, srv.URL) {
		t.Errorf("hint = %+v", he)
	}
	if _, err := os.Stat(w.saved); !errors.Is(err, os.ErrNotExist) {
		t.Error("a rejected token was saved")
	}
}

func TestLoginInputErrors(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  []string
		check func(error) bool
	}{
		{"no terminal, no --with-token", "", nil, func(err error) bool { var fe *cmdutil.FlagError; return errors.As(err, &fe) }},
		{"empty stdin", "\n", []string{"--with-token"}, func(err error) bool { var ae *cmdutil.AuthError; return errors.As(err, &ae) }},
		{"both sources", "", []string{"--with-token", "--auth-token", "x"}, func(err error) bool { var fe *cmdutil.FlagError; return errors.As(err, &fe) }},
		{"huge stdin", strings.Repeat("x", 20<<10), []string{"--with-token"}, func(err error) bool { return err != nil && strings.Contains(err.Error(), "too large") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			_, err := w.login(t, tt.stdin, tt.args...)
			if !tt.check(err) {
				t.Fatalf("err = %v (%T)", err, err)
			}
		})
	}
}

func TestLoginWarnsWhenShadowed(t *testing.T) {
	srv := sentry(t, userToken)
	w := newWorld(t)
	w.env["SENTRY_AUTH_TOKEN"] = "sntryu_other"
	stderr, err := w.login(t, userToken, "--url", srv.URL, "--with-token")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "The token from SENTRY_AUTH_TOKEN takes precedence") {
		t.Errorf("stderr = %q", stderr)
	}
}
