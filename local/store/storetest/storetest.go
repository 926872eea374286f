// Package storetest seeds a local store through the real write path
// (ingest normalization, Sentry's grouping, Store.Submit), for the tests of
// everything that reads the store: the triage backend, the commands, the
// TUI.
package storetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/snag-dev/snag/local/grouping"
	"github.com/snag-dev/snag/local/ingest"
	"github.com/snag-dev/snag/local/store"
)

// Now is the fixed clock of stores opened by Open: 2026-11-20 12:30 UTC.
var Now = time.Date(2026, 11, 20, 12, 30, 0, 0, time.UTC)

// Open opens a store in a temporary directory whose clock stands at Now, and
// closes it when the test ends. It returns the store and its path.
func Open(tb testing.TB) (*store.Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "snag.db")
	st, err := store.Open(context.Background(), path, store.Options{Now: func() time.Time { return Now }})
	if err != nil {
		tb.Fatalf("opening the store: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st, path
}

// SeedFile creates the database at path (directories included), stores the
// triage data set in it with a clock at Now, and closes it, so a command under
// test can open it.
func SeedFile(tb testing.TB, path string) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		tb.Fatal(err)
	}
	st, err := store.Open(context.Background(), path, store.Options{Now: func() time.Time { return Now }})
	if err != nil {
		tb.Fatalf("opening the store: %v", err)
	}
	SeedTriage(tb, st)
	if err := st.Close(); err != nil {
		tb.Fatal(err)
	}
}

// Submit stores one event payload (JSON as an SDK sends it) in project 1,
// received at received, the way `snag serve` does, and waits until it is
// readable.
func Submit(tb testing.TB, st *store.Store, received time.Time, payload string) store.Result {
	tb.Helper()
	ne, err := ingest.Normalize([]byte(payload), ingest.NormalizeOptions{ReceivedAt: received})
	if err != nil {
		tb.Fatalf("normalizing the event: %v", err)
	}
	rec := store.NewEventRecord(store.DefaultProjectID, received, ne.Event, ne.UserKey, ne.JSON, grouping.Hashes(ne.Event, grouping.Options{}))
	res, err := st.Submit(context.Background(), rec)
	if err != nil {
		tb.Fatalf("submitting the event: %v", err)
	}
	return res
}
