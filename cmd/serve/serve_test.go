package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/config"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/local/store"
)

func options(t *testing.T, addr string) (*Options, *bytes.Buffer) {
	t.Helper()
	ios, _, _, errOut := iostreams.Test()
	db := filepath.Join(t.TempDir(), "snag.db")
	return &Options{
		IO: ios,
		Config: func() (*config.Config, error) {
			return config.Load(config.Options{
				Flags:   map[config.Key]string{config.Addr: addr, config.DB: db},
				Getenv:  func(string) string { return "" },
				WorkDir: t.TempDir(), HomeDir: t.TempDir(),
			})
		},
	}, errOut
}

func TestServeRefusesRemoteAddressWithoutFlag(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:8969"} {
		opts, _ := options(t, addr)
		err := run(context.Background(), opts)
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "--allow-remote") {
			t.Errorf("%s: err = %v", addr, err)
		}
	}
}

var dsnLine = regexp.MustCompile(`DSN +http://([0-9a-f]{32})@(127\.0\.0\.1:\d+)/1`)

// TestServeAndStop runs the server in process: it prints the DSN and token,
// takes an event, and stops cleanly when its context ends.
func TestServeAndStop(t *testing.T) {
	opts, errOut := options(t, "127.0.0.1:0")
	ready := make(chan string, 1)
	opts.Ready = func(addr string) { ready <- addr }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, opts) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	banner := errOut.String()
	m := dsnLine.FindStringSubmatch(banner)
	if m == nil || m[2] != addr || !regexp.MustCompile(`token sntryu_[0-9a-f]{64}`).MatchString(banner) {
		t.Fatalf("banner:\n%s", banner)
	}
	resp, err := http.Post("http://"+addr+"/api/1/store/?sentry_key="+m[1], "application/json", strings.NewReader(`{"message":"hello"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run after stop: %v", err)
	}
	if !strings.Contains(errOut.String(), "Stopped") {
		t.Errorf("no goodbye:\n%s", errOut.String())
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startServer(t *testing.T, bin, db, addr string) *exec.Cmd {
	t.Helper()
	// Retention off: every acknowledged event must still be there to count.
	cmd := exec.Command(bin, "serve", "--addr", addr, "--db", db, "--max-events", "-1", "--max-events-per-issue", "-1")
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 400; i++ {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			return cmd
		}
		time.Sleep(25 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("server did not start")
	return nil
}

// TestKillDuringLoad kills the server with SIGKILL while clients are
// sending, restarts it on the same database, and finds every event that was
// acknowledged with 200 stored.
func TestKillDuringLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds snag and runs it")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "snag")
	build := exec.Command("go", "build", "-o", bin, "github.com/snag-dev/snag/cmd/snag")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "snag.db")
	addr := freeAddr(t)
	out, err := exec.Command(bin, "dsn", "--db", db, "--addr", addr).Output()
	if err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`[0-9a-f]{32}`).FindString(string(out))
	srv := startServer(t, bin, db, addr)

	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("%08x%08x%016x", c, i, time.Now().UnixNano())
				body := fmt.Sprintf(`{"event_id":%q,"exception":{"values":[{"type":"Error","value":"boom %d"}]}}`, id, i%7)
				resp, err := client.Post("http://"+addr+"/api/1/store/?sentry_key="+key, "application/json", strings.NewReader(body))
				if err != nil {
					continue // the server died mid-request: not acknowledged
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				}
			}
		}(c)
	}
	time.Sleep(700 * time.Millisecond)
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = srv.Wait()
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	if len(acked) < 10 {
		t.Fatalf("only %d events acknowledged before the kill; the test needs more", len(acked))
	}

	// Restart on the same database (recovering the WAL), then stop it and read.
	srv = startServer(t, bin, db, addr)
	_ = srv.Process.Signal(os.Interrupt)
	_ = srv.Wait()
	st, err := store.Open(context.Background(), db, store.Options{MaxEvents: -1, MaxEventsPerIssue: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	missing := 0
	for _, id := range acked {
		if _, err := st.GetEvent(context.Background(), store.DefaultProjectID, id); err != nil {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged events lost", missing, len(acked))
	}
	t.Logf("all %d acknowledged events survived SIGKILL", len(acked))
}
