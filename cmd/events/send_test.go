package events_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/cmd/factory"
	"github.com/snag-dev/snag/cmd/root"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/local/ingest"
	"github.com/snag-dev/snag/local/server"
	"github.com/snag-dev/snag/local/store"
)

var now = time.Date(2026, 11, 20, 12, 30, 0, 0, time.UTC)

func snag(t *testing.T, env map[string]string, stdin string, args ...string) (string, string, root.ExitCode) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := factory.NewWith(factory.Options{IO: ios, Getenv: func(k string) string { return env[k] }, WorkDir: t.TempDir(), HomeDir: t.TempDir()})
	f.Now = func() time.Time { return now }
	code := root.Run(context.Background(), f, args)
	return out.String(), errOut.String(), code
}

// recorder answers envelopes like Sentry and keeps them.
type recorder struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies [][]byte
	status int
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, r)
	rc.bodies = append(rc.bodies, b)
	status := rc.status
	rc.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
		io.WriteString(w, `{"detail":"project key is disabled"}`)
		return
	}
	env, err := ingest.ParseEnvelope(b, ingest.DefaultLimits())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"id": env.Header.EventID})
}

// sentEvent parses the one event the recorder got, as the server would.
func (rc *recorder) sentEvent(t *testing.T, i int) (*http.Request, *api.Event) {
	t.Helper()
	env, err := ingest.ParseEnvelope(rc.bodies[i], ingest.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	ne, err := ingest.Normalize(env.EventItem().Payload, ingest.NormalizeOptions{EventID: env.Header.EventID})
	if err != nil {
		t.Fatal(err)
	}
	return rc.reqs[i], ne.Event
}

const key = "0123456789abcdef0123456789abcdef"

func TestSendBuildsTheEvent(t *testing.T) {
	rc := &recorder{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	dsn := strings.Replace(srv.URL, "http://", "http://"+key+"@", 1) + "/7"
	out, errOut, code := snag(t, map[string]string{"SENTRY_RELEASE": "from-env@1"}, "", "events", "send", "--dsn", dsn,
		"-m", "Checkout failed for %s", "-m", "second line", "-a", "42", "--level", "warn", "--tag", "flow:checkout", "-t", "url:https://x/y",
		"--user", "id:42", "-u", "plan:pro", "--extra", "cart:3", "-f", "{{ default }}", "-f", "tenant-a", "-E", "staging",
		"--timestamp", "2026-11-20T12:00:00Z")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}\n$`).MatchString(out) {
		t.Fatalf("stdout = %q", out)
	}
	req, ev := rc.sentEvent(t, 0)
	if req.URL.Path != "/api/7/envelope/" || req.Header.Get("Content-Type") != "application/x-sentry-envelope" ||
		!strings.HasPrefix(req.Header.Get("X-Sentry-Auth"), "Sentry sentry_version=7, sentry_client=snag/") ||
		!strings.HasSuffix(req.Header.Get("X-Sentry-Auth"), "sentry_key="+key) {
		t.Errorf("request %s %v", req.URL, req.Header)
	}
	if ev.EventID != strings.TrimSpace(out) || ev.Level != "warning" || ev.Message() != "Checkout failed for 42\nsecond line" ||
		ev.Release != "from-env@1" || ev.Environment != "staging" || ev.Platform != "other" ||
		!ev.Timestamp.Equal(time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("event = %+v", ev)
	}
	if v, _ := ev.Tags.Get("flow"); v != "checkout" {
		t.Errorf("tags = %v", ev.Tags)
	}
	if v, _ := ev.Tags.Get("url"); v != "https://x/y" {
		t.Errorf("tags = %v", ev.Tags)
	}
	if ev.User == nil || ev.User.ID != "42" || !strings.Contains(string(ev.User.Data), `"plan":"pro"`) ||
		!slices.Equal(ev.Fingerprint, []string{"{{ default }}", "tenant-a"}) || !strings.Contains(string(ev.Extra), `"cart":"3"`) {
		t.Errorf("user %+v fingerprint %v extra %s", ev.User, ev.Fingerprint, ev.Extra)
	}
	if ev.SDK == nil || ev.SDK.Name != "snag" {
		t.Errorf("sdk = %+v", ev.SDK)
	}
}

func TestSendFile(t *testing.T) {
	rc := &recorder{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	dsn := strings.Replace(srv.URL, "http://", "http://"+key+"@", 1) + "/1"
	path := filepath.Join(t.TempDir(), "event.json")
	const file = `{"event_id":"b900edeb-c0a3-4d76-9750-0e5a42fcd2bb","level":"info","release":"file@1","message":"from a file",` +
		`"exception":{"values":[{"type":"Error","value":"boom"}]},"tags":[["a","1"]],"big":12345678901234567890}`
	if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SENTRY_DSN": dsn}
	out, errOut, code := snag(t, env, "", "events", "send", path, "--env", "ci", "--tag", "b:2", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct{ ID string }
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.ID != "b900edebc0a34d7697500e5a42fcd2bb" {
		t.Errorf("stdout = %q (%v)", out, err)
	}
	_, ev := rc.sentEvent(t, 0)
	if ev.Level != "info" || ev.Release != "file@1" || ev.Environment != "ci" || len(ev.Exceptions()) != 1 || ev.Message() != "from a file" {
		t.Errorf("event = %+v", ev)
	}
	if a, _ := ev.Tags.Get("a"); a != "1" {
		t.Errorf("tags = %v", ev.Tags)
	}
	if b, _ := ev.Tags.Get("b"); b != "2" {
		t.Errorf("tags = %v", ev.Tags)
	}
	if !strings.Contains(string(rc.bodies[0]), `"big":12345678901234567890`) {
		t.Errorf("numbers not kept: %s", rc.bodies[0])
	}
	// --raw sends the file as it is, from stdin too.
	if _, errOut, code := snag(t, env, file, "events", "send", "-", "--raw"); code != 0 {
		t.Fatalf("raw: exit %d: %s", code, errOut)
	}
	if got := string(rc.bodies[1]); !strings.Contains(got, "\n"+file+"\n") {
		t.Errorf("raw body = %s", got)
	}
}

func TestSendErrors(t *testing.T) {
	rc := &recorder{status: http.StatusForbidden}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	dsn := strings.Replace(srv.URL, "http://", "http://"+key+"@", 1) + "/1"

	// A port nobody listens on, for the local DSN.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	db := filepath.Join(t.TempDir(), "snag.db")

	tests := []struct {
		name string
		env  map[string]string
		args []string
		code root.ExitCode
		msg  string
	}{
		{"nothing to send", nil, []string{}, 2, "nothing to send"},
		{"bad level", nil, []string{"-m", "x", "--level", "loud"}, 2, "--level must be"},
		{"bad tag", nil, []string{"-m", "x", "--tag", "novalue"}, 2, `--tag "novalue": want key:value`},
		{"bad dsn", nil, []string{"-m", "x", "--dsn", "https://sentry.io"}, 2, "--dsn"},
		{"bad timestamp", nil, []string{"-m", "x", "--timestamp", "yesterday"}, 2, "--timestamp"},
		{"raw without file", nil, []string{"-m", "x", "--raw"}, 2, "--raw sends event files"},
		{"refused", map[string]string{"SENTRY_DSN": dsn}, []string{"-m", "x"}, 1, "HTTP 403: project key is disabled"},
		{"no local server", map[string]string{"SNAG_DB": db, "SNAG_ADDR": closed}, []string{"-m", "x"}, 1, "start the server with 'snag serve'"},
		{"missing file", nil, []string{filepath.Join(t.TempDir(), "nope.json"), "--dsn", dsn}, 1, "nope.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := snag(t, tt.env, "", append([]string{"events", "send"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.msg) {
				t.Errorf("exit %d %q; want %d and %q", code, errOut, tt.code, tt.msg)
			}
		})
	}
}

// TestSendToLocalServer sends with the default (local) DSN to a real snag
// server and finds the event in the store.
func TestSendToLocalServer(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "snag.db")
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(server.New(st, server.Config{}).Handler())
	defer srv.Close()
	env := map[string]string{"SNAG_DB": db, "SNAG_ADDR": strings.TrimPrefix(srv.URL, "http://")}
	out, errOut, code := snag(t, env, "", "events", "send", "-m", "hello from snag", "--tag", "k:v")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	e, err := st.GetEvent(ctx, store.DefaultProjectID, strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	if e.Title != "hello from snag" || !slices.Contains(e.Tags, [2]string{"k", "v"}) {
		t.Errorf("stored %+v", e)
	}
}
