package api

import (
	"errors"
	"net/url"
	"testing"

	"github.com/snag-dev/snag/api/apitest"
)

func TestRemoteListScopesToProject(t *testing.T) {
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.GET("/api/0/organizations/acme/projects/"), apitest.JSONFile(200, "testdata/projects.json"))
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/").ExactQuery(url.Values{
		"query": {"is:unresolved level:error"}, "sort": {"new"}, "statsPeriod": {"24h"}, "groupStatsPeriod": {"14d"},
		"cursor": {"0:25:0"}, "limit": {"25"}, "project": {"2"}, "shortIdLookup": {"1"},
	}), apitest.WithHeader(apitest.JSONFile(200, "testdata/issues.json"),
		"Link", `<x>; rel="next"; results="true"; cursor="0:50:0"`))
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/").ExactQuery(url.Values{
		"query": {""}, "limit": {"100"}, "project": {"2"}, "shortIdLookup": {"1"}, "collapse": {"stats"},
	}), apitest.JSON(200, `[]`))
	r := NewRemote(c, "acme", "web")
	p, err := r.ListIssues(t.Context(), IssueQuery{Query: "is:unresolved level:error", Sort: "new", StatsPeriod: "24h",
		Stats: Stats14d, Cursor: "0:25:0", Limit: 25})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Items) != 2 || p.NextCursor != "0:50:0" {
		t.Fatalf("page = %+v", p)
	}
	// The project id is looked up once; the limit is Sentry's maximum.
	if _, err := r.ListIssues(t.Context(), IssueQuery{Stats: StatsNone, Limit: 500}); err != nil {
		t.Fatal(err)
	}
	if got := r.Target().String(); got != "Sentry "+reg.URL()+" (org acme, project web)" {
		t.Errorf("target = %q", got)
	}
}

func TestRemoteUnknownProject(t *testing.T) {
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.GET("/api/0/organizations/acme/projects/"), apitest.JSONFile(200, "testdata/projects.json"))
	_, err := NewRemote(c, "acme", "nope").ListIssues(t.Context(), IssueQuery{})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func TestRemoteBulkResolvesShortIDs(t *testing.T) {
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/WEB-1A/"), apitest.JSONFile(200, "testdata/issue.json")).Times(3)
	reg.Register(apitest.PUT("/api/0/organizations/acme/issues/").ExactQuery(url.Values{"id": {"101", "7"}}).
		JSONBody(`{"status":"ignored","statusDetails":{"ignoreCount":10}}`),
		apitest.JSON(200, `{"status":"ignored","statusDetails":{"ignoreCount":10}}`))
	reg.Register(apitest.PUT("/api/0/organizations/acme/issues/").ExactQuery(url.Values{"id": {"101", "102"}}).JSONBody(`{"merge":true}`),
		apitest.JSON(200, `{"merge":{"parent":"101","children":["102"]}}`))
	reg.Register(apitest.DELETE("/api/0/organizations/acme/issues/").ExactQuery(url.Values{"id": {"101"}}), apitest.Status(204))
	r := NewRemote(c, "acme", "")
	res, err := r.UpdateIssues(t.Context(), []string{"WEB-1A", "7"}, IssueUpdate{Status: StatusIgnored, StatusDetails: &StatusDetails{IgnoreCount: 10}})
	if err != nil || res.Status != StatusIgnored || res.StatusDetails.IgnoreCount != 10 {
		t.Fatalf("update = %+v, %v", res, err)
	}
	m, err := r.MergeIssues(t.Context(), []string{"WEB-1A", "102"})
	if err != nil || m.Parent != "101" {
		t.Fatalf("merge = %+v, %v", m, err)
	}
	if err := r.DeleteIssues(t.Context(), []string{"WEB-1A"}); err != nil {
		t.Fatal(err)
	}
}

func TestRemoteEventByID(t *testing.T) {
	reg, c, _ := newTestClient(t)
	const id = "4f1d3c1a9b8e4d2f8c7b6a5948372615"
	reg.Register(apitest.GET("/api/0/projects/acme/web/events/"+id+"/"), apitest.JSONFile(200, "testdata/event.json"))
	reg.Register(apitest.GET("/api/0/organizations/acme/eventids/"+id+"/"), apitest.JSON(404, `{"detail":"Event ID could not be found"}`))
	ev, err := NewRemote(c, "acme", "web").Event(t.Context(), id)
	if err != nil || ev.EventID != id {
		t.Fatalf("event = %+v, %v", ev, err)
	}
	if _, err := NewRemote(c, "acme", "").Event(t.Context(), id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("org-wide lookup: %v", err)
	}
	if _, err := NewRemote(c, "", "").GetIssue(t.Context(), "1"); !errors.Is(err, ErrNoOrg) {
		t.Fatalf("no org: %v", err)
	}
}

func TestParseStatsPeriod(t *testing.T) {
	for in, want := range map[string]string{"24h": "24h0m0s", "14d": "336h0m0s", "90m": "1h30m0s", "1w": "168h0m0s"} {
		d, err := ParseStatsPeriod(in)
		if err != nil || d.String() != want {
			t.Errorf("%s = %v, %v", in, d, err)
		}
	}
	for _, bad := range []string{"", "h", "0h", "3x", "-1h", "1.5h"} {
		if _, err := ParseStatsPeriod(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTagKeyName(t *testing.T) {
	for in, want := range map[string]string{"browser": "Browser", "browser.name": "Browser.Name", "server_name": "Server", "my_tag": "My Tag", "url": "URL"} {
		if got := TagKeyName(in); got != want {
			t.Errorf("%s = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseStatsPeriod(f *testing.F) {
	for _, s := range []string{"24h", "14d", "0s", "99999999w", "107000w", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseStatsPeriod(s)
		if err == nil && d <= 0 {
			t.Errorf("%q = %v", s, d)
		}
	})
}
