package apitest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// fakeTB collects failures instead of failing the real test, and runs
// cleanups when told.
type fakeTB struct {
	testing.TB
	mu       sync.Mutex
	errors   []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Error(args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprint(args...))
}
func (f *fakeTB) Errorf(format string, args ...any) { f.Error(fmt.Sprintf(format, args...)) }
func (f *fakeTB) Cleanup(fn func())                 { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) finish() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMatchedStubsPass(t *testing.T) {
	ft := &fakeTB{TB: t}
	reg := New(ft)
	reg.Register(GET("/a/").Query("x", "1"), JSON(200, `{"n":1}`))
	reg.Register(GET("/a/").Query("x", "2"), Status(204))
	if code, body := get(t, reg.URL()+"/a/?x=2"); code != 204 || body != "" {
		t.Fatalf("got %d %q", code, body)
	}
	if code, body := get(t, reg.URL()+"/a/?x=1"); code != 200 || body != `{"n":1}` {
		t.Fatalf("got %d %q", code, body)
	}
	ft.finish()
	if len(ft.errors) != 0 {
		t.Fatalf("errors: %v", ft.errors)
	}
}

func TestUnmatchedRequestFails(t *testing.T) {
	ft := &fakeTB{TB: t}
	reg := New(ft)
	reg.Register(GET("/a/").Query("x", "1"), JSON(200, `{}`))
	if code, _ := get(t, reg.URL()+"/a/?x=3"); code != http.StatusNotImplemented {
		t.Fatalf("code = %d", code)
	}
	get(t, reg.URL()+"/a/?x=1")
	ft.finish()
	if len(ft.errors) != 1 || !strings.Contains(ft.errors[0], "unexpected request GET /a/?x=3") ||
		!strings.Contains(ft.errors[0], `near miss GET /a/ [x=["1"]]: query x = ["3"], want ["1"]`) {
		t.Fatalf("errors: %q", ft.errors)
	}
}

func TestUnusedStubFails(t *testing.T) {
	ft := &fakeTB{TB: t}
	reg := New(ft)
	reg.Register(PUT("/b/").JSONBody(`{"status": "resolved"}`), Status(200))
	reg.Register(GET("/c/"), Status(200)).Times(2)
	get(t, reg.URL()+"/c/")
	ft.finish()
	if len(ft.errors) != 2 || !strings.Contains(ft.errors[0], `expected 1 request(s) PUT /b/ [body {"status":"resolved"}], got 0`) ||
		!strings.Contains(ft.errors[1], "expected 2 request(s) GET /c/, got 1") {
		t.Fatalf("errors: %q", ft.errors)
	}
}

func TestJSONBodyIgnoresKeyOrder(t *testing.T) {
	ft := &fakeTB{TB: t}
	reg := New(ft)
	reg.Register(POST("/d/").JSONBody(`{"a":1,"b":[2,3]}`), Status(201))
	resp, err := http.Post(reg.URL()+"/d/", "application/json", strings.NewReader(`{"b": [2, 3], "a": 1}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ft.finish()
	if resp.StatusCode != 201 || len(ft.errors) != 0 {
		t.Fatalf("code %d, errors %v", resp.StatusCode, ft.errors)
	}
}
