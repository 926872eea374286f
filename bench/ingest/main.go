//go:build unix

// Command ingest is the load generator for `snag serve`: realistic gzip
// envelopes (JavaScript and Python error events of about 5 KB or 50 KB,
// 20 to 40 frames, ~100 distinct errors, distinct users) sent over loopback
// by 50 concurrent connections, every one acknowledged only after commit.
// It also measures the loopback HTTP ceiling against a server that stores
// nothing, and reports the server's peak RSS.
//
//	go run ./bench/ingest -size 5k  -duration 10s
//	go run ./bench/ingest -size 50k -duration 10s
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/snag-dev/snag/local/store"
)

func main() {
	size := flag.String("size", "5k", "mean event size in KB: 5k, 50k, …")
	conns := flag.Int("c", 50, "concurrent connections")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	null := flag.Bool("null", true, "also measure the loopback ceiling against a server that stores nothing")
	nullServe := flag.String("null-server", "", "internal: run the null server on this address")
	retention := flag.Bool("retention", false, "run snag serve with its default retention (100 events per issue, 100,000 in all) instead of keeping every event")
	cpuprofile := flag.String("cpuprofile", "", "run the server in this process and write a CPU profile of the load to `file`")
	window := flag.Duration("batch-window", 0, "with -cpuprofile: the store's BatchWindow")
	delay := flag.Duration("digest-delay", 0, "with -cpuprofile: the store's DigestDelay (0: its default)")
	simple := flag.Bool("simple-grouping", false, "with -cpuprofile: group by a hash of the title instead of Sentry's grouping, to measure what grouping costs")
	flag.Parse()
	if *nullServe != "" {
		runNullServer(*nullServe)
		return
	}
	kb, err := strconv.Atoi(strings.TrimSuffix(strings.ToLower(*size), "k"))
	if err != nil || kb < 1 {
		check(fmt.Errorf("-size %q: want a size in KB such as 5k or 50k", *size))
	}
	target := kb << 10

	tmp, err := os.MkdirTemp("", "snag-ingest-")
	check(err)
	defer os.RemoveAll(tmp)
	if *cpuprofile != "" {
		bodies, raw := generate(int(duration.Seconds()*8000)+1000, target)
		fmt.Printf("events: ~%d bytes JSON each, %d bytes gzip on average; server in process\n", raw, avg(bodies))
		res := profileInProcess(store.Options{MaxEvents: -1, MaxEventsPerIssue: -1, BatchWindow: *window, DigestDelay: *delay}, *simple, filepath.Join(tmp, "bench.db"), bodies, *conns, *duration, *cpuprofile)
		res.print("snag server in process (stored, acknowledged after commit)")
		return
	}
	bin := filepath.Join(tmp, "snag")
	build := exec.Command("go", "build", "-o", bin, "./cmd/snag")
	build.Stderr = os.Stderr
	check(build.Run())

	// Enough distinct events that none repeats (a repeat is a cheap duplicate).
	n := int(duration.Seconds()*20000) + 1000
	if target > 5<<10 {
		n = int(duration.Seconds()*4000) + 1000
	}
	fmt.Fprintf(os.Stderr, "generating %d events of ~%d KB...\n", n, target>>10)
	bodies, raw := generate(n, target)
	fmt.Printf("events: %d distinct, ~%d bytes JSON each, %d bytes gzip on average\n", n, raw, avg(bodies))
	fmt.Printf("machine: %d CPUs; generator and server share them; %d connections; %s\n\n", numCPU(), *conns, *duration)

	addr := freeAddr()
	db := filepath.Join(tmp, "bench.db")
	key := dsnKeyOf(bin, db, addr) // creates the database
	args := []string{"serve", "--addr", addr, "--db", db}
	if !*retention {
		args = append(args, "--max-events", "-1", "--max-events-per-issue", "-1")
	}
	srv := exec.Command(bin, args...)
	srv.Stderr = os.Stderr
	check(srv.Start())
	waitReady(addr)
	url := "http://" + addr + "/api/1/envelope/?sentry_key=" + key + "&sentry_version=7&sentry_client=bench%2F1"
	cpu0 := procCPU(srv.Process.Pid)
	res := load(url, bodies, *conns, *duration)
	cpu := procCPU(srv.Process.Pid) - cpu0
	rss := peakRSS(srv.Process.Pid)
	_ = srv.Process.Signal(os.Interrupt)
	_ = srv.Wait()
	res.print("snag serve (stored, acknowledged after commit)")
	fmt.Printf("  server peak RSS %.1f MB; server CPU %v, %.0f µs per event (the backlog left at the end included)\n",
		float64(rss)/1024, cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(max(res.ok, 1)))

	if *null {
		naddr := freeAddr()
		self, _ := os.Executable()
		ns := exec.Command(self, "-null-server", naddr)
		check(ns.Start())
		waitReady(naddr)
		nres := load("http://"+naddr+"/api/1/envelope/", bodies, *conns, *duration)
		_ = ns.Process.Kill()
		_ = ns.Wait()
		nres.print("null server (reads the body, stores nothing)")
		fmt.Printf("\nsnag reaches %.0f%% of the loopback ceiling\n", 100*res.rate()/nres.rate())
	}
}

type result struct {
	ok, failed int64
	statuses   map[int]int64
	elapsed    time.Duration
	latencies  []time.Duration
}

func (r result) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

func (r result) print(name string) {
	slices.Sort(r.latencies)
	p := func(q float64) time.Duration {
		if len(r.latencies) == 0 {
			return 0
		}
		return r.latencies[int(q*float64(len(r.latencies)-1))]
	}
	fmt.Printf("%s\n  %.0f events/s  (%d ok, %d failed in %s)  latency p50 %s  p99 %s  max %s\n",
		name, r.rate(), r.ok, r.failed, r.elapsed.Round(time.Millisecond), p(0.5).Round(10*time.Microsecond), p(0.99).Round(10*time.Microsecond), p(1).Round(10*time.Microsecond))
	if r.failed > 0 {
		fmt.Printf("  statuses: %v\n", r.statuses)
	}
}

func load(url string, bodies [][]byte, conns int, d time.Duration) result {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	client := &http.Client{Transport: tr}
	var next atomic.Int64
	var mu sync.Mutex
	res := result{statuses: map[int]int64{}}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var ok, failed int64
			statuses := map[int]int64{}
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				body := bodies[int(i)%len(bodies)]
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Encoding", "gzip")
				req.Header.Set("Content-Type", "application/x-sentry-envelope")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failed++
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				if resp.StatusCode == 200 {
					ok++
				} else {
					failed++
					statuses[resp.StatusCode]++
				}
			}
			mu.Lock()
			res.ok += ok
			res.failed += failed
			res.latencies = append(res.latencies, lat...)
			for k, v := range statuses {
				res.statuses[k] += v
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// generate builds n gzip envelopes of error events of about target bytes
// each and reports the mean size of the event JSON.
func generate(n, target int) ([][]byte, int) {
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([][]byte, n)
	var raw int
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	for i := range out {
		ev := event(rng, i, target)
		b, _ := json.Marshal(ev)
		raw += len(b)
		buf.Reset()
		zw.Reset(&buf)
		fmt.Fprintf(zw, `{"event_id":%q,"sent_at":%q}`+"\n"+`{"type":"event","length":%d}`+"\n", ev["event_id"], time.Now().UTC().Format(time.RFC3339), len(b))
		zw.Write(b)
		zw.Write([]byte("\n"))
		zw.Close()
		out[i] = bytes.Clone(buf.Bytes())
	}
	return out, raw / n
}

var words = strings.Fields("cart checkout price total user session token render fetch parse update state item order payment retry queue worker cache index route handler request response")

// event builds one error event shaped like what the SDKs send (compare
// ../shared/fixtures/envelopes): browser JavaScript frames carry filename,
// function, in_app, lineno and colno; Python frames carry module, paths
// and, when the size allows it (50 KB), source context, as sentry-python
// sends by default. Breadcrumbs bring the event to about target bytes;
// the mean over a run lands within a few percent of it.
func event(rng *rand.Rand, i, target int) map[string]any {
	errKind := rng.IntN(100) // ~100 distinct errors
	python := errKind%3 == 0
	withContext := target > 10<<10
	// One error, one code path: the same frames every time it happens.
	nframes := 20 + errKind%21
	frames := make([]map[string]any, nframes)
	for f := range frames {
		w1, w2 := words[f%len(words)], words[(errKind*7+f)%len(words)]
		fn := words[(errKind+f)%len(words)] + strings.ToUpper(w2[:1]) + w2[1:]
		if python {
			fr := map[string]any{"module": "app." + w1, "filename": "app/" + w1 + ".py", "abs_path": "/srv/app/" + w1 + ".py",
				"function": fn, "lineno": 10 + f*3, "in_app": f > 3}
			if withContext {
				fr["context_line"] = "    result = " + fn + "(request)"
				fr["pre_context"] = []string{"", "@log_calls", "def " + fn + "(request):", "    data = request.json()", "    validate(data)"}
				fr["post_context"] = []string{"    if result is None:", "        raise LookupError(data)", "    return result", "", ""}
			}
			frames[f] = fr
		} else {
			frames[f] = map[string]any{"filename": "https://shop.example.com/static/js/" + w1 + ".js",
				"function": fn, "lineno": 1 + f, "colno": 100 + f*17, "in_app": f > 5}
		}
	}
	platform, typ, sdk := "javascript", "TypeError", "sentry.javascript.browser"
	if python {
		platform, typ, sdk = "python", "ValueError", "sentry.python"
	}
	ev := map[string]any{
		"event_id": fmt.Sprintf("%08x%024x", i, rng.Uint64()), "timestamp": float64(time.Now().Unix()), "platform": platform, "level": "error",
		"release": "shop@1." + strconv.Itoa(errKind%5), "environment": "production", "server_name": "web-" + strconv.Itoa(rng.IntN(8)),
		"exception": map[string]any{"values": []any{map[string]any{"type": typ + strconv.Itoa(errKind), "value": "cannot read " + words[errKind%len(words)] + " of undefined (id " + strconv.Itoa(rng.IntN(1e6)) + ")",
			"mechanism": map[string]any{"type": "generic", "handled": true}, "stacktrace": map[string]any{"frames": frames}}}},
		"tags": map[string]string{"browser": "Chrome 130", "os": "Linux", "region": "eu-" + strconv.Itoa(rng.IntN(3)), "feature": words[rng.IntN(len(words))]},
		"user": map[string]any{"id": "user-" + strconv.Itoa(rng.IntN(5000)), "ip_address": "192.0.2." + strconv.Itoa(rng.IntN(250))},
		"sdk":  map[string]any{"name": sdk, "version": "9.0.0", "integrations": []string{"InboundFilters", "FunctionToString", "Breadcrumbs", "GlobalHandlers", "LinkedErrors", "Dedupe", "HttpContext"}},
		"contexts": map[string]any{"trace": map[string]any{"trace_id": fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()), "span_id": fmt.Sprintf("%016x", rng.Uint64())},
			"runtime": map[string]any{"name": platform, "version": "3.12.4"}},
		"request": map[string]any{"url": "https://shop.example.com/" + words[rng.IntN(len(words))], "headers": map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"}},
	}
	// Breadcrumbs bring the event to its target size, as real ones do.
	var crumbs []any
	for size := approxSize(ev) + len(`,"breadcrumbs":{"values":[]}`); size < target; {
		c := map[string]any{"timestamp": float64(time.Now().Unix()), "category": "xhr", "message": "GET /api/" + words[rng.IntN(len(words))] + "/" + strconv.Itoa(rng.IntN(1e6)), "level": "info", "data": map[string]any{"status_code": 200}}
		crumbs = append(crumbs, c)
		size += approxSize(c) + 1
	}
	ev["breadcrumbs"] = map[string]any{"values": crumbs}
	return ev
}

func approxSize(v any) int { b, _ := json.Marshal(v); return len(b) }

func avg(bs [][]byte) int {
	t := 0
	for _, b := range bs {
		t += len(b)
	}
	return t / len(bs)
}

func runNullServer(addr string) {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	})
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {})
	check(http.ListenAndServe(addr, nil))
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer ln.Close()
	return ln.Addr().String()
}

func waitReady(addr string) {
	for i := 0; i < 200; i++ {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	fmt.Fprintln(os.Stderr, "server did not start")
	os.Exit(1)
}

var dsnKey = regexp.MustCompile(`http://([0-9a-f]{32})@`)

func dsnKeyOf(bin, db, addr string) string {
	out, err := exec.Command(bin, "dsn", "--db", db, "--addr", addr).Output()
	check(err)
	m := dsnKey.FindSubmatch(out)
	if m == nil {
		check(fmt.Errorf("no DSN in %q", out))
	}
	return string(m[1])
}

// procCPU is the user and system CPU time a process has used, from
// /proc/PID/stat (in clock ticks, 100 per second on Linux).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// peakRSS reads VmHWM (KiB) of a running process.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			v, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(l, "VmHWM:"), "kB")), 10, 64)
			return v
		}
	}
	return 0
}

func numCPU() int { return runtime.NumCPU() }

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
