package tui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/snag-dev/snag/api"
)

// statusTab is the status the list shows.
type statusTab int

const (
	tabUnresolved statusTab = iota
	tabResolved
	tabIgnored
	tabAll
	numTabs
)

var tabNames = [...]string{"Unresolved", "Resolved", "Ignored", "All"}

func (t statusTab) String() string { return tabNames[t] }

// status is the issue status the tab shows ("" for all).
func (t statusTab) status() string {
	switch t {
	case tabUnresolved:
		return api.StatusUnresolved
	case tabResolved:
		return api.StatusResolved
	case tabIgnored:
		return api.StatusIgnored
	}
	return ""
}

func tabForStatus(s string) (statusTab, bool) {
	switch s {
	case api.StatusUnresolved:
		return tabUnresolved, true
	case api.StatusResolved:
		return tabResolved, true
	case api.StatusIgnored, "archived", "muted":
		return tabIgnored, true
	}
	return tabAll, false
}

// sortMode is the order of the list, in Sentry's sort names.
type sortMode int

const (
	sortDate sortMode = iota // last seen
	sortNew                  // first seen
	sortFreq                 // events
	sortUser                 // users
	numSorts
)

var sortNames = [...]string{"date", "new", "freq", "user"}
var sortLabels = [...]string{"last seen", "first seen", "events", "users"}

func (s sortMode) api() string    { return sortNames[s] }
func (s sortMode) String() string { return sortLabels[s] }

// sortKey is the value the list is ordered by, descending.
func (s sortMode) key(is *api.Issue) int64 {
	switch s {
	case sortNew:
		return is.FirstSeen.UnixMilli()
	case sortFreq:
		return count(is)
	case sortUser:
		return int64(is.UserCount)
	}
	return is.LastSeen.UnixMilli()
}

// sortIssues orders issues as the backends do: by the sort key, then by id,
// both descending. Used to place rolled-back issues and for a sort change,
// before the backend's answer arrives.
func sortIssues(issues []api.Issue, s sortMode) {
	slices.SortStableFunc(issues, func(a, b api.Issue) int {
		if c := cmp.Compare(s.key(&b), s.key(&a)); c != 0 {
			return c
		}
		return compareIDs(b.ID, a.ID)
	})
}

func compareIDs(a, b string) int {
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil {
		return cmp.Compare(x, y)
	}
	return strings.Compare(a, b)
}

// groupMode is what the list's sections are made of.
type groupMode int

const (
	groupNone groupMode = iota
	groupType
	groupCulprit
	groupRelease
	groupEnvironment
	groupLevel
	groupProject
	numGroups
)

var groupLabels = [...]string{"none", "error type", "culprit / file", "release", "environment", "level", "project"}

func (g groupMode) String() string { return groupLabels[g] }

// needsFacets says whether the sections come from the issues' tags, which
// an issue list does not carry.
func (g groupMode) needsFacets() bool { return g == groupRelease || g == groupEnvironment }

// facet is what the list knows of an issue's tags: its most frequent
// release and environment ("" when its events have none).
type facet struct {
	release, environment string
}

const (
	labelNone    = "(none)"
	labelLoading = "(loading…)"
)

// groupKey is the section an issue belongs to.
func groupKey(g groupMode, is *api.Issue, facets map[string]facet) string {
	switch g {
	case groupType:
		if is.Metadata.Type != "" {
			return is.Metadata.Type
		}
		if is.Type != "" && is.Type != "error" && is.Type != "default" {
			return is.Type
		}
		return "(message)"
	case groupCulprit:
		if is.Metadata.Filename != "" {
			return is.Metadata.Filename
		}
		if is.Culprit != "" {
			return is.Culprit
		}
	case groupRelease, groupEnvironment:
		f, ok := facets[is.ID]
		if !ok {
			return labelLoading
		}
		v := f.release
		if g == groupEnvironment {
			v = f.environment
		}
		if v != "" {
			return v
		}
	case groupLevel:
		if is.Level != "" {
			return is.Level
		}
	case groupProject:
		if is.Project.Slug != "" {
			return is.Project.Slug
		}
	}
	return labelNone
}

var levelOrder = map[string]int{"fatal": 0, "error": 1, "warning": 2, "info": 3, "debug": 4, "sample": 5}

// section is one group of the list with its totals.
type section struct {
	key    string
	issues []int // indexes into the loaded issues, in list order
	events int64
	users  int64
}

// row is one line of the list: a section header or an issue.
type row struct {
	section int // index into sections; -1 when the list is not grouped
	issue   int // index into the loaded issues; -1 for a header
}

func (r row) header() bool { return r.issue < 0 }

// layout groups the issues that pass keep into sections and lays out the
// rows: headers followed by their issues unless folded. Sections keep the
// order of their first issue, so the sort still means something; levels go
// by severity.
func layout(issues []api.Issue, keep func(*api.Issue) bool, g groupMode, facets map[string]facet, folded map[string]bool) ([]row, []section) {
	if g == groupNone {
		rows := make([]row, 0, len(issues))
		for i := range issues {
			if keep(&issues[i]) {
				rows = append(rows, row{section: -1, issue: i})
			}
		}
		return rows, nil
	}
	var secs []section
	index := map[string]int{}
	for i := range issues {
		is := &issues[i]
		if !keep(is) {
			continue
		}
		k := groupKey(g, is, facets)
		si, ok := index[k]
		if !ok {
			si = len(secs)
			index[k] = si
			secs = append(secs, section{key: k})
		}
		s := &secs[si]
		s.issues = append(s.issues, i)
		s.events += count(is)
		s.users += int64(is.UserCount)
	}
	if g == groupLevel {
		slices.SortStableFunc(secs, func(a, b section) int {
			x, okA := levelOrder[a.key]
			y, okB := levelOrder[b.key]
			if !okA {
				x = len(levelOrder)
			}
			if !okB {
				y = len(levelOrder)
			}
			return cmp.Compare(x, y)
		})
	}
	// Issues whose tags are still loading go last, then those without.
	slices.SortStableFunc(secs, func(a, b section) int {
		return cmp.Compare(specialRank(a.key), specialRank(b.key))
	})
	rows := make([]row, 0, len(secs)+len(issues))
	for si := range secs {
		rows = append(rows, row{section: si, issue: -1})
		if folded[secs[si].key] {
			continue
		}
		for _, i := range secs[si].issues {
			rows = append(rows, row{section: si, issue: i})
		}
	}
	return rows, secs
}

func specialRank(key string) int {
	switch key {
	case labelNone:
		return 1
	case labelLoading:
		return 2
	}
	return 0
}

// localFilter is the part of a search the list can check by itself while
// the user types, before the backend answers: is:, level: and free text
// (against the short id, title and culprit). Other terms are left to the
// backend.
type localFilter struct {
	status string
	levels []string
	text   []string
}

func parseLocalFilter(q string) localFilter {
	var f localFilter
	for _, t := range searchTerms(q) {
		k, v, ok := strings.Cut(t, ":")
		switch {
		case !ok || v == "" || k == "":
			f.text = append(f.text, strings.ToLower(strings.Trim(t, `"`)))
		case k == "is":
			if tab, ok := tabForStatus(v); ok {
				f.status = tab.status()
			}
		case k == "level":
			f.levels = append(f.levels, strings.ToLower(strings.Trim(v, `"`)))
		case k == "message" || k == "title":
			f.text = append(f.text, strings.ToLower(strings.Trim(v, `"`)))
		}
	}
	return f
}

func (f localFilter) match(is *api.Issue) bool {
	if f.status != "" && is.Status != f.status {
		return false
	}
	if len(f.levels) > 0 && !slices.Contains(f.levels, is.Level) {
		return false
	}
	if len(f.text) > 0 {
		hay := strings.ToLower(is.ShortID + " " + is.Title + " " + is.Culprit)
		for _, t := range f.text {
			if !strings.Contains(hay, t) {
				return false
			}
		}
	}
	return true
}

// searchTerms splits a search on spaces outside double quotes.
func searchTerms(q string) []string {
	var out []string
	var b strings.Builder
	inQuote := false
	for _, c := range q {
		switch {
		case c == '"':
			inQuote = !inQuote
			b.WriteRune(c)
		case (c == ' ' || c == '\t') && !inQuote:
			if b.Len() > 0 {
				out = append(out, b.String())
				b.Reset()
			}
		default:
			b.WriteRune(c)
		}
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// splitStatus takes is: terms out of a search: the tabs say the status.
// It returns the last status named and the rest of the search.
func splitStatus(q string) (status string, rest string) {
	var kept []string
	for _, t := range searchTerms(q) {
		if v, ok := strings.CutPrefix(t, "is:"); ok {
			if _, known := tabForStatus(v); known {
				status = v
				continue
			}
		}
		kept = append(kept, t)
	}
	return status, strings.Join(kept, " ")
}

// backendQuery is the search sent to the backend for a tab and a filter.
func backendQuery(tab statusTab, filter string) string {
	parts := make([]string, 0, 2)
	if st := tab.status(); st != "" {
		parts = append(parts, "is:"+st)
	}
	if filter = strings.TrimSpace(filter); filter != "" {
		parts = append(parts, filter)
	}
	return strings.Join(parts, " ")
}
