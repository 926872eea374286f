package tui

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/snag-dev/snag/local/store"
)

// The benchmarks read the database `go run ./bench/triage` seeds (1,000,000
// events in 10,000 issues) from SNAG_BENCH_DB or its default path, and skip
// when it is absent.
func benchDB(b *testing.B) string {
	b.Helper()
	path := os.Getenv("SNAG_BENCH_DB")
	if path == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			b.Skip("no cache dir and no SNAG_BENCH_DB")
		}
		path = filepath.Join(dir, "snag", "bench", "triage-1m.db")
	}
	if _, err := os.Stat(path); err != nil {
		b.Skipf("no seeded database at %s (run go run ./bench/triage)", path)
	}
	return path
}

func openBench(b *testing.B, path string) (*store.Store, *store.Backend) {
	b.Helper()
	st, err := store.Open(context.Background(), path, store.Options{MaxEvents: -1, MaxEventsPerIssue: -1, MaxAge: -1})
	if err != nil {
		b.Fatal(err)
	}
	return st, store.NewBackend(st, store.BackendOptions{Path: path})
}

// firstPaint does what the program does before the first screen with
// issues: build the model, size it, list the first page (with its trend
// series) and render.
func firstPaint(b *testing.B, be *store.Backend) *Model {
	m := New(context.Background(), be, Options{})
	m.after = func(time.Duration, tea.Msg) tea.Cmd { return nil }
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	msg := m.reload(pageSize)().(issuesMsg)
	if msg.err != nil {
		b.Fatal(msg.err)
	}
	m.Update(msg)
	if len(m.list.rows) == 0 {
		b.Fatal("nothing listed")
	}
	_ = m.View()
	return m
}

// BenchmarkFirstPaint is the first screen of issues on an open store.
func BenchmarkFirstPaint(b *testing.B) {
	st, be := openBench(b, benchDB(b))
	defer st.Close()
	for b.Loop() {
		firstPaint(b, be)
	}
}

// BenchmarkFirstPaintCold adds opening the database, as `snag issues`
// does on start.
func BenchmarkFirstPaintCold(b *testing.B) {
	path := benchDB(b)
	for b.Loop() {
		st, be := openBench(b, path)
		firstPaint(b, be)
		st.Close()
	}
}

// loaded returns a model holding 1,000 issues of the seeded store, as the
// background loads leave it.
func loaded(b *testing.B) (*Model, func()) {
	st, be := openBench(b, benchDB(b))
	m := New(context.Background(), be, Options{})
	m.after = func(time.Duration, tea.Msg) tea.Cmd { return nil }
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	drive(m, m.reload(pageSize)) // the first page, then the background loads
	if len(m.list.issues) < 1000 {
		b.Fatalf("%d issues loaded", len(m.list.issues))
	}
	return m, func() { st.Close() }
}

// The list's own work per key: none of these waits on the store.
func BenchmarkUpdate(b *testing.B) {
	m, done := loaded(b)
	defer done()
	keys := map[string][]string{
		"scroll":  {"down"},
		"page":    {"pgdown"},
		"group":   {"g"},
		"fold":    {"g", "enter"},
		"select":  {"space"},
		"typing":  nil,
		"resize":  nil,
		"render":  nil,
		"refresh": nil,
	}
	for _, name := range []string{"scroll", "page", "group", "fold", "select", "typing", "resize", "render"} {
		b.Run(name, func(b *testing.B) {
			switch name {
			case "typing":
				m.Update(keyMsg("/"))
				for b.Loop() {
					m.Update(tea.KeyPressMsg{Code: 'x', Text: "x"})
					m.Update(keyMsg("backspace"))
				}
				m.Update(keyMsg("esc"))
			case "resize":
				for i := 0; b.Loop(); i++ {
					m.Update(tea.WindowSizeMsg{Width: 80 + i%40, Height: 24 + i%10})
				}
			case "render":
				for b.Loop() {
					_ = m.View()
				}
			default:
				for b.Loop() {
					for _, k := range keys[name] {
						m.Update(keyMsg(k))
					}
				}
			}
		})
	}
}

// BenchmarkRefresh is a live refresh of the 1,000 loaded issues (it runs
// in a tea.Cmd, off the UI's loop).
func BenchmarkRefresh(b *testing.B) {
	m, done := loaded(b)
	defer done()
	for b.Loop() {
		msg := m.reload(len(m.list.issues))().(issuesMsg)
		if msg.err != nil {
			b.Fatal(msg.err)
		}
		m.Update(msg)
	}
}
