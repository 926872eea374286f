package api

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/snag-dev/snag/api/apitest"
)

func TestParseLinkHeader(t *testing.T) {
	const sentry = `<https://sentry.io/api/0/organizations/acme/issues/?query=is%3Aunresolved&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", ` +
		`<https://sentry.io/api/0/organizations/acme/issues/?query=is%3Aunresolved&cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"`
	got := ParseLinkHeader(sentry)
	want := []Link{
		{URL: "https://sentry.io/api/0/organizations/acme/issues/?query=is%3Aunresolved&cursor=0:0:1", Rel: "previous", Results: false, Cursor: "0:0:1"},
		{URL: "https://sentry.io/api/0/organizations/acme/issues/?query=is%3Aunresolved&cursor=0:100:0", Rel: "next", Results: true, Cursor: "0:100:0"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}

	tests := []struct {
		in   string
		want []Link
	}{
		{"", nil},
		// No cursor parameter: take it from the URL.
		{`<https://h/api/0/x/?cursor=1:2:0>; rel=next; results=true`, []Link{{URL: "https://h/api/0/x/?cursor=1:2:0", Rel: "next", Results: true, Cursor: "1:2:0"}}},
		// Odd spacing, a bare parameter, a comma in a quoted value, junk before an entry.
		{`junk, <u1> ;rel="next";bare; results = "true" ; cursor="a,b"`, []Link{{URL: "u1", Rel: "next", Results: true, Cursor: "a,b"}}},
		{`<unterminated`, nil},
	}
	for _, tt := range tests {
		if got := ParseLinkHeader(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("ParseLinkHeader(%q)\n got  %+v\n want %+v", tt.in, got, tt.want)
		}
	}
}

// linkHeader builds Sentry's Link header for a page of path on reg.
func linkHeader(reg *apitest.Registry, path, prev, next string, more bool) string {
	u := reg.URL() + path + "?query=is%3Aunresolved&cursor="
	return fmt.Sprintf(`<%s%s>; rel="previous"; results="%t"; cursor="%s", <%s%s>; rel="next"; results="%t"; cursor="%s"`,
		u, prev, prev != "0:0:1", prev, u, next, more, next)
}

func issuesJSON(ids ...string) string {
	var is []Issue
	for _, id := range ids {
		is = append(is, Issue{ID: id, Count: "1", Project: IssueProject{ID: "2", Slug: "web"}})
	}
	return string(must(jsonMarshal(is)))
}

// registerThreePages answers the org issue list in three pages of 2, 2 and 1
// issues.
func registerThreePages(reg *apitest.Registry, pages int) {
	const path = "/api/0/organizations/acme/issues/"
	page := func(cursor string) *apitest.Matcher {
		m := apitest.GET(path).Query("query", "is:unresolved").Query("sort", "freq").Query("limit", "2")
		return m.Query("cursor", func() []string {
			if cursor == "" {
				return nil
			}
			return []string{cursor}
		}()...)
	}
	reg.Register(page(""), apitest.WithHeader(apitest.JSON(200, issuesJSON("1", "2")),
		"Link", linkHeader(reg, path, "0:0:1", "0:2:0", true), "X-Hits", "5"))
	if pages < 2 {
		return
	}
	reg.Register(page("0:2:0"), apitest.WithHeader(apitest.JSON(200, issuesJSON("3", "4")),
		"Link", linkHeader(reg, path, "0:0:1", "0:4:0", true), "X-Hits", "5"))
	if pages < 3 {
		return
	}
	reg.Register(page("0:4:0"), apitest.WithHeader(apitest.JSON(200, issuesJSON("5")),
		"Link", linkHeader(reg, path, "0:2:1", "0:6:0", false), "X-Hits", "5"))
}

var threePageOpts = IssueListOptions{Query: "is:unresolved", Sort: "freq", ListOptions: ListOptions{PerPage: 2}}

func TestIssuesFollowsLinkHeaderAcrossPages(t *testing.T) {
	reg, c, _ := newTestClient(t)
	registerThreePages(reg, 3)
	var ids []string
	for is, err := range c.Issues(t.Context(), "acme", threePageOpts) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, is.ID)
	}
	if want := []string{"1", "2", "3", "4", "5"}; !slices.Equal(ids, want) {
		t.Fatalf("ids = %v, want %v", ids, want)
	}
}

func TestIssuesMaxPages(t *testing.T) {
	reg, c, _ := newTestClient(t)
	registerThreePages(reg, 2)
	opts := threePageOpts
	opts.MaxPages = 2
	n := 0
	for _, err := range c.Issues(t.Context(), "acme", opts) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 4 {
		t.Fatalf("got %d issues from 2 pages, want 4", n)
	}
}

func TestIteratorStopsWhenTheLoopDoes(t *testing.T) {
	reg, c, _ := newTestClient(t)
	registerThreePages(reg, 1)
	for is, err := range c.Issues(t.Context(), "acme", threePageOpts) {
		if err != nil || is.ID != "1" {
			t.Fatal(is.ID, err)
		}
		break
	}
}

func TestIteratorYieldsTheError(t *testing.T) {
	reg, c, _ := newTestClient(t)
	registerThreePages(reg, 1)
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/").Query("cursor", "0:2:0"), apitest.JSON(404, `{"detail":"The requested resource does not exist"}`))
	var ids []string
	var last error
	for is, err := range c.Issues(t.Context(), "acme", threePageOpts) {
		if err != nil {
			last = err
			continue
		}
		ids = append(ids, is.ID)
	}
	if !slices.Equal(ids, []string{"1", "2"}) || !errors.Is(last, ErrNotFound) {
		t.Fatalf("ids = %v, err = %v", ids, last)
	}
}

func TestPageReturnsTheNextCursor(t *testing.T) {
	reg, c, _ := newTestClient(t)
	registerThreePages(reg, 3)
	opts := threePageOpts
	var all []string
	for i := 0; ; i++ {
		p, err := c.IssuesPage(t.Context(), "acme", opts)
		if err != nil {
			t.Fatal(err)
		}
		if p.Hits != 5 {
			t.Fatalf("hits = %d", p.Hits)
		}
		for _, is := range p.Items {
			all = append(all, is.ID)
		}
		if p.NextCursor == "" {
			break
		}
		opts.Cursor = p.NextCursor
	}
	if len(all) != 5 {
		t.Fatalf("ids = %v", all)
	}
}

func TestRepeatedCursorStops(t *testing.T) {
	reg, c, _ := newTestClient(t)
	path := "/api/0/organizations/"
	link := `<` + reg.URL() + path + `?cursor=x>; rel="next"; results="true"; cursor="x"`
	reg.Register(apitest.GET(path), apitest.WithHeader(apitest.JSON(200, `[{"id":"1"}]`), "Link", link)).Times(2)
	n := 0
	for _, err := range c.Organizations(t.Context(), ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("n = %d", n)
	}
}

func TestListOptionsQuery(t *testing.T) {
	q := ListOptions{Cursor: "0:100:0", PerPage: 50}.apply(nil, "per_page")
	if q.Encode() != (url.Values{"cursor": {"0:100:0"}, "per_page": {"50"}}).Encode() {
		t.Fatal(q.Encode())
	}
}
