package store

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// makeBody builds a Sentry-like error event of about size bytes: an
// exception with a stack trace, breadcrumbs, contexts and request data, with
// enough varying content (ids, timestamps, numbers) that it compresses like
// real events (3-6x) rather than like repeated text.
func makeBody(rng *rand.Rand, size int) []byte {
	rid := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return hex.EncodeToString(b)
	}
	words := strings.Fields("checkout cart user order payment session render fetch update resolve " +
		"handler middleware router component effect state reducer promise timeout retry")
	word := func() string { return words[rng.IntN(len(words))] }
	var frames []map[string]any
	var crumbs []map[string]any
	ev := map[string]any{
		"event_id":  rid(16),
		"timestamp": 1.7e9 + rng.Float64()*1e6,
		"platform":  "javascript",
		"level":     "error",
		"release":   "web@1.4." + fmt.Sprint(rng.IntN(5)),
		"sdk":       map[string]any{"name": "sentry.javascript.browser", "version": "8.41.0"},
		"request": map[string]any{
			"url":     "https://shop.example.com/" + word() + "/" + rid(4),
			"headers": map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0", "Referer": "https://shop.example.com/" + word()},
		},
		"contexts": map[string]any{
			"browser": map[string]any{"name": "Chrome", "version": "131.0.0"},
			"os":      map[string]any{"name": "Linux"},
			"trace":   map[string]any{"trace_id": rid(16), "span_id": rid(8)},
		},
		"user": map[string]any{"id": rid(6), "ip_address": fmt.Sprintf("10.%d.%d.%d", rng.IntN(255), rng.IntN(255), rng.IntN(255))},
		"exception": map[string]any{"values": []map[string]any{{
			"type":       "TypeError",
			"value":      "Cannot read properties of undefined (reading '" + word() + "')",
			"stacktrace": map[string]any{"frames": &frames},
			"mechanism":  map[string]any{"type": "onerror", "handled": false},
		}}},
		"breadcrumbs": map[string]any{"values": &crumbs},
	}
	cur := func() int { b, _ := json.Marshal(ev); return len(b) }
	for cur() < size {
		if len(frames) < 30 {
			frames = append(frames, map[string]any{
				"filename": "https://shop.example.com/static/js/" + word() + "." + rid(4) + ".js",
				"function": word() + strings.ToUpper(word()[:1]) + word(),
				"lineno":   1 + rng.IntN(3), "colno": rng.IntN(90000), "in_app": rng.IntN(2) == 0,
				"pre_context":  []string{"  const " + word() + " = " + word() + "(" + word() + ");"},
				"context_line": "  return " + word() + "." + word() + "(" + word() + ", " + fmt.Sprint(rng.IntN(1000)) + ");",
				"post_context": []string{"}", "export function " + word() + "() {"},
			})
		} else {
			crumbs = append(crumbs, map[string]any{
				"timestamp": 1.7e9 + rng.Float64()*1e6, "category": "fetch", "type": "http",
				"data":    map[string]any{"method": "GET", "url": "/api/" + word() + "/" + rid(6), "status_code": 200 + rng.IntN(300)},
				"message": word() + " " + word() + " " + rid(3),
			})
		}
	}
	b, _ := json.Marshal(ev)
	return b
}

// BenchmarkSubmit submits realistic events from 50 goroutines: 5 KB or
// 50 KB bodies, 10 tags, 100 issues, 5,000 users, default retention (so the
// writer also deletes once issues reach 100 events). "accept" measures what
// the server does (Accept: answered once queued and committed, digested
// after), "digested" waits for the digest (Submit). It reports events/s and
// the latency percentiles; events/s includes digesting the whole backlog.
func BenchmarkSubmit(b *testing.B) {
	for _, mode := range []string{"accept", "digested"} {
		for _, size := range []int{5 << 10, 50 << 10} {
			b.Run(fmt.Sprintf("%s/%dKB", mode, size>>10), func(b *testing.B) { benchSubmit(b, size, mode == "accept") })
		}
	}
}

func benchSubmit(b *testing.B, size int, accept bool) {
	ctx := context.Background()
	dir := b.TempDir()
	if d := os.Getenv("SNAG_BENCH_DIR"); d != "" {
		dir = d
	}
	s, err := Open(ctx, filepath.Join(dir, fmt.Sprintf("bench-%d.db", time.Now().UnixNano())), benchOptions())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	bodies := make([][]byte, 64)
	for i := range bodies {
		bodies[i] = makeBody(rng, size)
	}
	b.Logf("body %d bytes, compressed %d bytes", len(bodies[0]), len(compressBody(bodies[0])))

	const goroutines = 50
	var seq atomic.Uint64
	var mu sync.Mutex
	var lat []time.Duration
	var full atomic.Int64
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((goroutines + procs - 1) / procs) // RunParallel starts parallelism × GOMAXPROCS goroutines
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(seq.Add(1), 7))
		var mine []time.Duration
		for pb.Next() {
			n := seq.Add(1)
			issue := r.IntN(100)
			rec := &EventRecord{
				ProjectID:   1,
				EventID:     fmt.Sprintf("%016x%016x", r.Uint64(), r.Uint64()), // random, as SDKs send
				Hashes:      []string{fmt.Sprintf("%032x", issue*7919)},
				Timestamp:   time.Now().Add(-time.Duration(r.IntN(3600)) * time.Second),
				Level:       "error",
				Title:       fmt.Sprintf("TypeError: Cannot read properties of undefined (reading 'x%d')", issue),
				Culprit:     "app/checkout in handleSubmit",
				Type:        "error",
				Metadata:    []byte(`{"type":"TypeError","value":"Cannot read properties of undefined"}`),
				Platform:    "javascript",
				Release:     fmt.Sprintf("web@1.4.%d", r.IntN(5)),
				Environment: "production",
				Transaction: "/checkout",
				UserKey:     fmt.Sprintf("id:%d", r.IntN(5000)),
				Tags: [][2]string{
					{"browser", "Chrome 131"}, {"browser.name", "Chrome"}, {"os", "Linux"}, {"os.name", "Linux"},
					{"device", "Desktop"}, {"handled", "no"}, {"mechanism", "onerror"},
					{"url", fmt.Sprintf("https://shop.example.com/p/%d", r.IntN(50))},
					{"transaction", "/checkout"}, {"user", fmt.Sprintf("id:%d", r.IntN(5000))},
				},
				Body: bodies[n%uint64(len(bodies))],
			}
			t := time.Now()
			var err error
			if accept {
				err = s.Accept(ctx, rec)
			} else {
				_, err = s.Submit(ctx, rec)
			}
			if err == ErrQueueFull {
				full.Add(1)
				time.Sleep(time.Millisecond)
				continue
			}
			if err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	if err := s.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "events/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(float64(full.Load()), "queue_full")
	// CPU per event tells designs apart on a busy machine, where events/s
	// mostly measures what else runs.
	b.ReportMetric(float64(cpu.Microseconds())/float64(max(1, len(lat))), "cpu_us/event")
	st := s.Stats()
	b.ReportMetric(float64(st.Events)/float64(max(1, st.Batches)), "events/batch")
	b.ReportMetric(float64(st.Digested)/float64(max(1, st.Digests)), "events/digest")
	b.ReportMetric(float64(st.DigestTime.Microseconds())/float64(max(1, st.Digested)), "digest_us/event")
	b.Logf("%d events: %+v", len(lat), st)
}

// benchOptions are the defaults, or with SNAG_BENCH_WINDOW (a duration) a
// batch window, to compare.
func benchOptions() Options {
	var o Options
	if d, err := time.ParseDuration(os.Getenv("SNAG_BENCH_WINDOW")); err == nil {
		o.BatchWindow = d
	}
	return o
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
