// Command triage seeds a local store for the triage UI's benchmarks: by
// default 1,000,000 JavaScript error events in 10,000 issues over the last
// 14 days, each normalized by local/ingest, fingerprinted by
// local/grouping and stored with Store.Accept, the path `snag serve` takes.
// Issues get events unevenly (a few hot ones, a long tail), several
// releases and environments, users and browsers.
//
//	go run ./bench/triage                       # writes the default cache path
//	go run ./bench/triage -db /tmp/t.db -events 20000 -issues 500
//
// The benchmarks in tui/ read the database from SNAG_BENCH_DB or, unset,
// from the default path this program prints (under the user cache dir),
// and skip when it is absent.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/snag-dev/snag/local/grouping"
	"github.com/snag-dev/snag/local/ingest"
	"github.com/snag-dev/snag/local/store"
)

// DefaultPath is where the seeded database lives unless -db says otherwise.
func DefaultPath() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "snag", "bench", "triage-1m.db")
}

func main() {
	db := flag.String("db", DefaultPath(), "database to create (must not exist)")
	events := flag.Int("events", 1_000_000, "events to store")
	issues := flag.Int("issues", 10_000, "distinct issues")
	days := flag.Int("days", 14, "spread the events over this many days before now")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "goroutines normalizing and submitting")
	seed := flag.Uint64("seed", 1, "random seed")
	appendTo := flag.Bool("append", false, "add to an existing database (with -first past the events it has)")
	first := flag.Int("first", 0, "number of the first event, which seeds its id")
	flag.Parse()
	if err := run(*db, *events, *issues, *days, *workers, *seed, *appendTo, *first); err != nil {
		fmt.Fprintln(os.Stderr, "triage:", err)
		os.Exit(1)
	}
}

func run(path string, events, issues, days, workers int, seed uint64, appendTo bool, first int) error {
	if _, err := os.Stat(path); err == nil && !appendTo {
		return fmt.Errorf("%s exists; remove it to seed again", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	ctx := context.Background()
	st, err := store.Open(ctx, path, store.Options{MaxEvents: -1, MaxEventsPerIssue: -1, MaxAge: -1})
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	start := time.Now()
	var done atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	per := (events + workers - 1) / workers
	for w := range workers {
		lo, hi := first+w*per, first+min(events, (w+1)*per)
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(lo)))
			for i := lo; i < hi; i++ {
				if err := submit(ctx, st, rng, i, issues, days, now); err != nil {
					errs <- err
					return
				}
				if n := done.Add(1); n%50_000 == 0 {
					el := time.Since(start)
					fmt.Fprintf(os.Stderr, "%d events in %s (%.0f/s)\n", n, el.Round(time.Second), float64(n)/el.Seconds())
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		st.Close()
		return err
	}
	if err := st.Flush(ctx); err != nil {
		st.Close()
		return err
	}
	n, _ := st.EventCount(ctx)
	if err := st.Close(); err != nil {
		return err
	}
	fi, _ := os.Stat(path)
	fmt.Printf("seeded %s: %d events stored in %s (%.0f events/s), %d MB\n", path, n,
		time.Since(start).Round(time.Second), float64(events)/time.Since(start).Seconds(), fi.Size()>>20)
	return nil
}

// issueOf picks an issue for event i: a Zipf-like spread, so a few issues
// are hot and most are rare, and every issue gets at least one event.
func issueOf(rng *rand.Rand, i, issues int) int {
	if i < issues {
		return i
	}
	// Inverse power law over [0, issues).
	u := rng.Float64()
	return int(float64(issues) * u * u * u)
}

var (
	releases     = []string{"web@2.3.0", "web@2.3.1", "web@2.4.0", "web@2.4.1", "web@2.5.0"}
	environments = []string{"production", "production", "production", "staging", "development"}
	browsers     = []string{"Chrome", "Firefox", "Safari", "Edge"}
	errorTypes   = []string{"TypeError", "ReferenceError", "RangeError", "SyntaxError", "Error", "AbortError"}
	modules      = []string{"cart", "checkout", "search", "profile", "auth", "catalog", "orders", "payments"}
)

func submit(ctx context.Context, st *store.Store, rng *rand.Rand, i, issues, days int, now time.Time) error {
	is := issueOf(rng, i, issues)
	// Newer releases and recent hours are more likely.
	age := time.Duration(rng.Float64() * rng.Float64() * float64(time.Duration(days)*24*time.Hour))
	ts := now.Add(-age)
	payload := eventJSON(rng, i, is, ts)
	ne, err := ingest.Normalize(payload, ingest.NormalizeOptions{ReceivedAt: ts})
	if err != nil {
		return fmt.Errorf("event %d: %w", i, err)
	}
	rec := store.NewEventRecord(store.DefaultProjectID, ts, ne.Event, ne.UserKey, ne.JSON, grouping.Hashes(ne.Event, grouping.Options{}))
	for {
		err := st.Accept(ctx, rec)
		if err == nil {
			return nil
		}
		if !errors.Is(err, store.ErrQueueFull) {
			return err
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// letters spells n in lowercase letters ("b", "ba", ...), at least 3.
func letters(n int) string {
	b := []byte{}
	for {
		b = append([]byte{byte('a' + n%26)}, b...)
		n /= 26
		if n == 0 && len(b) >= 3 {
			return string(b)
		}
	}
}

// eventJSON is one browser error of issue is, as the JavaScript SDK sends
// it (already unminified, as `snag serve` stores it).
func eventJSON(rng *rand.Rand, i, is int, ts time.Time) []byte {
	mod := modules[is%len(modules)]
	typ := errorTypes[is%len(errorTypes)]
	// Grouping ignores digits in names, so issues differ by letters.
	word := letters(is)
	fn := "handle" + strings.ToUpper(mod[:1]) + mod[1:] + strings.ToUpper(word[:1]) + word[1:]
	file := fmt.Sprintf("src/%s/%s.ts", mod, word)
	level := "error"
	switch is % 23 {
	case 0:
		level = "warning"
	case 7:
		level = "fatal"
	}
	user := rng.IntN(5000)
	inApp, system := true, false
	ev := map[string]any{
		"event_id":    fmt.Sprintf("%016x%016x", rng.Uint64(), uint64(i)),
		"timestamp":   float64(ts.UnixMilli()) / 1000,
		"platform":    "javascript",
		"level":       level,
		"release":     releases[(is+rng.IntN(2))%len(releases)],
		"environment": environments[rng.IntN(len(environments))],
		"tags":        map[string]string{"browser": browsers[rng.IntN(len(browsers))], "module": mod},
		"user":        map[string]any{"id": fmt.Sprintf("user-%d", user), "email": fmt.Sprintf("user%d@example.com", user)},
		"request": map[string]any{"url": fmt.Sprintf("https://shop.example/%s/%d", mod, rng.IntN(100)), "method": "GET",
			"headers": map[string]string{"User-Agent": "Mozilla/5.0"}},
		"contexts": map[string]any{"browser": map[string]any{"name": browsers[rng.IntN(len(browsers))], "version": "131.0"},
			"os": map[string]any{"name": "Mac OS X", "version": "15.1"}},
		"breadcrumbs": map[string]any{"values": []map[string]any{
			{"timestamp": float64(ts.Add(-3*time.Second).UnixMilli()) / 1000, "category": "navigation",
				"data": map[string]string{"from": "/", "to": "/" + mod}},
			{"timestamp": float64(ts.Add(-time.Second).UnixMilli()) / 1000, "category": "ui.click",
				"message": "button#submit-" + mod},
		}},
		"exception": map[string]any{"values": []map[string]any{{
			"type":      typ,
			"value":     "Cannot read properties of undefined (reading '" + word + "')",
			"mechanism": map[string]any{"type": "onerror", "handled": false},
			"stacktrace": map[string]any{"frames": []map[string]any{
				{"filename": "node_modules/react-dom/cjs/react-dom.production.js", "function": "commitRoot", "lineno": 8812, "colno": 7, "in_app": system},
				{"filename": "node_modules/react-dom/cjs/react-dom.production.js", "function": "performSyncWorkOnRoot", "lineno": 8630, "colno": 3, "in_app": system},
				{"filename": "src/" + mod + "/index.ts", "function": "render" + mod, "lineno": 20 + is%50, "colno": 5, "in_app": inApp,
					"pre_context": []string{"export function render() {", "  const state = load();"}, "context_line": "  return " + fn + "(state);",
					"post_context": []string{"}", ""}},
				{"filename": file, "function": fn, "lineno": 10 + is%90, "colno": 12, "in_app": inApp,
					"pre_context":  []string{"export function " + fn + "(state) {", "  const item = state.items[0];"},
					"context_line": "  return item." + word + ".total;", "post_context": []string{"}", ""}},
			}},
		}}},
		"sdk": map[string]any{"name": "sentry.javascript.browser", "version": "8.40.0"},
	}
	b, _ := json.Marshal(ev)
	return b
}
