package api

import (
	"bytes"
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/snag-dev/snag/api/apitest"
	"github.com/snag-dev/snag/internal/build"
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
	c, _ := New(srv.URL, "t", WithMaxRetries(0))
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

func TestHeadersOnEveryRequest(t *testing.T) {
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.GET("/api/0/organizations/").
		Header("Authorization", "Bearer "+testToken).
		Header("User-Agent", build.UserAgent()).
		Header("Accept", "application/json"),
		apitest.JSON(200, `[]`))
	if _, err := c.OrganizationsPage(t.Context(), ListOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestNoTokenNoAuthorizationHeader(t *testing.T) {
	reg := apitest.New(t)
	c, _ := New(reg.URL(), "")
	reg.Register(apitest.GET("/api/0/organizations/").Header("Authorization", ""), apitest.JSON(200, `[]`))
	if _, err := c.OrganizationsPage(t.Context(), ListOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestWithHTTPClientIsNotChanged(t *testing.T) {
	tr := &http.Transport{}
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	if _, err := New("https://sentry.io", testToken, WithHTTPClient(hc)); err != nil {
		t.Fatal(err)
	}
	if hc.Transport != tr || hc.Timeout != time.Minute {
		t.Fatal("New changed the caller's http.Client")
	}
}

func TestRetriesGatewayErrorsWithBackoff(t *testing.T) {
	for _, code := range []int{502, 503, 504, 507, 524} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			reg, c, s := newTestClient(t)
			reg.Register(apitest.GET("/api/0/organizations/"), apitest.Status(code)).Times(3)
			reg.Register(apitest.GET("/api/0/organizations/"), apitest.JSONFile(200, "testdata/organizations.json"))
			p, err := c.OrganizationsPage(t.Context(), ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Items) != 1 {
				t.Fatalf("items = %d", len(p.Items))
			}
			want := []time.Duration{time.Second, 1500 * time.Millisecond, 2250 * time.Millisecond}
			if got := s.got(); !slices.Equal(got, want) {
				t.Fatalf("backoff = %v, want %v", got, want)
			}
		})
	}
}

func TestRetriesGiveUp(t *testing.T) {
	reg, c, s := newTestClient(t, WithMaxRetries(2))
	reg.Register(apitest.GET("/api/0/organizations/"), apitest.JSON(503, `{"detail":"try later"}`)).Times(3)
	_, err := c.OrganizationsPage(t.Context(), ListOptions{})
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 503 || he.Detail != "try later" {
		t.Fatalf("err = %v", err)
	}
	if n := len(s.got()); n != 2 {
		t.Fatalf("slept %d times, want 2", n)
	}
}

func TestBackoffCapAndJitter(t *testing.T) {
	p := defaultRetryPolicy()
	for attempt := range 10 {
		for _, j := range []float64{0, 0.5, 0.999} {
			p.jitter = func() float64 { return j }
			d := p.backoff(attempt)
			base := float64(time.Second) * math.Pow(1.5, float64(attempt))
			if d > 5*time.Second || float64(d) < min(base*0.5, float64(5*time.Second))-1 {
				t.Errorf("backoff(%d) with jitter %v = %v", attempt, j, d)
			}
		}
	}
	p.jitter = func() float64 { return 0.5 }
	if d := p.backoff(20); d != 5*time.Second {
		t.Errorf("backoff(20) = %v, want the 5s cap", d)
	}
}

func TestNoRetryForOtherStatuses(t *testing.T) {
	for _, code := range []int{400, 404, 409, 500} {
		reg, c, s := newTestClient(t)
		reg.Register(apitest.GET("/api/0/organizations/"), apitest.Status(code))
		_, err := c.OrganizationsPage(t.Context(), ListOptions{})
		var he *HTTPError
		if !errors.As(err, &he) || he.StatusCode != code {
			t.Fatalf("%d: err = %v", code, err)
		}
		if len(s.got()) != 0 {
			t.Fatalf("%d: retried", code)
		}
	}
}

func TestNoRetryForUnsafePOST(t *testing.T) {
	reg, c, s := newTestClient(t)
	reg.Register(apitest.POST("/api/0/organizations/acme/things/"), apitest.Status(503))
	req, _ := c.newRequest(http.MethodPost, "/organizations/acme/things/", nil).withJSON(map[string]int{"n": 1})
	_, err := c.send(t.Context(), req, nil)
	if err == nil || len(s.got()) != 0 {
		t.Fatalf("err = %v, sleeps = %v: a POST not marked safe must not be retried", err, s.got())
	}

	reg.Register(apitest.POST("/api/0/organizations/acme/things/"), apitest.Hijack())
	req, _ = c.newRequest(http.MethodPost, "/organizations/acme/things/", nil).withJSON(map[string]int{"n": 1})
	if _, err := c.send(t.Context(), req, nil); err == nil || len(s.got()) != 0 {
		t.Fatalf("err = %v, sleeps = %v: a dropped POST must not be retried", err, s.got())
	}
}

func TestRetriesDroppedConnections(t *testing.T) {
	reg, c, s := newTestClient(t)
	reg.Register(apitest.GET("/api/0/organizations/"), apitest.Hijack())
	reg.Register(apitest.GET("/api/0/organizations/"), apitest.JSON(200, `[]`))
	if _, err := c.OrganizationsPage(t.Context(), ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := s.got(); len(got) != 1 || got[0] != time.Second {
		t.Fatalf("sleeps = %v", got)
	}
}

func TestPerAttemptTimeoutIsRetried(t *testing.T) {
	reg, c, s := newTestClient(t, WithTimeout(50*time.Millisecond))
	reg.Register(apitest.GET("/api/0/organizations/"), func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	reg.Register(apitest.GET("/api/0/organizations/"), apitest.JSON(200, `[]`))
	if _, err := c.OrganizationsPage(t.Context(), ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(s.got()) != 1 {
		t.Fatalf("sleeps = %v", s.got())
	}
}

func TestCanceledContextStopsRetrying(t *testing.T) {
	reg, c, _ := newTestClient(t)
	ctx, cancel := context.WithCancel(t.Context())
	c.retry.sleep = func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
	reg.Register(apitest.GET("/api/0/organizations/"), apitest.Status(503))
	_, err := c.OrganizationsPage(ctx, ListOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want it to wrap context.Canceled", err)
	}
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != 503 {
		t.Fatalf("err = %v, want it to keep the 503", err)
	}
}

func TestRateLimitHonoursRetryAfter(t *testing.T) {
	date := time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		retryAfter string
		wantMin    time.Duration
		wantMax    time.Duration
	}{
		{"seconds", "3", 3 * time.Second, 3 * time.Second},
		{"HTTP date", date, 8 * time.Second, 10 * time.Second},
		{"capped", "3600", MaxRetryAfter, MaxRetryAfter},
		{"absent: backoff", "", time.Second, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, c, s := newTestClient(t)
			reply := apitest.JSON(429, `{"detail":"Request was throttled."}`)
			if tt.retryAfter != "" {
				reply = apitest.WithHeader(reply, "Retry-After", tt.retryAfter)
			}
			reg.Register(apitest.GET("/api/0/organizations/"), reply)
			reg.Register(apitest.GET("/api/0/organizations/"), apitest.JSON(200, `[]`))
			if _, err := c.OrganizationsPage(t.Context(), ListOptions{}); err != nil {
				t.Fatal(err)
			}
			got := s.got()
			if len(got) != 1 || got[0] < tt.wantMin || got[0] > tt.wantMax {
				t.Fatalf("slept %v, want one wait in [%v, %v]", got, tt.wantMin, tt.wantMax)
			}
		})
	}
}

func TestRateLimitRetriesEvenPOST(t *testing.T) {
	reg, c, s := newTestClient(t)
	reg.Register(apitest.POST("/api/0/organizations/acme/things/"), apitest.WithHeader(apitest.Status(429), "Retry-After", "2"))
	reg.Register(apitest.POST("/api/0/organizations/acme/things/"), apitest.JSON(201, `{}`))
	req, _ := c.newRequest(http.MethodPost, "/organizations/acme/things/", nil).withJSON(map[string]int{"n": 1})
	if _, err := c.send(t.Context(), req, nil); err != nil {
		t.Fatal(err)
	}
	if got := s.got(); len(got) != 1 || got[0] != 2*time.Second {
		t.Fatalf("sleeps = %v", got)
	}
}

func TestRateLimitExhausted(t *testing.T) {
	reg, c, _ := newTestClient(t, WithMaxRetries(1))
	reg.Register(apitest.GET("/api/0/organizations/"), apitest.WithHeader(apitest.Status(429), "Retry-After", "7")).Times(2)
	_, err := c.OrganizationsPage(t.Context(), ListOptions{})
	var he *HTTPError
	if !errors.Is(err, ErrRateLimited) || !errors.As(err, &he) || he.RetryAfter != 7*time.Second || !strings.Contains(err.Error(), "retry after 7s") {
		t.Fatalf("err = %#v", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"12", 12 * time.Second, true},
		{"1.5", 1500 * time.Millisecond, true},
		{"Wed, 01 May 2024 12:00:30 GMT", 30 * time.Second, true},
		{"Wed, 01 May 2024 11:00:00 GMT", 0, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAuthErrorsAreNotRetried(t *testing.T) {
	for _, code := range []int{401, 403} {
		reg, c, s := newTestClient(t)
		reg.Register(apitest.GET("/api/0/organizations/"), apitest.JSON(code, `{"detail":"Invalid token"}`))
		_, err := c.OrganizationsPage(t.Context(), ListOptions{})
		if !IsAuthError(err) || len(s.got()) != 0 {
			t.Fatalf("%d: err = %v, sleeps = %v", code, err, s.got())
		}
		if strings.Contains(err.Error(), testToken) {
			t.Fatal("the error shows the token")
		}
	}
}

func TestFieldErrors(t *testing.T) {
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.PUT("/api/0/organizations/acme/issues/"), apitest.JSON(400,
		`{"status":["\"done\" is not a valid choice."],"statusDetails":{"inRelease":["Unable to find a release with the given version."]},"non_field_errors":["Nope."]}`))
	_, err := c.UpdateIssues(t.Context(), "acme", []string{"1"}, IssueUpdate{Status: StatusResolved, StatusDetails: &StatusDetails{InRelease: "9"}})
	var he *HTTPError
	if !errors.As(err, &he) {
		t.Fatalf("err = %v", err)
	}
	want := `Nope.; status: "done" is not a valid choice.; statusDetails.inRelease: Unable to find a release with the given version.`
	if he.Detail != want {
		t.Fatalf("detail = %q\nwant     %q", he.Detail, want)
	}
	if len(he.Fields["statusDetails.inRelease"]) != 1 {
		t.Fatalf("fields = %v", he.Fields)
	}
}

func TestDebugLogRedactsTheToken(t *testing.T) {
	var buf bytes.Buffer
	reg, c, _ := newTestClient(t, WithDebug(&buf))
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/"), apitest.Status(503))
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/"), apitest.WithHeader(apitest.JSON(200, `[]`),
		"Link", `<x>; rel="next"; results="false"; cursor="0:100:0"`))
	if _, err := c.IssuesPage(t.Context(), "acme", IssueListOptions{Query: "is:unresolved " + testToken}); err != nil {
		t.Fatal(err)
	}
	log := buf.String()
	for _, want := range []string{
		"> GET " + reg.URL() + "/api/0/organizations/acme/issues/?query=is%3Aunresolved",
		"> Authorization: Bearer [redacted]",
		"> User-Agent: snag/",
		"< 503 Service Unavailable GET",
		"! retry 1/5 of GET",
		"(retry 1)",
		"< 200 OK GET",
		`< Link: <x>; rel="next"`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("debug log lacks %q", want)
		}
	}
	if strings.Contains(log, testToken) || strings.Contains(log, testToken[7:]) {
		t.Fatalf("debug log shows the token:\n%s", log)
	}
	t.Log(log)
}

func TestSafeURL(t *testing.T) {
	got := safeURL("https://user:pw@o1.ingest.sentry.io/api/2/csp-report/?sentry_key=abc&cursor=0:100:0")
	if strings.Contains(got, "abc") || strings.Contains(got, "pw") || !strings.Contains(got, "cursor=0%3A100%3A0") {
		t.Fatalf("safeURL = %q", got)
	}
}

func TestRedirectToAnotherHostDropsTheToken(t *testing.T) {
	reg, c, _ := newTestClient(t)
	other := apitest.New(t)
	other.Register(apitest.GET("/elsewhere/").Header("Authorization", ""), apitest.JSON(200, `[]`))
	reg.Register(apitest.GET("/api/0/organizations/"), func(w http.ResponseWriter, r *http.Request) {
		// 127.0.0.1 and localhost are different hosts to net/http.
		http.Redirect(w, r, strings.Replace(other.URL(), "127.0.0.1", "localhost", 1)+"/elsewhere/", http.StatusFound)
	})
	if _, err := c.OrganizationsPage(t.Context(), ListOptions{}); err != nil {
		t.Fatal(err)
	}
}
