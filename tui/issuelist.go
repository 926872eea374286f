package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/tui/theme"
)

// issueList is the list of issues: what is loaded, how it is shown
// (status tab, sort, filter, sections) and where the cursor is. Every
// method is pure state and rendering: loading is the root model's job.
type issueList struct {
	st  *theme.Styles
	now func() time.Time

	width, height int

	issues  []api.Issue // loaded, in the backend's order
	next    string      // cursor of the issues after those loaded
	loaded  bool        // the first page has arrived
	loading bool
	err     error // the last list request failed

	tab    statusTab
	sort   sortMode
	group  groupMode
	filter string       // applied: sent to the backend
	typing *localFilter // while the filter is edited: checked here at once

	rows   []row
	secs   []section
	cursor int // index into rows
	offset int // first row on screen

	selected map[string]bool
	folded   map[string]bool
	facets   map[string]facet
}

func newIssueList(st *theme.Styles, now func() time.Time) *issueList {
	return &issueList{st: st, now: now, selected: map[string]bool{}, folded: map[string]bool{}, facets: map[string]facet{}}
}

// keep says whether an issue is shown: it has the tab's status (an action
// may have changed it since the backend listed it) and passes the filter
// being typed.
func (l *issueList) keep(is *api.Issue) bool {
	if st := l.tab.status(); st != "" && is.Status != st {
		return false
	}
	return l.typing == nil || l.typing.match(is)
}

// anchor is what the cursor is on, to find it again after the rows change.
type anchor struct {
	issueID    string
	sectionKey string
	line       int // the cursor's line on screen
}

func (l *issueList) anchor() anchor {
	a := anchor{line: l.cursor - l.offset}
	if l.cursor < len(l.rows) {
		r := l.rows[l.cursor]
		if r.header() {
			a.sectionKey = l.secs[r.section].key
		} else {
			a.issueID = l.issues[r.issue].ID
		}
	}
	return a
}

// relayout rebuilds the rows and puts the cursor back on what it was on, on
// the same line of the screen when it can: a refresh never moves it.
func (l *issueList) relayout(a anchor) {
	l.rows, l.secs = layout(l.issues, l.keep, l.group, l.facets, l.folded)
	found := -1
	for i, r := range l.rows {
		if a.issueID != "" && !r.header() && l.issues[r.issue].ID == a.issueID ||
			a.sectionKey != "" && r.header() && l.secs[r.section].key == a.sectionKey {
			found = i
			break
		}
	}
	if found >= 0 {
		l.cursor = found
		l.offset = found - a.line
	}
	l.clamp()
}

func (l *issueList) clamp() {
	n := len(l.rows)
	l.cursor = max(0, min(l.cursor, n-1))
	vis := l.visibleRows()
	l.offset = max(0, min(l.offset, n-vis))
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+vis {
		l.offset = l.cursor - vis + 1
	}
	l.offset = max(0, l.offset)
}

// visibleRows is how many rows fit under the column header.
func (l *issueList) visibleRows() int { return max(1, l.height-1) }

func (l *issueList) setSize(w, h int) {
	a := l.anchor()
	l.width, l.height = w, h
	l.relayout(a)
}

// setIssues replaces (or extends) the loaded issues, keeping the cursor.
func (l *issueList) setIssues(items []api.Issue, next string, appendTo bool) {
	a := l.anchor()
	if appendTo {
		seen := make(map[string]bool, len(l.issues))
		for _, is := range l.issues {
			seen[is.ID] = true
		}
		for _, is := range items {
			if !seen[is.ID] {
				l.issues = append(l.issues, is)
			}
		}
	} else {
		l.issues = items
		// Selections of issues no longer listed would act unseen.
		ids := make(map[string]bool, len(items))
		for _, is := range items {
			ids[is.ID] = true
		}
		for id := range l.selected {
			if !ids[id] {
				delete(l.selected, id)
			}
		}
	}
	l.next = next
	l.loaded = true
	l.err = nil
	l.relayout(a)
}

// move moves the cursor by n rows.
func (l *issueList) move(n int) {
	l.cursor += n
	l.clamp()
}

func (l *issueList) moveTo(i int) {
	l.cursor = i
	l.clamp()
}

// scroll moves the view by n rows (the mouse wheel), dragging the cursor
// along only when it would leave the screen.
func (l *issueList) scroll(n int) {
	vis := l.visibleRows()
	l.offset = max(0, min(l.offset+n, len(l.rows)-vis))
	if l.cursor < l.offset {
		l.cursor = l.offset
	}
	if l.cursor >= l.offset+vis {
		l.cursor = l.offset + vis - 1
	}
	l.clamp()
}

// current is the issue under the cursor, or nil on a header or an empty
// list.
func (l *issueList) current() *api.Issue {
	if l.cursor >= len(l.rows) || l.rows[l.cursor].header() {
		return nil
	}
	return &l.issues[l.rows[l.cursor].issue]
}

func (l *issueList) currentSection() *section {
	if l.cursor >= len(l.rows) || l.rows[l.cursor].section < 0 {
		return nil
	}
	return &l.secs[l.rows[l.cursor].section]
}

// toggleFold folds or unfolds the section the cursor is in, leaving the
// cursor on its header.
func (l *issueList) setFold(fold bool) {
	s := l.currentSection()
	if s == nil {
		return
	}
	if fold {
		l.folded[s.key] = true
	} else {
		delete(l.folded, s.key)
	}
	l.relayout(anchor{sectionKey: s.key, line: l.cursor - l.offset})
}

// toggleSelect selects the issue under the cursor, or every issue of the
// section on a header.
func (l *issueList) toggleSelect() {
	if r := l.rows; l.cursor < len(r) && r[l.cursor].header() {
		s := l.secs[r[l.cursor].section]
		all := true
		for _, i := range s.issues {
			all = all && l.selected[l.issues[i].ID]
		}
		for _, i := range s.issues {
			l.setSelected(l.issues[i].ID, !all)
		}
		return
	}
	if is := l.current(); is != nil {
		l.setSelected(is.ID, !l.selected[is.ID])
	}
}

func (l *issueList) setSelected(id string, on bool) {
	if on {
		l.selected[id] = true
	} else {
		delete(l.selected, id)
	}
}

// selectAll selects every issue shown (folded ones too).
func (l *issueList) selectAll() {
	for i := range l.issues {
		if l.keep(&l.issues[i]) {
			l.selected[l.issues[i].ID] = true
		}
	}
}

// targets are the issues an action applies to: the selection when there
// is one, else the issue under the cursor.
func (l *issueList) targets() []api.Issue {
	var out []api.Issue
	if len(l.selected) > 0 {
		for _, is := range l.issues {
			if l.selected[is.ID] {
				out = append(out, is)
			}
		}
		return out
	}
	if is := l.current(); is != nil {
		out = append(out, *is)
	}
	return out
}

// shownCount is how many issues the list shows.
func (l *issueList) shownCount() int {
	n := 0
	for i := range l.issues {
		if l.keep(&l.issues[i]) {
			n++
		}
	}
	return n
}

// missingFacets lists loaded issues whose tags grouping needs and the list
// does not know yet.
func (l *issueList) missingFacets(limit int) []string {
	if !l.group.needsFacets() {
		return nil
	}
	var out []string
	for i := range l.issues {
		if _, ok := l.facets[l.issues[i].ID]; !ok && l.keep(&l.issues[i]) {
			out = append(out, l.issues[i].ID)
			if len(out) == limit {
				break
			}
		}
	}
	return out
}

// ---- rendering --------------------------------------------------------------

// columns are the widths of the list's columns for a screen width; the
// title takes what is left, and narrow screens drop the trend, then users
// and age.
type columns struct {
	id, title, events, users, seen, age, spark int
}

// prefix is the cursor mark, the selection mark and the level badge.
const prefixWidth = 4

func (l *issueList) columns() columns {
	c := columns{id: 6, events: 6, users: 5, seen: 4, age: 4}
	for i := range l.issues {
		c.id = max(c.id, len(l.issues[i].ShortID))
	}
	c.id = min(c.id, 14)
	switch {
	case l.width >= 110:
		c.spark = 24
	case l.width >= 96:
		c.spark = 12
	case l.width >= 72:
		c.spark = 8
	}
	if l.width < 64 {
		c.users, c.age = 0, 0
	}
	used := prefixWidth + c.id + 1
	for _, w := range []int{c.events, c.users, c.seen, c.age, c.spark} {
		if w > 0 {
			used += w + 1
		}
	}
	c.title = max(8, l.width-used)
	return c
}

func (l *issueList) header(c columns) string {
	var b strings.Builder
	b.WriteString(fit("", prefixWidth))
	b.WriteString(fit("ID", c.id) + " ")
	b.WriteString(fit("ISSUE", c.title))
	b.WriteString(" " + fitRight("EVENTS", c.events))
	if c.users > 0 {
		b.WriteString(" " + fitRight("USERS", c.users))
	}
	b.WriteString(" " + fitRight("SEEN", c.seen))
	if c.age > 0 {
		b.WriteString(" " + fitRight("AGE", c.age))
	}
	if c.spark > 0 {
		b.WriteString(" " + fit("24H", c.spark))
	}
	return l.st.ColumnHeader.Render(fit(b.String(), l.width))
}

// issueRow renders one issue. The cursor row is drawn in one style over
// plain text, so inner styles cannot break its highlight; the ">" mark
// shows it without colour too.
func (l *issueList) issueRow(is *api.Issue, c columns, cursor bool) string {
	st := l.st
	now := l.now()
	mark, sel := " ", " "
	if cursor {
		mark = ">"
	}
	if l.selected[is.ID] {
		sel = "●"
	}
	title := oneLine(is.Title)
	culprit := oneLine(is.Culprit)
	events := compact(count(is))
	users := compact(int64(is.UserCount))
	seen, age := ago(is.LastSeen, now), ago(is.FirstSeen, now)
	spark := ""
	if c.spark > 0 {
		spark = sparkline(statsValues(is), c.spark)
	}
	if cursor {
		text := title
		if culprit != "" {
			text += "  " + culprit
		}
		var b strings.Builder
		b.WriteString(mark + sel + levelLetter(is.Level) + " ")
		b.WriteString(fit(is.ShortID, c.id) + " ")
		b.WriteString(fit(text, c.title))
		b.WriteString(" " + fitRight(events, c.events))
		if c.users > 0 {
			b.WriteString(" " + fitRight(users, c.users))
		}
		b.WriteString(" " + fitRight(seen, c.seen))
		if c.age > 0 {
			b.WriteString(" " + fitRight(age, c.age))
		}
		if c.spark > 0 {
			b.WriteString(" " + spark)
		}
		return st.RowCursor.Render(fit(b.String(), l.width))
	}
	var b strings.Builder
	b.WriteString(mark + st.RowSelectedMark.Render(sel) + st.Level(is.Level).Render(levelLetter(is.Level)) + " ")
	b.WriteString(st.ShortID.Render(fit(is.ShortID, c.id)) + " ")
	text := st.Title.Render(title)
	if culprit != "" {
		text += "  " + st.Culprit.Render(culprit)
	}
	b.WriteString(fit(text, c.title))
	b.WriteString(" " + st.Count.Render(fitRight(events, c.events)))
	if c.users > 0 {
		b.WriteString(" " + st.Count.Render(fitRight(users, c.users)))
	}
	b.WriteString(" " + st.Culprit.Render(fitRight(seen, c.seen)))
	if c.age > 0 {
		b.WriteString(" " + st.Culprit.Render(fitRight(age, c.age)))
	}
	if c.spark > 0 {
		b.WriteString(" " + st.Spark.Render(spark))
	}
	return fit(b.String(), l.width)
}

func (l *issueList) sectionRow(s *section, cursor bool) string {
	fold := "▾"
	if l.folded[s.key] {
		fold = "▸"
	}
	mark := " "
	if cursor {
		mark = ">"
	}
	label := s.key
	if l.group == groupLevel {
		label = strings.ToUpper(label[:1]) + label[1:]
	}
	totals := fmt.Sprintf("%s · %s · %s", plural(int64(len(s.issues)), "issue"), plural(s.events, "event"), plural(s.users, "user"))
	if cursor {
		return l.st.SectionCursor.Render(fit(mark+fold+" "+label+"  "+totals, l.width))
	}
	return fit(mark+l.st.Section.Render(fold+" "+label)+"  "+l.st.SectionTotals.Render(totals), l.width)
}

// view renders the column header and the rows on screen.
func (l *issueList) view() string {
	c := l.columns()
	lines := make([]string, 0, l.height)
	lines = append(lines, l.header(c))
	vis := l.visibleRows()
	if len(l.rows) == 0 {
		msg := "Loading issues…"
		if l.loaded {
			msg = l.emptyText()
		}
		lines = append(lines, l.st.Empty.Render(fit("  "+msg, l.width)))
	}
	for i := l.offset; i < len(l.rows) && i < l.offset+vis; i++ {
		r := l.rows[i]
		if r.header() {
			lines = append(lines, l.sectionRow(&l.secs[r.section], i == l.cursor))
		} else {
			lines = append(lines, l.issueRow(&l.issues[r.issue], c, i == l.cursor))
		}
	}
	for len(lines) < l.height {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func (l *issueList) emptyText() string {
	if l.err != nil {
		return "Could not list issues: " + errText(l.err) + " (ctrl+r to retry)"
	}
	what := "issues"
	if st := l.tab.status(); st != "" {
		what = st + " issues"
	}
	if l.filter != "" || l.typing != nil {
		return "No " + what + " match the filter."
	}
	return "No " + what + "."
}
