package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/local/store/storetest"
)

// triageEnv serves the storetest triage data set (DEFAULT-1: two
// TypeErrors, DEFAULT-2: a warning) with the store's fixed clock.
func triageEnv(t *testing.T) *apiEnv {
	t.Helper()
	st, _ := storetest.Open(t)
	storetest.SeedTriage(t, st)
	return newAPIEnvWith(t, st, Config{Now: func() time.Time { return storetest.Now }})
}

// sameJSON fails unless a and b encode to the same JSON.
func sameJSON(t *testing.T, what string, remote, local any) {
	t.Helper()
	rb, err := json.Marshal(remote)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := json.Marshal(local)
	if err != nil {
		t.Fatal(err)
	}
	var rv, lv any
	json.Unmarshal(rb, &rv)
	json.Unmarshal(lb, &lv)
	if !reflect.DeepEqual(rv, lv) {
		t.Errorf("%s differs through the API:\nremote %s\nlocal  %s", what, rb, lb)
	}
}

// TestWebAPIRemoteMatchesLocalBackend reads the same data through
// api.Remote (snag's client against the local API) and store.Backend
// (straight from the database): both ends must say the same thing.
func TestWebAPIRemoteMatchesLocalBackend(t *testing.T) {
	env := triageEnv(t)
	ctx := t.Context()
	remote := api.NewRemote(env.client, "local", "")
	local := store.NewBackend(env.store, store.BackendOptions{Path: env.store.Path(), BaseURL: env.url})

	for _, q := range []api.IssueQuery{
		{Query: "is:unresolved", Sort: "freq"},
		{},
		{Query: "level:warning"},
		{Query: "TypeError browser:\"Firefox 125\""},
		{Stats: api.Stats14d, Sort: "new"},
		{Stats: api.StatsNone, StatsPeriod: "2h"},
		{Query: "DEFAULT-2"},
	} {
		rp, err := remote.ListIssues(ctx, q)
		if err != nil {
			t.Fatalf("remote ListIssues(%+v): %v", q, err)
		}
		lp, err := local.ListIssues(ctx, q)
		if err != nil {
			t.Fatalf("local ListIssues(%+v): %v", q, err)
		}
		rp.Hits, lp.Hits = 0, 0
		sameJSON(t, "issues for "+q.Query+"/"+q.Stats+"/"+q.StatsPeriod, rp, lp)
	}
	// Pages follow the Link header.
	p1, err := remote.ListIssues(ctx, api.IssueQuery{Limit: 1})
	if err != nil || len(p1.Items) != 1 || p1.NextCursor == "" {
		t.Fatalf("page 1 = %+v, %v", p1, err)
	}
	p2, err := remote.ListIssues(ctx, api.IssueQuery{Limit: 1, Cursor: p1.NextCursor})
	if err != nil || len(p2.Items) != 1 || p2.NextCursor != "" || p2.Items[0].ID == p1.Items[0].ID {
		t.Fatalf("page 2 = %+v, %v", p2, err)
	}

	for _, id := range []string{"1", "DEFAULT-2"} {
		ri, err := remote.GetIssue(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		li, err := local.GetIssue(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "issue "+id, ri, li)
		rt, err := remote.IssueTags(ctx, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		lt, _ := local.IssueTags(ctx, id, 0)
		sameJSON(t, "tags of "+id, rt, lt)
		rh, err := remote.IssueHashes(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		lh, _ := local.IssueHashes(ctx, id)
		sameJSON(t, "hashes of "+id, rh, lh)
		for _, full := range []bool{false, true} {
			re, err := remote.IssueEvents(ctx, id, full, api.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			le, _ := local.IssueEvents(ctx, id, full, api.ListOptions{})
			re.Hits, le.Hits = 0, 0
			sameJSON(t, "events of "+id, re, le)
		}
	}
	for _, ev := range []string{api.EventLatest, api.EventOldest, storetest.TypeErrorFirst} {
		re, err := remote.IssueEvent(ctx, "1", ev)
		if err != nil {
			t.Fatalf("remote IssueEvent(%s): %v", ev, err)
		}
		le, _ := local.IssueEvent(ctx, "1", ev)
		sameJSON(t, "event "+ev, re, le)
	}
	re, err := remote.Event(ctx, storetest.CheckoutWarning)
	if err != nil {
		t.Fatal(err)
	}
	le, _ := local.Event(ctx, storetest.CheckoutWarning)
	sameJSON(t, "event by id", re, le)
	// Project-scoped lookups go through /projects/{org}/{project}/events/.
	pe, err := api.NewRemote(env.client, "local", "default").Event(ctx, storetest.TypeErrorFirst)
	if err != nil || pe.EventID != storetest.TypeErrorFirst {
		t.Errorf("project event = %+v, %v", pe, err)
	}
	if _, err := remote.IssueEvent(ctx, "1", storetest.CheckoutWarning); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("another issue's event: %v", err)
	}
	if _, err := remote.GetIssue(ctx, "99"); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("unknown issue: %v", err)
	}

	// Actions through the API change the store.
	res, err := remote.UpdateIssues(ctx, []string{"DEFAULT-1"}, api.IssueUpdate{Status: api.StatusIgnored,
		StatusDetails: &api.StatusDetails{IgnoreCount: 10}})
	if err != nil || res.Status != api.StatusIgnored || res.StatusDetails == nil || res.StatusDetails.IgnoreCount != 10 {
		t.Fatalf("ignore = %+v, %v", res, err)
	}
	if is, _ := env.store.GetIssue(ctx, 1); is.Status != store.StatusIgnored {
		t.Errorf("issue 1 after ignore: %s", is.Status)
	}
	m, err := remote.MergeIssues(ctx, []string{"1", "2"})
	if err != nil || m.Parent != "1" || len(m.Children) != 1 || m.Children[0] != "2" {
		t.Fatalf("merge = %+v, %v", m, err)
	}
	if is, _ := env.store.GetIssue(ctx, 1); is.TimesSeen != 3 {
		t.Errorf("merged issue seen %d times", is.TimesSeen)
	}
	if err := remote.DeleteIssues(ctx, []string{"1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.store.GetIssue(ctx, 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("issue 1 after delete: %v", err)
	}
}

// TestWebAPIClientIssues drives the issue endpoints with api.Client's own
// calls and checks the wire shapes Sentry's clients depend on.
func TestWebAPIClientIssues(t *testing.T) {
	env := triageEnv(t)
	ctx := t.Context()
	c := env.client

	pp, err := c.ProjectsPage(ctx, "local", api.ListOptions{})
	if err != nil || len(pp.Items) != 1 || pp.Items[0].FirstEvent == nil ||
		!pp.Items[0].FirstEvent.Equal(time.Date(2026, 11, 20, 9, 5, 0, 0, time.UTC)) {
		t.Errorf("projects = %+v, %v; want firstEvent at the warning's 09:05", pp, err)
	}

	page, err := c.ProjectIssuesPage(ctx, "local", "default", api.IssueListOptions{Query: "is:unresolved", Sort: "freq"})
	if err != nil || len(page.Items) != 2 || page.Items[0].ShortID != "DEFAULT-1" || page.Items[0].Stats["24h"] == nil {
		t.Fatalf("project issues = %+v, %v", page, err)
	}
	page, err = c.IssuesPage(ctx, "local", api.IssueListOptions{Project: []string{"1"}, Environment: []string{"staging"},
		Collapse: []string{"stats"}})
	if err != nil || len(page.Items) != 1 || page.Items[0].ShortID != "DEFAULT-2" || page.Items[0].Stats != nil {
		t.Fatalf("staging issues = %+v, %v", page, err)
	}
	page, err = c.IssuesPage(ctx, "local", api.IssueListOptions{Start: time.Date(2026, 11, 20, 11, 0, 0, 0, time.UTC)})
	if err != nil || len(page.Items) != 1 || page.Items[0].ShortID != "DEFAULT-1" {
		t.Fatalf("issues since 11:00 = %+v, %v", page, err)
	}
	var all []string
	for is, err := range c.Issues(ctx, "local", api.IssueListOptions{ListOptions: api.ListOptions{PerPage: 1}}) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, is.ShortID)
	}
	if strings.Join(all, ",") != "DEFAULT-1,DEFAULT-2" {
		t.Errorf("paginated issues = %v", all)
	}

	// Wire types: ids and count are strings, userCount a number.
	var raw []map[string]any
	env.doJSON(t, "GET", "/api/0/organizations/local/issues/?query=", nil, 200, &raw)
	for _, is := range raw {
		_, idOK := is["id"].(string)
		_, countOK := is["count"].(string)
		_, usersOK := is["userCount"].(float64)
		_, seenOK := is["lastSeen"].(string)
		if !idOK || !countOK || !usersOK || !seenOK {
			t.Errorf("issue JSON types: %v", is)
		}
	}
	// The Link header as Sentry writes it.
	resp := env.doJSON(t, "GET", "/api/0/organizations/local/issues/?query=&limit=1", nil, 200, nil)
	links := api.ParseLinkHeader(resp.Header.Get("Link"))
	if len(links) != 2 || links[0].Rel != "previous" || links[0].Results || links[1].Rel != "next" || !links[1].Results ||
		!strings.HasPrefix(links[1].URL, env.url+"/api/0/organizations/local/issues/?") ||
		!strings.Contains(links[1].URL, "cursor="+url.QueryEscape(links[1].Cursor)) {
		t.Errorf("Link = %s", resp.Header.Get("Link"))
	}

	ev, err := c.LatestEvent(ctx, "local", "1")
	if err != nil || ev.EventID != storetest.TypeErrorSecond {
		t.Fatalf("latest = %+v, %v", ev, err)
	}
	ev, err = c.GetEvent(ctx, "local", "default", storetest.CheckoutWarning)
	if err != nil || ev.GroupID == nil || *ev.GroupID != "2" {
		t.Fatalf("event by id = %+v, %v", ev, err)
	}
	var events []api.IssueEvent
	for e, err := range c.IssueEvents(ctx, "local", "1", api.EventListOptions{ListOptions: api.ListOptions{PerPage: 1}}) {
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	if len(events) != 2 || events[0].EventID != storetest.TypeErrorSecond || len(events[0].Entries) != 0 {
		t.Errorf("events = %+v", events)
	}
	var hashes []api.GroupHash
	for h, err := range c.IssueHashes(ctx, "local", "1", true, api.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, h)
	}
	if len(hashes) == 0 || hashes[0].LatestEvent == nil || len(hashes[0].LatestEvent.Entries) == 0 {
		t.Errorf("full hashes = %+v", hashes)
	}
	res, err := c.ResolveEventID(ctx, "local", storetest.TypeErrorFirst)
	if err != nil || res.GroupID != "1" || res.ProjectSlug != "default" || res.Event == nil {
		t.Errorf("eventids = %+v, %v", res, err)
	}

	// resolvedInNextRelease answers as resolved, in next release.
	up, err := c.UpdateIssues(ctx, "local", []string{"1"}, api.IssueUpdate{Status: api.StatusResolvedInNextRelease})
	if err != nil || up.Status != api.StatusResolved || up.StatusDetails == nil || !up.StatusDetails.InNextRelease {
		t.Errorf("resolve in next release = %+v, %v", up, err)
	}
	// Ids of no issue: 204, which the client reports as not found.
	if _, err := c.UpdateIssues(ctx, "local", []string{"99"}, api.IssueUpdate{Status: api.StatusResolved}); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("update of an unknown id: %v", err)
	}
	// The single-issue PUT answers with the issue.
	var is api.Issue
	env.doJSON(t, "PUT", "/api/0/organizations/local/issues/DEFAULT-2/", map[string]any{"status": "ignored", "ignoreDuration": 30}, 200, &is)
	if is.Status != api.StatusIgnored || is.StatusDetails.IgnoreUntil == nil {
		t.Errorf("single update = %+v", is)
	}
	if _, err := c.MergeIssues(ctx, "local", []string{"1", "99"}); err == nil {
		t.Error("merging with an unknown issue succeeded")
	}
}

func TestWebAPIIssueRefusals(t *testing.T) {
	env := triageEnv(t)
	for _, tc := range []struct {
		method, path string
		body         any
		status       int
	}{
		{"GET", "/api/0/organizations/local/issues/?query=assigned:me", nil, 400},
		{"GET", "/api/0/organizations/local/issues/?query=%22open", nil, 400},
		{"GET", "/api/0/organizations/local/issues/?sort=bogus", nil, 400},
		{"GET", "/api/0/organizations/local/issues/?cursor=nope", nil, 400},
		{"GET", "/api/0/organizations/local/issues/?limit=0", nil, 400},
		{"GET", "/api/0/organizations/local/issues/?statsPeriod=1y", nil, 400},
		{"GET", "/api/0/organizations/local/issues/?groupStatsPeriod=1h", nil, 400},
		{"GET", "/api/0/organizations/local/issues/?project=42", nil, 403},
		{"GET", "/api/0/organizations/local/issues/?environment=a&environment=b", nil, 400},
		{"GET", "/api/0/organizations/local/issues/?start=yesterday", nil, 400},
		{"GET", "/api/0/projects/local/nope/issues/", nil, 404},
		{"GET", "/api/0/organizations/local/issues/1/events/nope/", nil, 404},
		{"GET", "/api/0/projects/local/default/events/" + strings.Repeat("0", 32) + "/", nil, 404},
		{"PUT", "/api/0/organizations/local/issues/?id=1", map[string]any{"hasSeen": true}, 400},
		{"PUT", "/api/0/organizations/local/issues/?id=1", map[string]any{"status": "bogus"}, 400},
		{"PUT", "/api/0/organizations/local/issues/?id=1", map[string]any{"merge": true}, 400},
		{"PUT", "/api/0/organizations/local/issues/?id=1", "not an object", 400},
		{"DELETE", "/api/0/organizations/local/issues/", nil, 400},
	} {
		var body []byte
		if tc.body != nil {
			body = mustJSON(t, tc.body)
		}
		resp, got := env.do(t, tc.method, tc.path, nil, body)
		var e struct{ Detail string }
		if resp.StatusCode != tc.status || json.Unmarshal(got, &e) != nil || e.Detail == "" {
			t.Errorf("%s %s: %d %s, want %d with a detail", tc.method, tc.path, resp.StatusCode, got, tc.status)
		}
	}
	// The project-scoped bulk update does not reach other projects' issues,
	// and without ids acts on what the query selects.
	ctx := context.Background()
	env.doJSON(t, "PUT", "/api/0/projects/local/default/issues/?status=unresolved", map[string]any{"status": "resolved"}, 200, nil)
	for _, id := range []int64{1, 2} {
		if is, _ := env.store.GetIssue(ctx, id); is.Status != store.StatusResolved {
			t.Errorf("issue %d: %s after the bulk resolve", id, is.Status)
		}
	}
	env.doJSON(t, "PUT", "/api/0/projects/local/default/issues/?status=unresolved", map[string]any{"status": "resolved"}, 204, nil)
}

// TestReplaySentryCLIIssues replays `sentry-cli issues list` and `issues
// resolve -i 1`.
func TestReplaySentryCLIIssues(t *testing.T) {
	env := triageEnv(t)
	recs := loadRecorded(t, "issues")
	resp, got := env.replay(t, recs[0], nil)
	checkReplayAnswer(t, recs[0], resp, got)
	// sentry-cli reads id, shortId, title, lastSeen, status and level.
	var list []struct {
		ID, ShortID, Title, LastSeen, Status, Level string
	}
	if err := json.Unmarshal(got, &list); err != nil || len(list) != 2 || list[0].ShortID == "" || list[0].LastSeen == "" {
		t.Errorf("issues list = %s (%v)", got, err)
	}
	resp, got = env.replay(t, recs[1], recs[1].Body)
	checkReplayAnswer(t, recs[1], resp, got)
	if is, _ := env.store.GetIssue(context.Background(), 1); is.Status != store.StatusResolved {
		t.Errorf("issue 1 is %s after sentry-cli resolve", is.Status)
	}
	// sentry-cli issues mute sends the legacy status.
	env.doJSON(t, "PUT", "/api/0/projects/local/default/issues/?id=2", map[string]any{"status": "muted", "snoozeDuration": 60}, http.StatusOK, nil)
	if is, _ := env.store.GetIssue(context.Background(), 2); is.Status != store.StatusIgnored {
		t.Errorf("issue 2 is %s after mute", is.Status)
	}
}
