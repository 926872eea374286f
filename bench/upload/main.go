// Command upload times `snag sourcemaps upload` against sentry-cli's
// `sourcemaps upload`, both sending the same generated dist folder (about
// 200 files, 100 MB of sourcemaps, debug IDs injected) to the same `snag
// serve`, in the same run; and an unchanged re-upload by each, which must
// cost one assemble round trip.
//
// sentry-cli comes from npm (@sentry/cli 3, whose binary is an optional
// dependency), installed once into the user's cache directory; without npm,
// or when the install fails, only snag is measured.
//
//	go run ./bench/upload                 # 3 runs of each
//	go run ./bench/upload -runs 5 -mb 50
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/snag-dev/snag/internal/sentrycli"
)

func main() {
	runs := flag.Int("runs", 3, "uploads of each tool")
	files := flag.Int("files", 200, "files in the dist folder (half JS, half maps)")
	mb := flag.Int("mb", 100, "MB of sourcemaps")
	keep := flag.String("dir", "", "generate the dist folder here and keep it (default: a temporary directory)")
	flag.Parse()

	tmp, err := os.MkdirTemp("", "snag-upload-bench-")
	check(err)
	defer os.RemoveAll(tmp)

	fmt.Fprintln(os.Stderr, "building snag...")
	snag := filepath.Join(tmp, "snag")
	build := exec.Command("go", "build", "-o", snag, "./cmd/snag")
	build.Stderr = os.Stderr
	check(build.Run())

	dist := filepath.Join(tmp, "dist")
	if *keep != "" {
		dist = *keep
	}
	if _, err := os.Stat(dist); err != nil {
		fmt.Fprintf(os.Stderr, "generating %d files with %d MB of maps in %s...\n", *files, *mb, dist)
		// The generator's size estimate runs about 15% over.
		_, _, err := generateDist(dist, *files, int64(*mb)<<20*85/100, 1)
		check(err)
	}
	total, maps, n := dirSize(dist)

	cli, cliVersion, cliErr := sentryCLI()
	snagVersion := strings.TrimSpace(output(exec.Command(snag, "--version")))

	fmt.Printf("dist folder: %d files, %.1f MB (%.1f MB of maps), debug IDs injected\n", n, mb1(total), mb1(maps))
	fmt.Printf("machine: nproc %d, %s, load average %s (before)\n", runtime.NumCPU(), memTotal(), loadAvg())
	fmt.Printf("snag: %s\n", snagVersion)
	if cliErr != nil {
		fmt.Printf("sentry-cli: not measured (%v)\n", cliErr)
	} else {
		fmt.Printf("sentry-cli: %s (%s)\n", cliVersion, cli)
	}
	fmt.Println()

	type tool struct {
		name string
		cmd  func(s *server, release string) *exec.Cmd
	}
	tools := []tool{{"snag", func(s *server, release string) *exec.Cmd {
		return exec.Command(snag, "sourcemaps", "upload", dist, "--url", s.url, "--auth-token", s.token,
			"--org", "local", "--project", "default", "--release", release)
	}}}
	if cliErr == nil {
		tools = append(tools, tool{"sentry-cli", func(s *server, release string) *exec.Cmd {
			c := exec.Command(cli, "sourcemaps", "upload", "--release", release, dist)
			c.Env = append(os.Environ(), "SENTRY_URL="+s.url, "SENTRY_AUTH_TOKEN="+s.token, "SENTRY_ORG=local",
				"SENTRY_PROJECT=default", "SENTRY_LOAD_DOTENV=0", "SENTRY_DISABLE_UPDATE_CHECK=1", "SENTRY_NO_PROGRESS_BAR=1")
			return c
		}})
	}

	results := map[string][]measure{}
	reuploads := map[string][]measure{}
	for r := 0; r < *runs; r++ {
		order := slices.Clone(tools)
		if r%2 == 1 {
			slices.Reverse(order) // neither tool always goes first
		}
		for _, t := range order {
			s := startServer(snag, tmp)
			release := fmt.Sprintf("bench-%d", r)
			m := run(t.cmd(s, release), s)
			results[t.name] = append(results[t.name], m)
			m2 := run(t.cmd(s, release), s)
			reuploads[t.name] = append(reuploads[t.name], m2)
			fmt.Fprintf(os.Stderr, "run %d %-10s upload %6.2fs %.1f MB (%s)  re-upload %5.2fs (%s)\n", r+1, t.name,
				m.wall.Seconds(), mb1(m.sent), m.requests, m2.wall.Seconds(), m2.requests)
			s.stop()
		}
	}
	fmt.Printf("load average %s (after)\n\n", loadAvg())

	fmt.Println("| tool | upload, median wall | min | client CPU (user+sys), median | bytes sent | unchanged re-upload, median wall | re-upload requests |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---|")
	for _, t := range tools {
		up, re := results[t.name], reuploads[t.name]
		fmt.Printf("| %s | %.2f s | %.2f s | %.2f s | %.1f MB | %.2f s | %s |\n", t.name, median(up).Seconds(), minWall(up).Seconds(),
			medianCPU(up).Seconds(), mb1(up[len(up)-1].sent), median(re).Seconds(), re[len(re)-1].requests)
	}
	if cliErr == nil {
		fmt.Printf("\nsnag is %.1fx faster than sentry-cli (median upload wall time)\n",
			median(results["sentry-cli"]).Seconds()/median(results["snag"]).Seconds())
	}
}

// measure is one client run: wall time, the client's CPU, and the requests
// the server saw, by route.
type measure struct {
	wall, cpu time.Duration
	requests  string
	sent      int64
}

func run(c *exec.Cmd, s *server) measure {
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	s.reset()
	start := time.Now()
	err := c.Run()
	wall := time.Since(start)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n%s%s", strings.Join(c.Args, " "), err, stdout.String(), stderr.String())
		os.Exit(1)
	}
	var cpu time.Duration
	if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	s.mu.Lock()
	sent := s.bytes
	s.mu.Unlock()
	return measure{wall: wall, cpu: cpu, requests: s.summary(), sent: sent}
}

// server is `snag serve` on a fresh database behind a counting proxy, so
// every request of both tools (chunk uploads go to the URL the options
// name, which is the proxy's) is seen.
type server struct {
	cmd   *exec.Cmd
	url   string
	token string
	db    string
	proxy *http.Server

	mu     sync.Mutex
	counts map[string]int
	bytes  int64 // request bodies, as sent (gzipped chunks included)
}

var tokenLine = regexp.MustCompile(`API +(http://\S+)/api/0/ +token (sntryu_[0-9a-f]{64})`)

func startServer(snag, tmp string) *server {
	db := filepath.Join(tmp, "bench.db")
	for _, suffix := range []string{"", "-wal", "-shm", ".chunks", ".journal"} {
		os.RemoveAll(db + suffix)
	}
	s := &server{db: db, counts: map[string]int{}}
	s.cmd = exec.Command(snag, "serve", "--addr", freeAddr(), "--db", db)
	stderr, err := s.cmd.StderrPipe()
	check(err)
	check(s.cmd.Start())
	sc := bufio.NewScanner(stderr)
	var backend string
	for sc.Scan() {
		if m := tokenLine.FindStringSubmatch(sc.Text()); m != nil {
			backend, s.token = m[1], m[2]
			break
		}
	}
	if backend == "" {
		check(errors.New("snag serve did not print its API URL and token"))
	}
	go io.Copy(io.Discard, stderr)

	target, _ := url.Parse(backend)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	s.url = "http://" + ln.Addr().String()
	s.proxy = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts[r.Method+" "+route(r.URL.Path)]++
		s.mu.Unlock()
		r.Body = &countingBody{ReadCloser: r.Body, s: s}
		rp.ServeHTTP(w, r)
	})}
	go s.proxy.Serve(ln)
	return s
}

// route names an API path by its last segments: "chunk-upload",
// "artifactbundle/assemble".
func route(p string) string {
	p = strings.TrimSuffix(p, "/")
	if i := strings.Index(p, "/organizations/local/"); i >= 0 {
		return p[i+len("/organizations/local/"):]
	}
	return p
}

type countingBody struct {
	io.ReadCloser
	s *server
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.s.mu.Lock()
	b.s.bytes += int64(n)
	b.s.mu.Unlock()
	return n, err
}

func (s *server) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = map[string]int{}
	s.bytes = 0
}

func (s *server) summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var parts []string
	for k, n := range s.counts {
		parts = append(parts, fmt.Sprintf("%d× %s", n, k))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

func (s *server) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.proxy.Shutdown(ctx)
	_ = s.cmd.Process.Signal(os.Interrupt)
	_ = s.cmd.Wait()
}

// sentryCLI installs @sentry/cli 3 into the user's cache directory once
// and returns its binary and version.
func sentryCLI() (bin, version string, err error) {
	if _, err := exec.LookPath("npm"); err == nil {
		fmt.Fprintln(os.Stderr, "checking @sentry/cli@3 (installed with npm on first use)...")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return sentrycli.Install(ctx, "snag-bench")
}

func dirSize(dir string) (total, maps int64, n int) {
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n++
		total += info.Size()
		if strings.HasSuffix(p, ".map") {
			maps += info.Size()
		}
		return nil
	})
	return total, maps, n
}

func median(ms []measure) time.Duration {
	w := make([]time.Duration, len(ms))
	for i, m := range ms {
		w[i] = m.wall
	}
	slices.Sort(w)
	return w[len(w)/2]
}

func medianCPU(ms []measure) time.Duration {
	w := make([]time.Duration, len(ms))
	for i, m := range ms {
		w[i] = m.cpu
	}
	slices.Sort(w)
	return w[len(w)/2]
}

func minWall(ms []measure) time.Duration {
	m := ms[0].wall
	for _, x := range ms {
		m = min(m, x.wall)
	}
	return m
}

func mb1(n int64) float64 { return float64(n) / 1e6 }

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "memory unknown"
	}
	var kb int64
	for _, line := range strings.Split(string(b), "\n") {
		if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
			return fmt.Sprintf("%.1f GiB memory", float64(kb)/(1<<20))
		}
	}
	return "memory unknown"
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func output(c *exec.Cmd) string {
	b, _ := c.Output()
	return string(b)
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer ln.Close()
	return ln.Addr().String()
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/upload:", err)
		os.Exit(1)
	}
}
