package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// All reads go through the reader pool and never block the writer.

func (s *Store) checkOpen() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return ErrClosed
	}
	return nil
}

// ---- projects, keys, token -------------------------------------------------

const projectCols = `id, slug, name, org_slug, platform, created`

func scanProject(sc interface{ Scan(...any) error }) (Project, error) {
	var p Project
	var created int64
	err := sc.Scan(&p.ID, &p.Slug, &p.Name, &p.OrgSlug, &p.Platform, &created)
	p.Created = fromMS(created)
	return p, err
}

// Projects lists all projects by id.
func (s *Store) Projects(ctx context.Context) ([]Project, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+projectCols+` FROM projects ORDER BY id`)
	if err != nil {
		return nil, wrap("list projects", err)
	}
	defer rows.Close()
	var out []Project
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return nil, wrap("list projects", err)
		}
		out = append(out, p)
	}
	return out, wrap("list projects", rows.Err())
}

// ProjectByID returns a project or ErrNotFound.
func (s *Store) ProjectByID(ctx context.Context, id int64) (Project, error) {
	if err := s.checkOpen(); err != nil {
		return Project{}, err
	}
	p, err := scanProject(s.rdb.QueryRowContext(ctx, `SELECT `+projectCols+` FROM projects WHERE id = ?`, id))
	return p, wrap(fmt.Sprintf("project %d", id), err)
}

// ProjectBySlug returns a project or ErrNotFound.
func (s *Store) ProjectBySlug(ctx context.Context, slug string) (Project, error) {
	if err := s.checkOpen(); err != nil {
		return Project{}, err
	}
	p, err := scanProject(s.rdb.QueryRowContext(ctx, `SELECT `+projectCols+` FROM projects WHERE slug = ?`, slug))
	return p, wrap(fmt.Sprintf("project %q", slug), err)
}

// ProjectKeys lists a project's DSN keys, oldest first.
func (s *Store) ProjectKeys(ctx context.Context, projectID int64) ([]ProjectKey, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT public_key, project_id, label, created FROM project_keys
		WHERE project_id = ? ORDER BY created, public_key`, projectID)
	if err != nil {
		return nil, wrap("list project keys", err)
	}
	defer rows.Close()
	var out []ProjectKey
	for rows.Next() {
		var k ProjectKey
		var created int64
		if err := rows.Scan(&k.PublicKey, &k.ProjectID, &k.Label, &created); err != nil {
			return nil, wrap("list project keys", err)
		}
		k.Created = fromMS(created)
		out = append(out, k)
	}
	return out, wrap("list project keys", rows.Err())
}

// ProjectKeyLookup returns the project a DSN public key belongs to, or
// ErrNotFound. Found keys are cached in memory, so ingest authentication
// costs a map lookup.
func (s *Store) ProjectKeyLookup(ctx context.Context, publicKey string) (Project, error) {
	s.keysMu.RLock()
	p, ok := s.keys[publicKey]
	s.keysMu.RUnlock()
	if ok {
		return p, nil
	}
	if err := s.checkOpen(); err != nil {
		return Project{}, err
	}
	p, err := scanProject(s.rdb.QueryRowContext(ctx, `SELECT p.id, p.slug, p.name, p.org_slug, p.platform, p.created
		FROM project_keys k JOIN projects p ON p.id = k.project_id WHERE k.public_key = ?`, publicKey))
	if err != nil {
		return Project{}, wrap("look up project key", err)
	}
	s.keysMu.Lock()
	s.keys[publicKey] = p
	s.keysMu.Unlock()
	return p, nil
}

// APIToken returns the token the local web API accepts (sntryu_ + 64 hex).
func (s *Store) APIToken(ctx context.Context) (string, error) {
	if err := s.checkOpen(); err != nil {
		return "", err
	}
	var t string
	err := s.rdb.QueryRowContext(ctx, `SELECT token FROM api_tokens ORDER BY created, token LIMIT 1`).Scan(&t)
	return t, wrap("api token", err)
}

// Version is a counter bumped by every write transaction (events, status
// changes, retention, ...). A TUI polls it cheaply and re-reads on change.
func (s *Store) Version(ctx context.Context) (int64, error) {
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	var v int64
	err := s.rdb.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'version'`).Scan(&v)
	return v, wrap("version", err)
}

// EventCount is the number of events stored (after retention).
func (s *Store) EventCount(ctx context.Context) (int64, error) {
	if err := s.checkOpen(); err != nil {
		return 0, err
	}
	var v int64
	err := s.rdb.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'events_stored'`).Scan(&v)
	return v, wrap("event count", err)
}

// ---- issues -----------------------------------------------------------------

const issueCols = `i.id, i.project_id, p.slug, i.short_id, i.status, i.substatus, i.status_details,
	i.resolved_at, i.first_seen, i.last_seen, i.times_seen, i.user_count, i.events_stored, i.level, i.title,
	i.culprit, i.type, i.metadata, i.platform, i.first_release, i.last_release, i.last_environment`

const issueFrom = ` FROM issues i JOIN projects p ON p.id = i.project_id`

func (s *Store) scanIssue(sc interface{ Scan(...any) error }) (Issue, error) {
	var is Issue
	var details, metadata string
	var resolvedAt sql.NullInt64
	var first, last int64
	err := sc.Scan(&is.ID, &is.ProjectID, &is.ProjectSlug, &is.ShortIDNum, &is.Status, &is.Substatus, &details,
		&resolvedAt, &first, &last, &is.TimesSeen, &is.UserCount, &is.EventsStored, &is.Level, &is.Title,
		&is.Culprit, &is.Type, &metadata, &is.Platform, &is.FirstRelease, &is.LastRelease, &is.LastEnvironment)
	if err != nil {
		return is, err
	}
	is.StatusDetails = json.RawMessage(details)
	is.Metadata = json.RawMessage(metadata)
	is.FirstSeen, is.LastSeen = fromMS(first), fromMS(last)
	if resolvedAt.Valid {
		is.ResolvedAt = fromMS(resolvedAt.Int64)
	}
	switch {
	case is.Status == StatusResolved:
		is.Substatus = ""
	case is.Status == StatusUnresolved && is.Substatus == SubstatusNew &&
		s.opts.Now().Sub(is.FirstSeen) > newIssueAge:
		is.Substatus = SubstatusOngoing
	}
	return is, nil
}

// GetIssue returns one issue or ErrNotFound.
func (s *Store) GetIssue(ctx context.Context, id int64) (Issue, error) {
	if err := s.checkOpen(); err != nil {
		return Issue{}, err
	}
	is, err := s.scanIssue(s.rdb.QueryRowContext(ctx, `SELECT `+issueCols+issueFrom+` WHERE i.id = ?`, id))
	return is, wrap(fmt.Sprintf("issue %d", id), err)
}

// IssueByShortID finds an issue by its display id (DEFAULT-1A), or ErrNotFound.
func (s *Store) IssueByShortID(ctx context.Context, shortID string) (Issue, error) {
	if err := s.checkOpen(); err != nil {
		return Issue{}, err
	}
	i := strings.LastIndexByte(shortID, '-')
	if i <= 0 {
		return Issue{}, fmt.Errorf("issue %q: %w", shortID, ErrNotFound)
	}
	n, err := strconv.ParseInt(shortID[i+1:], 36, 64)
	if err != nil {
		return Issue{}, fmt.Errorf("issue %q: %w", shortID, ErrNotFound)
	}
	is, err := s.scanIssue(s.rdb.QueryRowContext(ctx, `SELECT `+issueCols+issueFrom+
		` WHERE lower(p.slug) = lower(?) AND i.short_id = ?`, shortID[:i], n))
	return is, wrap(fmt.Sprintf("issue %q", shortID), err)
}

// Issue list sorts (Sentry's names are accepted too: date, new, freq, user).
const (
	SortLastSeen  = "last_seen"
	SortFirstSeen = "first_seen"
	SortTimesSeen = "times_seen"
	SortUserCount = "user_count"
)

// IssueQuery selects issues. Zero fields do not filter.
type IssueQuery struct {
	Project     int64  // 0: every project
	Status      string // unresolved | resolved | ignored
	Level       string
	Release     string // some event of the issue had this release
	Environment string // some event of the issue had this environment
	Tags        [][2]string
	Text        string    // case-insensitive substring of title or culprit
	Since       time.Time // last seen at or after
	Until       time.Time // first seen before
	Sort        string
	Cursor      string // IssuePage.NextCursor of the previous page
	Limit       int    // default 100, at most 1000
}

// IssuePage is one page of issues; NextCursor is "" on the last page.
type IssuePage struct {
	Issues     []Issue
	NextCursor string
}

func sortColumn(s string) (string, error) {
	switch s {
	case "", SortLastSeen, "date":
		return "last_seen", nil
	case SortFirstSeen, "new":
		return "first_seen", nil
	case SortTimesSeen, "freq":
		return "times_seen", nil
	case SortUserCount, "user":
		return "user_count", nil
	}
	return "", fmt.Errorf("%w: sort %q", ErrInvalid, s)
}

// ListIssues pages through issues, newest/most first, with keyset cursors:
// a page never repeats or skips an issue because others changed meanwhile
// (an issue whose sort value changes may move to a page already read).
func (s *Store) ListIssues(ctx context.Context, q IssueQuery) (IssuePage, error) {
	if err := s.checkOpen(); err != nil {
		return IssuePage{}, err
	}
	col, err := sortColumn(q.Sort)
	if err != nil {
		return IssuePage{}, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if q.Project != 0 {
		add("i.project_id = ?", q.Project)
	}
	if q.Status != "" {
		add("i.status = ?", q.Status)
	}
	if q.Level != "" {
		add("i.level = ?", q.Level)
	}
	tags := q.Tags
	if q.Release != "" {
		tags = append(tags[:len(tags):len(tags)], [2]string{"release", q.Release})
	}
	if q.Environment != "" {
		tags = append(tags[:len(tags):len(tags)], [2]string{"environment", q.Environment})
	}
	for _, t := range tags {
		add("EXISTS (SELECT 1 FROM issue_tag_values t WHERE t.issue_id = i.id AND t.key = ? AND t.value = ?)", t[0], t[1])
	}
	if q.Text != "" {
		pat := "%" + likeEscape(q.Text) + "%"
		add(`(i.title LIKE ? ESCAPE '\' OR i.culprit LIKE ? ESCAPE '\')`, pat, pat)
	}
	if !q.Since.IsZero() {
		add("i.last_seen >= ?", ms(q.Since))
	}
	if !q.Until.IsZero() {
		add("i.first_seen < ?", ms(q.Until))
	}
	if q.Cursor != "" {
		v, id, err := parseCursor(q.Cursor)
		if err != nil {
			return IssuePage{}, err
		}
		add("(i."+col+", i.id) < (?, ?)", v, id)
	}
	query := `SELECT ` + issueCols + `, i.` + col + issueFrom
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY i." + col + " DESC, i.id DESC LIMIT ?"
	args = append(args, limit+1)
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return IssuePage{}, wrap("list issues", err)
	}
	defer rows.Close()
	var page IssuePage
	var lastKey int64
	for rows.Next() {
		var key int64
		is, err := s.scanIssue(scanFunc(func(dst ...any) error { return rows.Scan(append(dst, &key)...) }))
		if err != nil {
			return IssuePage{}, wrap("list issues", err)
		}
		if len(page.Issues) == limit {
			last := page.Issues[limit-1]
			page.NextCursor = formatCursor(lastKey, last.ID)
			break
		}
		page.Issues = append(page.Issues, is)
		lastKey = key
	}
	return page, wrap("list issues", rows.Err())
}

type scanFunc func(dst ...any) error

func (f scanFunc) Scan(dst ...any) error { return f(dst...) }

func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

func formatCursor(v, id int64) string {
	return strconv.FormatInt(v, 10) + ":" + strconv.FormatInt(id, 10)
}

func parseCursor(c string) (v, id int64, err error) {
	a, b, ok := strings.Cut(c, ":")
	if ok {
		if v, err = strconv.ParseInt(a, 10, 64); err == nil {
			if id, err = strconv.ParseInt(b, 10, 64); err == nil {
				return v, id, nil
			}
		}
	}
	return 0, 0, fmt.Errorf("%w: cursor %q", ErrInvalid, c)
}

// IssueHourlyCounts returns, per issue, the hours since since that had
// events, oldest first (hours without events are left out).
func (s *Store) IssueHourlyCounts(ctx context.Context, issueIDs []int64, since time.Time) (map[int64][]HourCount, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	out := make(map[int64][]HourCount, len(issueIDs))
	if len(issueIDs) == 0 {
		return out, nil
	}
	hour := since.Unix() / 3600
	if since.Unix()%3600 < 0 {
		hour--
	}
	args := []any{hour}
	for _, id := range issueIDs {
		args = append(args, id)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT issue_id, hour, count FROM issue_hourly
		WHERE hour >= ? AND issue_id IN (`+placeholders(len(issueIDs))+`) ORDER BY issue_id, hour`, args...)
	if err != nil {
		return nil, wrap("hourly counts", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, h, n int64
		if err := rows.Scan(&id, &h, &n); err != nil {
			return nil, wrap("hourly counts", err)
		}
		out[id] = append(out[id], HourCount{Hour: time.Unix(h*3600, 0).UTC(), Count: n})
	}
	return out, wrap("hourly counts", rows.Err())
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// TopTagValues summarizes an issue's tags: every key (by name) with its
// total and distinct counts and its top values (most frequent first, at most
// perKey; 0 means 9, as Sentry's sidebar shows).
func (s *Store) TopTagValues(ctx context.Context, issueID int64, perKey int) ([]TagKey, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	if perKey <= 0 {
		perKey = 9
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT key, value, count, first_seen, last_seen, total, uniq FROM (
		SELECT key, value, count, first_seen, last_seen,
		       row_number() OVER (PARTITION BY key ORDER BY count DESC, value) AS rank,
		       sum(count) OVER (PARTITION BY key) AS total,
		       count(*) OVER (PARTITION BY key) AS uniq
		FROM issue_tag_values WHERE issue_id = ?) WHERE rank <= ? ORDER BY key, rank`, issueID, perKey)
	if err != nil {
		return nil, wrap("top tag values", err)
	}
	defer rows.Close()
	var out []TagKey
	for rows.Next() {
		var key string
		var v TagValue
		var first, last, total, uniq int64
		if err := rows.Scan(&key, &v.Value, &v.Count, &first, &last, &total, &uniq); err != nil {
			return nil, wrap("top tag values", err)
		}
		v.FirstSeen, v.LastSeen = fromMS(first), fromMS(last)
		if len(out) == 0 || out[len(out)-1].Key != key {
			out = append(out, TagKey{Key: key, TotalValues: total, UniqueValues: uniq})
		}
		out[len(out)-1].TopValues = append(out[len(out)-1].TopValues, v)
	}
	return out, wrap("top tag values", rows.Err())
}

// IssueHashes returns the grouping hashes that lead to an issue, sorted.
func (s *Store) IssueHashes(ctx context.Context, issueID int64) ([]string, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT hash FROM group_hashes WHERE issue_id = ? ORDER BY hash`, issueID)
	if err != nil {
		return nil, wrap("issue hashes", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, wrap("issue hashes", err)
		}
		out = append(out, h)
	}
	return out, wrap("issue hashes", rows.Err())
}

// ---- events -----------------------------------------------------------------

const eventCols = `id, project_id, issue_id, event_id, timestamp, received, level, release, dist, environment,
	platform, type, title, message, txn, user_key, tags, hashes, body_size`

func scanEvent(sc interface{ Scan(...any) error }, body *[]byte) (Event, error) {
	var e Event
	var ts, recv int64
	var tags, hashes string
	dst := []any{&e.Row, &e.ProjectID, &e.IssueID, &e.EventID, &ts, &recv, &e.Level, &e.Release, &e.Dist,
		&e.Environment, &e.Platform, &e.Type, &e.Title, &e.Message, &e.Transaction, &e.UserKey, &tags, &hashes, &e.Size}
	if body != nil {
		dst = append(dst, body)
	}
	if err := sc.Scan(dst...); err != nil {
		return e, err
	}
	e.Timestamp, e.Received = fromMS(ts), fromMS(recv)
	e.Tags = decodeTags(tags)
	e.Hashes = decodeStrings(hashes)
	return e, nil
}

// EventPage is one page of events; NextCursor is "" on the last page.
type EventPage struct {
	Events     []Event
	NextCursor string
}

// ListEvents pages through an issue's stored events, newest first, without
// bodies.
func (s *Store) ListEvents(ctx context.Context, issueID int64, cursor string, limit int) (EventPage, error) {
	if err := s.checkOpen(); err != nil {
		return EventPage{}, err
	}
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	before := int64(1<<63 - 1)
	if cursor != "" {
		v, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil {
			return EventPage{}, fmt.Errorf("%w: cursor %q", ErrInvalid, cursor)
		}
		before = v
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+eventCols+` FROM events WHERE issue_id = ? AND id < ?
		ORDER BY id DESC LIMIT ?`, issueID, before, limit+1)
	if err != nil {
		return EventPage{}, wrap("list events", err)
	}
	defer rows.Close()
	var page EventPage
	for rows.Next() {
		e, err := scanEvent(rows, nil)
		if err != nil {
			return EventPage{}, wrap("list events", err)
		}
		if len(page.Events) == limit {
			page.NextCursor = strconv.FormatInt(page.Events[limit-1].Row, 10)
			break
		}
		page.Events = append(page.Events, e)
	}
	return page, wrap("list events", rows.Err())
}

// EventsSince returns events stored after the row id afterRow (0: from the
// start), oldest first, without bodies: a TUI tails new events with it.
func (s *Store) EventsSince(ctx context.Context, afterRow int64, limit int) ([]Event, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+eventCols+` FROM events WHERE id > ? ORDER BY id LIMIT ?`,
		afterRow, limit)
	if err != nil {
		return nil, wrap("events since", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e, err := scanEvent(rows, nil)
		if err != nil {
			return nil, wrap("events since", err)
		}
		out = append(out, e)
	}
	return out, wrap("events since", rows.Err())
}

func (s *Store) oneEvent(ctx context.Context, what, where string, args ...any) (Event, error) {
	if err := s.checkOpen(); err != nil {
		return Event{}, err
	}
	var body []byte
	e, err := scanEvent(s.rdb.QueryRowContext(ctx, `SELECT `+eventCols+`, body FROM events `+where, args...), &body)
	if err != nil {
		return Event{}, wrap(what, err)
	}
	if len(body) > 0 {
		if e.Body, err = s.decompressBody(body, e.Size); err != nil {
			return Event{}, fmt.Errorf("%s: %w", what, err)
		}
	}
	return e, nil
}

// GetEvent returns an event with its body by event id (32 hex, dashes
// allowed), or ErrNotFound. projectID 0 searches every project. An event
// that is accepted but not yet digested is found too: on a miss while a
// backlog exists, GetEvent waits for it to be digested (Flush) and looks
// again, so an SDK's event id can be looked up as soon as it was answered.
func (s *Store) GetEvent(ctx context.Context, projectID int64, eventID string) (Event, error) {
	id, err := normalizeEventID(eventID)
	if err != nil {
		return Event{}, fmt.Errorf("event %q: %w", eventID, ErrNotFound)
	}
	get := func() (Event, error) {
		what := "event " + id
		if projectID == 0 {
			return s.oneEvent(ctx, what, `WHERE event_id = ? ORDER BY id LIMIT 1`, id)
		}
		return s.oneEvent(ctx, what, `WHERE project_id = ? AND event_id = ?`, projectID, id)
	}
	e, err := get()
	if errors.Is(err, ErrNotFound) && s.backlog.Load() > 0 {
		if err := s.Flush(ctx); err != nil {
			return Event{}, fmt.Errorf("event %s: %w", id, err)
		}
		e, err = get()
	}
	return e, err
}

// LatestEvent returns the newest stored event of an issue, with its body.
func (s *Store) LatestEvent(ctx context.Context, issueID int64) (Event, error) {
	return s.oneEvent(ctx, fmt.Sprintf("latest event of issue %d", issueID),
		`WHERE issue_id = ? ORDER BY id DESC LIMIT 1`, issueID)
}

// OldestEvent returns the oldest stored event of an issue, with its body.
func (s *Store) OldestEvent(ctx context.Context, issueID int64) (Event, error) {
	return s.oneEvent(ctx, fmt.Sprintf("oldest event of issue %d", issueID),
		`WHERE issue_id = ? ORDER BY id LIMIT 1`, issueID)
}

// Attachments lists an event's attachments (by its row id), without data.
func (s *Store) Attachments(ctx context.Context, eventRow int64) ([]AttachmentInfo, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, event_row, name, content_type, attachment_type, size
		FROM attachments WHERE event_row = ? ORDER BY id`, eventRow)
	if err != nil {
		return nil, wrap("list attachments", err)
	}
	defer rows.Close()
	var out []AttachmentInfo
	for rows.Next() {
		var a AttachmentInfo
		if err := rows.Scan(&a.ID, &a.EventRow, &a.Name, &a.ContentType, &a.AttachmentType, &a.Size); err != nil {
			return nil, wrap("list attachments", err)
		}
		out = append(out, a)
	}
	return out, wrap("list attachments", rows.Err())
}

// AttachmentData returns the content of one attachment.
func (s *Store) AttachmentData(ctx context.Context, id int64) ([]byte, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	var b []byte
	err := s.rdb.QueryRowContext(ctx, `SELECT data FROM attachments WHERE id = ?`, id).Scan(&b)
	return b, wrap(fmt.Sprintf("attachment %d", id), err)
}
