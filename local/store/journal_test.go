package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// copyCrashState copies what a killed process leaves of the store at from:
// the database, its WAL and the ingest journal's segments.
func copyCrashState(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal"} {
		copyFile(t, from+suffix, to+suffix)
	}
	nums, err := listSegments(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nums {
		copyFile(t, fmt.Sprintf("%s-ingest.%d", from, n), fmt.Sprintf("%s-ingest.%d", to, n))
	}
}

func segmentsOf(t *testing.T, path string) []int64 {
	t.Helper()
	nums, err := listSegments(path)
	if err != nil {
		t.Fatal(err)
	}
	return nums
}

// TestJournalDigestedOnce: batches digested before a crash, but whose
// segment was not removed yet, are not counted again on recovery, even when
// retention already deleted their events.
func TestJournalDigestedOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "snag.db")
	s := mustOpen(t, path, Options{MaxEventsPerIssue: 2})
	var issue int64
	for range 5 {
		r := rec("once")
		if err := s.Accept(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListIssues(ctx, IssueQuery{})
	if err != nil || len(page.Issues) != 1 {
		t.Fatalf("issues %v, %v", page.Issues, err)
	}
	issue = page.Issues[0].ID
	// Segments are removed lazily, so the digested batches are still there.
	crash := filepath.Join(dir, "crash.db")
	copyCrashState(t, path, crash)
	if len(segmentsOf(t, crash)) == 0 {
		t.Fatal("no journal segment to recover from")
	}
	c := mustOpen(t, crash, Options{MaxEventsPerIssue: 2})
	if is := getIssue(t, c, issue); is.TimesSeen != 5 {
		t.Errorf("times seen %d after recovery, want 5", is.TimesSeen)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if n := segmentsOf(t, crash); len(n) != 0 {
		t.Errorf("segments %v left after a clean close", n)
	}
}

// TestJournalForeignAndTorn: a segment of another database is removed
// unread; a segment whose last record is torn gives back the batches before
// it.
func TestJournalForeignAndTorn(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "snag.db")
	s := mustOpen(t, path, Options{DigestDelay: time.Hour, DigestBatch: 1 << 20})
	var ids []string
	for range 3 {
		r := rec("torn")
		if err := s.Accept(ctx, r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.EventID)
	}
	crash := filepath.Join(dir, "crash.db")
	copyCrashState(t, path, crash)
	nums := segmentsOf(t, crash)
	last := fmt.Sprintf("%s-ingest.%d", crash, nums[len(nums)-1])
	f, err := os.OpenFile(last, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{200, 0, 0, 0, 1, 2, 3, 4, 5}) // a record header promising more than follows
	f.Close()
	// A segment of some other database, numbered after the real ones.
	foreign := fmt.Sprintf("%s-ingest.%d", crash, nums[len(nums)-1]+10)
	other := append([]byte(journalMagic), 1, 2, 3, 4, 5, 6, 7, 8)
	if err := os.WriteFile(foreign, other, 0o600); err != nil {
		t.Fatal(err)
	}

	c := mustOpen(t, crash, Options{})
	for _, id := range ids {
		if _, err := c.GetEvent(ctx, 1, id); err != nil {
			t.Errorf("event %s lost: %v", id, err)
		}
	}
	if _, err := os.Stat(foreign); !os.IsNotExist(err) {
		t.Errorf("foreign segment still there: %v", err)
	}
}

// TestLegacyQueueRows: rows that versions before the journal left in
// ingest_queue are digested on open and removed.
func TestLegacyQueueRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "snag.db")
	s := mustOpen(t, path, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	p, err := s.prepare(rec("legacy"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", dsn(path, roleWriter))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.ExecContext(ctx, `INSERT INTO ingest_queue(events, received, data) VALUES (1, 0, ?)`, appendQueueBatch(nil, []*pending{p}))
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	c := mustOpen(t, path, Options{})
	if _, err := c.GetEvent(ctx, 1, p.eventID); err != nil {
		t.Fatalf("legacy queued event: %v", err)
	}
	var n int
	if err := c.rdb.QueryRowContext(ctx, `SELECT count(*) FROM ingest_queue`).Scan(&n); err != nil || n != 0 {
		t.Errorf("ingest_queue rows %d, %v; want 0", n, err)
	}
}

// TestJournalRotates: a long run keeps only a bounded journal on disk.
func TestJournalRotates(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "snag.db")
	s := mustOpen(t, path, Options{MaxEvents: -1, MaxEventsPerIssue: -1})
	body := []byte(`{"message":"` + strings.Repeat("x", 64<<10) + `"}`)
	for i := range 200 { // about 13 MB of journal, compressed bodies aside
		r := rec(fmt.Sprint("rot-", i%3))
		r.Body = append(body[:len(body):len(body)], fmt.Sprint(i)...)
		if _, err := s.Submit(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	var size int64
	for _, n := range segmentsOf(t, path) {
		fi, err := os.Stat(fmt.Sprintf("%s-ingest.%d", path, n))
		if err != nil {
			t.Fatal(err)
		}
		size += fi.Size()
	}
	if size > 2*journalRotate {
		t.Errorf("journal holds %d bytes after everything was digested", size)
	}
}

func FuzzDecodeSegment(f *testing.F) {
	p := &pending{projectID: 1, eventID: strings.Repeat("a", 32), hashes: []string{"h"}, level: "error",
		tags: [][2]string{{"k", "v"}}, body: []byte("x"), bodySize: 1,
		attachments: []Attachment{{Name: "a.txt", Data: []byte("data")}}}
	j := &journal{id: 7}
	seg := append([]byte(journalMagic), 7, 0, 0, 0, 0, 0, 0, 0)
	dir := f.TempDir()
	rec := func(seq uint64, events ...*pending) []byte {
		j.buf = nil
		tmp := filepath.Join(dir, "seg")
		fh, err := os.Create(tmp)
		if err != nil {
			f.Fatal(err)
		}
		j.f, j.segs = fh, []segment{{}}
		if err := j.append(seq, events); err != nil {
			f.Fatal(err)
		}
		fh.Close()
		b, _ := os.ReadFile(tmp)
		return b
	}
	f.Add(seg)
	f.Add(append(seg, rec(1, p)...))
	f.Add(append(append(seg, rec(1, p)...), rec(2, p, p)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Damage anywhere gives back the batches before it, never a panic;
		// what decodes re-encodes to a segment that decodes the same.
		got, _ := decodeSegment(data, 7)
		var again []byte
		again = append(again, seg...)
		for _, b := range got {
			again = append(again, rec(b.seq, b.events...)...)
		}
		back, err := decodeSegment(again, 7)
		if err != nil || len(back) != len(got) {
			t.Fatalf("re-encoded segment: %d batches, %v; want %d", len(back), err, len(got))
		}
	})
}

// TestZstdBodiesStillRead: bodies written by versions that used zstd read
// back, beside the S2 bodies written now.
func TestZstdBodiesStillRead(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "", Options{})
	old, now := rec("codec"), rec("codec")
	old.Body = []byte(`{"message":"written by an older snag"}`)
	now.Body = []byte(`{"message":"written now"}`)
	oldRes := submit(t, s, old)
	submit(t, s, now)
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	z := enc.EncodeAll(old.Body, nil)
	if err := s.do(ctx, func(ctx context.Context, w *writer) error {
		_, err := w.conn.ExecContext(ctx, `UPDATE events SET body = ? WHERE id = ?`, z, oldRes.EventRow)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*EventRecord{old, now} {
		ev, err := s.GetEvent(ctx, 1, r.EventID)
		if err != nil {
			t.Fatal(err)
		}
		if string(ev.Body) != string(r.Body) {
			t.Errorf("body %q, want %q", ev.Body, r.Body)
		}
	}
}
