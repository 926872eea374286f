// Package apitest is a stub Sentry API for tests: register the requests a
// test expects, each with a canned answer, and point a client at URL. A
// request nobody registered fails the test, and so does a registered one that
// never came (checked when the test ends).
//
//	reg := apitest.New(t)
//	reg.Register(apitest.GET("/api/0/organizations/").Query("cursor", ""),
//		apitest.JSONFile(200, "testdata/organizations.json"))
//	client, _ := api.New(reg.URL(), "token")
package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sync"
	"testing"
)

// Registry is the stub server and its expected requests.
type Registry struct {
	tb    testing.TB
	srv   *httptest.Server
	mu    sync.Mutex
	stubs []*Stub
}

// New starts a stub server that lives as long as the test, and verifies at
// cleanup that every registered stub was used.
func New(tb testing.TB) *Registry {
	tb.Helper()
	r := &Registry{tb: tb}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(func() {
		r.srv.Close()
		r.Verify(tb)
	})
	return r
}

// URL is the server's root URL (give it to api.New).
func (r *Registry) URL() string { return r.srv.URL }

// Stub is one expected request and its answer.
type Stub struct {
	match    *Matcher
	reply    Responder
	times    int // how many requests it answers; -1 is any number
	calls    int
	Requests []*Recorded // what it answered, for extra assertions
}

// Times lets the stub answer n requests instead of one.
func (s *Stub) Times(n int) *Stub { s.times = n; return s }

// Recorded is a request a stub answered.
type Recorded struct {
	Method string
	URL    *url.URL
	Header http.Header
	Body   []byte
}

// Register adds an expected request; stubs are tried in the order they were
// registered, and each answers once unless Times says otherwise, so the same
// request can be answered 503 and then 200.
func (r *Registry) Register(m *Matcher, reply Responder) *Stub {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := &Stub{match: m, reply: reply, times: 1}
	r.stubs = append(r.stubs, s)
	return s
}

// Verify fails tb for every stub that answered fewer requests than it
// expected. New calls it at cleanup.
func (r *Registry) Verify(tb testing.TB) {
	tb.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.stubs {
		if s.times > 0 && s.calls < s.times {
			tb.Errorf("apitest: expected %d request(s) %s, got %d", s.times, s.match, s.calls)
		}
	}
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		r.tb.Errorf("apitest: reading the body of %s %s: %v", req.Method, req.URL, err)
	}
	r.mu.Lock()
	var picked *Stub
	var near []string
	for _, s := range r.stubs {
		if s.times >= 0 && s.calls >= s.times {
			continue
		}
		if why := s.match.mismatch(req, body); why != "" {
			if s.match.method == req.Method && s.match.path == req.URL.Path {
				near = append(near, fmt.Sprintf("%s: %s", s.match, why))
			}
			continue
		}
		picked = s
		break
	}
	if picked != nil {
		picked.calls++
		picked.Requests = append(picked.Requests, &Recorded{Method: req.Method, URL: req.URL, Header: req.Header.Clone(), Body: body})
	}
	r.mu.Unlock()

	if picked == nil {
		msg := fmt.Sprintf("apitest: unexpected request %s %s", req.Method, req.URL.RequestURI())
		for _, n := range near {
			msg += "\n\tnear miss " + n
		}
		r.tb.Error(msg)
		// 501 is in no retry list, so the client gives up at once.
		http.Error(w, "no stub matched", http.StatusNotImplemented)
		return
	}
	picked.reply(w, req)
}

// Matcher describes an expected request.
type Matcher struct {
	method, path string
	checks       []check
}

type check struct {
	desc string
	fn   func(req *http.Request, body []byte) string // "" when it holds
}

// Req expects method on path (the URL path, e.g. "/api/0/organizations/").
func Req(method, path string) *Matcher { return &Matcher{method: method, path: path} }

// GET, PUT, POST and DELETE are Req with that method.
func GET(path string) *Matcher    { return Req(http.MethodGet, path) }
func PUT(path string) *Matcher    { return Req(http.MethodPut, path) }
func POST(path string) *Matcher   { return Req(http.MethodPost, path) }
func DELETE(path string) *Matcher { return Req(http.MethodDelete, path) }

func (m *Matcher) String() string {
	s := m.method + " " + m.path
	for _, c := range m.checks {
		s += " [" + c.desc + "]"
	}
	return s
}

func (m *Matcher) mismatch(req *http.Request, body []byte) string {
	if req.Method != m.method {
		return "method " + req.Method
	}
	if req.URL.Path != m.path {
		return "path " + req.URL.Path
	}
	for _, c := range m.checks {
		if why := c.fn(req, body); why != "" {
			return why
		}
	}
	return ""
}

// Check adds an arbitrary condition; fn returns "" when it holds, else why not.
func (m *Matcher) Check(desc string, fn func(req *http.Request, body []byte) string) *Matcher {
	m.checks = append(m.checks, check{desc, fn})
	return m
}

// Query expects key to have exactly these values, in order; no values means
// the key must be absent.
func (m *Matcher) Query(key string, values ...string) *Matcher {
	return m.Check(fmt.Sprintf("%s=%q", key, values), func(req *http.Request, _ []byte) string {
		got := req.URL.Query()[key]
		if len(got) == 0 && len(values) == 0 {
			return ""
		}
		if !slices.Equal(got, values) {
			return fmt.Sprintf("query %s = %q, want %q", key, got, values)
		}
		return ""
	})
}

// ExactQuery expects the query to hold exactly these parameters.
func (m *Matcher) ExactQuery(want url.Values) *Matcher {
	return m.Check("query "+want.Encode(), func(req *http.Request, _ []byte) string {
		got := req.URL.Query()
		if !reflect.DeepEqual(normalize(got), normalize(want)) {
			return fmt.Sprintf("query %q, want %q", got.Encode(), want.Encode())
		}
		return ""
	})
}

func normalize(v url.Values) url.Values {
	if len(v) == 0 {
		return url.Values{}
	}
	return v
}

// Header expects a request header's value.
func (m *Matcher) Header(key, value string) *Matcher {
	return m.Check(key+": "+value, func(req *http.Request, _ []byte) string {
		if got := req.Header.Get(key); got != value {
			return fmt.Sprintf("header %s = %q, want %q", key, got, value)
		}
		return ""
	})
}

// JSONBody expects a JSON body equal to want (compared as decoded JSON, so
// key order and spacing do not matter).
func (m *Matcher) JSONBody(want string) *Matcher {
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		panic("apitest: JSONBody: " + err.Error())
	}
	return m.Check("body "+compact(want), func(_ *http.Request, body []byte) string {
		var g any
		if err := json.Unmarshal(body, &g); err != nil {
			return fmt.Sprintf("body is not JSON (%v): %q", err, truncate(body))
		}
		if !reflect.DeepEqual(g, w) {
			return fmt.Sprintf("body %s, want %s", compact(string(body)), compact(want))
		}
		return ""
	})
}

func compact(s string) string {
	var b bytes.Buffer
	if json.Compact(&b, []byte(s)) != nil {
		return s
	}
	return b.String()
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// Responder writes a stub's answer.
type Responder func(w http.ResponseWriter, req *http.Request)

// Status answers with a code and no body.
func Status(code int) Responder {
	return func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }
}

// JSON answers with a code and a JSON body given as text.
func JSON(code int, body string) Responder {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

// JSONValue answers with a code and v encoded as JSON.
func JSONValue(code int, v any) Responder {
	b, err := json.Marshal(v)
	if err != nil {
		panic("apitest: JSONValue: " + err.Error())
	}
	return JSON(code, string(b))
}

// JSONFile answers with a code and the contents of a file (testdata/...).
// The file is read when the stub is registered, so a missing file fails fast.
func JSONFile(code int, path string) Responder {
	b, err := os.ReadFile(path)
	if err != nil {
		panic("apitest: " + err.Error())
	}
	return JSON(code, string(b))
}

// WithHeader adds response headers (pairs of key, value) to r.
func WithHeader(r Responder, kv ...string) Responder {
	if len(kv)%2 != 0 {
		panic("apitest: WithHeader wants key, value pairs")
	}
	return func(w http.ResponseWriter, req *http.Request) {
		for i := 0; i < len(kv); i += 2 {
			w.Header().Add(kv[i], kv[i+1])
		}
		r(w, req)
	}
}

// Sequence answers the first request with the first responder, the second
// with the second, and so on; use it with Stub.Times.
func Sequence(rs ...Responder) Responder {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		i := min(n, len(rs)-1)
		n++
		mu.Unlock()
		rs[i](w, req)
	}
}

// Hijack drops the connection without answering, the way a crashing proxy
// does; clients see a transport error.
func Hijack() Responder {
	return func(w http.ResponseWriter, _ *http.Request) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("apitest: the response writer cannot be hijacked")
		}
		conn, _, err := hj.Hijack()
		if err == nil {
			conn.Close()
		}
	}
}
