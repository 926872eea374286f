package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"time"
)

// The write path has two stages, on two goroutines:
//
//  1. Acknowledge (the acker): the events queued by Accept/Submit are
//     appended to the ingest journal as one record with one write call
//     (journal.go), handed to the writer, and Accept returns.
//  2. Digest (the writer, SQLite's one writer): batches of up to
//     DigestBatch acknowledged events are grouped into issues, deduplicated
//     by event id, inserted into events, and counted (issues, users, hours,
//     tags) in one transaction, which also records the last journal
//     sequence digested. The per-event writes land on random pages of
//     several indexes; a large batch of events about the same issues shares
//     those pages, which is what makes the digest cheap per event.
//
// The two run in parallel, so an SDK never waits for a digest. A digest runs
// when DigestBatch events wait, when the oldest has waited DigestDelay, or
// when someone Flushes or Submits. The backlog is bounded (QueueSize,
// MaxQueueBytes): past it Accept answers ErrQueueFull and the server 503, so
// the digest always catches up. After a crash, Open digests the journal's
// batches newer than the recorded sequence before returning.

// queuedRow is one acknowledged batch awaiting its digest: a journal record,
// or (seq 0) a row of the ingest_queue table that older versions wrote.
type queuedRow struct {
	pos    uint64 // order in which the writer got it, for Flush
	seq    uint64
	legacy int64 // ingest_queue row id, for rows left by older versions
	at     time.Time
	events []*pending
}

type flushWaiter struct {
	pos  uint64 // answered once every batch up to this one is digested
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
		// Take every acknowledged batch first, so a digest is as large as
		// what waits; ops and ticks get their turn too, since select picks at
		// random among ready cases.
		select {
		case b, ok := <-w.s.batches:
			if !ok {
				w.shutdown()
				return
			}
			w.add(b)
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
			w.truncateWAL()
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
		case b, ok := <-w.s.batches:
			if !ok {
				w.shutdown()
				return
			}
			w.add(b)
		case o := <-w.s.ops:
			o.done <- w.runOp(o)
		case <-tick.C:
			w.ret.ageDue = w.s.opts.MaxAge > 0
		case <-wakeC:
		}
		wake.Stop()
	}
}

// truncateWAL empties the WAL when the checkpointer found it past its
// limit. It runs on the writer, between digests, so it never competes with
// them for the write lock; it waits for readers (busy_timeout), and
// acknowledgements go on meanwhile through the journal.
func (w *writer) truncateWAL() {
	if !w.s.walOver.Load() {
		return
	}
	var busy, logFrames, done int
	err := w.conn.QueryRowContext(w.ctx, "PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logFrames, &done)
	if err != nil {
		slog.Warn("local store checkpoint", "err", err)
		return
	}
	if busy == 0 {
		w.s.walOver.Store(false)
		w.s.walTruncations.Add(1)
	}
}

// add puts an acknowledged batch in the backlog.
func (w *writer) add(b queuedRow) {
	w.added++
	b.pos = w.added
	w.backlog = append(w.backlog, b)
	w.backlogEvents += len(b.events)
	for _, p := range b.events {
		if p.wantResult {
			w.waiting++
		}
	}
}

// drain moves the batches acknowledged so far into the backlog.
func (w *writer) drain() {
	for {
		select {
		case b, ok := <-w.s.batches:
			if !ok {
				return
			}
			w.add(b)
		default:
			return
		}
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

// maxKeptBuffer keeps a rare huge batch (attachments) from pinning its
// encoding buffer.
const maxKeptBuffer = 4 << 20

// acker appends what Accept and Submit queue to the journal, a batch at a
// time, hands each batch to the writer and answers Accept. It owns the
// journal. It ends when the queue is closed, closing batches after it.
// Without a journal (another process owns it) every event is answered
// after its digest instead.
func (s *Store) acker(j *journal, seq uint64) {
	defer close(s.batches)
	batch := make([]*pending, 0, 64)
	for first := range s.queue {
		// Let the requests already running hand over their events first:
		// under load a batch then holds several instead of one, which saves
		// a journal write and a round of goroutine wake-ups per event
		// (5 to 15 % more events/s at 5 KB); when idle it returns at once.
		runtime.Gosched()
		batch = s.collect(append(batch[:0], first))
		if j == nil {
			for _, p := range batch {
				p.wantResult = true
			}
			s.batches <- queuedRow{at: time.Now(), events: slices.Clone(batch)}
			continue
		}
		seq++
		start := time.Now()
		err := j.append(seq, batch)
		st := &s.stats
		st.batches.Add(1)
		st.events.Add(int64(len(batch)))
		if int64(len(batch)) > st.largest.Load() {
			st.largest.Store(int64(len(batch)))
		}
		st.batchNS.Add(int64(time.Since(start)))
		if err != nil {
			s.releaseBacklog(batch)
			for _, p := range batch {
				p.done <- outcome{err: err}
			}
			continue
		}
		events := slices.Clone(batch)
		// Never blocks: the channel holds QueueSize batches, and every batch
		// holds at least one of the at most QueueSize events in the backlog.
		s.batches <- queuedRow{seq: seq, at: start, events: events}
		for _, p := range events {
			if !p.wantResult {
				p.done <- outcome{}
			}
		}
		j.release(s.digestedSeq.Load())
	}
}

// collect adds what is queued to batch, up to MaxBatch, waiting up to
// BatchWindow for more when one is set.
func (s *Store) collect(batch []*pending) []*pending {
	limit := s.opts.MaxBatch
	var timer <-chan time.Time
	if s.opts.BatchWindow > 0 {
		t := time.NewTimer(s.opts.BatchWindow)
		defer t.Stop()
		timer = t.C
	}
	for len(batch) < limit {
		select {
		case p, ok := <-s.queue:
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
		case p, ok := <-s.queue:
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

// releaseBacklog takes events out of the backlog accounting.
func (s *Store) releaseBacklog(events []*pending) {
	var size int64
	for _, p := range events {
		size += p.size
	}
	s.backlog.Add(-int64(len(events)))
	s.backlogBytes.Add(-size)
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
	done := w.backlog[:k]
	last := done[k-1]
	results := make([]outcome, n)
	start := time.Now()
	err := w.inTx(w.ctx, func() error {
		if err := w.storeBatch(events, results); err != nil {
			return err
		}
		return w.finishDigest(done, true)
	})
	if err != nil {
		// One bad event (or a failing retention step) must not hold up the
		// others: store each event in a savepoint of its own, skipping those
		// that fail, and leave retention to a transaction of its own.
		clear(results)
		err = w.inTx(w.ctx, func() error {
			for i := range events {
				if err := w.savepoint(func() error { return w.storeBatch(events[i:i+1], results[i:i+1]) }); err != nil {
					results[i] = outcome{err: err}
				}
			}
			return w.finishDigest(done, false)
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
	if last.seq > 0 {
		w.s.digestedSeq.Store(last.seq)
	}
	w.s.releaseBacklog(events)
	w.backlog = slices.Delete(w.backlog, 0, k)
	w.backlogEvents -= n
	w.flushes = slices.DeleteFunc(w.flushes, func(f flushWaiter) bool {
		if f.pos <= last.pos {
			f.done <- nil
			return true
		}
		return false
	})
	return true
}

// finishDigest records the last journal sequence digested (or deletes the
// digested rows of the old ingest_queue table) and, while the transaction is
// open anyway and when retain is set, does a step of retention. Retention
// runs without a savepoint of its own: a savepoint makes SQLite copy every
// page the step touches to a sub-journal first, which cost as much as the
// deletions. If it fails, the digest is retried without it.
func (w *writer) finishDigest(rows []queuedRow, retain bool) error {
	var seq uint64
	var legacy int64
	for _, r := range rows {
		seq, legacy = max(seq, r.seq), max(legacy, r.legacy)
	}
	if seq > 0 {
		if _, err := w.st.setSeq.ExecContext(w.ctx, int64(seq)); err != nil {
			return wrap("record digested batches", err)
		}
	}
	if legacy > 0 {
		if _, err := w.st.delQueue.ExecContext(w.ctx, legacy); err != nil {
			return wrap("dequeue events", err)
		}
	}
	if retain && w.ret.pending() {
		start := time.Now()
		err := w.retainIn(w.ctx)
		w.s.stats.retNS.Add(int64(time.Since(start)))
		if err != nil {
			slog.Warn("local store retention", "err", err)
			return err
		}
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
// failing digest leaves stays in the journal for the next Open.
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

// recover digests what a previous process acknowledged and did not digest:
// rows of the ingest_queue table (written by versions before the journal),
// then the journal's batches.
func (w *writer) recover(ctx context.Context, batches []journalBatch) error {
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
			events = nil
		}
		w.recovered(queuedRow{legacy: id, at: time.Now(), events: events})
	}
	if err := rows.Err(); err != nil {
		return wrap("open local store: read ingest queue", err)
	}
	rows.Close()
	for _, b := range batches {
		w.recovered(queuedRow{seq: b.seq, at: time.Now(), events: b.events})
	}
	if n := w.backlogEvents; n > 0 {
		slog.Info("local store: digesting acknowledged events left by the last run", "events", n)
	}
	for len(w.backlog) > 0 {
		if !w.digestStep() {
			return fmt.Errorf("open local store: could not digest the events left by the last run")
		}
	}
	return nil
}

func (w *writer) recovered(r queuedRow) {
	for _, p := range r.events {
		p.size = queuedSize(p)
		w.s.backlogBytes.Add(p.size)
	}
	w.s.backlog.Add(int64(len(r.events)))
	w.add(r)
}

// Flush waits until every event accepted before the call is digested, that
// is visible to readers and counted. Tests and the TUI use it for
// read-your-writes; the server does not need it.
func (s *Store) Flush(ctx context.Context) error {
	var wait chan error
	err := s.doRaw(ctx, func(w *writer) {
		// Accept returned after its batch was sent to the writer, so the
		// batches of every call that returned are in the channel by now.
		w.drain()
		if len(w.backlog) == 0 {
			return
		}
		wait = make(chan error, 1)
		w.flushes = append(w.flushes, flushWaiter{pos: w.backlog[len(w.backlog)-1].pos, done: wait})
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
