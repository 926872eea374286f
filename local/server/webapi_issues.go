package server

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/store"
)

// Issues and events, rendered through store.Backend (the conversion the
// local triage backend uses), so `snag issues --local` and `snag issues`
// against `snag serve` see the same JSON.

func (a *webAPI) issueRoutes(handle func(string, apiHandler)) {
	for _, list := range []string{"/api/0/organizations/{org}/issues/", "/api/0/projects/{org}/{project}/issues/"} {
		handle("GET "+list+"{$}", a.handleIssues)
		handle("PUT "+list+"{$}", a.handleBulkUpdate)
		handle("DELETE "+list+"{$}", a.handleBulkDelete)
	}
	// Sentry's current paths and its older ones.
	for _, one := range []string{"/api/0/organizations/{org}/issues/{issue}/", "/api/0/issues/{issue}/", "/api/0/groups/{issue}/"} {
		handle("GET "+one+"{$}", a.handleIssue)
		handle("PUT "+one+"{$}", a.handleIssueUpdate)
		handle("DELETE "+one+"{$}", a.handleIssueDelete)
		handle("GET "+one+"events/{$}", a.handleIssueEvents)
		handle("GET "+one+"events/{event}/{$}", a.handleIssueEvent)
		handle("GET "+one+"hashes/{$}", a.handleIssueHashes)
		handle("GET "+one+"tags/{$}", a.handleIssueTags)
	}
	handle("GET /api/0/projects/{org}/{project}/events/{event}/{$}", a.handleProjectEvent)
	handle("GET /api/0/organizations/{org}/eventids/{event}/{$}", a.handleEventID)
}

// backend is the store as Sentry's API sees it from this request: links
// point at this server, and a project-scoped path narrows to its project.
func (a *webAPI) backend(r *http.Request) (*store.Backend, store.Project, error) {
	var p store.Project
	if r.PathValue("org") != "" {
		if err := checkOrg(r); err != nil {
			return nil, p, err
		}
	}
	opts := store.BackendOptions{Path: a.st.Path(), BaseURL: baseURL(r)}
	if ref := r.PathValue("project"); ref != "" {
		var err error
		if p, err = a.project(r.Context(), ref); err != nil {
			return nil, p, err
		}
		opts.Project = p.Slug
	}
	return store.NewBackend(a.st, opts), p, nil
}

var shortIDRe = regexp.MustCompile(`^[A-Za-z0-9_.-]+-[0-9A-Za-z]+$`)

// handleIssues lists issues with Sentry's parameters: query (search
// syntax; "is:unresolved" when absent, every status when empty), sort,
// cursor, limit, environment, project (ids; org list), statsPeriod or
// start/end (org list: a window on last seen), the stats series
// (groupStatsPeriod on the org list, statsPeriod on the project list;
// collapse=stats drops it) and shortIdLookup.
func (a *webAPI) handleIssues(w http.ResponseWriter, r *http.Request) error {
	_, project, err := a.backend(r)
	if err != nil {
		return err
	}
	params := r.URL.Query()
	orgScoped := project.ID == 0
	query := "is:unresolved"
	if _, ok := params["query"]; ok {
		query = params.Get("query")
	}
	limit, err := pageSize(r, "limit")
	if err != nil {
		return err
	}
	now := a.now()
	stats := params.Get("groupStatsPeriod")
	if !orgScoped {
		stats = "24h"
		if v, ok := params["statsPeriod"]; ok {
			stats = v[0]
		}
	}
	switch stats {
	case "", "auto":
		stats = api.Stats24h
		if !orgScoped && params.Has("statsPeriod") && params.Get("statsPeriod") == "" {
			stats = api.StatsNone // the project list's "no stats"
		}
	case api.Stats24h, api.Stats14d:
	default:
		return badRequest("Invalid stats period %q: 24h or 14d is expected", stats)
	}
	if slices.Contains(params["collapse"], "stats") {
		stats = api.StatsNone
	}

	var issues []store.Issue
	next := ""
	if t := strings.TrimSpace(query); shortIDRe.MatchString(t) && params.Get("cursor") == "" &&
		(params.Get("shortIdLookup") == "1" || params.Get("shortIdLookup") == "true") {
		if is, err := a.st.IssueByShortID(r.Context(), t); err == nil && (orgScoped || is.ProjectID == project.ID) {
			issues = []store.Issue{is}
		}
	}
	if issues == nil {
		q, err := store.ParseSearch(query)
		if err != nil {
			return err
		}
		q.Sort, q.Cursor, q.Limit = params.Get("sort"), params.Get("cursor"), limit
		switch q.Sort {
		case "trends", "inbox", "recommended", "priority":
			q.Sort = "date" // orders the local store has no data for
		}
		q.Project = project.ID
		if orgScoped {
			if q.Project, err = a.projectFilter(r.Context(), params["project"]); err != nil {
				return err
			}
			if err := timeWindow(params, now, &q); err != nil {
				return err
			}
		}
		if envs := params["environment"]; len(envs) > 1 {
			return badRequest("Filtering by several environments is not supported by the local server")
		} else if len(envs) == 1 {
			if q.Environment == "" {
				q.Environment = envs[0]
			} else {
				q.Tags = append(q.Tags, [2]string{"environment", envs[0]})
			}
		}
		page, err := a.st.ListIssues(r.Context(), q)
		if err != nil {
			return err
		}
		issues, next = page.Issues, page.NextCursor
	}
	out := make([]api.Issue, len(issues))
	for i, is := range issues {
		out[i] = store.APIIssue(is, baseURL(r))
	}
	if stats != api.StatsNone && len(issues) > 0 {
		ids := make([]int64, len(issues))
		for i, is := range issues {
			ids[i] = is.ID
		}
		counts, err := a.st.IssueHourlyCounts(r.Context(), ids, store.StatsSince(stats, now))
		if err != nil {
			return err
		}
		for i, is := range issues {
			st, err := store.APIStats(counts[is.ID], stats, now)
			if err != nil {
				return err
			}
			out[i].Stats = map[string]api.Stat{stats: st}
		}
	}
	setLinks(w, r, next)
	apiJSON(w, http.StatusOK, out)
	return nil
}

// projectFilter reads the org list's project ids: none or -1 is every
// project; one id filters; several are refused unless they are all there
// is.
func (a *webAPI) projectFilter(ctx context.Context, ids []string) (int64, error) {
	var want []int64
	for _, v := range ids {
		if v == "-1" {
			return 0, nil
		}
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, badRequest("Invalid project id %q", v)
		}
		if _, err := a.st.ProjectByID(ctx, id); err != nil {
			if isNotFound(err) {
				return 0, &apiError{status: http.StatusForbidden, detail: "You do not have permission to perform this action."}
			}
			return 0, err
		}
		want = append(want, id)
	}
	slices.Sort(want)
	want = slices.Compact(want)
	switch len(want) {
	case 0:
		return 0, nil
	case 1:
		return want[0], nil
	}
	all, err := a.st.Projects(ctx)
	if err != nil {
		return 0, err
	}
	if len(all) == len(want) {
		return 0, nil
	}
	return 0, badRequest("Filtering by several projects is not supported by the local server; give one, or none for all")
}

// timeWindow applies statsPeriod, or start and end, to an org issue list:
// issues seen in the window. Without either the list is not bounded (Sentry
// bounds it to 14 days; local retention bounds it here).
func timeWindow(params map[string][]string, now time.Time, q *store.IssueQuery) error {
	get := func(k string) string {
		if v := params[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if p := get("statsPeriod"); p != "" {
		d, err := api.ParseStatsPeriod(p)
		if err != nil {
			return badRequest("%v", err)
		}
		q.Since = now.Add(-d)
		return nil
	}
	for _, f := range []struct {
		key string
		dst *time.Time
	}{{"start", &q.Since}, {"end", &q.Until}} {
		v := get(f.key)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			// Sentry also takes times without a zone, as UTC.
			if t, err = time.Parse("2006-01-02T15:04:05", v); err != nil {
				return badRequest("Invalid %s %q: an ISO 8601 time is expected", f.key, v)
			}
		}
		*f.dst = t
	}
	return nil
}

// issueUpdateBody is a bulk or single issue update as Sentry's clients send
// it: api.IssueUpdate, plus merge, the ignore conditions Sentry also takes
// at the top level, and sentry-cli's snoozeDuration (minutes).
type issueUpdateBody struct {
	api.IssueUpdate
	Merge            bool       `json:"merge"`
	SnoozeDuration   *float64   `json:"snoozeDuration"`
	IgnoreDuration   *int       `json:"ignoreDuration"`
	IgnoreCount      *int       `json:"ignoreCount"`
	IgnoreWindow     *int       `json:"ignoreWindow"`
	IgnoreUserCount  *int       `json:"ignoreUserCount"`
	IgnoreUserWindow *int       `json:"ignoreUserWindow"`
	IgnoreUntil      *time.Time `json:"ignoreUntil"`
	Inbox            *bool      `json:"inbox"`
	Discard          bool       `json:"discard"`
}

// update folds the top-level ignore conditions into statusDetails.
func (b *issueUpdateBody) update() api.IssueUpdate {
	u := b.IssueUpdate
	d := api.StatusDetails{}
	if u.StatusDetails != nil {
		d = *u.StatusDetails
	}
	set := func(dst *int, v *int) {
		if v != nil && *dst == 0 {
			*dst = *v
		}
	}
	if b.SnoozeDuration != nil && d.IgnoreDuration == 0 {
		d.IgnoreDuration = int(*b.SnoozeDuration)
	}
	set(&d.IgnoreDuration, b.IgnoreDuration)
	set(&d.IgnoreCount, b.IgnoreCount)
	set(&d.IgnoreWindow, b.IgnoreWindow)
	set(&d.IgnoreUserCount, b.IgnoreUserCount)
	set(&d.IgnoreUserWindow, b.IgnoreUserWindow)
	if b.IgnoreUntil != nil && d.IgnoreUntil == nil {
		d.IgnoreUntil = b.IgnoreUntil
	}
	if u.StatusDetails != nil || d != (api.StatusDetails{}) {
		u.StatusDetails = &d
	}
	return u
}

// bulkIDs are the issues a bulk request names with id=…, or, without ids,
// those its query (and status) select, at most 1000 as on Sentry.
func bulkIDs(r *http.Request, b *store.Backend) ([]string, error) {
	params := r.URL.Query()
	if ids := params["id"]; len(ids) > 0 {
		if len(ids) > 1000 {
			return nil, badRequest("Too many ids (at most 1000)")
		}
		return ids, nil
	}
	query := "is:unresolved"
	if _, ok := params["query"]; ok {
		query = params.Get("query")
	}
	// sentry-cli's --status: the issues of that status.
	if st := params.Get("status"); st != "" {
		query = "is:" + st + " " + params.Get("query")
	}
	var ids []string
	cursor := ""
	for len(ids) < 1000 {
		page, err := b.ListIssues(r.Context(), api.IssueQuery{Query: query, Cursor: cursor, Stats: api.StatsNone, Limit: 100})
		if err != nil {
			return nil, err
		}
		for _, is := range page.Items {
			ids = append(ids, is.ID)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	return ids, nil
}

// handleBulkUpdate is PUT …/issues/?id=…: a status change, or a merge.
// The answer echoes the change; 204 when none of the issues is in scope.
func (a *webAPI) handleBulkUpdate(w http.ResponseWriter, r *http.Request) error {
	b, _, err := a.backend(r)
	if err != nil {
		return err
	}
	var body issueUpdateBody
	if err := readJSON(w, r, &body, false); err != nil {
		return err
	}
	ids, err := bulkIDs(r, b)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if body.Discard {
		return badRequest("Discarding issues is not supported by the local server; delete them instead")
	}
	if body.Merge {
		if len(ids) < 2 {
			return badRequest("Too few issues to merge: give at least two ids")
		}
		res, err := b.MergeIssues(r.Context(), ids)
		if isNotFound(err) {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}
		if err != nil {
			return err
		}
		apiJSON(w, http.StatusOK, api.IssueUpdateResult{Merge: res})
		return nil
	}
	res, err := b.UpdateIssues(r.Context(), ids, body.update())
	if isNotFound(err) {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if err != nil {
		return err
	}
	apiJSON(w, http.StatusOK, updateEcho(res))
	return nil
}

// updateEcho is a bulk update's answer: the changed fields, statusDetails
// always an object, and Sentry's "inbox": null.
func updateEcho(res *api.IssueUpdateResult) any {
	details := api.StatusDetails{}
	if res.StatusDetails != nil {
		details = *res.StatusDetails
	}
	return struct {
		Status        string            `json:"status"`
		StatusDetails api.StatusDetails `json:"statusDetails"`
		Substatus     *string           `json:"substatus"`
		Inbox         *struct{}         `json:"inbox"`
	}{Status: res.Status, StatusDetails: details, Substatus: nullableString(res.Substatus)}
}

func nullableString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// handleBulkDelete is DELETE …/issues/?id=…. Unlike Sentry, it needs ids:
// deleting every issue a default query matches is never meant locally.
func (a *webAPI) handleBulkDelete(w http.ResponseWriter, r *http.Request) error {
	b, _, err := a.backend(r)
	if err != nil {
		return err
	}
	ids := r.URL.Query()["id"]
	if len(ids) == 0 {
		return badRequest("Give the issues to delete as id=… parameters")
	}
	if err := b.DeleteIssues(r.Context(), ids); err != nil && !isNotFound(err) {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// issueDetailJSON is an issue as its detail endpoint shows it: the list
// fields, first and last release, and the lists Sentry always sends there.
type issueDetailJSON struct {
	api.Issue
	Activity        []struct{}     `json:"activity"`
	SeenBy          []struct{}     `json:"seenBy"`
	Participants    []struct{}     `json:"participants"`
	PluginActions   []struct{}     `json:"pluginActions"`
	PluginIssues    []struct{}     `json:"pluginIssues"`
	PluginContexts  []struct{}     `json:"pluginContexts"`
	Annotations     []struct{}     `json:"annotations"`
	Tags            []api.IssueTag `json:"tags"`
	UserReportCount int            `json:"userReportCount"`
}

func (a *webAPI) issueDetail(r *http.Request, b *store.Backend, id string) (*issueDetailJSON, error) {
	is, err := b.GetIssue(r.Context(), id)
	if err != nil {
		return nil, err
	}
	tags, err := b.IssueTags(r.Context(), is.ID, 0)
	if err != nil {
		return nil, err
	}
	num, _ := strconv.ParseInt(is.ID, 10, 64)
	fb, err := a.st.IssueFeedback(r.Context(), num)
	if err != nil {
		return nil, err
	}
	e := []struct{}{}
	return &issueDetailJSON{Issue: *is, Activity: e, SeenBy: e, Participants: e, PluginActions: e,
		PluginIssues: e, PluginContexts: e, Annotations: e, Tags: tags, UserReportCount: len(fb)}, nil
}

func (a *webAPI) handleIssue(w http.ResponseWriter, r *http.Request) error {
	b, _, err := a.backend(r)
	if err != nil {
		return err
	}
	out, err := a.issueDetail(r, b, r.PathValue("issue"))
	if err != nil {
		return err
	}
	apiJSON(w, http.StatusOK, out)
	return nil
}

// handleIssueUpdate is PUT on one issue: the change, answered with the
// issue as it now is.
func (a *webAPI) handleIssueUpdate(w http.ResponseWriter, r *http.Request) error {
	b, _, err := a.backend(r)
	if err != nil {
		return err
	}
	var body issueUpdateBody
	if err := readJSON(w, r, &body, false); err != nil {
		return err
	}
	if body.Merge || body.Discard {
		return badRequest("Merge and discard are bulk actions: use PUT …/issues/?id=…")
	}
	id := r.PathValue("issue")
	if _, err := b.UpdateIssues(r.Context(), []string{id}, body.update()); err != nil {
		return err
	}
	out, err := a.issueDetail(r, b, id)
	if err != nil {
		return err
	}
	apiJSON(w, http.StatusOK, out)
	return nil
}

func (a *webAPI) handleIssueDelete(w http.ResponseWriter, r *http.Request) error {
	b, _, err := a.backend(r)
	if err != nil {
		return err
	}
	if err := b.DeleteIssues(r.Context(), []string{r.PathValue("issue")}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// handleIssueEvents lists an issue's events, newest first: summaries, or
// full events with full=true.
func (a *webAPI) handleIssueEvents(w http.ResponseWriter, r *http.Request) error {
	b, _, err := a.backend(r)
	if err != nil {
		return err
	}
	limit, err := pageSize(r, "per_page")
	if err != nil {
		return err
	}
	full := r.URL.Query().Get("full")
	cursor := r.URL.Query().Get("cursor")
	if cursor != "" {
		if _, err := strconv.ParseInt(cursor, 10, 64); err != nil {
			return badRequest("Invalid cursor %q", cursor)
		}
	}
	page, err := b.IssueEvents(r.Context(), r.PathValue("issue"), full == "true" || full == "1",
		api.ListOptions{Cursor: cursor, PerPage: limit})
	if err != nil {
		return err
	}
	setLinks(w, r, page.NextCursor)
	apiJSON(w, http.StatusOK, page.Items)
	return nil
}

// handleIssueEvent is one event of an issue: an id, latest, oldest or
// recommended.
func (a *webAPI) handleIssueEvent(w http.ResponseWriter, r *http.Request) error {
	b, _, err := a.backend(r)
	if err != nil {
		return err
	}
	ev, err := b.IssueEvent(r.Context(), r.PathValue("issue"), r.PathValue("event"))
	if err != nil {
		return eventNotFound(err)
	}
	apiJSON(w, http.StatusOK, ev)
	return nil
}

func eventNotFound(err error) error {
	if isNotFound(err) || errors.Is(err, store.ErrInvalid) {
		return &apiError{status: http.StatusNotFound, detail: "Event not found"}
	}
	return err
}

// handleProjectEvent is an event by id within a project.
func (a *webAPI) handleProjectEvent(w http.ResponseWriter, r *http.Request) error {
	b, _, err := a.backend(r)
	if err != nil {
		return err
	}
	ev, err := b.Event(r.Context(), r.PathValue("event"))
	if err != nil {
		return eventNotFound(err)
	}
	apiJSON(w, http.StatusOK, ev)
	return nil
}

// handleEventID says where an event id lives in the organization.
func (a *webAPI) handleEventID(w http.ResponseWriter, r *http.Request) error {
	b, _, err := a.backend(r)
	if err != nil {
		return err
	}
	ev, err := b.Event(r.Context(), r.PathValue("event"))
	if err != nil {
		if isNotFound(err) || errors.Is(err, store.ErrInvalid) {
			return &apiError{status: http.StatusNotFound, detail: "Event ID could not be found"}
		}
		return err
	}
	pid, _ := strconv.ParseInt(ev.ProjectID, 10, 64)
	p, err := a.st.ProjectByID(r.Context(), pid)
	if err != nil {
		return err
	}
	group := ""
	if ev.GroupID != nil {
		group = *ev.GroupID
	}
	apiJSON(w, http.StatusOK, api.EventIDResolution{OrganizationSlug: store.OrgSlug, ProjectSlug: p.Slug,
		GroupID: group, EventID: ev.EventID, Event: ev})
	return nil
}

// handleIssueHashes lists an issue's grouping hashes with their latest
// event: a summary, or the full event with full=true.
func (a *webAPI) handleIssueHashes(w http.ResponseWriter, r *http.Request) error {
	b, _, err := a.backend(r)
	if err != nil {
		return err
	}
	id := r.PathValue("issue")
	hashes, err := b.IssueHashes(r.Context(), id)
	if err != nil {
		return err
	}
	if full := r.URL.Query().Get("full"); full == "true" || full == "1" {
		for i, h := range hashes {
			if h.LatestEvent == nil {
				continue
			}
			ev, err := b.IssueEvent(r.Context(), id, h.LatestEvent.EventID)
			if err != nil {
				return err
			}
			hashes[i].LatestEvent = ev
		}
	}
	setLinks(w, r, "")
	apiJSON(w, http.StatusOK, hashes)
	return nil
}

// handleIssueTags summarizes an issue's tags (limit: top values per key).
func (a *webAPI) handleIssueTags(w http.ResponseWriter, r *http.Request) error {
	b, _, err := a.backend(r)
	if err != nil {
		return err
	}
	limit := 0
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			return badRequest("Invalid limit %q", v)
		}
	}
	tags, err := b.IssueTags(r.Context(), r.PathValue("issue"), limit)
	if err != nil {
		return err
	}
	apiJSON(w, http.StatusOK, tags)
	return nil
}
