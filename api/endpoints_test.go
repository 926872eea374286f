package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/snag-dev/snag/api/apitest"
)

func TestOrganizations(t *testing.T) {
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.GET("/api/0/organizations/").ExactQuery(nil), apitest.JSONFile(200, "testdata/organizations.json"))
	var orgs []Organization
	for o, err := range c.Organizations(t.Context(), ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, o)
	}
	if len(orgs) != 1 {
		t.Fatalf("orgs = %+v", orgs)
	}
	o := orgs[0]
	if o.ID != "4505" || o.Slug != "acme" || o.Status.ID != "active" || !o.Require2FA ||
		o.Links.RegionURL != "https://us.sentry.io" || o.DateCreated.Nanosecond() != 123456000 {
		t.Fatalf("org = %+v", o)
	}
}

func TestProjects(t *testing.T) {
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.GET("/api/0/organizations/acme/projects/").ExactQuery(url.Values{"per_page": {"50"}}),
		apitest.JSONFile(200, "testdata/projects.json"))
	p, err := c.ProjectsPage(t.Context(), "acme", ListOptions{PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 2 || p.NextCursor != "" || p.Hits != -1 {
		t.Fatalf("page = %+v", p)
	}
	web, api := p.Items[0], p.Items[1]
	if web.ID != "2" || *web.Platform != "javascript-react" || web.FirstEvent == nil || !web.IsBookmarked {
		t.Fatalf("web = %+v", web)
	}
	if api.Platform != nil || api.FirstEvent != nil || api.IsMember {
		t.Fatalf("api = %+v", api)
	}
}

func TestProjectKeys(t *testing.T) {
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.GET("/api/0/projects/acme/web/keys/").ExactQuery(url.Values{"status": {"active"}}),
		apitest.JSONFile(200, "testdata/project-keys.json"))
	p, err := c.ProjectKeysPage(t.Context(), "acme", "web", "active", ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k := p.Items[0]
	if k.ProjectID != 2 || !k.IsActive || k.RateLimit.Count != 1000 ||
		k.DSN.Public != "https://0a1b2c3d4e5f60718293a4b5c6d7e8f9@o4505.ingest.sentry.io/2" || k.BrowserSDKVersion != "8.x" {
		t.Fatalf("key = %+v", k)
	}
}

func TestIssuesPageQueryAndDecoding(t *testing.T) {
	reg, c, _ := newTestClient(t)
	want := url.Values{
		"query":         {"is:unresolved level:error"},
		"sort":          {"freq"},
		"statsPeriod":   {"14d"},
		"environment":   {"production", "staging"},
		"project":       {"2", "3"},
		"limit":         {"25"},
		"cursor":        {"0:25:0"},
		"expand":        {"inbox"},
		"collapse":      {"stats", "lifetime"},
		"shortIdLookup": {"1"},
	}
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/").ExactQuery(want), apitest.JSONFile(200, "testdata/issues.json"))
	p, err := c.IssuesPage(t.Context(), "acme", IssueListOptions{
		ListOptions:   ListOptions{Cursor: "0:25:0", PerPage: 25},
		Query:         "is:unresolved level:error",
		Sort:          "freq",
		StatsPeriod:   "14d",
		Environment:   []string{"production", "staging"},
		Project:       []string{"2", "3"},
		Expand:        []string{"inbox"},
		Collapse:      []string{"stats", "lifetime"},
		ShortIDLookup: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 2 {
		t.Fatalf("items = %d", len(p.Items))
	}
	a, b := p.Items[0], p.Items[1]
	if a.ID != "101" || a.ShortID != "WEB-1A" || a.Count != "1523" || a.UserCount != 87 || a.Logger != nil ||
		a.Project.Slug != "web" || a.Metadata.Type != "TypeError" || !a.IsUnhandled || a.AssignedTo != nil ||
		len(a.Stats["24h"]) != 2 || a.Stats["24h"][0][1] != 12 || a.LastSeen.Format(time.RFC3339Nano) != "2024-05-03T17:42:11.314Z" {
		t.Fatalf("issue a = %+v", a)
	}
	if b.Status != StatusIgnored || b.StatusDetails.IgnoreCount != 100 || b.StatusDetails.IgnoreUntil == nil ||
		b.StatusDetails.Actor.Name != "Dana" || b.AssignedTo.Type != "team" || *b.Logger != "checkout" || b.Metadata.Title != "Checkout failed" {
		t.Fatalf("issue b = %+v", b)
	}
}

// The project-scoped list, as sentry-cli 3.8 asked for it.
func TestProjectIssuesLikeSentryCLI(t *testing.T) {
	rec := loadRecorded(t, "testdata/sentry-cli-upload/issues/01-GET-issues.json")
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.Req(rec.Method, rec.Path).Query("query", ""), apitest.JSON(rec.Response.Status, string(rec.Response.Body)))
	p, err := c.ProjectIssuesPage(t.Context(), "local", "default", IssueListOptions{Project: []string{"ignored here"}})
	if err != nil || len(p.Items) != 0 {
		t.Fatalf("page = %+v, err = %v", p, err)
	}
	reg.Register(apitest.Req(rec.Method, rec.Path).ExactQuery(url.Values{"query": {"is:unresolved"}}), apitest.JSONFile(200, "testdata/issues.json"))
	n := 0
	for _, err := range c.ProjectIssues(t.Context(), "local", "default", IssueListOptions{Query: "is:unresolved"}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("n = %d", n)
	}
}

func TestGetIssue(t *testing.T) {
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/101/"), apitest.JSONFile(200, "testdata/issue.json"))
	is, err := c.GetIssue(t.Context(), "acme", "101")
	if err != nil {
		t.Fatal(err)
	}
	if is.Status != StatusResolved || !is.StatusDetails.InNextRelease || is.FirstRelease.Version != "web@1.4.0" ||
		is.FirstRelease.DateReleased != nil || is.LastRelease.DateReleased == nil {
		t.Fatalf("issue = %+v", is)
	}
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/999/"), apitest.JSON(404, `{"detail":"The requested resource does not exist"}`))
	if _, err := c.GetIssue(t.Context(), "acme", "999"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("err = %v", err)
	}
}

func TestUpdateIssuesRequestShapes(t *testing.T) {
	const path = "/api/0/organizations/acme/issues/"
	tests := []struct {
		name string
		u    IssueUpdate
		body string
		resp string
	}{
		{"resolve", IssueUpdate{Status: StatusResolved}, `{"status":"resolved"}`, `{"status":"resolved","statusDetails":{},"inbox":null}`},
		{"resolve in next release", IssueUpdate{Status: StatusResolvedInNextRelease},
			`{"status":"resolvedInNextRelease"}`, `{"status":"resolved","statusDetails":{"inNextRelease":true,"actor":{"type":"user","id":"7","name":"Dana"}}}`},
		{"resolve in release", IssueUpdate{Status: StatusResolved, StatusDetails: &StatusDetails{InRelease: "latest"}},
			`{"status":"resolved","statusDetails":{"inRelease":"latest"}}`, `{"status":"resolved","statusDetails":{"inRelease":"web@1.4.2"}}`},
		{"ignore for 30 minutes or 10 events", IssueUpdate{Status: StatusIgnored, StatusDetails: &StatusDetails{IgnoreDuration: 30, IgnoreCount: 10, IgnoreWindow: 60}},
			`{"status":"ignored","statusDetails":{"ignoreDuration":30,"ignoreCount":10,"ignoreWindow":60}}`,
			`{"status":"ignored","statusDetails":{"ignoreCount":10,"ignoreUntil":"2024-05-04T00:30:00Z","ignoreWindow":60}}`},
		{"unresolve", IssueUpdate{Status: StatusUnresolved}, `{"status":"unresolved"}`, `{"status":"unresolved","statusDetails":{}}`},
		{"bookmark and unassign", IssueUpdate{IsBookmarked: new(true), AssignedTo: new("")}, `{"isBookmarked":true,"assignedTo":""}`, `{"isBookmarked":true,"assignedTo":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, c, _ := newTestClient(t)
			reg.Register(apitest.PUT(path).ExactQuery(url.Values{"id": {"1", "2"}}).JSONBody(tt.body).Header("Content-Type", "application/json"),
				apitest.JSON(200, tt.resp))
			res, err := c.UpdateIssues(t.Context(), "acme", []string{"1", "2"}, tt.u)
			if err != nil {
				t.Fatal(err)
			}
			var want IssueUpdateResult
			json.Unmarshal([]byte(tt.resp), &want)
			if !reflect.DeepEqual(*res, want) {
				t.Fatalf("result = %+v", res)
			}
		})
	}
}

// sentry-cli's `issues resolve -i 1` answer decodes (its extra key is ignored).
func TestUpdateIssuesSentryCLIAnswer(t *testing.T) {
	rec := loadRecorded(t, "testdata/sentry-cli-upload/issues/02-PUT-issues.json")
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.PUT("/api/0/organizations/local/issues/").Query("id", "1").JSONBody(`{"status":"resolved"}`),
		apitest.JSON(rec.Response.Status, string(rec.Response.Body)))
	res, err := c.UpdateIssues(t.Context(), "local", []string{"1"}, IssueUpdate{Status: StatusResolved})
	if err != nil || res.Status != "resolved" {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
}

func TestUpdateIssuesGuards(t *testing.T) {
	_, c, _ := newTestClient(t) // no stubs: nothing may be sent
	if _, err := c.UpdateIssues(t.Context(), "acme", nil, IssueUpdate{Status: StatusResolved}); err == nil {
		t.Fatal("no ids: want an error, not an update of every issue")
	}
	if _, err := c.UpdateIssues(t.Context(), "acme", []string{"1"}, IssueUpdate{Status: "done"}); err == nil || !strings.Contains(err.Error(), "resolvedInNextRelease") {
		t.Fatalf("err = %v", err)
	}
	if err := c.DeleteIssues(t.Context(), "acme", nil); err == nil {
		t.Fatal("no ids: want an error")
	}
	if _, err := c.MergeIssues(t.Context(), "acme", []string{"1"}); err == nil {
		t.Fatal("one id: want an error")
	}
}

func TestUpdateIssuesBatchesAndNotFound(t *testing.T) {
	reg, c, _ := newTestClient(t)
	var ids []string
	for i := range 150 {
		ids = append(ids, fmt.Sprint(i+1))
	}
	first := apitest.PUT("/api/0/organizations/acme/issues/").Check("ids 1-100", func(r *http.Request, _ []byte) string {
		if got := r.URL.Query()["id"]; len(got) != 100 || got[0] != "1" || got[99] != "100" {
			return fmt.Sprintf("%d ids", len(got))
		}
		return ""
	})
	reg.Register(first, apitest.JSON(200, `{"status":"resolved"}`))
	reg.Register(apitest.PUT("/api/0/organizations/acme/issues/").Check("ids 101-150", func(r *http.Request, _ []byte) string {
		if got := r.URL.Query()["id"]; len(got) != 50 || got[0] != "101" {
			return fmt.Sprintf("%d ids", len(got))
		}
		return ""
	}), apitest.Status(204))
	if _, err := c.UpdateIssues(t.Context(), "acme", ids, IssueUpdate{Status: StatusResolved}); err != nil {
		t.Fatal(err)
	}

	reg.Register(apitest.PUT("/api/0/organizations/acme/issues/").Query("id", "404"), apitest.Status(204))
	if _, err := c.UpdateIssues(t.Context(), "acme", []string{"404"}, IssueUpdate{Status: StatusResolved}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func TestMergeIssues(t *testing.T) {
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.PUT("/api/0/organizations/acme/issues/").ExactQuery(url.Values{"id": {"1", "2", "3"}}).JSONBody(`{"merge":true}`),
		apitest.JSON(200, `{"merge":{"parent":"2","children":["1","3"]}}`))
	m, err := c.MergeIssues(t.Context(), "acme", []string{"1", "2", "3"})
	if err != nil || m.Parent != "2" || strings.Join(m.Children, ",") != "1,3" {
		t.Fatalf("merge = %+v, err = %v", m, err)
	}
	reg.Register(apitest.PUT("/api/0/organizations/acme/issues/"), apitest.JSON(400, `{"detail":"Merging across multiple projects is not supported"}`))
	if _, err := c.MergeIssues(t.Context(), "acme", []string{"1", "9"}); err == nil || !strings.Contains(err.Error(), "across multiple projects") {
		t.Fatalf("err = %v", err)
	}
}

func TestDeleteIssues(t *testing.T) {
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.DELETE("/api/0/organizations/acme/issues/").ExactQuery(url.Values{"id": {"1", "2"}}), apitest.Status(204))
	if err := c.DeleteIssues(t.Context(), "acme", []string{"1", "2"}); err != nil {
		t.Fatal(err)
	}
}

func TestIssueEvents(t *testing.T) {
	reg, c, _ := newTestClient(t)
	ev, _ := os.ReadFile("testdata/event.json")
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/101/events/").ExactQuery(url.Values{
		"full": {"true"}, "environment": {"production"}, "statsPeriod": {"24h"}, "query": {"browser:Chrome"},
	}), apitest.JSON(200, "["+string(ev)+"]"))
	var got []IssueEvent
	for e, err := range c.IssueEvents(t.Context(), "acme", "101", EventListOptions{Full: true, Environment: []string{"production"}, StatsPeriod: "24h", Query: "browser:Chrome"}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	if len(got) != 1 || got[0].EventID != "4f1d3c1a9b8e4d2f8c7b6a5948372615" {
		t.Fatalf("events = %+v", got)
	}
}

func TestLatestEventAndAccessors(t *testing.T) {
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/101/events/latest/"), apitest.JSONFile(200, "testdata/event.json"))
	ev, err := c.LatestEvent(t.Context(), "acme", "101")
	if err != nil {
		t.Fatal(err)
	}
	if *ev.GroupID != "101" || ev.ProjectID != "2" || ev.Release.Version != "web@1.4.2" || ev.Dist != nil ||
		ev.User.Email != "shopper@example.com" || ev.User.IPAddress != "203.0.113.9" || ev.SDK.Name != "sentry.javascript.react" ||
		ev.Contexts["browser"]["name"] != "Chrome" || ev.Context["cartSize"] != 3.0 || *ev.PreviousEventID == "" || ev.NextEventID != nil ||
		len(ev.Fingerprints) != 1 || ev.Errors[0].Type != "js_no_source" || *ev.Location != "src/cart.ts" {
		t.Fatalf("event = %+v", ev)
	}
	if ev.Tag("browser") != "Chrome 124" || ev.Tag("missing") != "" {
		t.Fatal("Tag")
	}
	exc, err := ev.MainException()
	if err != nil {
		t.Fatal(err)
	}
	if exc.Type != "TypeError" || exc.Mechanism["handled"] != false || len(exc.Stacktrace.Frames) != 2 || len(exc.RawStacktrace.Frames) != 1 {
		t.Fatalf("exception = %+v", exc)
	}
	top := exc.Stacktrace.Frames[1]
	if top.Function != "renderCart" || *top.LineNo != 40 || *top.ColNo != 22 || !top.InApp || top.AbsPath != "https://shop.example/assets/main.js" {
		t.Fatalf("frame = %+v", top)
	}
	if want := []ContextLine{{39, "export function renderCart(c) {"}, {40, "  return c.summary.total;"}, {41, ""}}; fmt.Sprint(top.Context) != fmt.Sprint(want) {
		t.Fatalf("context = %v", top.Context)
	}
	var req struct {
		URL     string      `json:"url"`
		Headers [][2]string `json:"headers"`
	}
	if ok, err := ev.DecodeEntry(EntryRequest, &req); !ok || err != nil || req.URL != "https://shop.example/cart" {
		t.Fatalf("request entry = %+v, %v, %v", req, ok, err)
	}
	if msg, err := ev.FormattedMessage(); msg != "" || err != nil {
		t.Fatalf("message = %q, %v", msg, err)
	}
}

func TestMessageEvent(t *testing.T) {
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/102/events/7c6b5a4938271605f4e3d2c1b0a9f8e7/"), apitest.JSONFile(200, "testdata/event-message.json"))
	ev, err := c.GetIssueEvent(t.Context(), "acme", "102", "7c6b5a4938271605f4e3d2c1b0a9f8e7")
	if err != nil {
		t.Fatal(err)
	}
	if msg, err := ev.FormattedMessage(); msg != "Checkout failed" || err != nil {
		t.Fatalf("message = %q, %v", msg, err)
	}
	if exc, err := ev.MainException(); exc != nil || err != nil {
		t.Fatalf("exception = %v, %v", exc, err)
	}
	if *ev.Dist != "web" || ev.Release != nil || ev.User != nil || ev.Location != nil {
		t.Fatalf("event = %+v", ev)
	}
}

func TestGetEventByProject(t *testing.T) {
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.GET("/api/0/projects/acme/web/events/4f1d3c1a9b8e4d2f8c7b6a5948372615/"), apitest.JSONFile(200, "testdata/event.json"))
	ev, err := c.GetEvent(t.Context(), "acme", "web", "4f1d3c1a9b8e4d2f8c7b6a5948372615")
	if err != nil || ev.Title == "" {
		t.Fatalf("event = %+v, err = %v", ev, err)
	}
}

func TestIssueHashes(t *testing.T) {
	reg, c, _ := newTestClient(t)
	ev, _ := os.ReadFile("testdata/event.json")
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/101/hashes/").ExactQuery(url.Values{"full": {"true"}}),
		apitest.JSON(200, `[{"id":"3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d","latestEvent":`+string(ev)+`},{"id":"c0ffee00c0ffee00c0ffee00c0ffee00","latestEvent":null}]`))
	var hashes []GroupHash
	for h, err := range c.IssueHashes(t.Context(), "acme", "101", true, ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, h)
	}
	if len(hashes) != 2 || hashes[0].LatestEvent.EventID == "" || hashes[1].LatestEvent != nil {
		t.Fatalf("hashes = %+v", hashes)
	}
}

func TestContextLineRoundTrip(t *testing.T) {
	var lines []ContextLine
	if err := json.Unmarshal([]byte(`[[1,"a"],[2,null]]`), &lines); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(lines)
	if string(b) != `[[1,"a"],[2,""]]` {
		t.Fatal(string(b))
	}
	if err := json.Unmarshal([]byte(`[[1]]`), &lines); err == nil {
		t.Fatal("want an error for a one-element pair")
	}
}

func TestCreateAndFinalizeRelease(t *testing.T) {
	reg, c, s := newTestClient(t)
	const version = "web@1.5.0+build.7"
	reg.Register(apitest.POST("/api/0/organizations/acme/releases/").JSONBody(`{"version":"web@1.5.0+build.7","projects":["web"]}`), apitest.Status(503))
	reg.Register(apitest.POST("/api/0/organizations/acme/releases/").JSONBody(`{"version":"web@1.5.0+build.7","projects":["web"]}`), apitest.JSONFile(201, "testdata/release.json"))
	r, err := c.CreateRelease(t.Context(), "acme", NewRelease{Version: version, Projects: []string{"web"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != 9001 || r.Version != version || r.DateReleased != nil || r.Projects[0].Slug != "web" {
		t.Fatalf("release = %+v", r)
	}
	if len(s.got()) != 1 {
		t.Fatal("release creation is get-or-create: a 503 should be retried")
	}

	at := time.Date(2024, 5, 4, 9, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	reg.Register(apitest.PUT("/api/0/organizations/acme/releases/"+version+"/").JSONBody(`{"dateReleased":"2024-05-04T07:00:00Z"}`),
		apitest.JSON(200, `{"version":"web@1.5.0+build.7","dateCreated":"2024-05-04T08:00:00Z","dateReleased":"2024-05-04T07:00:00Z"}`))
	r, err = c.FinalizeRelease(t.Context(), "acme", version, at)
	if err != nil || r.DateReleased == nil || !r.DateReleased.Equal(at) {
		t.Fatalf("release = %+v, err = %v", r, err)
	}
	if _, err := c.CreateRelease(t.Context(), "acme", NewRelease{Version: version}); err == nil {
		t.Fatal("no project: want an error")
	}
}
