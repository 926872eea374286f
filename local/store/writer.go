package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// pending is one submitted event on its way through the writer.
type pending struct {
	projectID   int64
	eventID     string
	hashes      []string
	ts, recv    int64 // ms
	level       string
	title       string
	culprit     string
	typ         string
	metadata    string
	message     string
	platform    string
	release     string
	dist        string
	environment string
	txn         string
	userKey     string
	tags        [][2]string
	tagsJSON    string
	hashesJSON  string
	body        []byte // compressed (body.go)
	bodySize    int
	attachments []Attachment

	// size is what the event counts against MaxQueueBytes.
	size int64
	// wantResult: answer done after the digest (Submit) rather than after
	// the journal write (Accept).
	wantResult bool
	done       chan outcome // buffered; nil for events recovered from the queue table
}

type outcome struct {
	res Result
	err error
}

// op is a write other than an event (status change, merge, ...), run on the
// writer goroutine in its own transaction.
type op struct {
	ctx  context.Context
	fn   func(ctx context.Context, w *writer) error
	done chan error
}

// Accept makes one event durable and returns: it returns nil once the event
// is written to the ingest journal, so it survives a crash of the process.
// The writer digests it shortly after (grouping, counters, the events
// table), in larger batches; until then readers do not see it (Flush waits
// for that). A repeated event id is dropped by the digest. Accept returns
// ErrQueueFull at once when the undigested backlog is at its bound, and
// ErrClosed after Close. If ctx ends first, Accept returns ctx's error; the
// event may still be stored.
func (s *Store) Accept(ctx context.Context, rec *EventRecord) error {
	p, err := s.enqueue(rec, false)
	if err != nil {
		return err
	}
	select {
	case o := <-p.done:
		return o.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Submit stores one event and returns once it is digested: committed,
// grouped into its issue and counted, and visible to readers. It is Accept
// followed by waiting for the digest, for callers that need the Result
// (tests, imports); the server uses Accept. Errors are Accept's, or why the
// digest refused the event (an unknown project, ...).
func (s *Store) Submit(ctx context.Context, rec *EventRecord) (Result, error) {
	p, err := s.enqueue(rec, true)
	if err != nil {
		return Result{}, err
	}
	select {
	case o := <-p.done:
		return o.res, o.err
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// enqueue prepares an event and hands it to the writer, unless the backlog
// of events not yet digested is at its bound.
func (s *Store) enqueue(rec *EventRecord, wantResult bool) (*pending, error) {
	p, err := s.prepare(rec)
	if err != nil {
		return nil, err
	}
	p.wantResult = wantResult
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, ErrClosed
	}
	// The channel holds QueueSize events, so with backlog counted from here
	// the send below never blocks.
	if n := s.backlog.Add(1); n > int64(s.opts.QueueSize) {
		s.backlog.Add(-1)
		return nil, ErrQueueFull
	}
	// One event larger than the byte bound still goes through on its own.
	if b := s.backlogBytes.Add(p.size); b > s.opts.MaxQueueBytes && b != p.size {
		s.backlog.Add(-1)
		s.backlogBytes.Add(-p.size)
		return nil, ErrQueueFull
	}
	s.queue <- p
	return p, nil
}

// prepare validates and copies a record, compressing its body, on the
// caller's goroutine so that this work runs in parallel.
func (s *Store) prepare(rec *EventRecord) (*pending, error) {
	if rec == nil {
		return nil, fmt.Errorf("%w: nil event", ErrInvalid)
	}
	if rec.ProjectID <= 0 {
		return nil, fmt.Errorf("%w: project id %d", ErrInvalid, rec.ProjectID)
	}
	eid, err := normalizeEventID(rec.EventID)
	if err != nil {
		return nil, err
	}
	var hashes []string
	for _, h := range rec.Hashes {
		if h != "" && !slices.Contains(hashes, h) {
			hashes = append(hashes, h)
		}
	}
	if len(hashes) == 0 {
		return nil, fmt.Errorf("%w: event %s has no grouping hash", ErrInvalid, eid)
	}
	recv := rec.Received
	if recv.IsZero() {
		recv = s.opts.Now()
	}
	ts := rec.Timestamp
	if ts.IsZero() {
		ts = recv
	}
	level := rec.Level
	if level == "" {
		level = "error"
	}
	typ := rec.Type
	if typ == "" {
		typ = "default"
	}
	p := &pending{
		projectID:   rec.ProjectID,
		eventID:     eid,
		hashes:      hashes,
		ts:          ms(ts),
		recv:        ms(recv),
		level:       level,
		title:       rec.Title,
		culprit:     rec.Culprit,
		typ:         typ,
		metadata:    jsonObject(rec.Metadata),
		message:     rec.Message,
		platform:    rec.Platform,
		release:     rec.Release,
		dist:        rec.Dist,
		environment: rec.Environment,
		txn:         rec.Transaction,
		userKey:     rec.UserKey,
		tags:        s.capTags(rec),
		hashesJSON:  encodeStrings(hashes),
		bodySize:    len(rec.Body),
		attachments: rec.Attachments,
		done:        make(chan outcome, 1),
	}
	p.tagsJSON = encodeTags(p.tags)
	if len(rec.Body) > 0 {
		p.body = compressBody(rec.Body)
	}
	p.own()
	p.size = queuedSize(p)
	return p, nil
}

// own copies the strings a queued event keeps into one allocation of its
// own. A caller's strings may be views into larger buffers (ingest cuts an
// event's strings from chunks it shares with the rest of the event), and
// the backlog must pin only about what queuedSize counts.
func (p *pending) own() {
	fields := [...]*string{&p.eventID, &p.level, &p.title, &p.culprit, &p.typ, &p.message, &p.platform,
		&p.release, &p.dist, &p.environment, &p.txn, &p.userKey}
	n := 0
	for _, f := range fields {
		n += len(*f)
	}
	for _, t := range p.tags {
		n += len(t[0]) + len(t[1])
	}
	for _, h := range p.hashes {
		n += len(h)
	}
	var b strings.Builder
	b.Grow(n)
	// Builder.String shares the buffer, which the writes never move past
	// its grown capacity, so each view stays valid.
	cp := func(s *string) {
		if *s != "" {
			at := b.Len()
			b.WriteString(*s)
			*s = b.String()[at:]
		}
	}
	for _, f := range fields {
		cp(f)
	}
	for i := range p.tags {
		cp(&p.tags[i][0])
		cp(&p.tags[i][1])
	}
	for i := range p.hashes {
		cp(&p.hashes[i])
	}
}

// queuedSize is what an event counts against MaxQueueBytes: its compressed
// body and attachments, and a rough allowance for the rest.
func queuedSize(p *pending) int64 {
	n := int64(len(p.body)) + 512
	for _, a := range p.attachments {
		n += int64(len(a.Data))
	}
	return n
}

// capTags keeps at most MaxTagsPerEvent tags (the first ones), dropping
// empty keys and repeated keys, and adds level, release and environment as
// tags when the event has them and its tags do not, the way Sentry shows
// them among an issue's tags.
func (s *Store) capTags(rec *EventRecord) [][2]string {
	limit := s.opts.MaxTagsPerEvent
	if limit < 0 {
		limit = 0
	}
	out := make([][2]string, 0, min(len(rec.Tags)+3, limit))
	has := func(k string) bool {
		for _, t := range out {
			if t[0] == k {
				return true
			}
		}
		return false
	}
	add := func(k, v string) {
		if k != "" && len(out) < limit && !has(k) {
			out = append(out, [2]string{k, v})
		}
	}
	for _, t := range rec.Tags {
		add(t[0], t[1])
	}
	level := rec.Level
	if level == "" {
		level = "error"
	}
	add("level", level)
	if rec.Release != "" {
		add("release", rec.Release)
	}
	if rec.Environment != "" {
		add("environment", rec.Environment)
	}
	return out
}

// do runs fn on the writer goroutine inside one immediate transaction, which
// also bumps the change version.
func (s *Store) do(ctx context.Context, fn func(ctx context.Context, w *writer) error) error {
	return s.onWriter(ctx, func(ctx context.Context, w *writer) error {
		return w.inTx(ctx, func() error { return fn(ctx, w) })
	})
}

// doRaw runs fn on the writer goroutine, outside any transaction.
func (s *Store) doRaw(ctx context.Context, fn func(w *writer)) error {
	return s.onWriter(ctx, func(_ context.Context, w *writer) error {
		fn(w)
		return nil
	})
}

// onWriter runs fn on the writer goroutine. Once fn has started it runs to
// completion even if ctx ends.
func (s *Store) onWriter(ctx context.Context, fn func(ctx context.Context, w *writer) error) error {
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return ErrClosed
	}
	o := &op{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.ops <- o:
	case <-s.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-o.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writer owns the write connection and its prepared statements.
type writer struct {
	s    *Store
	ctx  context.Context
	conn *sql.Conn
	st   writerStmts
	ret  retentionState

	backlog       []queuedRow // acknowledged, not yet digested, in queue row order
	backlogEvents int
	waiting       int // events in the backlog whose Submit waits for the digest
	flushes       []flushWaiter
	retryDigest   time.Time // after a failed digest, when to try again
	added         uint64    // batches added to the backlog so far
	multi         map[multiKey]*sql.Stmt
}

// WriterStats are cumulative figures of the writer, for diagnostics.
type WriterStats struct {
	Batches        int64         // journal writes (acknowledged batches)
	Events         int64         // events in them
	LargestBatch   int64         // most events in one journal write
	BatchTime      time.Duration // time spent committing to the queue
	Digests        int64         // digest transactions
	Digested       int64         // events digested (including duplicates)
	LargestDigest  int64         // most events in one digest
	DigestTime     time.Duration // time spent digesting
	Backlog        int64         // events accepted and not yet digested, now
	RetentionSteps int64
	// RetentionDeleted and RetentionTime include the retention done inside
	// digest transactions.
	RetentionDeleted int64
	RetentionTime    time.Duration
}

type writerStats struct {
	batches, events, largest, batchNS          atomic.Int64
	digests, digested, largestDigest, digestNS atomic.Int64
	retSteps, retDeleted, retNS                atomic.Int64
}

// Stats returns the writer's cumulative figures.
func (s *Store) Stats() WriterStats {
	st := &s.stats
	return WriterStats{
		Batches: st.batches.Load(), Events: st.events.Load(), LargestBatch: st.largest.Load(),
		BatchTime: time.Duration(st.batchNS.Load()),
		Digests:   st.digests.Load(), Digested: st.digested.Load(), LargestDigest: st.largestDigest.Load(),
		DigestTime: time.Duration(st.digestNS.Load()), Backlog: s.backlog.Load(),
		RetentionSteps: st.retSteps.Load(), RetentionDeleted: st.retDeleted.Load(),
		RetentionTime: time.Duration(st.retNS.Load()),
	}
}

type writerStmts struct {
	selHash, insHash, nextShort, insIssue, selIssueState, updIssue, updIssueStatus,
	insAttachment, bumpVersion, bumpStored *sql.Stmt
	retIssueStored, retIssueOldest, retOldest, delEvent, decIssueStored *sql.Stmt
	setSeq, delQueue                                                    *sql.Stmt
}

func newWriter(ctx context.Context, s *Store, recovered []journalBatch) (*writer, error) {
	conn, err := s.wdb.Conn(ctx)
	if err != nil {
		return nil, wrap("open local store writer", err)
	}
	w := &writer{s: s, ctx: context.Background(), conn: conn, multi: map[multiKey]*sql.Stmt{}}
	prep := func(dst **sql.Stmt, q string) {
		if err != nil {
			return
		}
		*dst, err = conn.PrepareContext(ctx, q)
	}
	st := &w.st
	prep(&st.selHash, `SELECT issue_id FROM group_hashes WHERE project_id = ? AND hash = ?`)
	prep(&st.insHash, `INSERT INTO group_hashes(project_id, hash, issue_id) VALUES (?, ?, ?)`)
	prep(&st.nextShort, `UPDATE projects SET next_short_id = next_short_id + 1 WHERE id = ? RETURNING next_short_id - 1`)
	prep(&st.insIssue, `INSERT INTO issues(project_id, short_id, status, substatus, first_seen, last_seen,
		level, title, culprit, type, metadata, platform, first_release, last_release, last_environment)
		VALUES (?, ?, 'unresolved', 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	prep(&st.selIssueState, `SELECT status, resolved_release, ignore_until, ignore_until_count, times_seen
		FROM issues WHERE id = ?`)
	// Every right-hand side sees the row as it was before the update, so
	// "? >= last_seen" compares with the old last_seen.
	prep(&st.updIssue, `UPDATE issues SET
		times_seen = times_seen + ?1,
		user_count = user_count + ?2,
		events_stored = events_stored + ?3,
		first_seen = min(first_seen, ?4),
		last_seen = max(last_seen, ?5),
		level    = CASE WHEN ?5 >= last_seen THEN ?6 ELSE level END,
		title    = CASE WHEN ?5 >= last_seen THEN ?7 ELSE title END,
		culprit  = CASE WHEN ?5 >= last_seen THEN ?8 ELSE culprit END,
		type     = CASE WHEN ?5 >= last_seen THEN ?9 ELSE type END,
		metadata = CASE WHEN ?5 >= last_seen THEN ?10 ELSE metadata END,
		platform = CASE WHEN ?5 >= last_seen AND ?11 <> '' THEN ?11 ELSE platform END,
		last_release = CASE WHEN ?12 <> '' THEN ?12 ELSE last_release END,
		last_environment = CASE WHEN ?13 <> '' THEN ?13 ELSE last_environment END,
		first_release = CASE WHEN first_release = '' THEN ?14 ELSE first_release END
		WHERE id = ?15 RETURNING events_stored`)
	prep(&st.updIssueStatus, `UPDATE issues SET status = ?, substatus = ?, status_details = '{}',
		resolved_at = NULL, resolved_release = NULL, ignore_until = NULL, ignore_until_count = NULL WHERE id = ?`)
	prep(&st.insAttachment, `INSERT INTO attachments(event_row, name, content_type, attachment_type, size, data)
		VALUES (?, ?, ?, ?, ?, ?)`)
	prep(&st.bumpVersion, `UPDATE counters SET value = value + 1 WHERE name = 'version'`)
	prep(&st.bumpStored, `UPDATE counters SET value = value + ? WHERE name = 'events_stored' RETURNING value`)
	prep(&st.retIssueStored, `SELECT events_stored FROM issues WHERE id = ?`)
	prep(&st.retIssueOldest, `SELECT id FROM events WHERE issue_id = ? ORDER BY id LIMIT ?`)
	prep(&st.retOldest, `SELECT id, issue_id, received FROM events ORDER BY id LIMIT ?`)
	prep(&st.delEvent, `DELETE FROM events WHERE id = ?`)
	prep(&st.decIssueStored, `UPDATE issues SET events_stored = events_stored - ? WHERE id = ?`)
	prep(&st.setSeq, `UPDATE counters SET value = ? WHERE name = 'ingest_seq'`)
	prep(&st.delQueue, `DELETE FROM ingest_queue WHERE id <= ?`)
	if err != nil {
		conn.Close()
		return nil, wrap("open local store writer", err)
	}
	if err := w.initRetention(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	if err := w.recover(ctx, recovered); err != nil {
		conn.Close()
		return nil, err
	}
	return w, nil
}

// inTx runs fn between BEGIN IMMEDIATE and COMMIT on the writer connection.
func (w *writer) inTx(ctx context.Context, fn func() error) error {
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return wrap("begin", err)
	}
	if err := fn(); err != nil {
		_, rbErr := w.conn.ExecContext(context.Background(), "ROLLBACK")
		return errors.Join(err, rbErr)
	}
	if _, err := w.st.bumpVersion.ExecContext(ctx); err != nil {
		_, rbErr := w.conn.ExecContext(context.Background(), "ROLLBACK")
		return errors.Join(wrap("bump version", err), rbErr)
	}
	if _, err := w.conn.ExecContext(ctx, "COMMIT"); err != nil {
		_, rbErr := w.conn.ExecContext(context.Background(), "ROLLBACK")
		return errors.Join(wrap("commit", err), rbErr)
	}
	return nil
}

func (w *writer) runOp(o *op) error {
	if err := o.ctx.Err(); err != nil {
		return err
	}
	return o.fn(context.WithoutCancel(o.ctx), w)
}

// issueAgg collects one batch's changes to one issue.
type issueAgg struct {
	id       int64
	isNew    bool
	count    int64
	minTS    int64
	latest   *pending // newest event by timestamp (later in batch wins ties)
	lastRel  string   // release of the last event (in batch order) that had one
	lastEnv  string
	releases []string // distinct releases in the batch ("" included), for regressions
	users    map[int64]struct{}
	hours    map[int64]int64
	tags     map[[2]string]*tagAgg
	results  []int // indexes into the batch of this issue's stored events
	stored   int64
	newUsers int64 // distinct users not seen on the issue before
}

type tagAgg struct {
	count       int64
	first, last int64
}

type hashKey struct {
	project int64
	hash    string
}

type eventKey struct {
	project int64
	id      string
}

func (w *writer) storeBatch(batch []*pending, results []outcome) error {
	ctx := w.ctx
	st := &w.st
	existing, err := w.existingEvents(ctx, batch)
	if err != nil {
		return err
	}
	hashes := map[hashKey]int64{}
	seen := map[eventKey]int{} // event → index of its first occurrence in the batch
	aggs := map[int64]*issueAgg{}
	var order []*issueAgg
	var stored []int // indexes into batch of the events to insert, in order

	for i, p := range batch {
		ek := eventKey{p.projectID, p.eventID}
		if j, ok := seen[ek]; ok {
			results[i] = outcome{res: Result{IssueID: results[j].res.IssueID, Duplicate: true}}
			continue
		}
		if issue, ok := existing[ek]; ok {
			results[i] = outcome{res: Result{IssueID: issue, Duplicate: true}}
			continue
		}
		seen[ek] = i

		// Grouping: the first known hash decides the issue.
		var issue int64
		var unknown []string
		for _, h := range p.hashes {
			k := hashKey{p.projectID, h}
			id, ok := hashes[k]
			if !ok {
				err := st.selHash.QueryRowContext(ctx, p.projectID, h).Scan(&id)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return wrap("look up group hash", err)
				}
				if err == nil {
					hashes[k] = id
					ok = true
				}
			}
			if !ok {
				unknown = append(unknown, h)
			} else if issue == 0 {
				issue = id
			}
		}
		isNew := false
		if issue == 0 {
			var short int64
			if err := st.nextShort.QueryRowContext(ctx, p.projectID).Scan(&short); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("%w: project %d does not exist", ErrInvalid, p.projectID)
				}
				return wrap("allocate short id", err)
			}
			r, err := st.insIssue.ExecContext(ctx, p.projectID, short, p.ts, p.ts, p.level, p.title, p.culprit,
				p.typ, p.metadata, p.platform, p.release, p.release, p.environment)
			if err != nil {
				return wrap("create issue", err)
			}
			if issue, err = r.LastInsertId(); err != nil {
				return wrap("create issue", err)
			}
			isNew = true
		}
		for _, h := range unknown {
			if _, err := st.insHash.ExecContext(ctx, p.projectID, h, issue); err != nil {
				return wrap("add group hash", err)
			}
			hashes[hashKey{p.projectID, h}] = issue
		}
		stored = append(stored, i)
		results[i] = outcome{res: Result{IssueID: issue, NewIssue: isNew}}

		a := aggs[issue]
		if a == nil {
			a = &issueAgg{id: issue, isNew: isNew, minTS: p.ts, latest: p,
				hours: map[int64]int64{}, tags: map[[2]string]*tagAgg{}}
			aggs[issue] = a
			order = append(order, a)
		}
		a.count++
		a.stored++
		a.minTS = min(a.minTS, p.ts)
		if p.ts >= a.latest.ts {
			a.latest = p
		}
		if p.release != "" {
			a.lastRel = p.release
		}
		if p.environment != "" {
			a.lastEnv = p.environment
		}
		if !slices.Contains(a.releases, p.release) {
			a.releases = append(a.releases, p.release)
		}
		if p.userKey != "" {
			if a.users == nil {
				a.users = map[int64]struct{}{}
			}
			a.users[userHash(p.userKey)] = struct{}{}
		}
		a.hours[p.ts/3_600_000]++
		for _, t := range p.tags {
			ta := a.tags[t]
			if ta == nil {
				a.tags[t] = &tagAgg{count: 1, first: p.ts, last: p.ts}
			} else {
				ta.count++
				ta.first = min(ta.first, p.ts)
				ta.last = max(ta.last, p.ts)
			}
		}
		a.results = append(a.results, i)
	}

	if err := w.insertEvents(ctx, batch, stored, results); err != nil {
		return err
	}
	if err := w.countAll(ctx, order); err != nil {
		return err
	}
	for _, a := range order {
		if err := w.applyIssue(ctx, a, results); err != nil {
			return err
		}
	}
	if n := int64(len(stored)); n > 0 {
		var total int64
		if err := st.bumpStored.QueryRowContext(ctx, n).Scan(&total); err != nil {
			return wrap("count events", err)
		}
		if m := w.s.opts.MaxEvents; m > 0 && total > int64(m) {
			w.ret.totalOver = true
		}
	}
	return nil
}

// Statements over many rows at once: per-statement overhead (database/sql,
// binding, the VDBE program) is most of the cost of a small row, so the
// digest inserts and upserts up to rowsPerStmt rows in one statement.
const rowsPerStmt = 64

// existingEvents finds which events of the batch are already stored (by
// project and event id), with their issues, in one query per chunk.
func (w *writer) existingEvents(ctx context.Context, batch []*pending) (map[eventKey]int64, error) {
	out := map[eventKey]int64{}
	args := make([]any, 0, 2*rowsPerStmt)
	for start := 0; start < len(batch); start += rowsPerStmt {
		chunk := batch[start:min(len(batch), start+rowsPerStmt)]
		args = args[:0]
		for _, p := range chunk {
			args = append(args, p.projectID, p.eventID)
		}
		stmt, err := w.multiStmt("dup", len(chunk), func(n int) string {
			// A join, not a row-value IN, so that SQLite searches the
			// unique index for each pair rather than scanning events.
			return `SELECT e.project_id, e.event_id, e.issue_id FROM (VALUES ` + rowsOf(n, "(?, ?)") +
				`) v JOIN events e ON e.project_id = v.column1 AND e.event_id = v.column2`
		})
		if err != nil {
			return nil, wrap("look up events", err)
		}
		rows, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return nil, wrap("look up events", err)
		}
		for rows.Next() {
			var k eventKey
			var issue int64
			if err := rows.Scan(&k.project, &k.id, &issue); err != nil {
				rows.Close()
				return nil, wrap("look up events", err)
			}
			out[k] = issue
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, wrap("look up events", err)
		}
	}
	return out, nil
}

const eventInsertCols = 19

// insertEvents inserts the events batch[idx...] and their attachments and
// fills in their row ids.
func (w *writer) insertEvents(ctx context.Context, batch []*pending, idx []int, results []outcome) error {
	args := make([]any, 0, eventInsertCols*rowsPerStmt)
	for start := 0; start < len(idx); start += rowsPerStmt {
		chunk := idx[start:min(len(idx), start+rowsPerStmt)]
		args = args[:0]
		for _, i := range chunk {
			p := batch[i]
			args = append(args, p.projectID, results[i].res.IssueID, p.eventID, p.ts, p.recv, p.level, p.release,
				p.dist, p.environment, p.platform, p.typ, p.title, p.message, p.userKey, p.txn, p.tagsJSON,
				p.hashesJSON, p.bodySize, p.body)
		}
		stmt, err := w.multiStmt("event", len(chunk), func(n int) string {
			return `INSERT INTO events(project_id, issue_id, event_id, timestamp, received, level, release, dist,
				environment, platform, type, title, message, user_key, txn, tags, hashes, body_size, body) VALUES ` +
				rowsOf(n, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		})
		if err != nil {
			return wrap("insert events", err)
		}
		r, err := stmt.ExecContext(ctx, args...)
		if err != nil {
			return wrap("insert events", err)
		}
		// The writer is the only one inserting and events has AUTOINCREMENT,
		// so the rows of one statement get consecutive ids ending at the last.
		last, err := r.LastInsertId()
		if err != nil {
			return wrap("insert events", err)
		}
		for k, i := range chunk {
			row := last - int64(len(chunk)-1-k)
			results[i].res.EventRow = row
			for _, a := range batch[i].attachments {
				typ := a.AttachmentType
				if typ == "" {
					typ = "event.attachment"
				}
				if _, err := w.st.insAttachment.ExecContext(ctx, row, a.Name, a.ContentType, typ, len(a.Data), a.Data); err != nil {
					return wrap("insert attachment", err)
				}
			}
		}
	}
	return nil
}

// countAll adds the batch's users, hours and tag values of every issue, and
// sets each issue's newUsers.
func (w *writer) countAll(ctx context.Context, issues []*issueAgg) error {
	var args []any
	var n int // rows in args

	// Users: the rows actually inserted are the issue's new distinct users.
	byID := make(map[int64]*issueAgg, len(issues))
	for _, a := range issues {
		byID[a.id] = a
	}
	usersSQL := func(n int) string {
		return `INSERT INTO issue_users(issue_id, user_hash) VALUES ` + rowsOf(n, "(?, ?)") +
			` ON CONFLICT DO NOTHING RETURNING issue_id`
	}
	execUsers := func() error {
		if n == 0 {
			return nil
		}
		stmt, err := w.multiStmt("users", n, usersSQL)
		if err != nil {
			return wrap("count users", err)
		}
		rows, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return wrap("count users", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return wrap("count users", err)
			}
			byID[id].newUsers++
		}
		args, n = args[:0], 0
		return wrap("count users", rows.Err())
	}
	for _, a := range issues {
		for u := range a.users {
			args = append(args, a.id, u)
			if n++; n == rowsPerStmt {
				if err := execUsers(); err != nil {
					return err
				}
			}
		}
	}
	if err := execUsers(); err != nil {
		return err
	}

	exec := func(what, key string, build func(n int) string) error {
		if n == 0 {
			return nil
		}
		stmt, err := w.multiStmt(key, n, build)
		if err != nil {
			return wrap(what, err)
		}
		_, err = stmt.ExecContext(ctx, args...)
		args, n = args[:0], 0
		return wrap(what, err)
	}
	hoursSQL := func(n int) string {
		return `INSERT INTO issue_hourly(issue_id, hour, count) VALUES ` + rowsOf(n, "(?, ?, ?)") +
			` ON CONFLICT(issue_id, hour) DO UPDATE SET count = count + excluded.count`
	}
	for _, a := range issues {
		for h, c := range a.hours {
			args = append(args, a.id, h, c)
			if n++; n == rowsPerStmt {
				if err := exec("count hours", "hours", hoursSQL); err != nil {
					return err
				}
			}
		}
	}
	if err := exec("count hours", "hours", hoursSQL); err != nil {
		return err
	}
	tagsSQL := func(n int) string {
		return `INSERT INTO issue_tag_values(issue_id, key, value, count, first_seen, last_seen) VALUES ` +
			rowsOf(n, "(?, ?, ?, ?, ?, ?)") + ` ON CONFLICT(issue_id, key, value) DO UPDATE SET
			count = count + excluded.count, first_seen = min(first_seen, excluded.first_seen),
			last_seen = max(last_seen, excluded.last_seen)`
	}
	for _, a := range issues {
		for k, t := range a.tags {
			args = append(args, a.id, k[0], k[1], t.count, t.first, t.last)
			if n++; n == rowsPerStmt {
				if err := exec("count tags", "tags", tagsSQL); err != nil {
					return err
				}
			}
		}
	}
	return exec("count tags", "tags", tagsSQL)
}

// multiStmt returns the statement build(n) for n rows, prepared once.
func (w *writer) multiStmt(key string, n int, build func(n int) string) (*sql.Stmt, error) {
	k := multiKey{key, n}
	if st, ok := w.multi[k]; ok {
		return st, nil
	}
	st, err := w.conn.PrepareContext(w.ctx, build(n))
	if err != nil {
		return nil, err
	}
	w.multi[k] = st
	return st, nil
}

type multiKey struct {
	kind string
	rows int
}

// rowsOf repeats a row of placeholders n times, comma-separated.
func rowsOf(n int, row string) string {
	var b strings.Builder
	b.Grow(n * (len(row) + 2))
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// applyIssue writes one issue's aggregated counts and status changes; its
// users, hours and tags are already counted.
func (w *writer) applyIssue(ctx context.Context, a *issueAgg, results []outcome) error {
	st := &w.st
	if !a.isNew {
		if err := w.transition(ctx, a, results); err != nil {
			return err
		}
	}
	l := a.latest
	var stored int64
	if err := st.updIssue.QueryRowContext(ctx, a.count, a.newUsers, a.stored, a.minTS, l.ts, l.level, l.title,
		l.culprit, l.typ, l.metadata, l.platform, a.lastRel, a.lastEnv, a.lastRel, a.id).Scan(&stored); err != nil {
		return wrap("update issue", err)
	}
	if m := w.s.opts.MaxEventsPerIssue; m > 0 && stored > int64(m) {
		w.ret.over[a.id] = struct{}{}
	}
	return nil
}

// transition reopens a resolved issue (a regression) and unignores an
// ignored one whose condition is met.
func (w *writer) transition(ctx context.Context, a *issueAgg, results []outcome) error {
	var (
		status          string
		resolvedRelease sql.NullString
		ignoreUntil     sql.NullInt64
		ignoreCount     sql.NullInt64
		timesSeen       int64
	)
	if err := w.st.selIssueState.QueryRowContext(ctx, a.id).Scan(&status, &resolvedRelease, &ignoreUntil,
		&ignoreCount, &timesSeen); err != nil {
		return wrap("read issue", err)
	}
	var to, sub string
	switch status {
	case StatusResolved:
		regress := !resolvedRelease.Valid
		for _, r := range a.releases {
			if !resolvedRelease.Valid || r != resolvedRelease.String {
				regress = true
			}
		}
		if regress {
			to, sub = StatusUnresolved, SubstatusRegressed
			for _, i := range a.results {
				results[i].res.Regressed = true
			}
		}
	case StatusIgnored:
		now := ms(w.s.opts.Now())
		if ignoreUntil.Valid && now >= ignoreUntil.Int64 ||
			ignoreCount.Valid && timesSeen+a.count >= ignoreCount.Int64 {
			to, sub = StatusUnresolved, SubstatusEscalating
		}
	}
	if to == "" {
		return nil
	}
	_, err := w.st.updIssueStatus.ExecContext(ctx, to, sub, a.id)
	return wrap("update issue status", err)
}
