package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// StatusUpdate is a change of issue status, as the web API receives it.
type StatusUpdate struct {
	// Status is resolved, unresolved or ignored; resolvedInNextRelease and
	// muted are accepted as Sentry's aliases.
	Status string
	// Substatus overrides the default one (ongoing for unresolved,
	// archived_forever or archived_until_condition_met for ignored).
	Substatus string
	// Details is Sentry's statusDetails: inNextRelease, inRelease,
	// ignoreDuration (minutes), ignoreUntil (RFC 3339), ignoreCount,
	// ignoreWindow, ignoreUserCount, ignoreUserWindow.
	Details json.RawMessage
}

type statusDetails struct {
	InNextRelease    bool    `json:"inNextRelease,omitempty"`
	InRelease        string  `json:"inRelease,omitempty"`
	IgnoreDuration   float64 `json:"ignoreDuration,omitempty"`
	IgnoreUntil      string  `json:"ignoreUntil,omitempty"`
	IgnoreCount      int64   `json:"ignoreCount,omitempty"`
	IgnoreWindow     int64   `json:"ignoreWindow,omitempty"`
	IgnoreUserCount  int64   `json:"ignoreUserCount,omitempty"`
	IgnoreUserWindow int64   `json:"ignoreUserWindow,omitempty"`
}

// UpdateIssueStatus sets the status of the given issues and returns how many
// exist. A resolved issue reopens (substatus regressed) on its next event;
// one resolved "in next release" or "in release" only on an event of another
// release than its last one. An ignored issue with ignoreDuration/ignoreUntil
// or ignoreCount comes back (substatus escalating) when that is reached.
func (s *Store) UpdateIssueStatus(ctx context.Context, ids []int64, u StatusUpdate) (int64, error) {
	var d statusDetails
	if len(u.Details) > 0 && string(u.Details) != "null" {
		if err := json.Unmarshal(u.Details, &d); err != nil {
			return 0, fmt.Errorf("%w: statusDetails: %w", ErrInvalid, err)
		}
	}
	status := u.Status
	switch status {
	case "resolvedInNextRelease":
		status, d.InNextRelease = StatusResolved, true
	case "muted":
		status = StatusIgnored
	}
	now := s.opts.Now()
	var (
		sub         = u.Substatus
		stored      statusDetails
		resolvedAt  any
		keepRelease bool
		ignoreUntil any
		ignoreCount any
	)
	switch status {
	case StatusResolved:
		sub = ""
		resolvedAt = ms(now)
		if d.InNextRelease {
			stored.InNextRelease, keepRelease = true, true
		} else if d.InRelease != "" {
			stored.InRelease, keepRelease = d.InRelease, true
		}
	case StatusUnresolved:
		if sub == "" {
			sub = SubstatusOngoing
		}
	case StatusIgnored:
		switch {
		case d.IgnoreUntil != "":
			t, err := time.Parse(time.RFC3339, d.IgnoreUntil)
			if err != nil {
				return 0, fmt.Errorf("%w: ignoreUntil: %w", ErrInvalid, err)
			}
			ignoreUntil = ms(t)
			stored.IgnoreUntil = t.UTC().Format(time.RFC3339)
		case d.IgnoreDuration > 0:
			t := now.Add(time.Duration(d.IgnoreDuration * float64(time.Minute)))
			ignoreUntil = ms(t)
			stored.IgnoreUntil = t.UTC().Format(time.RFC3339)
		}
		if d.IgnoreCount > 0 {
			ignoreCount = d.IgnoreCount
			stored.IgnoreCount, stored.IgnoreWindow = d.IgnoreCount, d.IgnoreWindow
		}
		stored.IgnoreUserCount, stored.IgnoreUserWindow = d.IgnoreUserCount, d.IgnoreUserWindow
		if sub == "" {
			sub = SubstatusArchivedForever
			if ignoreUntil != nil || ignoreCount != nil || d.IgnoreUserCount > 0 {
				sub = SubstatusArchivedUntil
			}
		}
	default:
		return 0, fmt.Errorf("%w: status %q", ErrInvalid, u.Status)
	}
	details, _ := json.Marshal(stored)
	if len(ids) == 0 {
		return 0, nil
	}
	args := []any{status, sub, string(details), resolvedAt, keepRelease, ignoreUntil, ignoreCount, ignoreCount}
	for _, id := range ids {
		args = append(args, id)
	}
	var n int64
	err := s.do(ctx, func(ctx context.Context, w *writer) error {
		r, err := w.conn.ExecContext(ctx, `UPDATE issues SET status = ?, substatus = ?, status_details = ?,
			resolved_at = ?, resolved_release = CASE WHEN ? THEN last_release ELSE NULL END,
			ignore_until = ?, ignore_until_count = CASE WHEN ? IS NULL THEN NULL ELSE times_seen + ? END
			WHERE id IN (`+placeholders(len(ids))+`)`, args...)
		if err != nil {
			return wrap("update issue status", err)
		}
		n, err = r.RowsAffected()
		return wrap("update issue status", err)
	})
	return n, err
}

// MergeIssues moves the hashes, events, feedback and counts of others into
// target and deletes others. All must be in one project. Distinct users stay
// exact (the user sets are united); hourly and tag counts are added up.
func (s *Store) MergeIssues(ctx context.Context, target int64, others []int64) error {
	others = slices.DeleteFunc(slices.Clone(others), func(id int64) bool { return id == target })
	slices.Sort(others)
	others = slices.Compact(others)
	if len(others) == 0 {
		return nil
	}
	return s.do(ctx, func(ctx context.Context, w *writer) error {
		c := w.conn
		var project int64
		if err := c.QueryRowContext(ctx, `SELECT project_id FROM issues WHERE id = ?`, target).Scan(&project); err != nil {
			return wrap(fmt.Sprintf("merge into issue %d", target), err)
		}
		in := placeholders(len(others))
		args := []any{}
		for _, id := range others {
			args = append(args, id)
		}
		rows, err := c.QueryContext(ctx, `SELECT id, project_id FROM issues WHERE id IN (`+in+`)`, args...)
		if err != nil {
			return wrap("merge issues", err)
		}
		found := 0
		for rows.Next() {
			var id, p int64
			if err := rows.Scan(&id, &p); err != nil {
				rows.Close()
				return wrap("merge issues", err)
			}
			if p != project {
				rows.Close()
				return fmt.Errorf("%w: issues %d and %d are in different projects", ErrInvalid, target, id)
			}
			found++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return wrap("merge issues", err)
		}
		if found != len(others) {
			return fmt.Errorf("merge issues: %w", ErrNotFound)
		}
		withTarget := append([]any{target}, args...)
		stmts := []string{
			`UPDATE group_hashes SET issue_id = ? WHERE issue_id IN (` + in + `)`,
			`UPDATE events SET issue_id = ? WHERE issue_id IN (` + in + `)`,
			`UPDATE user_feedback SET issue_id = ? WHERE issue_id IN (` + in + `)`,
			`INSERT INTO issue_users(issue_id, user_hash) SELECT ?, user_hash FROM issue_users
				WHERE issue_id IN (` + in + `) ON CONFLICT DO NOTHING`,
			`INSERT INTO issue_hourly(issue_id, hour, count) SELECT ?, hour, sum(count) FROM issue_hourly
				WHERE issue_id IN (` + in + `) GROUP BY hour
				ON CONFLICT(issue_id, hour) DO UPDATE SET count = count + excluded.count`,
			`INSERT INTO issue_tag_values(issue_id, key, value, count, first_seen, last_seen)
				SELECT ?, key, value, sum(count), min(first_seen), max(last_seen) FROM issue_tag_values
				WHERE issue_id IN (` + in + `) GROUP BY key, value
				ON CONFLICT(issue_id, key, value) DO UPDATE SET count = count + excluded.count,
				first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)`,
		}
		for _, q := range stmts {
			if _, err := c.ExecContext(ctx, q, withTarget...); err != nil {
				return wrap("merge issues", err)
			}
		}
		// Counters: sums, extremes, and the exact union of users. Title and
		// level follow whichever issue was seen last.
		upd := `WITH o AS (SELECT sum(times_seen) AS times, sum(events_stored) AS stored,
				min(first_seen) AS first, max(last_seen) AS last FROM issues WHERE id IN (` + in + `)),
			latest AS (SELECT * FROM issues WHERE id IN (` + in + `) ORDER BY last_seen DESC, id DESC LIMIT 1)
			UPDATE issues SET
				times_seen = times_seen + (SELECT times FROM o),
				events_stored = events_stored + (SELECT stored FROM o),
				user_count = (SELECT count(*) FROM issue_users WHERE issue_id = issues.id),
				first_seen = min(first_seen, (SELECT first FROM o)),
				level   = CASE WHEN (SELECT last FROM o) > last_seen THEN (SELECT level FROM latest) ELSE level END,
				title   = CASE WHEN (SELECT last FROM o) > last_seen THEN (SELECT title FROM latest) ELSE title END,
				culprit = CASE WHEN (SELECT last FROM o) > last_seen THEN (SELECT culprit FROM latest) ELSE culprit END,
				metadata = CASE WHEN (SELECT last FROM o) > last_seen THEN (SELECT metadata FROM latest) ELSE metadata END,
				last_seen = max(last_seen, (SELECT last FROM o))
			WHERE id = ? RETURNING events_stored`
		var stored int64
		if err := c.QueryRowContext(ctx, upd, append(append(slices.Clone(args), args...), target)...).Scan(&stored); err != nil {
			return wrap("merge issues", err)
		}
		if _, err := c.ExecContext(ctx, `DELETE FROM issues WHERE id IN (`+in+`)`, args...); err != nil {
			return wrap("merge issues", err)
		}
		if m := w.s.opts.MaxEventsPerIssue; m > 0 && stored > int64(m) {
			w.ret.over[target] = struct{}{}
		}
		return nil
	})
}

// DeleteIssues deletes issues with their events, hashes and counts, and
// returns how many existed. A later event with one of their hashes starts a
// new issue.
func (s *Store) DeleteIssues(ctx context.Context, ids []int64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	in := placeholders(len(ids))
	var n int64
	err := s.do(ctx, func(ctx context.Context, w *writer) error {
		var stored sql.NullInt64
		if err := w.conn.QueryRowContext(ctx, `SELECT sum(events_stored) FROM issues WHERE id IN (`+in+`)`,
			args...).Scan(&stored); err != nil {
			return wrap("delete issues", err)
		}
		r, err := w.conn.ExecContext(ctx, `DELETE FROM issues WHERE id IN (`+in+`)`, args...)
		if err != nil {
			return wrap("delete issues", err)
		}
		if n, err = r.RowsAffected(); err != nil {
			return wrap("delete issues", err)
		}
		_, err = w.st.bumpStored.ExecContext(ctx, -stored.Int64)
		return wrap("delete issues", err)
	})
	return n, err
}

// Feedback is a user's report on an event.
type Feedback struct {
	ID        int64
	ProjectID int64
	EventID   string
	IssueID   int64 // 0 while the event is unknown
	Name      string
	Email     string
	Comments  string
	Created   time.Time
}

// AddFeedback stores user feedback and links it to its event's issue if the
// event is already stored.
func (s *Store) AddFeedback(ctx context.Context, f Feedback) (int64, error) {
	eid := ""
	if f.EventID != "" {
		var err error
		if eid, err = normalizeEventID(f.EventID); err != nil {
			return 0, err
		}
	}
	if f.Created.IsZero() {
		f.Created = s.opts.Now()
	}
	var id int64
	err := s.do(ctx, func(ctx context.Context, w *writer) error {
		r, err := w.conn.ExecContext(ctx, `INSERT INTO user_feedback(project_id, event_id, issue_id, name, email,
			comments, created) VALUES (?, ?, (SELECT issue_id FROM events WHERE project_id = ? AND event_id = ?),
			?, ?, ?, ?)`, f.ProjectID, eid, f.ProjectID, eid, f.Name, f.Email, f.Comments, ms(f.Created))
		if err != nil {
			return wrap("add feedback", err)
		}
		id, err = r.LastInsertId()
		return wrap("add feedback", err)
	})
	return id, err
}

// IssueFeedback lists the feedback on an issue's events, newest first,
// including feedback sent before its event arrived.
func (s *Store) IssueFeedback(ctx context.Context, issueID int64) ([]Feedback, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT f.id, f.project_id, f.event_id, f.name, f.email, f.comments, f.created
		FROM user_feedback f WHERE f.issue_id = ?1 OR (f.issue_id IS NULL AND f.event_id IN
		(SELECT event_id FROM events e WHERE e.issue_id = ?1 AND e.project_id = f.project_id))
		ORDER BY f.created DESC, f.id DESC`, issueID)
	if err != nil {
		return nil, wrap("issue feedback", err)
	}
	defer rows.Close()
	var out []Feedback
	for rows.Next() {
		f := Feedback{IssueID: issueID}
		var created int64
		if err := rows.Scan(&f.ID, &f.ProjectID, &f.EventID, &f.Name, &f.Email, &f.Comments, &created); err != nil {
			return nil, wrap("issue feedback", err)
		}
		f.Created = fromMS(created)
		out = append(out, f)
	}
	return out, wrap("issue feedback", rows.Err())
}
