package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
)

// Remote is a Backend over a Sentry server, bound to one organization and,
// optionally, one project.
type Remote struct {
	c       *Client
	org     string
	project string

	mu        sync.Mutex
	projectID string // the project's numeric id, looked up once
}

// ErrNoOrg means a Remote has no organization to work in.
var ErrNoOrg = errors.New("no organization configured")

// NewRemote returns a Backend for org's issues on c's server; project ("" for
// every project) narrows lists and event lookups.
func NewRemote(c *Client, org, project string) *Remote {
	return &Remote{c: c, org: org, project: project}
}

var _ Backend = (*Remote)(nil)

// Target describes the server, organization and project.
func (r *Remote) Target() Target {
	return Target{Kind: TargetSentry, URL: r.c.BaseURL(), Org: r.org, Project: r.project}
}

func (r *Remote) checkOrg() error {
	if r.org == "" {
		return ErrNoOrg
	}
	return nil
}

// ListIssues lists the organization's issues (the project's when one is
// set) through the organization endpoint. Without StatsPeriod, Sentry
// searches its default window (14 days).
func (r *Remote) ListIssues(ctx context.Context, q IssueQuery) (*Page[Issue], error) {
	if err := r.checkOrg(); err != nil {
		return nil, err
	}
	opts := IssueListOptions{
		ListOptions:   ListOptions{Cursor: q.Cursor, PerPage: min(q.Limit, 100)},
		Query:         q.Query,
		Sort:          q.Sort,
		StatsPeriod:   q.StatsPeriod,
		ShortIDLookup: true,
	}
	switch q.Stats {
	case "":
	case StatsNone:
		opts.Collapse = []string{"stats"}
	default:
		opts.GroupStatsPeriod = q.Stats
	}
	if r.project != "" {
		id, err := r.resolveProject(ctx)
		if err != nil {
			return nil, err
		}
		opts.Project = []string{id}
	}
	return r.c.IssuesPage(ctx, r.org, opts)
}

// resolveProject finds the project's numeric id, which the organization
// issue list filters by.
func (r *Remote) resolveProject(ctx context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.projectID != "" {
		return r.projectID, nil
	}
	for p, err := range r.c.Projects(ctx, r.org, ListOptions{}) {
		if err != nil {
			return "", fmt.Errorf("looking up project %q: %w", r.project, err)
		}
		if p.Slug == r.project || p.ID == r.project {
			r.projectID = p.ID
			return p.ID, nil
		}
	}
	return "", fmt.Errorf("project %q in organization %q: %w", r.project, r.org, ErrNotFound)
}

// GetIssue returns an issue by numeric or short id (Sentry resolves both).
func (r *Remote) GetIssue(ctx context.Context, id string) (*Issue, error) {
	if err := r.checkOrg(); err != nil {
		return nil, err
	}
	return r.c.GetIssue(ctx, r.org, id)
}

// IssueTags returns the issue's tag keys with their top values.
func (r *Remote) IssueTags(ctx context.Context, issueID string, topValues int) ([]IssueTag, error) {
	if err := r.checkOrg(); err != nil {
		return nil, err
	}
	if topValues <= 0 {
		topValues = 9
	}
	return r.c.IssueTags(ctx, r.org, issueID, topValues)
}

// IssueEvent returns one full event of an issue.
func (r *Remote) IssueEvent(ctx context.Context, issueID, eventID string) (*IssueEvent, error) {
	if err := r.checkOrg(); err != nil {
		return nil, err
	}
	return r.c.GetIssueEvent(ctx, r.org, issueID, eventID)
}

// IssueEvents returns one page of an issue's events.
func (r *Remote) IssueEvents(ctx context.Context, issueID string, full bool, opts ListOptions) (*Page[IssueEvent], error) {
	if err := r.checkOrg(); err != nil {
		return nil, err
	}
	return r.c.IssueEventsPage(ctx, r.org, issueID, EventListOptions{ListOptions: opts, Full: full})
}

// Event returns an event by id: from the project when one is set, else
// wherever it is in the organization.
func (r *Remote) Event(ctx context.Context, eventID string) (*IssueEvent, error) {
	if err := r.checkOrg(); err != nil {
		return nil, err
	}
	if r.project != "" {
		return r.c.GetEvent(ctx, r.org, r.project, eventID)
	}
	res, err := r.c.ResolveEventID(ctx, r.org, eventID)
	if err != nil {
		return nil, err
	}
	if res.Event == nil {
		return nil, fmt.Errorf("event %s: %w", eventID, ErrNotFound)
	}
	return res.Event, nil
}

// IssueHashes lists the issue's grouping hashes.
func (r *Remote) IssueHashes(ctx context.Context, issueID string) ([]GroupHash, error) {
	if err := r.checkOrg(); err != nil {
		return nil, err
	}
	var out []GroupHash
	for h, err := range r.c.IssueHashes(ctx, r.org, issueID, false, ListOptions{MaxPages: 10}) {
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// UpdateIssues changes issues by numeric or short id.
func (r *Remote) UpdateIssues(ctx context.Context, ids []string, u IssueUpdate) (*IssueUpdateResult, error) {
	if err := r.checkOrg(); err != nil {
		return nil, err
	}
	num, err := r.numericIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	return r.c.UpdateIssues(ctx, r.org, num, u)
}

// MergeIssues merges issues given by numeric or short id.
func (r *Remote) MergeIssues(ctx context.Context, ids []string) (*MergeResult, error) {
	if err := r.checkOrg(); err != nil {
		return nil, err
	}
	num, err := r.numericIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	return r.c.MergeIssues(ctx, r.org, num)
}

// DeleteIssues deletes issues given by numeric or short id.
func (r *Remote) DeleteIssues(ctx context.Context, ids []string) error {
	if err := r.checkOrg(); err != nil {
		return err
	}
	num, err := r.numericIDs(ctx, ids)
	if err != nil {
		return err
	}
	return r.c.DeleteIssues(ctx, r.org, num)
}

// numericIDs replaces short ids by numeric ones: the bulk endpoints take
// only those.
func (r *Remote) numericIDs(ctx context.Context, ids []string) ([]string, error) {
	out := make([]string, len(ids))
	for i, id := range ids {
		if IsNumericID(id) {
			out[i] = id
			continue
		}
		is, err := r.c.GetIssue(ctx, r.org, id)
		if err != nil {
			return nil, err
		}
		out[i] = is.ID
	}
	return out, nil
}

// IssueTags returns the tag keys of an issue with at most limit top values
// each (GET /organizations/{org}/issues/{id}/tags/).
func (c *Client) IssueTags(ctx context.Context, org, issueID string, limit int) ([]IssueTag, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var tags []IssueTag
	path := "/organizations/" + pathEscape(org) + "/issues/" + pathEscape(issueID) + "/tags/"
	if _, err := c.send(ctx, c.newRequest(http.MethodGet, path, q), &tags); err != nil {
		return nil, err
	}
	return tags, nil
}

// EventIDResolution is where an event id lives in an organization.
type EventIDResolution struct {
	OrganizationSlug string      `json:"organizationSlug"`
	ProjectSlug      string      `json:"projectSlug"`
	GroupID          string      `json:"groupId"`
	EventID          string      `json:"eventId"`
	Event            *IssueEvent `json:"event"`
}

// ResolveEventID finds an event of any project of the organization by its id
// (GET /organizations/{org}/eventids/{event_id}/).
func (c *Client) ResolveEventID(ctx context.Context, org, eventID string) (*EventIDResolution, error) {
	var res EventIDResolution
	if err := c.get(ctx, "/organizations/"+pathEscape(org)+"/eventids/"+pathEscape(eventID)+"/", &res); err != nil {
		return nil, err
	}
	return &res, nil
}
