// Package e2e runs the triage UI as a real Bubble Tea program (teatest) on
// a virtual terminal, against a seeded local store and against a stub
// Sentry API, through whole triage sessions: open, filter, group, view,
// resolve, quit. It is a package of its own because teatest registers the
// same -update flag as internal/golden.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/charmbracelet/x/vt"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/api/apitest"
	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/local/store/storetest"
	"github.com/snag-dev/snag/tui"
)

const width, height = 80, 24

// term is the program's output drawn on a virtual terminal, so tests read
// the screen a user sees rather than the renderer's byte stream.
type term struct {
	tm  *teatest.TestModel
	emu *vt.SafeEmulator
	mu  sync.Mutex
}

func run(t *testing.T, b api.Backend, opts tui.Options) *term {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return storetest.Now }
	}
	m := tui.New(context.Background(), b, opts)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(width, height),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	tt := &term{tm: tm, emu: vt.NewSafeEmulator(width, height)}
	// The emulator answers the program's queries on its input side; nobody
	// reads them, so drain them. (Closing the emulator races with this
	// read in vt, so the goroutine ends with the test binary.)
	go func() { _, _ = io.Copy(io.Discard, tt.emu) }()
	return tt
}

// screen pumps what the program wrote so far into the emulator and returns
// the screen's text.
func (tt *term) screen() string {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	b, _ := io.ReadAll(tt.tm.Output())
	// A terminal's line discipline turns \n into \r\n (ONLCR); a buffer
	// does not, so do it here.
	_, _ = tt.emu.Write(bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")))
	return tt.emu.String()
}

// waitFor waits until the screen shows every one of texts.
func (tt *term) waitFor(t *testing.T, texts ...string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var s string
	for time.Now().Before(deadline) {
		s = tt.screen()
		ok := true
		for _, x := range texts {
			ok = ok && strings.Contains(s, x)
		}
		if ok {
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the screen never showed %q:\n%s", texts, s)
	return ""
}

// cursorLine is the line the cursor mark is on.
func cursorLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, ">") {
			return l
		}
	}
	return ""
}

func (tt *term) keys(keys ...string) {
	for _, k := range keys {
		tt.tm.Send(key(k))
	}
}

func key(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	}
	return tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
}

func jsEvent(id, hm, typ, value, fn, file string) string {
	return fmt.Sprintf(`{"event_id": %q, "timestamp": "2026-11-20T%s:00Z", "platform": "javascript", "level": "error",
	  "release": "web@1.5.0", "environment": "production",
	  "exception": {"values": [{"type": %q, "value": %q, "stacktrace": {"frames": [
	    {"filename": %q, "function": %q, "lineno": 3, "colno": 1, "in_app": true}]}}]}}`, id, hm, typ, value, file, fn)
}

func TestTriageLocalStore(t *testing.T) {
	st, _ := storetest.Open(t)
	storetest.SeedTriage(t, st)
	storetest.Submit(t, st, storetest.Now.Add(-2*time.Hour), jsEvent("d1000000000000000000000000000001", "10:30",
		"RangeError", "Invalid array length", "pageRows", "src/table.ts"))
	b := store.NewBackend(st, store.BackendOptions{Path: "snag.db"})
	tt := run(t, b, tui.Options{PollInterval: 20 * time.Millisecond})

	s := tt.waitFor(t, "local store snag.db", "● live", "DEFAULT-1", "DEFAULT-2", "DEFAULT-3", "[Unresolved 3]")
	tt.keys("j")
	s = tt.waitFor(t, "> E DEFAULT-3")

	// Live: a new issue shows up on its own, and the cursor stays put.
	storetest.Submit(t, st, storetest.Now.Add(-time.Minute), jsEvent("d2000000000000000000000000000001", "12:29",
		"SyntaxError", "Unexpected token <", "parseConfig", "src/config.ts"))
	s = tt.waitFor(t, "DEFAULT-4", "[Unresolved 4]")
	if !strings.Contains(cursorLine(s), "DEFAULT-3") {
		t.Errorf("the cursor moved when the new issue came in:\n%s", s)
	}

	// Filter, group, open, resolve.
	tt.keys("/")
	tt.tm.Type("cart")
	tt.waitFor(t, "/ cart")
	tt.keys("enter")
	tt.waitFor(t, "[Unresolved 1]", "(esc clears)")
	tt.keys("g")
	tt.waitFor(t, "group: error type", "TypeError  1 issue · 2 events · 2 users")
	tt.keys("j", "enter")
	tt.waitFor(t, "Issues › DEFAULT-1", "Event a1000000000000000000000000000002")
	tt.keys("r")
	tt.waitFor(t, "resolved", "Resolved DEFAULT-1.")
	tt.keys("esc")
	tt.waitFor(t, "No unresolved issues match the filter.")
	tt.keys("q")
	tt.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))

	is, err := b.GetIssue(context.Background(), "DEFAULT-1")
	if err != nil || is.Status != api.StatusResolved {
		t.Errorf("DEFAULT-1 on the store: %v %v", is, err)
	}
}

func TestTriageSentryAPI(t *testing.T) {
	reg := apitest.New(t)
	list := func(query, body string) {
		reg.Register(apitest.GET("/api/0/organizations/acme/issues/").Query("query", query).Query("sort", "date").
			Query("groupStatsPeriod", "24h").Query("limit", "100"), apitest.JSON(200, body)).Times(-1)
	}
	list("is:unresolved", issues(unresolved(webIssue), unresolved(apiIssue)))
	list("is:unresolved cart", issues(unresolved(webIssue)))
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/101/"), apitest.JSON(200, unresolved(webIssue)))
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/101/tags/").Query("limit", "3"), apitest.JSON(200, tags))
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/101/events/latest/"), apitest.JSONFile(200, "../../api/testdata/event.json"))
	resolve := reg.Register(apitest.PUT("/api/0/organizations/acme/issues/").Query("id", "101").JSONBody(`{"status":"resolved"}`),
		apitest.JSON(200, `{"status":"resolved","statusDetails":{}}`))

	c, err := api.New(reg.URL(), "sntryu_"+strings.Repeat("0", 64))
	if err != nil {
		t.Fatal(err)
	}
	tt := run(t, api.NewRemote(c, "acme", ""), tui.Options{})
	tt.waitFor(t, "Sentry "+reg.URL()+" (org acme)", "WEB-1A", "API-3", "updated just now · ctrl+r")
	tt.keys("/")
	tt.tm.Type("cart")
	tt.keys("enter")
	tt.waitFor(t, "[Unresolved 1]")
	tt.keys("g")
	tt.waitFor(t, "TypeError  1 issue · 1,523 events · 87 users")
	tt.keys("j", "enter")
	tt.waitFor(t, "Issues › WEB-1A", "Event 4f1d3c1a9b8e4d2f8c7b6a5948372615", "browser")
	tt.keys("r")
	tt.waitFor(t, "Resolved WEB-1A.")
	tt.keys("q")
	tt.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if len(resolve.Requests) != 1 {
		t.Errorf("%d resolve requests", len(resolve.Requests))
	}
}

func issues(items ...string) string { return "[" + strings.Join(items, ",") + "]" }

func unresolved(is string) string { return strings.Replace(is, "STATUS", "unresolved", 1) }

const webIssue = `{"id":"101","shortId":"WEB-1A","title":"TypeError: Cannot read properties of undefined (reading 'total')",
 "culprit":"renderCart(src/cart.ts)","level":"error","status":"STATUS","statusDetails":{},
 "project":{"id":"2","name":"web","slug":"web"},"type":"error",
 "metadata":{"type":"TypeError","value":"Cannot read properties of undefined (reading 'total')","filename":"src/cart.ts"},
 "count":"1523","userCount":87,"firstSeen":"2026-11-18T08:00:00Z","lastSeen":"2026-11-20T12:20:00Z",
 "stats":{"24h":[[1763643600,12],[1763647200,30]]}}`

const apiIssue = `{"id":"102","shortId":"API-3","title":"KeyError: 'user'","culprit":"app.views.profile",
 "level":"error","status":"STATUS","statusDetails":{},"project":{"id":"3","name":"api","slug":"api"},"type":"error",
 "metadata":{"type":"KeyError","value":"'user'","filename":"app/views.py"},
 "count":"40","userCount":12,"firstSeen":"2026-11-19T08:00:00Z","lastSeen":"2026-11-20T11:00:00Z"}`

const tags = `[{"key":"browser","name":"Browser","uniqueValues":2,"totalValues":1523,
 "topValues":[{"key":"browser","name":"Chrome","value":"Chrome","count":1000,"firstSeen":"2026-11-18T08:00:00Z","lastSeen":"2026-11-20T12:20:00Z"},
              {"key":"browser","name":"Firefox","value":"Firefox","count":523,"firstSeen":"2026-11-18T08:00:00Z","lastSeen":"2026-11-20T12:20:00Z"}]}]`
