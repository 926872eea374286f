//go:build unix

package main

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/server"
	"github.com/snag-dev/snag/local/store"
)

// profileInProcess runs the server in this process, as `snag serve` would
// (no retention, so every event is inserted), and profiles the CPU while the
// generator loads it. Generator and server share the profile; the server's
// share is everything under local/.
func profileInProcess(send sender, storeOpts store.Options, simpleGrouping bool, db string, bodies [][]byte, conns int, d time.Duration, out string) result {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, db, storeOpts)
	check(err)
	defer st.Close()
	keys, err := st.ProjectKeys(ctx, store.DefaultProjectID)
	check(err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	cfg := server.Config{DefaultProject: store.DefaultProjectID, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if simpleGrouping {
		// What ingest cost before Sentry's grouping: one hash of the title.
		cfg.Group = func(ev *api.Event) []string {
			sum := md5.Sum([]byte(ev.Title))
			return []string{hex.EncodeToString(sum[:])}
		}
	}
	srv := server.New(st, cfg)
	go func() { _ = srv.Serve(ctx, ln) }()
	addr := ln.Addr().String()
	waitReady(addr)

	f, err := os.Create(out)
	check(err)
	defer f.Close()
	check(pprof.StartCPUProfile(f))
	before := cpuTime()
	res := send("http://"+addr+"/api/1/envelope/?sentry_key="+keys[0].PublicKey+"&sentry_version=7", bodies, conns, d)
	pprof.StopCPUProfile()
	// The allocations beside it: a busy server's pace is set by its GC.
	if mf, err := os.Create(out + ".allocs"); err == nil {
		_ = pprof.Lookup("allocs").WriteTo(mf, 0)
		mf.Close()
	}
	used := cpuTime() - before
	fmt.Printf("process CPU (generator and server): %v, %.0f µs per event\n", used.Round(time.Millisecond), float64(used.Microseconds())/float64(max(res.ok, 1)))
	fmt.Printf("writer: %+v\n", st.Stats())
	return res
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	check(syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
