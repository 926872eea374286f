package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func mustOpen(tb testing.TB, path string, opts Options) *Store {
	tb.Helper()
	if path == "" {
		path = filepath.Join(tb.TempDir(), "snag.db")
	}
	s, err := Open(context.Background(), path, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

var eventSeq atomic.Int64

// eid returns a fresh event id.
func eid() string { return fmt.Sprintf("%032x", eventSeq.Add(1)) }

var t0 = time.Date(2026, 11, 20, 10, 30, 0, 0, time.UTC)

// rec builds a small event in project 1.
func rec(hashes ...string) *EventRecord {
	return &EventRecord{
		ProjectID: 1,
		EventID:   eid(),
		Hashes:    hashes,
		Timestamp: t0,
		Received:  t0,
		Level:     "error",
		Title:     "TypeError: x is undefined",
		Culprit:   "app.js in run",
		Type:      "error",
		Metadata:  []byte(`{"type":"TypeError","value":"x is undefined"}`),
		Platform:  "javascript",
		Body:      []byte(`{"message":"hello"}`),
	}
}

func submit(tb testing.TB, s *Store, r *EventRecord) Result {
	tb.Helper()
	res, err := s.Submit(context.Background(), r)
	if err != nil {
		tb.Fatalf("Submit: %v", err)
	}
	return res
}

func getIssue(tb testing.TB, s *Store, id int64) Issue {
	tb.Helper()
	is, err := s.GetIssue(context.Background(), id)
	if err != nil {
		tb.Fatalf("GetIssue(%d): %v", id, err)
	}
	return is
}
