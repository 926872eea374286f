//go:build unix

// Command sourcemap runs the one-shot unminify benchmark: `snag unminify` of
// a 20-frame trace against a ~44 MB map, next to go-sourcemap doing the same
// lookups, each as a fresh process, reporting wall time and peak RSS.
//
//	bench/sourcemap/build-map.sh              # once: writes bench/out/
//	go run ./bench/sourcemap -runs 10
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"syscall"
	"time"
)

func main() {
	out := flag.String("dir", "bench/out", "directory with bundle.min.js(.map) and trace.txt from build-map.sh")
	runs := flag.Int("runs", 10, "runs per tool")
	flag.Parse()

	mapPath := filepath.Join(*out, "bundle.min.js.map")
	trace := filepath.Join(*out, "trace.txt")
	st, err := os.Stat(mapPath)
	if err != nil {
		fail("%v (run bench/sourcemap/build-map.sh first)", err)
	}
	tmp, err := os.MkdirTemp("", "snag-bench-")
	if err != nil {
		fail("%v", err)
	}
	defer os.RemoveAll(tmp)
	snag := build(tmp, "snag", "./cmd/snag")
	gosm := build(tmp, "gosourcemap", "./bench/sourcemap/gosourcemap")

	fmt.Printf("map: %s (%.1f MB); trace: %s; %d runs each; %s/%s, %d CPUs\n\n",
		mapPath, float64(st.Size())/1e6, trace, *runs, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Printf("%-34s %10s %10s %12s\n", "tool", "median", "min", "max RSS")
	for _, tool := range []struct {
		name string
		args []string
	}{
		{"snag unminify (--context 3)", []string{snag, "unminify", trace, "--maps", *out}},
		{"go-sourcemap Parse + Source", []string{gosm, mapPath, trace}},
	} {
		var walls []time.Duration
		var rss int64
		for i := 0; i < *runs+1; i++ {
			wall, maxRSS := measure(tool.args)
			if i == 0 {
				continue // the first run warms the page cache
			}
			walls = append(walls, wall)
			rss = max(rss, maxRSS)
		}
		slices.Sort(walls)
		fmt.Printf("%-34s %8.0fms %8.0fms %10.1fMB\n", tool.name, ms(walls[len(walls)/2]), ms(walls[0]), float64(rss)/1024)
	}
}

func build(dir, name, pkg string) string {
	bin := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		fail("go build %s: %v", pkg, err)
	}
	return bin
}

// measure runs one command and returns its wall time and peak RSS in KiB.
func measure(args []string) (time.Duration, int64) {
	cmd := exec.Command(args[0], args[1:]...)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		fail("%s: %v\n%s", args[0], err, out)
	}
	wall := time.Since(start)
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return wall, 0
	}
	return wall, ru.Maxrss
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(1)
}
