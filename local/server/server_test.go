package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/snag-dev/snag/local/store"
)

// fixtureKey is the DSN key the recorded SDK requests were sent with.
const fixtureKey = "0123456789abcdef0123456789abcdef"

type testEnv struct {
	srv   *httptest.Server
	store *store.Store
	url   string
}

// newTestEnv starts the server on loopback in front of a real store in a
// temporary directory, with the fixtures' key added to project 1.
func newTestEnv(t *testing.T, cfg Config) *testEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "snag.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.AddProjectKey(ctx, store.DefaultProjectID, fixtureKey, "fixtures"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(st, cfg).Handler())
	t.Cleanup(srv.Close)
	return &testEnv{srv: srv, store: st, url: srv.URL}
}

func (e *testEnv) post(t *testing.T, path string, header http.Header, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

type recordedRequest struct {
	Method   string      `json:"method"`
	Path     string      `json:"path"`
	Query    string      `json:"query"`
	Headers  [][2]string `json:"headers"`
	RawBody  string      `json:"raw_body"`
	Response struct {
		Status int             `json:"status"`
		Body   json.RawMessage `json:"body"`
	} `json:"response"`
}

// TestReplayRecordedSDKRequests sends every request recorded from real SDKs
// (node, browser, go, Spotlight, sentry-cli) and checks each is answered as
// Sentry answered it and each event lands in the store.
func TestReplayRecordedSDKRequests(t *testing.T) {
	env := newTestEnv(t, Config{})
	root := filepath.Join("..", "ingest", "testdata", "fixtures")
	files, err := filepath.Glob(filepath.Join(root, "*", "*.request.json"))
	if err != nil || len(files) < 30 {
		t.Fatalf("found %d recorded requests (%v)", len(files), err)
	}
	events := 0
	for _, f := range files {
		name := filepath.Base(filepath.Dir(f)) + "/" + strings.TrimSuffix(filepath.Base(f), ".request.json")
		t.Run(name, func(t *testing.T) {
			var rec recordedRequest
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &rec); err != nil {
				t.Fatal(err)
			}
			body, err := os.ReadFile(filepath.Join(filepath.Dir(f), rec.RawBody))
			if err != nil {
				t.Fatal(err)
			}
			h := http.Header{}
			for _, kv := range rec.Headers {
				switch strings.ToLower(kv[0]) {
				case "host", "content-length", "transfer-encoding", "connection":
				default:
					h.Add(kv[0], kv[1])
				}
			}
			path := rec.Path
			if rec.Query != "" {
				path += "?" + rec.Query
			}
			resp, got := env.post(t, path, h, body)
			if resp.StatusCode != rec.Response.Status {
				t.Fatalf("status %d, recorded %d: %s", resp.StatusCode, rec.Response.Status, got)
			}
			var answer struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(got, &answer)
			var recorded struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(rec.Response.Body, &recorded) // Spotlight answered plain text
			// Relay answers the id without dashes; the recorder echoed sentry-cli's dashed one.
			if want := strings.ReplaceAll(recorded.ID, "-", ""); want != "" && answer.ID != want {
				t.Errorf("answered id %q, recorded %q", answer.ID, recorded.ID)
			}
			if strings.Contains(name, "event") {
				ev, err := env.store.GetEvent(context.Background(), store.DefaultProjectID, answer.ID)
				if err != nil {
					t.Fatalf("event %s not stored: %v", answer.ID, err)
				}
				if len(ev.Body) == 0 || ev.Title == "" {
					t.Errorf("stored event lacks body or title: %+v", ev)
				}
				events++
			}
		})
	}
	t.Logf("%d recorded requests replayed, %d events stored", len(files), events)
}

func envelope(header string, items ...string) []byte {
	var b strings.Builder
	b.WriteString(header + "\n")
	for _, it := range items {
		b.WriteString(it + "\n")
	}
	return []byte(b.String())
}

func authHeader() http.Header {
	return http.Header{"X-Sentry-Auth": {"Sentry sentry_version=7, sentry_key=" + fixtureKey + ", sentry_client=test/1.0"}}
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}

func TestIngestErrors(t *testing.T) {
	env := newTestEnv(t, Config{})
	event := envelope(`{}`, `{"type":"event"}`, `{"message":"hi"}`)
	big := fmt.Sprintf(`{"message":%q}`, strings.Repeat("x", 2<<20))
	tests := []struct {
		name   string
		path   string
		header http.Header
		body   []byte
		status int
		detail string
	}{
		{"no auth", "/api/1/envelope/", nil, event, 401, "auth"},
		{"two carriers", "/api/1/envelope/?sentry_key=" + fixtureKey, authHeader(), event, 401, "multiple"},
		{"unknown key", "/api/1/envelope/?sentry_key=ffffffffffffffffffffffffffffffff", nil, event, 403, "unknown DSN public key"},
		{"wrong project", "/api/2/envelope/", authHeader(), event, 403, "belongs to project 1"},
		{"bad project id", "/api/abc/envelope/", authHeader(), event, 400, "invalid project id"},
		{"malformed envelope", "/api/1/envelope/", authHeader(), []byte("{not json\n"), 400, "envelope"},
		{"bad event JSON", "/api/1/envelope/", authHeader(), envelope(`{}`, `{"type":"event"}`, `{"message":`), 400, ""},
		{"dsn header disagrees", "/api/1/envelope/", authHeader(), envelope(`{"dsn":"http://ffffffffffffffffffffffffffffffff@127.0.0.1/1"}`, `{"type":"event"}`, `{}`), 400, "mismatch"},
		{"unsupported encoding", "/api/1/envelope/", http.Header{"X-Sentry-Auth": authHeader()["X-Sentry-Auth"], "Content-Encoding": {"lzma"}}, event, 415, ""},
		{"event too large", "/api/1/store/", authHeader(), []byte(big), 413, ""},
		{"empty body", "/api/1/store/", authHeader(), nil, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := env.post(t, tt.path, tt.header, tt.body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			var doc struct {
				Detail string   `json:"detail"`
				Causes []string `json:"causes"`
			}
			if err := json.Unmarshal(body, &doc); err != nil || doc.Detail == "" || doc.Causes == nil {
				t.Fatalf("error body %s (%v)", body, err)
			}
			if all := strings.ToLower(doc.Detail + " " + strings.Join(doc.Causes, " ")); !strings.Contains(all, strings.ToLower(tt.detail)) {
				t.Errorf("body %s lacks %q", body, tt.detail)
			}
		})
	}
	// The server still serves after all that.
	resp, body := env.post(t, "/api/1/envelope/", authHeader(), event)
	if resp.StatusCode != 200 {
		t.Fatalf("after errors: %d %s", resp.StatusCode, body)
	}
}

// TestGzipBomb streams gigabytes of zeros compressed into a small body: the
// server must refuse it at the limit, quickly and without holding it.
func TestGzipBomb(t *testing.T) {
	env := newTestEnv(t, Config{})
	pr, pw := io.Pipe()
	var sent atomic.Int64 // MiB of zeros compressed so far
	go func() {
		zw, _ := gzip.NewWriterLevel(pw, gzip.BestSpeed)
		zeros := make([]byte, 1<<20)
		for i := 0; i < 4<<10; i++ { // 4 GiB uncompressed
			if _, err := zw.Write(zeros); err != nil {
				break
			}
			sent.Add(1)
		}
		zw.Close()
		pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, env.url+"/api/1/store/", pr)
	req.Header = authHeader()
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// Refused early: a timing would be flaky on a busy machine, so count
	// what the client had to produce (buffers hold a few MiB at most).
	if n := sent.Load(); n > 256 {
		t.Errorf("the client compressed %d MiB before the server refused a 1 MiB body", n)
	}
	pr.CloseWithError(errors.New("done"))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	env := newTestEnv(t, Config{RateLimit: 2, Now: func() time.Time { return now }})
	event := envelope(`{}`, `{"type":"event"}`, `{"message":"x"}`)
	for i := 0; i < 2; i++ {
		if resp, body := env.post(t, "/api/1/envelope/", authHeader(), event); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i, resp.StatusCode, body)
		}
	}
	resp, _ := env.post(t, "/api/1/envelope/", authHeader(), event)
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", resp.StatusCode)
	}
	if ra := resp.Header.Get("Retry-After"); ra != "1" {
		t.Errorf("Retry-After = %q", ra)
	}
	if rl := resp.Header.Get("X-Sentry-Rate-Limits"); rl != "1::project:rate_limited" {
		t.Errorf("X-Sentry-Rate-Limits = %q", rl)
	}
	// Sessions and other dropped items are not counted against the limit.
	session := envelope(`{}`, `{"type":"session"}`, `{"sid":"x"}`)
	if resp, _ := env.post(t, "/api/1/envelope/", authHeader(), session); resp.StatusCode != 200 {
		t.Errorf("session under the limit: %d", resp.StatusCode)
	}
	now = now.Add(time.Second)
	if resp, _ := env.post(t, "/api/1/envelope/", authHeader(), event); resp.StatusCode != 200 {
		t.Errorf("after a second: %d", resp.StatusCode)
	}
}

func TestCORS(t *testing.T) {
	env := newTestEnv(t, Config{})
	req, _ := http.NewRequest(http.MethodOptions, env.url+"/api/1/envelope/", nil)
	req.Header.Set("Origin", "http://localhost:3000")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := map[string]string{
		"Access-Control-Allow-Origin":   "*",
		"Access-Control-Allow-Methods":  "POST",
		"Access-Control-Expose-Headers": corsExposeHeaders,
		"Access-Control-Max-Age":        "3600",
	}
	if resp.StatusCode != 200 {
		t.Errorf("preflight status %d", resp.StatusCode)
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "x-sentry-auth") {
		t.Errorf("allow headers = %q", resp.Header.Get("Access-Control-Allow-Headers"))
	}
	post, _ := env.post(t, "/api/1/envelope/?sentry_key="+fixtureKey, http.Header{"Content-Type": {"text/plain;charset=UTF-8"}}, envelope(`{}`, `{"type":"event"}`, `{}`))
	if post.StatusCode != 200 || post.Header.Get("Access-Control-Expose-Headers") == "" {
		t.Errorf("POST: %d %v", post.StatusCode, post.Header)
	}
}

func TestStreamIsLocalOnly(t *testing.T) {
	env := newTestEnv(t, Config{})
	h := New(env.store, Config{}).Handler()
	req := httptest.NewRequest(http.MethodPost, "/stream", bytes.NewReader(envelope(`{}`, `{"type":"event"}`, `{}`)))
	req.RemoteAddr = "192.0.2.7:5555"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("remote /stream: %d", rec.Code)
	}
	resp, body := env.post(t, "/stream", http.Header{"Content-Type": {"application/x-sentry-envelope"}}, envelope(`{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}`, `{"type":"event"}`, `{"message":"from spotlight"}`))
	if resp.StatusCode != 200 || !strings.Contains(string(body), "9ec79c33ec9942ab8353589fcb2e04dc") {
		t.Fatalf("local /stream: %d %s", resp.StatusCode, body)
	}
	if _, err := env.store.GetEvent(context.Background(), store.DefaultProjectID, "9ec79c33ec9942ab8353589fcb2e04dc"); err != nil {
		t.Error(err)
	}
}

func TestItemsThatAreNotErrors(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx := context.Background()
	const id = "11111111111111111111111111111111"
	body := envelope(`{"event_id":"`+id+`"}`,
		`{"type":"transaction"}`, `{"type":"transaction","transaction":"/","start_timestamp":1,"timestamp":2}`,
		`{"type":"client_report"}`, `{"discarded_events":[]}`,
		`{"type":"made_up_item"}`, `{}`)
	resp, got := env.post(t, "/api/1/envelope/", authHeader(), body)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
	if n, err := env.store.EventCount(ctx); err != nil || n != 0 {
		t.Errorf("stored %d events (%v)", n, err)
	}
}

func TestEventWithAttachmentAndDuplicate(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx := context.Background()
	const id = "22222222222222222222222222222222"
	body := envelope(`{"event_id":"`+id+`"}`,
		`{"type":"event"}`, `{"exception":{"values":[{"type":"Error","value":"boom"}]}}`,
		`{"type":"attachment","length":5,"filename":"log.txt","content_type":"text/plain"}`, `hello`)
	h := authHeader()
	h.Set("Content-Encoding", "gzip")
	for i := 0; i < 2; i++ {
		resp, got := env.post(t, "/api/1/envelope/", h, gzipped(t, body))
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, got)
		}
	}
	ev, err := env.store.GetEvent(ctx, store.DefaultProjectID, id)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := env.store.EventCount(ctx); n != 1 {
		t.Errorf("the same event_id twice stored %d events", n)
	}
	atts, err := env.store.Attachments(ctx, ev.Row)
	if err != nil || len(atts) != 1 || atts[0].Name != "log.txt" {
		t.Fatalf("attachments = %+v, %v", atts, err)
	}
	data, err := env.store.AttachmentData(ctx, atts[0].ID)
	if err != nil || string(data) != "hello" {
		t.Errorf("attachment data %q, %v", data, err)
	}
	is, err := env.store.GetIssue(ctx, ev.IssueID)
	if err != nil || is.Title != "Error: boom" || is.TimesSeen != 1 {
		t.Errorf("issue = %+v, %v", is, err)
	}
}

// queueFull is the real store with its queue always full, to see the 503.
type queueFull struct{ *store.Store }

func (queueFull) Accept(context.Context, *store.EventRecord) error {
	return store.ErrQueueFull
}

func TestBackpressure(t *testing.T) {
	env := newTestEnv(t, Config{})
	srv := httptest.NewServer(New(queueFull{env.store}, Config{}).Handler())
	defer srv.Close()
	env.url = srv.URL
	resp, body := env.post(t, "/api/1/envelope/", authHeader(), envelope(`{}`, `{"type":"event"}`, `{}`))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, body)
	}
}
