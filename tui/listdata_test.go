package tui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/snag-dev/snag/api"
)

func issue(id, short, level, status, typ, file string, events int, lastSeen time.Time) api.Issue {
	return api.Issue{ID: id, ShortID: short, Level: level, Status: status, Title: typ + ": boom", Culprit: file,
		Metadata: api.IssueMetadata{Type: typ, Filename: file}, Count: strings.TrimSpace(thousands(int64(events))),
		UserCount: events / 2, LastSeen: lastSeen, FirstSeen: lastSeen.Add(-time.Hour),
		Project: api.IssueProject{ID: "1", Slug: "web"}}
}

func ids(issues []api.Issue, rows []row) []string {
	var out []string
	for _, r := range rows {
		if r.header() {
			out = append(out, "#")
			continue
		}
		out = append(out, issues[r.issue].ShortID)
	}
	return out
}

func TestLayout(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	issues := []api.Issue{
		issue("1", "W-1", "error", "unresolved", "TypeError", "a.ts", 5, now),
		issue("2", "W-2", "warning", "unresolved", "", "b.ts", 9, now.Add(-time.Minute)),
		issue("3", "W-3", "error", "resolved", "TypeError", "b.ts", 1, now.Add(-2*time.Minute)),
		issue("4", "W-4", "fatal", "unresolved", "RangeError", "a.ts", 2, now.Add(-3*time.Minute)),
	}
	all := func(*api.Issue) bool { return true }
	unresolved := func(is *api.Issue) bool { return is.Status == "unresolved" }
	tests := []struct {
		name   string
		keep   func(*api.Issue) bool
		g      groupMode
		folded map[string]bool
		facets map[string]facet
		want   []string
		keys   []string
	}{
		{"flat", all, groupNone, nil, nil, []string{"W-1", "W-2", "W-3", "W-4"}, nil},
		{"flat, kept", unresolved, groupNone, nil, nil, []string{"W-1", "W-2", "W-4"}, nil},
		{"by type, sections in list order", all, groupType, nil, nil,
			[]string{"#", "W-1", "W-3", "#", "W-2", "#", "W-4"}, []string{"TypeError", "(message)", "RangeError"}},
		{"by file, folded", all, groupCulprit, map[string]bool{"a.ts": true}, nil,
			[]string{"#", "#", "W-2", "W-3"}, []string{"a.ts", "b.ts"}},
		{"by level, by severity", all, groupLevel, nil, nil,
			[]string{"#", "W-4", "#", "W-1", "W-3", "#", "W-2"}, []string{"fatal", "error", "warning"}},
		{"by release, unknown last", all, groupRelease, nil, map[string]facet{"1": {release: "1.2"}, "2": {}, "4": {release: "1.2"}},
			[]string{"#", "W-1", "W-4", "#", "W-2", "#", "W-3"}, []string{"1.2", labelNone, labelLoading}},
		{"by project", unresolved, groupProject, nil, nil, []string{"#", "W-1", "W-2", "W-4"}, []string{"web"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, secs := layout(issues, tt.keep, tt.g, tt.facets, tt.folded)
			if got := ids(issues, rows); !slices.Equal(got, tt.want) {
				t.Errorf("rows = %v, want %v", got, tt.want)
			}
			var keys []string
			for _, s := range secs {
				keys = append(keys, s.key)
			}
			if !slices.Equal(keys, tt.keys) {
				t.Errorf("sections = %v, want %v", keys, tt.keys)
			}
		})
	}
	_, secs := layout(issues, all, groupType, nil, nil)
	if s := secs[0]; s.events != 6 || s.users != 2 || len(s.issues) != 2 {
		t.Errorf("TypeError totals = %d events, %d users, %d issues; want 6, 2, 2", s.events, s.users, len(s.issues))
	}
}

func TestLocalFilter(t *testing.T) {
	now := time.Now()
	is := issue("1", "WEB-1A", "error", "unresolved", "TypeError", "src/cart.ts", 3, now)
	tests := []struct {
		q    string
		want bool
	}{
		{"", true},
		{"cart", true},
		{"CART", true},
		{"web-1a", true},
		{"typeerror cart", true},
		{"typeerror checkout", false},
		{"is:unresolved", true},
		{"is:resolved", false},
		{"level:error", true},
		{"level:warning", false},
		{"release:web@2 environment:prod", true}, // left to the backend
		{`"cart.ts"`, true},
		{"title:boom", true},
	}
	for _, tt := range tests {
		if got := parseLocalFilter(tt.q).match(&is); got != tt.want {
			t.Errorf("%q: match = %v, want %v", tt.q, got, tt.want)
		}
	}
}

func TestSplitStatusAndQuery(t *testing.T) {
	tests := []struct {
		in, status, rest string
	}{
		{"", "", ""},
		{"is:resolved level:error", "resolved", "level:error"},
		{"level:error is:ignored cart", "ignored", "level:error cart"},
		{"is:assigned", "", "is:assigned"},
		{`"is:resolved" x`, "", `"is:resolved" x`},
	}
	for _, tt := range tests {
		st, rest := splitStatus(tt.in)
		if st != tt.status || rest != tt.rest {
			t.Errorf("splitStatus(%q) = %q, %q; want %q, %q", tt.in, st, rest, tt.status, tt.rest)
		}
	}
	if q := backendQuery(tabUnresolved, " level:error "); q != "is:unresolved level:error" {
		t.Errorf("backendQuery = %q", q)
	}
	if q := backendQuery(tabAll, ""); q != "" {
		t.Errorf("backendQuery(all) = %q", q)
	}
}

func TestSortIssues(t *testing.T) {
	now := time.Now()
	issues := []api.Issue{
		issue("9", "A", "error", "unresolved", "", "", 5, now.Add(-time.Hour)),
		issue("10", "B", "error", "unresolved", "", "", 50, now),
		issue("11", "C", "error", "unresolved", "", "", 5, now.Add(-time.Hour)),
	}
	sortIssues(issues, sortDate)
	if got := []string{issues[0].ShortID, issues[1].ShortID, issues[2].ShortID}; !slices.Equal(got, []string{"B", "C", "A"}) {
		t.Errorf("by date: %v (ties go to the higher id, numerically)", got)
	}
	sortIssues(issues, sortFreq)
	if issues[0].ShortID != "B" {
		t.Errorf("by events: %s first", issues[0].ShortID)
	}
}

func TestFormat(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{{0, "now"}, {30 * time.Second, "30s"}, {5 * time.Minute, "5m"}, {3 * time.Hour, "3h"}, {12 * 24 * time.Hour, "12d"},
		{90 * 24 * time.Hour, "3mo"}, {800 * 24 * time.Hour, "2y"}} {
		if got := ago(now.Add(-tt.d), now); got != tt.want {
			t.Errorf("ago(%s) = %q, want %q", tt.d, got, tt.want)
		}
	}
	for _, tt := range []struct {
		n    int64
		want string
	}{{7, "7"}, {999, "999"}, {1234, "1.2k"}, {56789, "56k"}, {1_234_567, "1.2M"}, {45_000_000, "45M"}} {
		if got := compact(tt.n); got != tt.want {
			t.Errorf("compact(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if got := thousands(1234567); got != "1,234,567" {
		t.Errorf("thousands = %q", got)
	}
	if got := sparkline([]float64{0, 1, 2, 4, 8}, 5); got != " ▁▂▄█" {
		t.Errorf("sparkline = %q", got)
	}
	if got := sparkline([]float64{1, 1, 0, 0, 3, 3}, 3); got != "▃ █" {
		t.Errorf("sparkline summing = %q", got)
	}
	if got := sparkline([]float64{5}, 3); got != "  █" {
		t.Errorf("sparkline of one bucket = %q (newest last)", got)
	}
}
