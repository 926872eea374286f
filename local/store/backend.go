package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/snag-dev/snag/api"
)

// BackendOptions configure a Backend.
type BackendOptions struct {
	// Path is the database file, for Target.
	Path string
	// BaseURL is where `snag serve` answers ("http://127.0.0.1:8969"), for
	// permalinks; "" leaves them empty.
	BaseURL string
	// Project narrows the backend to one project slug; "" is every project.
	Project string
}

// Backend is the local store as an api.Backend: the same issues, events and
// actions as a Sentry server, in the web API's types, read straight from the
// database (no server needs to run).
type Backend struct {
	s    *Store
	opts BackendOptions

	mu        sync.Mutex
	projectID int64 // resolved from opts.Project
}

var (
	_ api.Backend       = (*Backend)(nil)
	_ api.ChangeWatcher = (*Backend)(nil)
)

// NewBackend returns the store as an api.Backend.
func NewBackend(s *Store, opts BackendOptions) *Backend {
	return &Backend{s: s, opts: opts}
}

// Target describes the database.
func (b *Backend) Target() api.Target {
	return api.Target{Kind: api.TargetLocal, Path: b.opts.Path, Org: OrgSlug, Project: b.opts.Project}
}

// Store is the store behind the backend, for what only the local side has
// (the artifact index, for explaining sourcemap lookups).
func (b *Backend) Store() *Store { return b.s }

// Version is the store's change counter.
func (b *Backend) Version(ctx context.Context) (int64, error) { return b.s.Version(ctx) }

// project returns the id of the project the backend is narrowed to, or 0.
func (b *Backend) project(ctx context.Context) (int64, error) {
	if b.opts.Project == "" {
		return 0, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.projectID != 0 {
		return b.projectID, nil
	}
	p, err := b.s.ProjectBySlug(ctx, b.opts.Project)
	if err != nil {
		return 0, err
	}
	b.projectID = p.ID
	return p.ID, nil
}

var shortIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+-[0-9A-Za-z]+$`)

// issue finds an issue by numeric or short id, within the project.
func (b *Backend) issue(ctx context.Context, id string) (Issue, error) {
	pid, err := b.project(ctx)
	if err != nil {
		return Issue{}, err
	}
	var is Issue
	if api.IsNumericID(id) {
		n, perr := strconv.ParseInt(id, 10, 64)
		if perr != nil {
			return Issue{}, fmt.Errorf("issue %s: %w", id, ErrNotFound)
		}
		is, err = b.s.GetIssue(ctx, n)
	} else {
		is, err = b.s.IssueByShortID(ctx, id)
	}
	if err != nil {
		return Issue{}, err
	}
	if pid != 0 && is.ProjectID != pid {
		return Issue{}, fmt.Errorf("issue %s: %w", id, ErrNotFound)
	}
	return is, nil
}

// ListIssues answers Sentry's issue list from the store. A query that is a
// short id finds that issue (as Sentry's shortIdLookup does).
func (b *Backend) ListIssues(ctx context.Context, q api.IssueQuery) (*api.Page[api.Issue], error) {
	var issues []Issue
	next := ""
	if t := strings.TrimSpace(q.Query); shortIDPattern.MatchString(t) && q.Cursor == "" {
		if is, err := b.issue(ctx, t); err == nil {
			issues = []Issue{is}
		}
	}
	if issues == nil {
		sq, err := ParseSearch(q.Query)
		if err != nil {
			return nil, err
		}
		if sq.Project, err = b.project(ctx); err != nil {
			return nil, err
		}
		sq.Sort, sq.Cursor = q.Sort, q.Cursor
		sq.Limit = q.Limit
		if sq.Limit <= 0 || sq.Limit > 100 {
			sq.Limit = 100
		}
		if q.StatsPeriod != "" {
			d, err := api.ParseStatsPeriod(q.StatsPeriod)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
			}
			sq.Since = b.s.opts.Now().Add(-d)
		}
		page, err := b.s.ListIssues(ctx, sq)
		if err != nil {
			return nil, err
		}
		issues, next = page.Issues, page.NextCursor
	}
	out := &api.Page[api.Issue]{Items: make([]api.Issue, 0, len(issues)), NextCursor: next, Hits: -1}
	for _, is := range issues {
		out.Items = append(out.Items, APIIssue(is, b.opts.BaseURL))
	}
	if q.Stats != api.StatsNone && len(issues) > 0 {
		if err := b.addStats(ctx, out.Items, issues, q.Stats); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (b *Backend) addStats(ctx context.Context, out []api.Issue, issues []Issue, period string) error {
	if _, _, ok := api.StatsBuckets(period); !ok {
		return fmt.Errorf("%w: stats period %q (want 24h, 14d or none)", ErrInvalid, period)
	}
	now := b.s.opts.Now()
	ids := make([]int64, len(issues))
	for i, is := range issues {
		ids[i] = is.ID
	}
	counts, err := b.s.IssueHourlyCounts(ctx, ids, StatsSince(period, now))
	if err != nil {
		return err
	}
	key := period
	if key == "" {
		key = api.Stats24h
	}
	for i, is := range issues {
		st, err := APIStats(counts[is.ID], period, now)
		if err != nil {
			return err
		}
		out[i].Stats = map[string]api.Stat{key: st}
	}
	return nil
}

// GetIssue returns an issue with its first and last release.
func (b *Backend) GetIssue(ctx context.Context, id string) (*api.Issue, error) {
	is, err := b.issue(ctx, id)
	if err != nil {
		return nil, err
	}
	out := APIIssue(is, b.opts.BaseURL)
	out.FirstRelease = APIRelease(is.FirstRelease, is.FirstSeen)
	out.LastRelease = APIRelease(is.LastRelease, is.LastSeen)
	return &out, nil
}

// IssueTags returns the issue's tag keys with their top values.
func (b *Backend) IssueTags(ctx context.Context, issueID string, topValues int) ([]api.IssueTag, error) {
	is, err := b.issue(ctx, issueID)
	if err != nil {
		return nil, err
	}
	keys, err := b.s.TopTagValues(ctx, is.ID, topValues)
	if err != nil {
		return nil, err
	}
	return APITags(keys), nil
}

// IssueEvent returns one full event of an issue (an id, api.EventLatest,
// api.EventOldest or api.EventRecommended, which is the latest here) with
// its neighbours.
func (b *Backend) IssueEvent(ctx context.Context, issueID, eventID string) (*api.IssueEvent, error) {
	is, err := b.issue(ctx, issueID)
	if err != nil {
		return nil, err
	}
	var e Event
	switch eventID {
	case api.EventLatest, api.EventRecommended:
		e, err = b.s.LatestEvent(ctx, is.ID)
	case api.EventOldest:
		e, err = b.s.OldestEvent(ctx, is.ID)
	default:
		e, err = b.s.GetEvent(ctx, is.ProjectID, eventID)
		if err == nil && e.IssueID != is.ID {
			err = fmt.Errorf("event %s of issue %s: %w", eventID, issueID, ErrNotFound)
		}
	}
	if err != nil {
		return nil, err
	}
	return b.fullEvent(ctx, e)
}

// fullEvent renders e and names its neighbours in its issue.
func (b *Backend) fullEvent(ctx context.Context, e Event) (*api.IssueEvent, error) {
	out, err := APIEvent(e)
	if err != nil {
		return nil, err
	}
	prev, next, err := b.s.eventNeighbours(ctx, e.IssueID, e.Row)
	if err != nil {
		return nil, err
	}
	if prev != "" {
		out.PreviousEventID = &prev
	}
	if next != "" {
		out.NextEventID = &next
	}
	return out, nil
}

// eventNeighbours returns the ids of the stored events just older and just
// newer than the event at row in its issue ("" at either end).
func (s *Store) eventNeighbours(ctx context.Context, issueID, row int64) (prev, next string, err error) {
	if err := s.checkOpen(); err != nil {
		return "", "", err
	}
	err = s.rdb.QueryRowContext(ctx, `SELECT
		coalesce((SELECT event_id FROM events WHERE issue_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT 1), ''),
		coalesce((SELECT event_id FROM events WHERE issue_id = ?1 AND id > ?2 ORDER BY id LIMIT 1), '')`,
		issueID, row).Scan(&prev, &next)
	return prev, next, wrap("neighbouring events", err)
}

// IssueEvents returns one page of an issue's stored events, newest first.
// Summaries take culprit and metadata from the issue, since the row does
// not hold them.
func (b *Backend) IssueEvents(ctx context.Context, issueID string, full bool, opts api.ListOptions) (*api.Page[api.IssueEvent], error) {
	is, err := b.issue(ctx, issueID)
	if err != nil {
		return nil, err
	}
	limit := opts.PerPage
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	page, err := b.s.ListEvents(ctx, is.ID, opts.Cursor, limit)
	if err != nil {
		return nil, err
	}
	out := &api.Page[api.IssueEvent]{Items: make([]api.IssueEvent, 0, len(page.Events)), NextCursor: page.NextCursor, Hits: -1}
	summary := APIIssue(is, "")
	for _, e := range page.Events {
		if full {
			fe, err := b.s.GetEvent(ctx, e.ProjectID, e.EventID)
			if err != nil {
				return nil, err
			}
			ev, err := b.fullEvent(ctx, fe)
			if err != nil {
				return nil, err
			}
			out.Items = append(out.Items, *ev)
			continue
		}
		ev, err := summaryEvent(e, summary)
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, *ev)
	}
	return out, nil
}

// summaryEvent renders a listed event (no body), with the culprit and
// metadata of its issue, which its row does not hold.
func summaryEvent(e Event, is api.Issue) (*api.IssueEvent, error) {
	e.Body = nil
	ev, err := APIEvent(e)
	if err != nil {
		return nil, err
	}
	ev.Culprit, ev.Metadata = is.Culprit, is.Metadata
	if is.Metadata.Filename != "" {
		f := is.Metadata.Filename
		ev.Location = &f
	}
	return ev, nil
}

// Event returns a full event by id, from any project (or the backend's).
func (b *Backend) Event(ctx context.Context, eventID string) (*api.IssueEvent, error) {
	pid, err := b.project(ctx)
	if err != nil {
		return nil, err
	}
	e, err := b.s.GetEvent(ctx, pid, eventID)
	if err != nil {
		return nil, err
	}
	return b.fullEvent(ctx, e)
}

// IssueHashes lists the issue's grouping hashes, each with the latest
// stored event that carried it (nil once retention removed them all).
func (b *Backend) IssueHashes(ctx context.Context, issueID string) ([]api.GroupHash, error) {
	is, err := b.issue(ctx, issueID)
	if err != nil {
		return nil, err
	}
	hashes, err := b.s.IssueHashes(ctx, is.ID)
	if err != nil {
		return nil, err
	}
	out := make([]api.GroupHash, 0, len(hashes))
	summary := APIIssue(is, "")
	for _, h := range hashes {
		gh := api.GroupHash{ID: h}
		e, err := b.s.oneEvent(ctx, "latest event of hash "+h, `WHERE issue_id = ? AND EXISTS
			(SELECT 1 FROM json_each(events.hashes) WHERE value = ?) ORDER BY id DESC LIMIT 1`, is.ID, h)
		switch {
		case err == nil:
			// A summary, as Sentry sends without full=true.
			if gh.LatestEvent, err = summaryEvent(e, summary); err != nil {
				return nil, err
			}
		case !errors.Is(err, ErrNotFound):
			return nil, err
		}
		out = append(out, gh)
	}
	return out, nil
}

// issueIDs resolves numeric and short ids, skipping unknown ones as
// Sentry's bulk endpoints do.
func (b *Backend) issueIDs(ctx context.Context, ids []string) ([]Issue, error) {
	var out []Issue
	for _, id := range ids {
		is, err := b.issue(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, is)
	}
	return out, nil
}

// UpdateIssues changes the status of issues (the store keeps no assignees,
// bookmarks or subscriptions, so other fields are refused) and echoes the
// new status as Sentry does.
func (b *Backend) UpdateIssues(ctx context.Context, ids []string, u api.IssueUpdate) (*api.IssueUpdateResult, error) {
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: no issue ids given", ErrInvalid)
	}
	if u.AssignedTo != nil || u.HasSeen != nil || u.IsBookmarked != nil || u.IsSubscribed != nil || u.IsPublic != nil {
		return nil, fmt.Errorf("%w: the local store changes only the status of issues", ErrInvalid)
	}
	if u.Status == "" {
		return nil, fmt.Errorf("%w: no status given", ErrInvalid)
	}
	issues, err := b.issueIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	if len(issues) == 0 {
		return nil, fmt.Errorf("updating issues %s: %w", strings.Join(ids, ", "), ErrNotFound)
	}
	upd := StatusUpdate{Status: u.Status, Substatus: u.Substatus}
	if u.StatusDetails != nil {
		if upd.Details, err = json.Marshal(u.StatusDetails); err != nil {
			return nil, err
		}
	}
	nums := make([]int64, len(issues))
	for i, is := range issues {
		nums[i] = is.ID
	}
	if _, err := b.s.UpdateIssueStatus(ctx, nums, upd); err != nil {
		return nil, err
	}
	// Echo what the first issue now says, as Sentry echoes the change.
	after, err := b.s.GetIssue(ctx, nums[0])
	if err != nil {
		return nil, err
	}
	a := APIIssue(after, "")
	details := a.StatusDetails
	return &api.IssueUpdateResult{Status: a.Status, StatusDetails: &details, Substatus: a.Substatus}, nil
}

// MergeIssues merges issues of one project into the one with the most
// events (ties: the higher id), as Sentry picks.
func (b *Backend) MergeIssues(ctx context.Context, ids []string) (*api.MergeResult, error) {
	if len(ids) < 2 {
		return nil, fmt.Errorf("%w: merging needs at least two issues, got %d", ErrInvalid, len(ids))
	}
	var issues []Issue
	for _, id := range ids {
		is, err := b.issue(ctx, id)
		if err != nil {
			return nil, err
		}
		issues = append(issues, is)
	}
	parent := issues[0]
	for _, is := range issues[1:] {
		if is.TimesSeen > parent.TimesSeen || (is.TimesSeen == parent.TimesSeen && is.ID > parent.ID) {
			parent = is
		}
	}
	res := &api.MergeResult{Parent: strconv.FormatInt(parent.ID, 10), Children: []string{}}
	var others []int64
	for _, is := range issues {
		if is.ID != parent.ID {
			others = append(others, is.ID)
			res.Children = append(res.Children, strconv.FormatInt(is.ID, 10))
		}
	}
	if err := b.s.MergeIssues(ctx, parent.ID, others); err != nil {
		return nil, err
	}
	return res, nil
}

// DeleteIssues deletes issues with their events; ErrNotFound when none of
// them exists.
func (b *Backend) DeleteIssues(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return fmt.Errorf("%w: no issue ids given", ErrInvalid)
	}
	issues, err := b.issueIDs(ctx, ids)
	if err != nil {
		return err
	}
	if len(issues) == 0 {
		return fmt.Errorf("deleting issues %s: %w", strings.Join(ids, ", "), ErrNotFound)
	}
	nums := make([]int64, len(issues))
	for i, is := range issues {
		nums[i] = is.ID
	}
	_, err = b.s.DeleteIssues(ctx, nums)
	return err
}
