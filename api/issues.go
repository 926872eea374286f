package api

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// IssueListOptions filter and sort an issue list.
type IssueListOptions struct {
	// ListOptions.PerPage is sent as limit (at most 100).
	ListOptions
	// Query is Sentry search syntax ("is:unresolved level:error"). It is
	// always sent, so "" lists every status; Sentry's own default, when the
	// parameter is absent, is "is:unresolved".
	Query string
	// Sort is date (last seen, the default), new (first seen), freq
	// (events), user (users), trends, inbox or recommended.
	Sort string
	// StatsPeriod ("24h", "14d") bounds the search in time and overrides
	// Start/End.
	StatsPeriod string
	Start, End  time.Time
	// GroupStatsPeriod picks each issue's stats series: "24h" (Sentry's
	// default when unset) or "14d"; Collapse "stats" drops it.
	GroupStatsPeriod string
	Environment      []string
	// Project restricts an organization list to these numeric project ids
	// ("-1" is all projects). Ignored by project-scoped lists.
	Project  []string
	Expand   []string // e.g. "inbox", "owners"
	Collapse []string // e.g. "stats", "lifetime"
	// ShortIDLookup lets Query be a short id ("PROJ-12").
	ShortIDLookup bool
}

func (o IssueListOptions) values(orgScoped bool) url.Values {
	q := o.ListOptions.apply(nil, "limit")
	q.Set("query", o.Query)
	if o.Sort != "" {
		q.Set("sort", o.Sort)
	}
	if o.StatsPeriod != "" {
		q.Set("statsPeriod", o.StatsPeriod)
	}
	if !o.Start.IsZero() {
		q.Set("start", o.Start.UTC().Format(time.RFC3339))
	}
	if !o.End.IsZero() {
		q.Set("end", o.End.UTC().Format(time.RFC3339))
	}
	if o.GroupStatsPeriod != "" {
		q.Set("groupStatsPeriod", o.GroupStatsPeriod)
	}
	for _, env := range o.Environment {
		q.Add("environment", env)
	}
	if orgScoped {
		for _, p := range o.Project {
			q.Add("project", p)
		}
	}
	for _, e := range o.Expand {
		q.Add("expand", e)
	}
	for _, e := range o.Collapse {
		q.Add("collapse", e)
	}
	if o.ShortIDLookup {
		q.Set("shortIdLookup", "1")
	}
	return q
}

func orgIssuesPath(org string) string { return "/organizations/" + pathEscape(org) + "/issues/" }

func projectIssuesPath(org, project string) string {
	return "/projects/" + pathEscape(org) + "/" + pathEscape(project) + "/issues/"
}

// IssuesPage returns one page of an organization's issues.
func (c *Client) IssuesPage(ctx context.Context, org string, opts IssueListOptions) (*Page[Issue], error) {
	return getPage[Issue](ctx, c, orgIssuesPath(org), opts.values(true))
}

// Issues iterates over an organization's issues, page after page.
func (c *Client) Issues(ctx context.Context, org string, opts IssueListOptions) iter.Seq2[Issue, error] {
	return paginate[Issue](ctx, c, orgIssuesPath(org), opts.values(true), opts.MaxPages)
}

// ProjectIssuesPage returns one page of a project's issues from the older
// project-scoped endpoint, which self-hosted servers of every age serve.
func (c *Client) ProjectIssuesPage(ctx context.Context, org, project string, opts IssueListOptions) (*Page[Issue], error) {
	return getPage[Issue](ctx, c, projectIssuesPath(org, project), opts.values(false))
}

// ProjectIssues iterates over a project's issues (see ProjectIssuesPage).
func (c *Client) ProjectIssues(ctx context.Context, org, project string, opts IssueListOptions) iter.Seq2[Issue, error] {
	return paginate[Issue](ctx, c, projectIssuesPath(org, project), opts.values(false), opts.MaxPages)
}

// GetIssue returns one issue with its detail fields.
func (c *Client) GetIssue(ctx context.Context, org, issueID string) (*Issue, error) {
	var is Issue
	if err := c.get(ctx, orgIssuesPath(org)+pathEscape(issueID)+"/", &is); err != nil {
		return nil, err
	}
	return &is, nil
}

// IssueUpdate is the body of a bulk issue update; only the fields set are
// changed.
type IssueUpdate struct {
	// Status is StatusResolved, StatusResolvedInNextRelease,
	// StatusUnresolved or StatusIgnored.
	Status string `json:"status,omitempty"`
	// StatusDetails qualifies Status: InRelease/InNextRelease/InCommit for
	// resolve, Ignore* conditions for ignore.
	StatusDetails *StatusDetails `json:"statusDetails,omitempty"`
	Substatus     string         `json:"substatus,omitempty"`
	// AssignedTo is a user id, username, email or "team:<id>"; a pointer to
	// "" unassigns.
	AssignedTo   *string `json:"assignedTo,omitempty"`
	HasSeen      *bool   `json:"hasSeen,omitempty"`
	IsBookmarked *bool   `json:"isBookmarked,omitempty"`
	IsSubscribed *bool   `json:"isSubscribed,omitempty"`
	IsPublic     *bool   `json:"isPublic,omitempty"`
}

func (u IssueUpdate) validate() error {
	switch u.Status {
	case "", StatusResolved, StatusResolvedInNextRelease, StatusUnresolved, StatusIgnored:
		return nil
	}
	return fmt.Errorf("unknown issue status %q (want %s, %s, %s or %s)", u.Status,
		StatusResolved, StatusResolvedInNextRelease, StatusUnresolved, StatusIgnored)
}

// IssueUpdateResult echoes what a bulk update changed.
type IssueUpdateResult struct {
	Status        string         `json:"status,omitempty"`
	StatusDetails *StatusDetails `json:"statusDetails,omitempty"`
	Substatus     string         `json:"substatus,omitempty"`
	AssignedTo    *Actor         `json:"assignedTo,omitempty"`
	HasSeen       *bool          `json:"hasSeen,omitempty"`
	IsBookmarked  *bool          `json:"isBookmarked,omitempty"`
	IsSubscribed  *bool          `json:"isSubscribed,omitempty"`
	IsPublic      *bool          `json:"isPublic,omitempty"`
	Merge         *MergeResult   `json:"merge,omitempty"`
}

// MergeResult names the issue the others were merged into.
type MergeResult struct {
	Parent   string   `json:"parent"`
	Children []string `json:"children"`
}

// bulkLimit is how many ids Sentry takes in one bulk request.
const bulkLimit = 100

// errNoIDs guards the bulk endpoints: without ids they act on every issue
// that matches the (default) query, which is never what a caller meant.
var errNoIDs = errors.New("no issue ids given")

func idQuery(ids []string) url.Values {
	q := url.Values{}
	for _, id := range ids {
		q.Add("id", id)
	}
	return q
}

// UpdateIssues changes the issues with the given ids (in batches of 100).
// It returns ErrNotFound if none of them is in the organization.
func (c *Client) UpdateIssues(ctx context.Context, org string, ids []string, u IssueUpdate) (*IssueUpdateResult, error) {
	if len(ids) == 0 {
		return nil, errNoIDs
	}
	if err := u.validate(); err != nil {
		return nil, err
	}
	var last *IssueUpdateResult
	for batch := range slices.Chunk(ids, bulkLimit) {
		req, err := c.newRequest(http.MethodPut, orgIssuesPath(org), idQuery(batch)).withJSON(u)
		if err != nil {
			return nil, err
		}
		var res IssueUpdateResult
		resp, err := c.send(ctx, req, &res)
		if err != nil {
			return nil, fmt.Errorf("updating issues %s: %w", strings.Join(batch, ", "), err)
		}
		// 204: none of the batch's ids is in scope.
		if resp.status != http.StatusNoContent {
			last = &res
		}
	}
	if last == nil {
		return nil, fmt.Errorf("updating issues %s: %w", strings.Join(ids, ", "), ErrNotFound)
	}
	return last, nil
}

// MergeIssues merges issues of one project into the one with the most
// events, returning which that is. It takes at most 100 ids.
func (c *Client) MergeIssues(ctx context.Context, org string, ids []string) (*MergeResult, error) {
	if len(ids) < 2 {
		return nil, fmt.Errorf("merging needs at least two issues, got %d", len(ids))
	}
	if len(ids) > bulkLimit {
		return nil, fmt.Errorf("merging takes at most %d issues, got %d", bulkLimit, len(ids))
	}
	req, err := c.newRequest(http.MethodPut, orgIssuesPath(org), idQuery(ids)).withJSON(map[string]bool{"merge": true})
	if err != nil {
		return nil, err
	}
	var res IssueUpdateResult
	resp, err := c.send(ctx, req, &res)
	if err != nil {
		return nil, fmt.Errorf("merging issues %s: %w", strings.Join(ids, ", "), err)
	}
	if resp.status == http.StatusNoContent {
		return nil, fmt.Errorf("merging issues %s: %w", strings.Join(ids, ", "), ErrNotFound)
	}
	if res.Merge == nil {
		return nil, fmt.Errorf("merging issues %s: the server did not say which issue they were merged into", strings.Join(ids, ", "))
	}
	return res.Merge, nil
}

// DeleteIssues deletes the issues with the given ids (in batches of 100).
// Sentry deletes in the background; the issues may show for a moment.
func (c *Client) DeleteIssues(ctx context.Context, org string, ids []string) error {
	if len(ids) == 0 {
		return errNoIDs
	}
	for batch := range slices.Chunk(ids, bulkLimit) {
		if _, err := c.send(ctx, c.newRequest(http.MethodDelete, orgIssuesPath(org), idQuery(batch)), nil); err != nil {
			return fmt.Errorf("deleting issues %s: %w", strings.Join(batch, ", "), err)
		}
	}
	return nil
}
