package serve

import (
	"os"
	"runtime/debug"
)

// The collector's pacing for snag serve, unless GOGC or GOMEMLIMIT says
// otherwise. The server's live heap is small (about 10 MB) while ingest
// allocates tens of KB per event, so at Go's default (GOGC=100) a busy
// server collects some 50 times a second, and every cycle's stop-the-world
// phases and worker wake-ups cost far more than its marking: at 5 KB events
// ingest is about 30 % faster at 400 (docs/performance.md). The heap then
// grows to about 5× the live data instead of 2×, some 30 MB more; past the
// memory limit (far above what the default queue bounds let stay live) the
// collector works as hard as it must to stay under it.
const (
	gcPercent   = 400
	memoryLimit = 1 << 30
)

// tuneGC applies the pacing above unless the user set their own.
func tuneGC() {
	if _, ok := os.LookupEnv("GOGC"); ok {
		return
	}
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		return
	}
	debug.SetGCPercent(gcPercent)
	debug.SetMemoryLimit(memoryLimit)
}
