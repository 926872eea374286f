package store

import (
	"context"
	"log/slog"
	"time"
)

// Retention keeps at most MaxEventsPerIssue events per issue, MaxEvents in
// total, none received more than MaxAge ago, deleting the oldest (by row id,
// i.e. by arrival) first. It runs on the writer in steps of at most
// RetentionStep deletions: one step inside each digest transaction (which
// keeps pace with ingest at the caps and costs no commit of its own), and
// more in transactions of their own when the writer is otherwise idle. Issue counters (times_seen,
// user_count, hourly counts, tag counts) are not touched: they count every
// event ever seen, as Sentry's do.

type retentionState struct {
	over      map[int64]struct{} // issues that may hold more events than the cap
	totalOver bool
	ageDue    bool
}

func (r *retentionState) pending() bool {
	return len(r.over) > 0 || r.totalOver || r.ageDue
}

// initRetention schedules whatever the current limits require of an existing
// database (limits may have been lowered since it was written).
func (w *writer) initRetention(ctx context.Context) error {
	o := w.s.opts
	w.ret = retentionState{over: map[int64]struct{}{}, ageDue: o.MaxAge > 0}
	if o.MaxEventsPerIssue > 0 {
		rows, err := w.conn.QueryContext(ctx, `SELECT id FROM issues WHERE events_stored > ?`, o.MaxEventsPerIssue)
		if err != nil {
			return wrap("open local store: retention", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return wrap("open local store: retention", err)
			}
			w.ret.over[id] = struct{}{}
		}
		if err := rows.Err(); err != nil {
			return wrap("open local store: retention", err)
		}
	}
	if o.MaxEvents > 0 {
		var total int64
		if err := w.conn.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'events_stored'`).Scan(&total); err != nil {
			return wrap("open local store: retention", err)
		}
		w.ret.totalOver = total > int64(o.MaxEvents)
	}
	return nil
}

// retainStep deletes up to RetentionStep events that are over a limit, in a
// transaction of its own.
func (w *writer) retainStep() {
	start := time.Now()
	defer func() {
		w.s.stats.retSteps.Add(1)
		w.s.stats.retNS.Add(int64(time.Since(start)))
	}()
	if err := w.inTx(w.ctx, func() error { return w.retainIn(w.ctx) }); err != nil {
		// Retention is retried on the next step; ingest goes on regardless.
		slog.Warn("local store retention", "err", err)
	}
}

// retainIn deletes up to RetentionStep events that are over a limit, in the
// open transaction.
func (w *writer) retainIn(ctx context.Context) error {
	budget := w.s.opts.RetentionStep
	victims := map[int64]int64{} // event row → issue
	if err := w.pickPerIssue(ctx, victims, budget); err != nil {
		return err
	}
	if err := w.pickTotal(ctx, victims, budget); err != nil {
		return err
	}
	if err := w.pickAge(ctx, victims, budget); err != nil {
		return err
	}
	return w.deleteEvents(ctx, victims)
}

func (w *writer) pickPerIssue(ctx context.Context, victims map[int64]int64, budget int) error {
	limit := int64(w.s.opts.MaxEventsPerIssue)
	for issue := range w.ret.over {
		if len(victims) >= budget {
			return nil
		}
		var stored int64
		if err := w.st.retIssueStored.QueryRowContext(ctx, issue).Scan(&stored); err != nil {
			delete(w.ret.over, issue) // deleted or merged away
			continue
		}
		excess := stored - limit
		room := int64(budget - len(victims))
		if excess <= room {
			delete(w.ret.over, issue)
		}
		if excess <= 0 {
			continue
		}
		rows, err := w.st.retIssueOldest.QueryContext(ctx, issue, min(excess, room))
		if err != nil {
			return wrap("retention", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return wrap("retention", err)
			}
			victims[id] = issue
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return wrap("retention", err)
		}
	}
	return nil
}

func (w *writer) pickTotal(ctx context.Context, victims map[int64]int64, budget int) error {
	if !w.ret.totalOver {
		return nil
	}
	var total int64
	if err := w.conn.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'events_stored'`).Scan(&total); err != nil {
		return wrap("retention", err)
	}
	excess := total - int64(len(victims)) - int64(w.s.opts.MaxEvents)
	room := int64(budget - len(victims))
	if excess <= room {
		w.ret.totalOver = false
	}
	if excess <= 0 || room <= 0 {
		return nil
	}
	// Rows already picked may be among the oldest: ask for enough to skip them.
	return w.scanOldest(ctx, victims, int(min(excess, room)), func(int64) bool { return true })
}

func (w *writer) pickAge(ctx context.Context, victims map[int64]int64, budget int) error {
	if !w.ret.ageDue {
		return nil
	}
	room := budget - len(victims)
	if room <= 0 {
		return nil
	}
	cutoff := ms(w.s.opts.Now().Add(-w.s.opts.MaxAge))
	old := true
	if err := w.scanOldest(ctx, victims, room, func(received int64) bool {
		old = received < cutoff
		return old
	}); err != nil {
		return err
	}
	if !old || len(victims) < budget {
		w.ret.ageDue = false
	}
	return nil
}

// scanOldest adds up to n of the oldest events not already picked, stopping
// at the first one for which take says no.
func (w *writer) scanOldest(ctx context.Context, victims map[int64]int64, n int, take func(received int64) bool) error {
	rows, err := w.st.retOldest.QueryContext(ctx, n+len(victims))
	if err != nil {
		return wrap("retention", err)
	}
	defer rows.Close()
	added := 0
	for rows.Next() && added < n {
		var id, issue, received int64
		if err := rows.Scan(&id, &issue, &received); err != nil {
			return wrap("retention", err)
		}
		if _, ok := victims[id]; ok {
			continue
		}
		if !take(received) {
			break
		}
		victims[id] = issue
		added++
	}
	return wrap("retention", rows.Err())
}

// deleteEvents deletes the picked events (their attachments go with them)
// and lowers the stored-event counters.
func (w *writer) deleteEvents(ctx context.Context, victims map[int64]int64) error {
	if len(victims) == 0 {
		return nil
	}
	perIssue := map[int64]int64{}
	var n int64
	for id, issue := range victims {
		r, err := w.st.delEvent.ExecContext(ctx, id)
		if err != nil {
			return wrap("retention: delete event", err)
		}
		if k, _ := r.RowsAffected(); k > 0 {
			perIssue[issue] += k
			n += k
		}
	}
	for issue, k := range perIssue {
		if _, err := w.st.decIssueStored.ExecContext(ctx, k, issue); err != nil {
			return wrap("retention", err)
		}
	}
	w.s.stats.retDeleted.Add(n)
	_, err := w.st.bumpStored.ExecContext(ctx, -n)
	return wrap("retention", err)
}

// RunRetention performs retention steps until nothing is over a limit (or
// ctx ends). The writer does this on its own in the background; this is for
// tests and for a "vacuum" command.
func (s *Store) RunRetention(ctx context.Context) error {
	for {
		var more bool
		err := s.doRaw(ctx, func(w *writer) {
			if w.s.opts.MaxAge > 0 {
				w.ret.ageDue = true
			}
			w.retainStep()
			more = w.ret.pending()
		})
		if err != nil || !more {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}
