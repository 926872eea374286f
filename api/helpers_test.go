package api

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/snag-dev/snag/api/apitest"
)

const testToken = "sntryu_" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// sleeps records the waits the client asked for instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// newTestClient returns a stub server and a client for it that never really
// sleeps and whose jitter is fixed at the middle of its range, so backoffs
// are exactly 1 s, 1.5 s, 2.25 s, ...
func newTestClient(t *testing.T, opts ...Option) (*apitest.Registry, *Client, *sleeps) {
	t.Helper()
	reg := apitest.New(t)
	s := &sleeps{}
	c, err := New(reg.URL(), testToken, append([]Option{WithSleep(s.sleep)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	c.retry.jitter = func() float64 { return 0.5 }
	return reg, c, s
}

// recorded is one request of shared/fixtures/sentry-cli-upload.
type recorded struct {
	Method   string          `json:"method"`
	Path     string          `json:"path"`
	Query    string          `json:"query"`
	Headers  [][2]string     `json:"headers"`
	Body     json.RawMessage `json:"body"`
	Response struct {
		Status int             `json:"status"`
		Body   json.RawMessage `json:"body"`
	} `json:"response"`
}

func loadRecorded(t *testing.T, path string) recorded {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r recorded
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

func (r recorded) header(name string) string {
	for _, h := range r.Headers {
		if h[0] == name {
			return h[1]
		}
	}
	return ""
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
