package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// The write path has two stages, both on the writer goroutine (SQLite has
// one writer):
//
//  1. Acknowledge: the events queued by Accept/Submit are appended to
//     ingest_queue as one row and committed; Accept returns. The row lands
//     on a few consecutive pages at the end of a rowid table, so this commit
//     is cheap whatever the batch holds.
//  2. Digest: batches of up to DigestBatch queued events are grouped into
//     issues, deduplicated by event id, inserted into events, and counted
//     (issues, users, hours, tags), and their queue rows deleted, in one
//     transaction. The per-event writes land on random pages of several
//     indexes; a large batch of events about the same issues shares those
//     pages, which is what makes the digest cheap per event.
//
// Acknowledgements come first so that SDKs wait little; a digest runs when
// DigestBatch events wait, when the oldest has waited DigestDelay, or when
// someone Flushes. The backlog is bounded (QueueSize, MaxQueueBytes): past
// it Accept answers ErrQueueFull and the server 503, so the digest always
// catches up. A digest commits the deletion of its queue rows with its
// results, so after a crash the rows left are exactly the undigested events,
// which Open digests before returning.

// queuedRow is one committed ingest_queue row awaiting its digest.
type queuedRow struct {
	id     int64
	at     time.Time
	events []*pending
}

type flushWaiter struct {
	row  int64 // answered once every queue row up to this one is digested
	done chan error
}

func (w *writer) run() {
	defer close(w.s.done)
	defer w.conn.Close()
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	wake := time.NewTimer(time.Hour)
	wake.Stop()
	for {
		// What SDKs wait for comes first; ops and ticks get their turn too,
		// since select picks at random among ready cases.
		select {
		case p, ok := <-w.s.queue:
			if !ok {
				w.shutdown()
				return
			}
			w.ack(p)
			if w.digestDue() {
				w.digestStep()
			}
			continue
		case o := <-w.s.ops:
			o.done <- w.runOp(o)
			continue
		case <-tick.C:
			w.ret.ageDue = w.s.opts.MaxAge > 0
			continue
		default:
		}
		if w.digestDue() {
			w.digestStep()
			continue
		}
		// Retention left over from digests (or due by age) runs only when
		// nothing else waits.
		if w.ret.pending() && len(w.backlog) == 0 {
			w.retainStep()
			continue
		}
		var wakeC <-chan time.Time
		if d, ok := w.nextDigest(); ok {
			wake.Reset(d)
			wakeC = wake.C
		}
		select {
		case p, ok := <-w.s.queue:
			if !ok {
				w.shutdown()
				return
			}
			w.ack(p)
		case o := <-w.s.ops:
			o.done <- w.runOp(o)
		case <-tick.C:
			w.ret.ageDue = w.s.opts.MaxAge > 0
		case <-wakeC:
		}
		wake.Stop()
	}
}

// digestDue says whether the backlog should be digested now: a Submit or a
// Flush waits for it, or it is large or old enough.
func (w *writer) digestDue() bool {
	if len(w.backlog) == 0 || time.Now().Before(w.retryDigest) {
		return false
	}
	return len(w.flushes) > 0 || w.waiting > 0 || w.backlogEvents >= w.s.opts.DigestBatch ||
		time.Since(w.backlog[0].at) >= w.s.opts.DigestDelay
}

// nextDigest is how long until the backlog is due, if there is one.
func (w *writer) nextDigest() (time.Duration, bool) {
	if len(w.backlog) == 0 {
		return 0, false
	}
	at := w.backlog[0].at.Add(w.s.opts.DigestDelay)
	if w.retryDigest.After(at) {
		at = w.retryDigest
	}
	return max(time.Until(at), 0), true
}

// collect adds what is queued to batch, up to MaxBatch, waiting up to
// BatchWindow for more when one is set.
func (w *writer) collect(batch []*pending) []*pending {
	limit := w.s.opts.MaxBatch
	var timer <-chan time.Time
	if w.s.opts.BatchWindow > 0 {
		t := time.NewTimer(w.s.opts.BatchWindow)
		defer t.Stop()
		timer = t.C
	}
	for len(batch) < limit {
		select {
		case p, ok := <-w.s.queue:
			if !ok {
				return batch
			}
			batch = append(batch, p)
			continue
		default:
		}
		if timer == nil {
			return batch
		}
		select {
		case p, ok := <-w.s.queue:
			if !ok {
				return batch
			}
			batch = append(batch, p)
		case <-timer:
			return batch
		}
	}
	return batch
}

// maxKeptBuffer keeps a rare huge batch (attachments) from pinning its
// encoding buffer.
const maxKeptBuffer = 4 << 20

// ack commits first and what else is queued to ingest_queue as one row and
// answers the Accept callers.
func (w *writer) ack(first *pending) {
	batch := w.collect(append(make([]*pending, 0, 64), first))
	start := time.Now()
	w.buf = appendQueueBatch(w.buf[:0], batch)
	var row int64
	err := w.rawTx(func() error {
		r, err := w.st.insQueue.ExecContext(w.ctx, len(batch), ms(w.s.opts.Now()), w.buf)
		if err != nil {
			return wrap("queue events", err)
		}
		row, err = r.LastInsertId()
		return wrap("queue events", err)
	})
	if cap(w.buf) > maxKeptBuffer {
		w.buf = nil
	}
	st := &w.s.stats
	st.batches.Add(1)
	st.events.Add(int64(len(batch)))
	if int64(len(batch)) > st.largest.Load() {
		st.largest.Store(int64(len(batch)))
	}
	st.batchNS.Add(int64(time.Since(start)))
	if err != nil {
		w.release(batch)
		for _, p := range batch {
			p.done <- outcome{err: err}
		}
		return
	}
	w.backlog = append(w.backlog, queuedRow{id: row, at: start, events: batch})
	w.backlogEvents += len(batch)
	for _, p := range batch {
		if p.wantResult {
			w.waiting++
		} else {
			p.done <- outcome{}
		}
	}
}

// release takes events out of the backlog accounting.
func (w *writer) release(events []*pending) {
	var size int64
	for _, p := range events {
		size += p.size
	}
	w.s.backlog.Add(-int64(len(events)))
	w.s.backlogBytes.Add(-size)
}

// rawTx runs fn in an immediate transaction that, unlike inTx, does not bump
// the change version: queueing changes nothing readers see.
func (w *writer) rawTx(fn func() error) error {
	if _, err := w.conn.ExecContext(w.ctx, "BEGIN IMMEDIATE"); err != nil {
		return wrap("begin", err)
	}
	if err := fn(); err != nil {
		_, rbErr := w.conn.ExecContext(context.Background(), "ROLLBACK")
		return errors.Join(err, rbErr)
	}
	if _, err := w.conn.ExecContext(w.ctx, "COMMIT"); err != nil {
		_, rbErr := w.conn.ExecContext(context.Background(), "ROLLBACK")
		return errors.Join(wrap("commit", err), rbErr)
	}
	return nil
}

// digestStep digests the oldest queue rows, up to DigestBatch events (at
// least one row), in one transaction. It reports whether it committed.
func (w *writer) digestStep() bool {
	n, k := 0, 0
	for k < len(w.backlog) && (k == 0 || n+len(w.backlog[k].events) <= w.s.opts.DigestBatch) {
		n += len(w.backlog[k].events)
		k++
	}
	if k == 0 {
		return true
	}
	events := make([]*pending, 0, n)
	for _, r := range w.backlog[:k] {
		events = append(events, r.events...)
	}
	last := w.backlog[k-1].id
	results := make([]outcome, n)
	start := time.Now()
	err := w.inTx(w.ctx, func() error {
		if err := w.storeBatch(events, results); err != nil {
			return err
		}
		return w.finishDigest(last)
	})
	if err != nil {
		// One bad event must not hold up the others: store each in a
		// savepoint of its own, skipping those that fail.
		clear(results)
		err = w.inTx(w.ctx, func() error {
			for i := range events {
				if err := w.savepoint(func() error { return w.storeBatch(events[i:i+1], results[i:i+1]) }); err != nil {
					results[i] = outcome{err: err}
				}
			}
			return w.finishDigest(last)
		})
	}
	st := &w.s.stats
	st.digests.Add(1)
	st.digestNS.Add(int64(time.Since(start)))
	if err != nil {
		// The events stay queued, in memory and in the file; try again later.
		slog.Error("local store digest", "events", n, "err", err)
		w.retryDigest = time.Now().Add(time.Second)
		return false
	}
	st.digested.Add(int64(n))
	if int64(n) > st.largestDigest.Load() {
		st.largestDigest.Store(int64(n))
	}
	for i, p := range events {
		switch {
		case p.wantResult:
			w.waiting--
			p.done <- results[i]
		case results[i].err != nil:
			// Acknowledged, so nobody else can be told.
			slog.Error("local store: dropped an accepted event", "event_id", p.eventID, "err", results[i].err)
		}
	}
	w.release(events)
	w.backlog = slices.Delete(w.backlog, 0, k)
	w.backlogEvents -= n
	w.flushes = slices.DeleteFunc(w.flushes, func(f flushWaiter) bool {
		if f.row <= last {
			f.done <- nil
			return true
		}
		return false
	})
	return true
}

// finishDigest deletes the digested queue rows and, while the transaction is
// open anyway, does a step of retention in a savepoint (a retention failure
// must not undo the digest).
func (w *writer) finishDigest(last int64) error {
	if _, err := w.st.delQueue.ExecContext(w.ctx, last); err != nil {
		return wrap("dequeue events", err)
	}
	if w.ret.pending() {
		start := time.Now()
		if err := w.savepoint(func() error { return w.retainIn(w.ctx) }); err != nil {
			slog.Warn("local store retention", "err", err)
		}
		w.s.stats.retNS.Add(int64(time.Since(start)))
	}
	return nil
}

// savepoint runs fn inside a savepoint of the open transaction, rolling
// back what fn did if it fails.
func (w *writer) savepoint(fn func() error) error {
	if _, err := w.conn.ExecContext(w.ctx, "SAVEPOINT digest"); err != nil {
		return wrap("savepoint", err)
	}
	if err := fn(); err != nil {
		_, rbErr := w.conn.ExecContext(w.ctx, "ROLLBACK TO digest")
		_, relErr := w.conn.ExecContext(w.ctx, "RELEASE digest")
		return errors.Join(err, rbErr, relErr)
	}
	_, err := w.conn.ExecContext(w.ctx, "RELEASE digest")
	return wrap("savepoint", err)
}

// shutdown digests the whole backlog before the writer stops. Whatever a
// failing digest leaves stays in ingest_queue for the next Open.
func (w *writer) shutdown() {
	for len(w.backlog) > 0 && w.digestStep() {
	}
	for _, r := range w.backlog {
		for _, p := range r.events {
			if p.wantResult {
				p.done <- outcome{err: fmt.Errorf("local store: event queued, not digested before close: %w", ErrClosed)}
			}
		}
	}
	for _, f := range w.flushes {
		f.done <- ErrClosed
	}
	w.flushes = nil
}

// recover loads the queue rows a previous process acknowledged but did not
// digest, and digests them.
func (w *writer) recover(ctx context.Context) error {
	rows, err := w.conn.QueryContext(ctx, `SELECT id, data FROM ingest_queue ORDER BY id`)
	if err != nil {
		return wrap("open local store: read ingest queue", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return wrap("open local store: read ingest queue", err)
		}
		events, err := decodeQueueBatch(data)
		if err != nil {
			// Unreadable: it goes with the next digest's deletion.
			slog.Error("local store: skipping an unreadable ingest queue row", "row", id, "err", err)
			continue
		}
		for _, p := range events {
			p.size = queuedSize(p)
			w.s.backlogBytes.Add(p.size)
		}
		w.backlog = append(w.backlog, queuedRow{id: id, at: time.Now(), events: events})
		w.backlogEvents += len(events)
		w.s.backlog.Add(int64(len(events)))
	}
	if err := rows.Err(); err != nil {
		return wrap("open local store: read ingest queue", err)
	}
	rows.Close()
	if n := w.backlogEvents; n > 0 {
		slog.Info("local store: digesting events left in the ingest queue", "events", n)
	}
	for len(w.backlog) > 0 {
		if !w.digestStep() {
			return fmt.Errorf("open local store: could not digest the ingest queue")
		}
	}
	return nil
}

// Flush waits until every event accepted before the call is digested, that
// is visible to readers and counted. Tests and the TUI use it for
// read-your-writes; the server does not need it.
func (s *Store) Flush(ctx context.Context) error {
	var wait chan error
	err := s.doRaw(ctx, func(w *writer) {
		if len(w.backlog) == 0 {
			return
		}
		wait = make(chan error, 1)
		w.flushes = append(w.flushes, flushWaiter{row: w.backlog[len(w.backlog)-1].id, done: wait})
	})
	if err != nil || wait == nil {
		return err
	}
	select {
	case err := <-wait:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
