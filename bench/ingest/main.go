//go:build unix

// Command ingest is the load generator for `snag serve`: realistic gzip
// envelopes (JavaScript and Python error events of about 5 KB or 50 KB,
// 20 to 40 frames, ~100 distinct errors, distinct users) sent over loopback
// by 50 concurrent connections, every one acknowledged only after commit.
// It also measures the loopback HTTP ceiling against a server that stores
// nothing, and reports the server's peak RSS and both sides' CPU per event.
// The generator shares the server's CPUs, so it is as lean as wrk (-client
// raw); -sched batch keeps it from preempting the server at every answer.
//
//	go run ./bench/ingest -size 5k  -duration 10s
//	go run ./bench/ingest -size 5k  -duration 10s -sched batch
//	go run ./bench/ingest -size 50k -duration 10s
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
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

	"github.com/snag-dev/snag/internal/loadgen"
	"github.com/snag-dev/snag/local/store"
)

func main() {
	size := flag.String("size", "5k", "mean event size in KB: 5k, 50k, …")
	conns := flag.Int("c", 50, "concurrent connections")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	null := flag.Bool("null", true, "also measure the loopback ceiling against a server that stores nothing")
	nullServe := flag.String("null-server", "", "internal: run the null server on this address")
	retention := flag.Bool("retention", false, "run snag serve with its default retention (100 events per issue, 100,000 in all) instead of keeping every event")
	cpuprofile := flag.String("cpuprofile", "", "run the server in this process and write a CPU profile of the load to `file` (and its allocations to file.allocs)")
	window := flag.Duration("batch-window", 0, "with -cpuprofile: the store's BatchWindow")
	delay := flag.Duration("digest-delay", 0, "with -cpuprofile: the store's DigestDelay (0: its default)")
	client := flag.String("client", "raw", "the generator's HTTP client: raw (one goroutine per connection, as wrk does) or net/http")
	sched := flag.String("sched", "normal", "the generator's scheduling: normal, or batch (Linux SCHED_BATCH: woken by an answer, it does not preempt the server)")
	external := flag.String("url", "", "send to this envelope URL (with its sentry_key) of a server already running, instead of starting snag serve")
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
	var send sender = loadRaw
	switch *client {
	case "raw":
	case "net/http":
		send = load
	default:
		check(fmt.Errorf("-client %q: want raw or net/http", *client))
	}
	if *sched != "normal" && *sched != "batch" {
		check(fmt.Errorf("-sched %q: want normal or batch", *sched))
	}
	if *sched == "batch" && *cpuprofile != "" {
		check(fmt.Errorf("-sched batch would make the server a batch task too with -cpuprofile (one process); drop one of them"))
	}
	// Children started while it is set would inherit the batch policy, so
	// it is set only around each load.
	run := func(url string, bodies [][]byte) result {
		check(setBatch(*sched == "batch"))
		defer func() { check(setBatch(false)) }()
		return send(url, bodies, *conns, *duration)
	}

	tmp, err := os.MkdirTemp("", "snag-ingest-")
	check(err)
	defer os.RemoveAll(tmp)
	if *cpuprofile != "" {
		bodies, raw := loadgen.Envelopes(int(duration.Seconds()*8000)+1000, target, time.Now())
		fmt.Printf("events: ~%d bytes JSON each, %d bytes gzip on average; server in process\n", raw, avg(bodies))
		res := profileInProcess(send, store.Options{MaxEvents: -1, MaxEventsPerIssue: -1, BatchWindow: *window, DigestDelay: *delay}, *simple, filepath.Join(tmp, "bench.db"), bodies, *conns, *duration, *cpuprofile)
		res.print("snag server in process (stored, acknowledged after commit)")
		return
	}
	// Enough distinct events that none repeats (a repeat is a cheap duplicate).
	n := int(duration.Seconds()*20000) + 1000
	if target > 5<<10 {
		n = int(duration.Seconds()*4000) + 1000
	}
	printGenerator := func(cpu time.Duration, ok int64) {
		fmt.Printf("  generator (%s client, %s scheduling) CPU %v, %.0f µs per event\n", *client, *sched, cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(max(ok, 1)))
	}
	if *external != "" {
		fmt.Fprintf(os.Stderr, "generating %d events of ~%d KB...\n", n, target>>10)
		bodies, raw := loadgen.Envelopes(n, target, time.Now())
		fmt.Printf("events: ~%d bytes JSON each, %d bytes gzip on average\n", raw, avg(bodies))
		gen0 := cpuTime()
		res := run(*external, bodies)
		gen := cpuTime() - gen0
		res.print(*external)
		printGenerator(gen, res.ok)
		return
	}
	bin := filepath.Join(tmp, "snag")
	build := exec.Command("go", "build", "-o", bin, "./cmd/snag")
	build.Stderr = os.Stderr
	check(build.Run())

	fmt.Fprintf(os.Stderr, "generating %d events of ~%d KB...\n", n, target>>10)
	bodies, raw := loadgen.Envelopes(n, target, time.Now())
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
	cpu0, gen0 := procCPU(srv.Process.Pid), cpuTime()
	res := run(url, bodies)
	cpu, gen := procCPU(srv.Process.Pid)-cpu0, cpuTime()-gen0
	rss := peakRSS(srv.Process.Pid)
	_ = srv.Process.Signal(os.Interrupt)
	_ = srv.Wait()
	res.print("snag serve (stored, acknowledged after commit)")
	fmt.Printf("  server peak RSS %.1f MB; server CPU %v, %.0f µs per event (the backlog left at the end included)\n",
		float64(rss)/1024, cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(max(res.ok, 1)))
	printGenerator(gen, res.ok)

	if *null {
		naddr := freeAddr()
		self, _ := os.Executable()
		ns := exec.Command(self, "-null-server", naddr)
		check(ns.Start())
		waitReady(naddr)
		nres := run("http://"+naddr+"/api/1/envelope/", bodies)
		_ = ns.Process.Kill()
		_ = ns.Wait()
		nres.print("null server (reads the body, stores nothing)")
		fmt.Printf("\nsnag reaches %.0f%% of the loopback ceiling\n", 100*res.rate()/nres.rate())
	}
}

// sender loads url with bodies over conns connections for d.
type sender func(url string, bodies [][]byte, conns int, d time.Duration) result

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

// drive loads the server with conns connections for d: each sends the next
// body as soon as its last one is answered, through the sender newConn
// makes for it, which reports the answer's status. It collects what they
// measured.
func drive(bodies [][]byte, conns int, d time.Duration, newConn func() (send func(body []byte) (int, error), done func())) result {
	var next atomic.Int64
	var mu sync.Mutex
	res := result{statuses: map[int]int64{}}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			send, done := newConn()
			defer done()
			var lat []time.Duration
			var ok, failed int64
			statuses := map[int]int64{}
			for ctx.Err() == nil {
				body := bodies[int(next.Add(1)-1)%len(bodies)]
				t0 := time.Now()
				status, err := send(body)
				if err != nil {
					failed++
					continue
				}
				lat = append(lat, time.Since(t0))
				if status == 200 {
					ok++
				} else {
					failed++
					statuses[status]++
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

// load is the generator with net/http's client (-client net/http).
func load(url string, bodies [][]byte, conns int, d time.Duration) result {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	client := &http.Client{Transport: tr}
	return drive(bodies, conns, d, func() (func([]byte) (int, error), func()) {
		send := func(body []byte) (int, error) {
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("Content-Encoding", "gzip")
			req.Header.Set("Content-Type", "application/x-sentry-envelope")
			resp, err := client.Do(req)
			if err != nil {
				return 0, err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode, nil
		}
		return send, func() {}
	})
}

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
