package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/local/store/storetest"
)

// at is a time on the seeded store's day (storetest.Now is 12:30 UTC).
func at(tb testing.TB, hm string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, "2026-11-20T"+hm+":00Z")
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// jsEvent is a browser error with one in-app frame and one system frame.
func jsEvent(id, ts, typ, value, fn, file, level, release, env, user string) string {
	return fmt.Sprintf(`{
  "event_id": %q, "timestamp": %q, "platform": "javascript", "level": %q,
  "release": %q, "environment": %q,
  "exception": {"values": [{"type": %q, "value": %q, "mechanism": {"type": "generic", "handled": true},
    "stacktrace": {"frames": [
      {"filename": "node_modules/vue/dist/vue.runtime.js", "function": "callWithErrorHandling", "lineno": 1621, "colno": 19, "in_app": false},
      {"filename": %q, "function": %q, "lineno": 7, "colno": 9, "in_app": true,
       "pre_context": ["import { api } from './api';", ""], "context_line": "  const rows = await api.get(url);", "post_context": ["  return rows;"]}
    ]}}]},
  "user": {"id": %q},
  "tags": {"browser": "Safari 17"},
  "sdk": {"name": "sentry.javascript.vue", "version": "8.9.0"}
}`, id, ts, level, release, env, typ, value, file, fn, user)
}

// seed opens a store holding the triage data set (DEFAULT-1, a TypeError
// with two events; DEFAULT-2, a checkout warning) and four more issues of
// other types, levels, releases and environments, stored through the real
// write path, with the clock at storetest.Now.
func seed(tb testing.TB) (*store.Store, *store.Backend, string) {
	tb.Helper()
	st, path := storetest.Open(tb)
	storetest.SeedTriage(tb, st)
	ev := func(hm, id, typ, value, fn, file, level, release, env, user string) {
		storetest.Submit(tb, st, at(tb, hm), jsEvent(id, "2026-11-20T"+hm+":00Z", typ, value, fn, file, level, release, env, user))
	}
	// DEFAULT-3: a ReferenceError in staging.
	ev("08:00", "b3000000000000000000000000000001", "ReferenceError", "checkoutForm is not defined", "submitOrder", "src/checkout.ts", "error", "web@1.4.1", "staging", "u-7")
	// DEFAULT-4: a RangeError seen three times on the newest release.
	for i, hm := range []string{"09:30", "11:50", "12:10"} {
		ev(hm, fmt.Sprintf("b400000000000000000000000000000%d", i+1), "RangeError", "Invalid array length", "pageRows", "src/table.ts", "error", "web@1.5.0", "production", fmt.Sprintf("u-%d", 50+i))
	}
	// DEFAULT-5: a fatal one.
	ev("12:25", "b5000000000000000000000000000001", "InternalError", "too much recursion", "walkTree", "src/tree.ts", "fatal", "web@1.5.0", "production", "u-9")
	// DEFAULT-6: an info message from a week ago.
	storetest.Submit(tb, st, at(tb, "07:00").Add(-6*24*time.Hour), `{"event_id": "b6000000000000000000000000000001", "timestamp": "2026-11-14T07:00:00Z",
	  "platform": "javascript", "level": "info", "release": "web@1.3.0", "environment": "production", "message": "Service worker updated"}`)
	return st, store.NewBackend(st, store.BackendOptions{Path: "/home/me/.local/share/snag/snag.db"}), path
}

// newTestModel returns a model over b at width×height with the clock at
// storetest.Now and no timers: drive runs what it asks for.
func newTestModel(tb testing.TB, b api.Backend, width, height int) *Model {
	tb.Helper()
	m := New(context.Background(), b, Options{Now: func() time.Time { return storetest.Now }})
	m.after = func(time.Duration, tea.Msg) tea.Cmd { return nil }
	m.Update(tea.WindowSizeMsg{Width: width, Height: height})
	return m
}

// drive runs cmd and everything it leads to, feeding each message to the
// model, as the program would (but one at a time, in order).
func drive(m *Model, cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 10_000 {
			panic("drive: the model keeps asking for more (a timer that is not m.after?)")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// start runs the model's Init.
func start(m *Model) *Model {
	drive(m, m.Init())
	return m
}

// press sends keys ("j", "enter", "ctrl+r", "space", ...) one by one and
// drives what each asks for.
func press(m *Model, keys ...string) {
	for _, k := range keys {
		_, cmd := m.Update(keyMsg(k))
		drive(m, cmd)
	}
}

// keyMsg builds the key press whose String() is k.
func keyMsg(k string) tea.KeyPressMsg {
	special := map[string]tea.KeyPressMsg{
		"enter":     {Code: tea.KeyEnter},
		"esc":       {Code: tea.KeyEscape},
		"up":        {Code: tea.KeyUp},
		"down":      {Code: tea.KeyDown},
		"left":      {Code: tea.KeyLeft},
		"right":     {Code: tea.KeyRight},
		"pgup":      {Code: tea.KeyPgUp},
		"pgdown":    {Code: tea.KeyPgDown},
		"home":      {Code: tea.KeyHome},
		"end":       {Code: tea.KeyEnd},
		"tab":       {Code: tea.KeyTab},
		"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
		"space":     {Code: tea.KeySpace, Text: " "},
		"backspace": {Code: tea.KeyBackspace},
		"f5":        {Code: tea.KeyF5},
	}
	if m, ok := special[k]; ok {
		return m
	}
	if c, ok := strings.CutPrefix(k, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: rune(c[0]), Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// typeText types s into whatever has focus.
func typeText(m *Model, s string) {
	for _, r := range s {
		_, cmd := m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		drive(m, cmd)
	}
}

// screenText is what the screen shows, without styles, lines trimmed on
// the right.
func screenText(m *Model) string {
	lines := strings.Split(ansi.Strip(m.render()), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

func resize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }
