package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// TestAcknowledgedEventsSurvive submits events from many goroutines, checks
// through an independent connection that every acknowledged event is already
// committed, then closes, reopens and checks every event and count again.
func TestAcknowledgedEventsSurvive(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "snag.db")
	s := mustOpen(t, path, Options{MaxEventsPerIssue: -1, MaxEvents: -1, QueueSize: 100_000})

	const workers, perWorker, issues, users = 16, 150, 13, 7
	type acked struct {
		id    string
		issue int
		user  int
	}
	var mu sync.Mutex
	var all []acked
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				n := w*perWorker + i
				r := rec(fmt.Sprintf("issue-%d", n%issues))
				r.UserKey = fmt.Sprintf("id:%d", (n/issues)%users)
				r.Tags = [][2]string{{"worker", fmt.Sprint(w)}}
				if _, err := s.Submit(ctx, r); err != nil {
					t.Errorf("Submit: %v", err)
					return
				}
				mu.Lock()
				all = append(all, acked{r.EventID, n % issues, (n / issues) % users})
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	// Acknowledged means committed: another connection sees every event now.
	db, err := sql.Open("sqlite", dsn(path, roleReader))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if n != len(all) {
		t.Fatalf("independent connection sees %d events, %d acknowledged", n, len(all))
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, path, Options{MaxEventsPerIssue: -1, MaxEvents: -1})

	wantTimes := map[string]int64{}
	wantUsers := map[string]map[int]bool{}
	for _, a := range all {
		if _, err := s.GetEvent(ctx, 1, a.id); err != nil {
			t.Fatalf("acknowledged event %s: %v", a.id, err)
		}
		h := fmt.Sprintf("issue-%d", a.issue)
		wantTimes[h]++
		if wantUsers[h] == nil {
			wantUsers[h] = map[int]bool{}
		}
		wantUsers[h][a.user] = true
	}
	page, err := s.ListIssues(ctx, IssueQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Issues) != issues {
		t.Fatalf("%d issues, want %d", len(page.Issues), issues)
	}
	for _, is := range page.Issues {
		hs, _ := s.IssueHashes(ctx, is.ID)
		h := hs[0]
		if is.TimesSeen != wantTimes[h] || is.EventsStored != wantTimes[h] || is.UserCount != int64(len(wantUsers[h])) {
			t.Errorf("%s: times %d stored %d users %d; want %d, %d, %d", h, is.TimesSeen, is.EventsStored,
				is.UserCount, wantTimes[h], wantTimes[h], len(wantUsers[h]))
		}
		hours, _ := s.IssueHourlyCounts(ctx, []int64{is.ID}, t0.Add(-1e12))
		var sum int64
		for _, hc := range hours[is.ID] {
			sum += hc.Count
		}
		if sum != is.TimesSeen {
			t.Errorf("%s: hourly sum %d, times_seen %d", h, sum, is.TimesSeen)
		}
		tags, _ := s.TopTagValues(ctx, is.ID, 100)
		for _, k := range tags {
			if k.Key == "worker" && k.TotalValues != is.TimesSeen {
				t.Errorf("%s: worker tag total %d", h, k.TotalValues)
			}
		}
	}
	if c, _ := s.EventCount(ctx); c != int64(len(all)) {
		t.Errorf("EventCount %d, want %d", c, len(all))
	}
}

// TestCloseDrainsQueue closes while submitters are waiting: every Submit
// either fails with ErrClosed or was committed.
func TestCloseDrainsQueue(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "snag.db")
	s, err := Open(ctx, path, Options{QueueSize: 10_000, MaxEventsPerIssue: -1})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok []string
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				r := rec("close")
				if _, err := s.Submit(ctx, r); err != nil {
					return
				}
				mu.Lock()
				ok = append(ok, r.EventID)
				mu.Unlock()
			}
		}()
	}
	s.Close()
	wg.Wait()
	s = mustOpen(t, path, Options{})
	for _, id := range ok {
		if _, err := s.GetEvent(ctx, 1, id); err != nil {
			t.Fatalf("acknowledged %s lost: %v", id, err)
		}
	}
}
