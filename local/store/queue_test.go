package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"
)

func TestQueueCodecRoundTrip(t *testing.T) {
	s := mustOpen(t, "", Options{})
	r1 := rec("h1", "h2")
	r1.Tags = [][2]string{{"browser", "Chrome"}, {"url", "https://x/é"}}
	r1.UserKey, r1.Release, r1.Environment, r1.Transaction = "id:7", "1.0", "prod", "/checkout"
	r1.Attachments = []Attachment{{Name: "a.txt", ContentType: "text/plain", Data: []byte("hello")}}
	r2 := rec("h3")
	r2.Body = nil
	var batch []*pending
	for _, r := range []*EventRecord{r1, r2} {
		p, err := s.prepare(r)
		if err != nil {
			t.Fatal(err)
		}
		p.done, p.size = nil, 0
		batch = append(batch, p)
	}
	got, err := decodeQueueBatch(appendQueueBatch(nil, batch))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, batch) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got[0], batch[0])
	}
	enc := appendQueueBatch(nil, batch)
	for _, bad := range [][]byte{nil, {9}, enc[:len(enc)-1], append(enc, 0)} {
		if _, err := decodeQueueBatch(bad); !errors.Is(err, errQueueCorrupt) {
			t.Errorf("decode %d bytes: err %v, want errQueueCorrupt", len(bad), err)
		}
	}
}

// TestQueuedEventOwnsItsStrings: a queued event does not keep the caller's
// buffers alive through its strings (ingest's strings are views into
// per-event chunks), so the backlog holds about what it counts.
func TestQueuedEventOwnsItsStrings(t *testing.T) {
	s := mustOpen(t, "", Options{})
	big := strings.Repeat("x", 1<<16) + "TypeError: boom|app.js in f|1.0|prod|browser|Chrome|0123456789abcdef0123456789abcdef"
	view := func(sub string) string {
		i := strings.Index(big, sub)
		return big[i : i+len(sub)]
	}
	r := rec(view("0123456789abcdef0123456789abcdef")) // a checksum is a hash the SDK sent
	r.Title, r.Culprit, r.Release, r.Environment = view("TypeError: boom"), view("app.js in f"), view("1.0"), view("prod")
	r.Tags = [][2]string{{view("browser"), view("Chrome")}}
	p, err := s.prepare(r)
	if err != nil {
		t.Fatal(err)
	}
	lo := uintptr(unsafe.Pointer(unsafe.StringData(big)))
	hi := lo + uintptr(len(big))
	for name, v := range map[string]string{"title": p.title, "culprit": p.culprit, "release": p.release,
		"environment": p.environment, "tag key": p.tags[0][0], "tag value": p.tags[0][1], "hash": p.hashes[0]} {
		if at := uintptr(unsafe.Pointer(unsafe.StringData(v))); at >= lo && at < hi {
			t.Errorf("%s %q still points into the caller's buffer", name, v)
		}
	}
	if p.title != "TypeError: boom" || p.tags[0] != [2]string{"browser", "Chrome"} {
		t.Errorf("copied wrong: title %q, tags %q", p.title, p.tags)
	}
}

// TestAcceptVisibility: Accept returns before the digest; Flush and GetEvent
// see the event anyway, and a repeated event id is stored once.
func TestAcceptVisibility(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "", Options{DigestDelay: time.Hour, DigestBatch: 1 << 20})
	r := rec("vis")
	if err := s.Accept(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.Accept(ctx, r); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Backlog != 2 || st.Digested != 0 {
		t.Fatalf("before the digest: %+v", st)
	}
	ev, err := s.GetEvent(ctx, 1, r.EventID) // flushes on a miss
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	is := getIssue(t, s, ev.IssueID)
	if is.TimesSeen != 1 || is.EventsStored != 1 {
		t.Errorf("issue after a repeated event id: times %d stored %d, want 1, 1", is.TimesSeen, is.EventsStored)
	}
	if st := s.Stats(); st.Backlog != 0 {
		t.Errorf("backlog %d after Flush", st.Backlog)
	}
}

// TestQueueBound: past QueueSize undigested events, Accept says ErrQueueFull.
func TestQueueBound(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "", Options{QueueSize: 3, DigestDelay: time.Hour, DigestBatch: 1 << 20})
	for i := range 3 {
		if err := s.Accept(ctx, rec("bound")); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	if err := s.Accept(ctx, rec("bound")); !errors.Is(err, ErrQueueFull) {
		t.Fatalf("fourth event: %v, want ErrQueueFull", err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Accept(ctx, rec("bound")); err != nil {
		t.Fatalf("after the digest: %v", err)
	}
}

// TestAcceptedSurviveCrash: events accepted and not yet digested are in the
// database file; a copy taken as a crash would leave it is digested by Open,
// with exact counts.
func TestAcceptedSurviveCrash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "snag.db")
	s := mustOpen(t, path, Options{DigestDelay: time.Hour, DigestBatch: 1 << 20, MaxEventsPerIssue: -1})
	var ids []string
	for i := range 50 {
		r := rec(fmt.Sprintf("crash-%d", i%5))
		r.UserKey = fmt.Sprintf("id:%d", i%7)
		if err := s.Accept(ctx, r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.EventID)
	}
	dup := rec("crash-0")
	dup.EventID = ids[0]
	if err := s.Accept(ctx, dup); err != nil {
		t.Fatal(err)
	}
	// What a SIGKILL leaves: the database file, its WAL and the journal,
	// nothing digested.
	crash := filepath.Join(dir, "crash.db")
	copyCrashState(t, path, crash)
	var queued int
	nums, err := listSegments(crash)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nums {
		got, err := readSegment(fmt.Sprintf("%s-ingest.%d", crash, n), s.journal.id)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range got {
			queued += len(b.events)
		}
	}
	db, err := sql.Open("sqlite", dsn(crash, roleReader))
	if err != nil {
		t.Fatal(err)
	}
	var events int
	err = db.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&events)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if queued != 51 || events != 0 {
		t.Fatalf("in the files: %d in the journal, %d events; want 51, 0", queued, events)
	}

	c := mustOpen(t, crash, Options{MaxEventsPerIssue: -1})
	for _, id := range ids {
		if _, err := c.GetEvent(ctx, 1, id); err != nil {
			t.Fatalf("accepted event %s lost: %v", id, err)
		}
	}
	page, err := c.ListIssues(ctx, IssueQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Issues) != 5 {
		t.Fatalf("%d issues, want 5", len(page.Issues))
	}
	for _, is := range page.Issues {
		if is.TimesSeen != 10 || is.UserCount != 7 {
			t.Errorf("%s: times %d users %d; want 10, 7", is.Title, is.TimesSeen, is.UserCount)
		}
	}
	if n, _ := c.EventCount(ctx); n != 50 {
		t.Errorf("EventCount %d, want 50", n)
	}
	if st := c.Stats(); st.Digested != 51 || st.Backlog != 0 {
		t.Errorf("recovery: %+v", st)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDigestRowIDs: the digest inserts events many rows per statement and
// derives their row ids; every Result and attachment must name the right row.
func TestDigestRowIDs(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "", Options{DigestDelay: time.Hour, DigestBatch: 1 << 20})
	type sent struct {
		id  string
		res Result
	}
	out := make(chan sent, 300)
	for i := range 300 {
		go func() {
			r := rec(fmt.Sprintf("rows-%d", i%4))
			r.Attachments = []Attachment{{Name: r.EventID + ".txt", Data: []byte(r.EventID)}}
			res, err := s.Submit(ctx, r)
			if err != nil {
				t.Error(err)
			}
			out <- sent{r.EventID, res}
		}()
	}
	for range 300 {
		got := <-out
		ev, err := s.GetEvent(ctx, 1, got.id)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Row != got.res.EventRow || ev.IssueID != got.res.IssueID {
			t.Fatalf("event %s: row %d issue %d, Result says %d, %d", got.id, ev.Row, ev.IssueID, got.res.EventRow, got.res.IssueID)
		}
		atts, err := s.Attachments(ctx, ev.Row)
		if err != nil || len(atts) != 1 || atts[0].Name != got.id+".txt" {
			t.Fatalf("event %s: attachments %+v, %v", got.id, atts, err)
		}
	}
	if st := s.Stats(); st.LargestDigest < 64 {
		t.Logf("largest digest %d: multi-row statements barely exercised", st.LargestDigest)
	}
}
