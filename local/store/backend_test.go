package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/api/apitest"
	"github.com/snag-dev/snag/internal/golden"
	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/local/store/storetest"
)

func localBackend(t *testing.T) (*store.Backend, *store.Store) {
	t.Helper()
	st, path := storetest.Open(t)
	storetest.SeedTriage(t, st)
	return store.NewBackend(st, store.BackendOptions{Path: path, BaseURL: "http://127.0.0.1:8969"}), st
}

// checkTriage is what the triage commands and the TUI rely on, asserted the
// same way on every backend holding the storetest triage data set.
func checkTriage(t *testing.T, b api.Backend) {
	t.Helper()
	ctx := t.Context()

	page, err := b.ListIssues(ctx, api.IssueQuery{Query: "is:unresolved", Sort: "freq"})
	if err != nil {
		t.Fatalf("ListIssues: %v", err)
	}
	if len(page.Items) != 2 || page.NextCursor != "" {
		t.Fatalf("ListIssues = %d issues, next %q", len(page.Items), page.NextCursor)
	}
	te, co := page.Items[0], page.Items[1]
	if te.ShortID != "DEFAULT-1" || !strings.HasPrefix(te.Title, "TypeError: Cannot read properties") ||
		te.Count != "2" || te.UserCount != 2 || te.Level != "error" || te.Status != api.StatusUnresolved ||
		te.Culprit != "renderCart(src/cart.ts)" || te.Metadata.Type != "TypeError" || te.Project.Slug != "default" {
		t.Errorf("first issue = %+v", te)
	}
	if !te.FirstSeen.Equal(time.Date(2026, 11, 20, 10, 10, 0, 0, time.UTC)) || !te.LastSeen.Equal(time.Date(2026, 11, 20, 11, 20, 0, 0, time.UTC)) {
		t.Errorf("first/last seen = %v, %v", te.FirstSeen, te.LastSeen)
	}
	if co.ShortID != "DEFAULT-2" || co.Title != "Checkout failed" || co.Count != "1" || co.Level != "warning" || co.Type != "default" {
		t.Errorf("second issue = %+v", co)
	}
	st := te.Stats["24h"]
	if len(st) != 24 || st[21][1] != 1 || st[22][1] != 1 || st[23][0]-st[22][0] != 3600 {
		t.Errorf("stats = %v", st)
	}

	is, err := b.GetIssue(ctx, "DEFAULT-1")
	if err != nil {
		t.Fatalf("GetIssue: %v", err)
	}
	if is.ID != te.ID || is.FirstRelease == nil || is.FirstRelease.Version != "web@1.4.2" {
		t.Errorf("GetIssue = %+v", is)
	}

	ev, err := b.IssueEvent(ctx, te.ID, api.EventLatest)
	if err != nil {
		t.Fatalf("latest event: %v", err)
	}
	if ev.EventID != storetest.TypeErrorSecond || ev.GroupID == nil || *ev.GroupID != te.ID ||
		ev.PreviousEventID == nil || *ev.PreviousEventID != storetest.TypeErrorFirst || ev.NextEventID != nil {
		t.Errorf("latest event ids: %s group %v prev %v next %v", ev.EventID, ev.GroupID, ev.PreviousEventID, ev.NextEventID)
	}
	if ev.Tag("browser") != "Firefox 125" || ev.Tag("environment") != "production" || ev.User == nil || ev.User.ID != "u-43" ||
		ev.Release == nil || ev.Release.Version != "web@1.4.2" || ev.Contexts["browser"]["name"] != "Chrome" {
		t.Errorf("latest event: tags %v user %+v release %+v contexts %v", ev.Tags, ev.User, ev.Release, ev.Contexts)
	}
	ex, err := ev.MainException()
	if err != nil || ex == nil || ex.Type != "TypeError" || ex.Stacktrace == nil || len(ex.Stacktrace.Frames) != 3 {
		t.Fatalf("main exception = %+v, %v", ex, err)
	}
	top := ex.Stacktrace.Frames[2]
	if top.Function != "renderCart" || top.LineNo == nil || *top.LineNo != 40 || !top.InApp ||
		!slices.Contains(top.Context, api.ContextLine{LineNo: 40, Text: "  return c.summary.total;"}) {
		t.Errorf("top frame = %+v", top)
	}
	if ex.Stacktrace.Frames[0].InApp || !ex.Stacktrace.HasSystemFrames {
		t.Errorf("system frames: %+v", ex.Stacktrace)
	}
	var crumbs struct {
		Values []struct {
			Category string `json:"category"`
			Level    string `json:"level"`
			Message  string `json:"message"`
		} `json:"values"`
	}
	if ok, err := ev.DecodeEntry(api.EntryBreadcrumbs, &crumbs); !ok || err != nil || len(crumbs.Values) != 2 ||
		crumbs.Values[0].Category != "navigation" || crumbs.Values[1].Message != "cart is empty" {
		t.Errorf("breadcrumbs = %+v, %v, %v", crumbs, ok, err)
	}
	var req struct {
		URL     string      `json:"url"`
		Headers [][2]string `json:"headers"`
	}
	if ok, err := ev.DecodeEntry(api.EntryRequest, &req); !ok || err != nil || req.URL != "https://shop.example/cart" ||
		!slices.Contains(req.Headers, [2]string{"User-Agent", "Mozilla/5.0"}) {
		t.Errorf("request = %+v, %v, %v", req, ok, err)
	}

	older, err := b.IssueEvent(ctx, te.ID, *ev.PreviousEventID)
	if err != nil {
		t.Fatalf("older event: %v", err)
	}
	if older.EventID != storetest.TypeErrorFirst || older.NextEventID == nil || *older.NextEventID != ev.EventID ||
		older.PreviousEventID != nil || older.Tag("browser") != "Chrome 124" {
		t.Errorf("older event: %s prev %v next %v", older.EventID, older.PreviousEventID, older.NextEventID)
	}

	byID, err := b.Event(ctx, storetest.TypeErrorFirst)
	if err != nil {
		t.Fatalf("Event: %v", err)
	}
	if byID.EventID != storetest.TypeErrorFirst || byID.GroupID == nil || *byID.GroupID != te.ID {
		t.Errorf("Event = %s in %v", byID.EventID, byID.GroupID)
	}

	tags, err := b.IssueTags(ctx, te.ID, 0)
	if err != nil {
		t.Fatalf("IssueTags: %v", err)
	}
	i := slices.IndexFunc(tags, func(k api.IssueTag) bool { return k.Key == "browser" })
	if i < 0 || tags[i].TotalValues != 2 || tags[i].UniqueValues != 2 || tags[i].Name != "Browser" || len(tags[i].TopValues) != 2 {
		t.Errorf("tags = %+v", tags)
	}

	res, err := b.UpdateIssues(ctx, []string{"DEFAULT-1"}, api.IssueUpdate{Status: api.StatusResolved})
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	if res.Status != api.StatusResolved {
		t.Errorf("resolve echoed %+v", res)
	}
}

func TestBackendConformance(t *testing.T) {
	t.Run("local", func(t *testing.T) {
		b, _ := localBackend(t)
		checkTriage(t, b)
		if tg := b.Target(); tg.Kind != api.TargetLocal || !strings.HasPrefix(tg.String(), "local store ") {
			t.Errorf("target = %+v %q", tg, tg)
		}
	})
	t.Run("sentry", func(t *testing.T) {
		reg := apitest.New(t)
		const dir = "testdata/sentry/"
		const issues = "/api/0/organizations/local/issues/"
		reg.Register(apitest.GET(issues).ExactQuery(url.Values{"query": {"is:unresolved"}, "sort": {"freq"}, "shortIdLookup": {"1"}}),
			apitest.JSONFile(200, dir+"issues.json"))
		// Once for GetIssue, once to turn the short id into a number for the bulk update.
		reg.Register(apitest.GET(issues+"DEFAULT-1/"), apitest.JSONFile(200, dir+"issue.json")).Times(2)
		reg.Register(apitest.GET(issues+"1/events/latest/"), apitest.JSONFile(200, dir+"event-latest.json"))
		reg.Register(apitest.GET(issues+"1/events/"+storetest.TypeErrorFirst+"/"), apitest.JSONFile(200, dir+"event-first.json"))
		reg.Register(apitest.GET("/api/0/organizations/local/eventids/"+storetest.TypeErrorFirst+"/"), apitest.JSONFile(200, dir+"eventid.json"))
		reg.Register(apitest.GET(issues+"1/tags/").ExactQuery(url.Values{"limit": {"9"}}), apitest.JSONFile(200, dir+"tags.json"))
		reg.Register(apitest.PUT(issues).ExactQuery(url.Values{"id": {"1"}}).JSONBody(`{"status":"resolved"}`),
			apitest.JSON(200, `{"status":"resolved","statusDetails":{},"inbox":null}`))
		c, err := api.New(reg.URL(), "sntryu_"+strings.Repeat("ab", 32))
		if err != nil {
			t.Fatal(err)
		}
		b := api.NewRemote(c, "local", "")
		checkTriage(t, b)
		if tg := b.Target(); tg.Kind != api.TargetSentry || tg.String() != "Sentry "+reg.URL()+" (org local)" {
			t.Errorf("target = %q", tg)
		}
	})
}

// TestBackendJSON pins the JSON the local backend renders, which is what
// the local web API serves: Sentry's field names, strings for ids and
// counts, numbers for userCount, nulls where Sentry has them.
func TestBackendJSON(t *testing.T) {
	b, _ := localBackend(t)
	ctx := t.Context()
	page, err := b.ListIssues(ctx, api.IssueQuery{Stats: api.StatsNone})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := b.IssueEvent(ctx, "1", api.EventLatest)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := b.Event(ctx, storetest.CheckoutWarning)
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{"issues": page.Items, "event": ev, "event-message": msg} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		golden.Assert(t, "backend-"+name+".json", append(b, '\n'))
	}
	// The types Sentry's clients rely on.
	var raw []map[string]any
	b2, _ := json.Marshal(page.Items)
	if err := json.Unmarshal(b2, &raw); err != nil {
		t.Fatal(err)
	}
	for _, is := range raw {
		if _, ok := is["id"].(string); !ok {
			t.Errorf("id is %T", is["id"])
		}
		if _, ok := is["count"].(string); !ok {
			t.Errorf("count is %T", is["count"])
		}
		if _, ok := is["userCount"].(float64); !ok {
			t.Errorf("userCount is %T", is["userCount"])
		}
		if _, ok := is["stats"]; ok {
			t.Errorf("stats sent with Stats: none")
		}
	}
}

func TestBackendStats14d(t *testing.T) {
	b, _ := localBackend(t)
	page, err := b.ListIssues(t.Context(), api.IssueQuery{Stats: api.Stats14d, Sort: "freq"})
	if err != nil {
		t.Fatal(err)
	}
	st := page.Items[0].Stats["14d"]
	if len(st) != 14 || st[13][1] != 2 || st[13][0] != float64(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC).Unix()) {
		t.Errorf("14d stats = %v", st)
	}
}

func TestBackendListQueries(t *testing.T) {
	b, _ := localBackend(t)
	tests := []struct {
		query, sort, period string
		want                []string // short ids in order
	}{
		{"", "", "", []string{"DEFAULT-1", "DEFAULT-2"}},
		{"is:unresolved", "new", "", []string{"DEFAULT-1", "DEFAULT-2"}},
		{"level:warning", "", "", []string{"DEFAULT-2"}},
		{"release:web@1.4.2", "", "", []string{"DEFAULT-1"}},
		{"environment:staging", "", "", []string{"DEFAULT-2"}},
		{"browser:\"Firefox 125\"", "", "", []string{"DEFAULT-1"}},
		{"checkout", "", "", []string{"DEFAULT-2"}},
		{"is:resolved", "", "", nil},
		{"default-2", "", "", []string{"DEFAULT-2"}},
		{"", "", "2h", []string{"DEFAULT-1"}},
		{"TypeError:", "", "", []string{"DEFAULT-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.query+"/"+tt.sort+"/"+tt.period, func(t *testing.T) {
			page, err := b.ListIssues(t.Context(), api.IssueQuery{Query: tt.query, Sort: tt.sort, StatsPeriod: tt.period})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, is := range page.Items {
				got = append(got, is.ShortID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	// Paging: one issue per page, the cursor leads to the other.
	p1, err := b.ListIssues(t.Context(), api.IssueQuery{Limit: 1})
	if err != nil || len(p1.Items) != 1 || p1.NextCursor == "" {
		t.Fatalf("page 1 = %+v, %v", p1, err)
	}
	p2, err := b.ListIssues(t.Context(), api.IssueQuery{Limit: 1, Cursor: p1.NextCursor})
	if err != nil || len(p2.Items) != 1 || p2.NextCursor != "" || p2.Items[0].ID == p1.Items[0].ID {
		t.Fatalf("page 2 = %+v, %v", p2, err)
	}
	for _, bad := range []api.IssueQuery{{Query: "assigned:me"}, {Query: "is:for_review"}, {Sort: "nope"}, {StatsPeriod: "2x"}, {Query: `"open`}} {
		if _, err := b.ListIssues(t.Context(), bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%+v: err = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestParseSearch(t *testing.T) {
	tests := []struct {
		in   string
		want store.IssueQuery
	}{
		{"", store.IssueQuery{}},
		{"is:unresolved", store.IssueQuery{Status: "unresolved"}},
		{"is:archived level:error", store.IssueQuery{Status: "ignored", Level: "error"}},
		{`release:"web 1" environment:prod cart  total`, store.IssueQuery{Release: "web 1", Environment: "prod", Text: "cart total"}},
		{`"exact phrase" url:https://x/y`, store.IssueQuery{Text: "exact phrase", Tags: [][2]string{{"url", "https://x/y"}}}},
		{"level:error level:fatal", store.IssueQuery{Level: "error", Tags: [][2]string{{"level", "fatal"}}}},
		{`message:"boom now"`, store.IssueQuery{Text: "boom now"}},
	}
	for _, tt := range tests {
		got, err := store.ParseSearch(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(tt.want)
		if string(gb) != string(wb) {
			t.Errorf("%q:\n got %s\nwant %s", tt.in, gb, wb)
		}
	}
	for _, bad := range []string{"is:unresolved is:resolved", "!level:error", "level:[error,fatal]", "has:user", `"x`} {
		if _, err := store.ParseSearch(bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}

func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{"is:unresolved", `release:"a b" x`, `a:b:c "d\"e"`, `:x`, `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := store.ParseSearch(s)
		if err != nil {
			return
		}
		switch q.Status {
		case "", store.StatusUnresolved, store.StatusResolved, store.StatusIgnored:
		default:
			t.Errorf("%q: status %q", s, q.Status)
		}
		// An empty value is never a filter (it would match nothing).
		for _, tag := range q.Tags {
			if tag[0] == "" || tag[1] == "" {
				t.Errorf("%q: tag filter %q", s, tag)
			}
		}
	})
}

func TestBackendActions(t *testing.T) {
	ctx := context.Background()
	b, st := localBackend(t)
	status := func(id int64) (string, string) {
		t.Helper()
		is, err := st.GetIssue(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return is.Status, string(is.StatusDetails)
	}

	res, err := b.UpdateIssues(ctx, []string{"1", "DEFAULT-2", "999"}, api.IssueUpdate{Status: api.StatusIgnored,
		StatusDetails: &api.StatusDetails{IgnoreDuration: 60}})
	if err != nil {
		t.Fatal(err)
	}
	wantUntil := storetest.Now.Add(time.Hour)
	if res.Status != api.StatusIgnored || res.StatusDetails.IgnoreUntil == nil || !res.StatusDetails.IgnoreUntil.Equal(wantUntil) ||
		res.Substatus != store.SubstatusArchivedUntil {
		t.Errorf("ignore echoed %+v (%+v)", res, res.StatusDetails)
	}
	if s, _ := status(2); s != store.StatusIgnored {
		t.Errorf("issue 2 is %s", s)
	}

	res, err = b.UpdateIssues(ctx, []string{"1"}, api.IssueUpdate{Status: api.StatusResolvedInNextRelease})
	if err != nil || res.Status != api.StatusResolved || !res.StatusDetails.InNextRelease {
		t.Errorf("resolve in next release: %+v, %v", res, err)
	}
	if _, err := b.UpdateIssues(ctx, []string{"1"}, api.IssueUpdate{Status: api.StatusUnresolved}); err != nil {
		t.Fatal(err)
	}
	if s, d := status(1); s != store.StatusUnresolved || d != "{}" {
		t.Errorf("unresolved issue 1: %s %s", s, d)
	}

	if _, err := b.UpdateIssues(ctx, []string{"404", "DEFAULT-99"}, api.IssueUpdate{Status: api.StatusResolved}); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("unknown issues: %v", err)
	}
	yes := true
	if _, err := b.UpdateIssues(ctx, []string{"1"}, api.IssueUpdate{IsBookmarked: &yes}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("bookmark: %v", err)
	}

	m, err := b.MergeIssues(ctx, []string{"DEFAULT-2", "1"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Parent != "1" || !slices.Equal(m.Children, []string{"2"}) {
		t.Errorf("merge = %+v", m)
	}
	is, err := b.GetIssue(ctx, "1")
	if err != nil || is.Count != "3" {
		t.Errorf("merged issue = %+v, %v", is, err)
	}
	if _, err := b.GetIssue(ctx, "2"); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("merged child: %v", err)
	}
	hashes, err := b.IssueHashes(ctx, "1")
	if err != nil || len(hashes) < 2 {
		t.Fatalf("hashes = %+v, %v", hashes, err)
	}
	for _, h := range hashes {
		if h.LatestEvent == nil || h.LatestEvent.GroupID == nil || *h.LatestEvent.GroupID != "1" || len(h.LatestEvent.Entries) != 0 {
			t.Errorf("hash %s latest event = %+v", h.ID, h.LatestEvent)
		}
	}

	evs, err := b.IssueEvents(ctx, "1", false, api.ListOptions{PerPage: 2})
	if err != nil || len(evs.Items) != 2 || evs.NextCursor == "" || evs.Items[0].Culprit == "" && evs.Items[0].Metadata.Title == "" {
		t.Fatalf("events page = %+v, %v", evs, err)
	}
	rest, err := b.IssueEvents(ctx, "1", true, api.ListOptions{Cursor: evs.NextCursor})
	if err != nil || len(rest.Items) != 1 || rest.NextCursor != "" || len(rest.Items[0].Entries) == 0 {
		t.Fatalf("second events page = %+v, %v", rest, err)
	}

	if err := b.DeleteIssues(ctx, []string{"DEFAULT-1"}); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteIssues(ctx, []string{"1"}); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("deleting again: %v", err)
	}
	if _, err := b.IssueEvent(ctx, "1", api.EventLatest); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("event of a deleted issue: %v", err)
	}
	if v, err := b.Version(ctx); err != nil || v == 0 {
		t.Errorf("version = %d, %v", v, err)
	}
}

func TestBackendProjectScope(t *testing.T) {
	st, path := storetest.Open(t)
	storetest.SeedTriage(t, st)
	other := store.NewBackend(st, store.BackendOptions{Path: path, Project: "nope"})
	if _, err := other.ListIssues(t.Context(), api.IssueQuery{}); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("unknown project: %v", err)
	}
	def := store.NewBackend(st, store.BackendOptions{Path: path, Project: "default"})
	if p, err := def.ListIssues(t.Context(), api.IssueQuery{}); err != nil || len(p.Items) != 2 {
		t.Errorf("default project: %+v, %v", p, err)
	}
	if got := def.Target().String(); got != "local store "+path+" (project default)" {
		t.Errorf("target = %q", got)
	}
}
