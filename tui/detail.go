package tui

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/tui/theme"
)

// detail is one issue: its facts and top tags, then one of its events,
// rendered into lines that scroll.
type detail struct {
	st  *theme.Styles
	now func() time.Time

	width, height int

	gen     int // the request generation of what is shown
	issueID string
	issue   *api.Issue // from the list at first, then the backend's detail
	tags    []api.IssueTag
	event   *api.IssueEvent

	issueErr, tagsErr, eventErr error
	tagsLoading, eventLoading   bool

	showSystem bool // system frames are folded unless this is on

	lines  []string
	offset int
}

func newDetail(st *theme.Styles, now func() time.Time) *detail {
	return &detail{st: st, now: now}
}

// open starts showing an issue, from what the list knows of it.
func (d *detail) open(gen int, is api.Issue) {
	*d = detail{st: d.st, now: d.now, width: d.width, height: d.height, gen: gen, issueID: is.ID,
		issue: &is, tagsLoading: true, eventLoading: true, showSystem: d.showSystem}
	d.render()
}

func (d *detail) setSize(w, h int) {
	d.width, d.height = w, h
	d.render()
}

// scroll moves the view by n lines.
func (d *detail) scroll(n int) {
	d.offset = max(0, min(d.offset+n, len(d.lines)-d.height))
}

func (d *detail) scrollTo(i int) {
	d.offset = 0
	d.scroll(i)
}

// view renders the lines on screen.
func (d *detail) view() string {
	end := min(len(d.lines), d.offset+d.height)
	out := make([]string, 0, d.height)
	if d.offset < end {
		out = append(out, d.lines[d.offset:end]...)
	}
	for len(out) < d.height {
		out = append(out, "")
	}
	return strings.Join(out, "\n")
}

// render lays the issue out again (after new data, a resize or a toggle),
// keeping the scroll position.
func (d *detail) render() {
	if d.issue == nil && d.issueErr == nil {
		d.lines = nil
		return
	}
	r := &detailRenderer{st: d.st, now: d.now(), width: max(20, d.width), showSystem: d.showSystem}
	r.issue(d.issue, d.issueErr)
	r.tags(d.tags, d.tagsLoading, d.tagsErr)
	switch {
	case d.eventErr != nil:
		r.heading("Event")
		r.line("  " + d.st.StatusError.Render(errText(d.eventErr)))
	case d.eventLoading && d.event == nil:
		r.heading("Event")
		r.line("  " + d.st.Empty.Render("Loading the latest event…"))
	case d.event == nil:
		r.heading("Event")
		r.line("  " + d.st.Empty.Render("No stored events."))
	default:
		r.event(d.event, d.eventLoading)
	}
	d.lines = r.lines
	d.scroll(0)
}

// errText is an error for the screen: one line, and for an API error its
// status and Sentry's reason first (the URL is in the debug log).
func errText(err error) string {
	var he *api.HTTPError
	if errors.As(err, &he) {
		s := fmt.Sprintf("HTTP %d", he.StatusCode)
		if he.Detail != "" {
			s += ": " + he.Detail
		}
		return oneLine(s)
	}
	return oneLine(err.Error())
}

type detailRenderer struct {
	st         *theme.Styles
	now        time.Time
	width      int
	showSystem bool
	lines      []string
}

func (r *detailRenderer) line(s string) { r.lines = append(r.lines, fit(s, r.width)) }

// wrapped adds s wrapped to the width, each line after the first indented.
func (r *detailRenderer) wrapped(s string, indent string) {
	for i, l := range strings.Split(ansi.Wrap(s, r.width-len(indent), " "), "\n") {
		if i > 0 {
			l = indent + l
		}
		r.line(l)
	}
}

func (r *detailRenderer) heading(s string) {
	r.lines = append(r.lines, "")
	rule := strings.Repeat("─", max(0, r.width-ansi.StringWidth(s)-4))
	r.line(r.st.Heading.Render("── "+s+" ") + r.st.LineNo.Render(rule))
}

func (r *detailRenderer) issue(is *api.Issue, err error) {
	st := r.st
	if is == nil {
		r.line(st.StatusError.Render(errText(err)))
		return
	}
	status := is.StatusText()
	if is.Substatus != "" && is.Status == api.StatusUnresolved {
		status += " (" + is.Substatus + ")"
	}
	r.line(st.ShortID.Render(is.ShortID) + "  " + st.Level(is.Level).Render(strings.ToUpper(orDefault(is.Level, "error"))) +
		"  " + st.Value.Render(status))
	r.wrapped(st.IssueTitle.Render(oneLine(is.Title)), "")
	if is.Culprit != "" {
		r.line(st.Culprit.Render(oneLine(is.Culprit)))
	}
	r.line(st.Label.Render("Events ") + st.Value.Render(thousands(count(is))) +
		st.Label.Render("   Users ") + st.Value.Render(thousands(int64(is.UserCount))) +
		st.Label.Render("   Project ") + st.Value.Render(is.Project.Slug))
	seen := func(label string, t time.Time, rel *api.Release) string {
		s := st.Label.Render(label+" ") + st.Value.Render(agoLong(t, r.now))
		if rel != nil && rel.Version != "" {
			s += st.Label.Render(" in ") + st.Value.Render(rel.Version)
		}
		return s
	}
	r.line(seen("First seen", is.FirstSeen, is.FirstRelease))
	r.line(seen("Last seen ", is.LastSeen, is.LastRelease))
	if err != nil {
		r.line(st.StatusError.Render(errText(err)))
	}
}

func (r *detailRenderer) tags(tags []api.IssueTag, loading bool, err error) {
	st := r.st
	if len(tags) == 0 && !loading && err == nil {
		return
	}
	r.heading("Tags")
	if err != nil {
		r.line("  " + st.StatusError.Render(errText(err)))
		return
	}
	if loading && len(tags) == 0 {
		r.line("  " + st.Empty.Render("Loading…"))
		return
	}
	w := 0
	for _, t := range tags {
		w = max(w, len(t.Key))
	}
	w = min(w, 20)
	for _, t := range tags {
		var vals []string
		for i, v := range t.TopValues {
			if i == detailTagValues {
				break
			}
			pct := 0
			if t.TotalValues > 0 {
				pct = int(float64(v.Count)*100/float64(t.TotalValues) + 0.5)
			}
			vals = append(vals, st.Value.Render(oneLine(v.Value))+" "+st.Label.Render(strconv.Itoa(pct)+"%"))
		}
		if more := t.UniqueValues - min(len(t.TopValues), detailTagValues); more > 0 {
			vals = append(vals, st.Label.Render(fmt.Sprintf("+%d more", more)))
		}
		r.line("  " + st.Label.Render(fit(t.Key, w)) + "  " + strings.Join(vals, st.Label.Render(", ")))
	}
}

func (r *detailRenderer) event(ev *api.IssueEvent, loading bool) {
	st := r.st
	r.heading("Event " + ev.EventID)
	when := ev.DateCreated.UTC().Format("2006-01-02 15:04:05 UTC") + " (" + agoLong(ev.DateCreated, r.now) + ")"
	if loading {
		when += "  " + st.Empty.Render("loading…")
	}
	r.line("  " + st.Value.Render(when))
	var facts []string
	if ev.Release != nil && ev.Release.Version != "" {
		facts = append(facts, st.Label.Render("release ")+st.Value.Render(ev.Release.Version))
	}
	if env := ev.Tag("environment"); env != "" {
		facts = append(facts, st.Label.Render("environment ")+st.Value.Render(env))
	}
	if ev.SDK != nil && ev.SDK.Name != "" {
		facts = append(facts, st.Label.Render("sdk ")+st.Value.Render(ev.SDK.Name+" "+ev.SDK.Version))
	}
	if len(facts) > 0 {
		r.line("  " + strings.Join(facts, st.Label.Render(" · ")))
	}
	older, newer := st.Label.Render("[ older"), st.Label.Render("newer ]")
	if ev.PreviousEventID == nil {
		older = st.LineNo.Render("[ oldest")
	}
	if ev.NextEventID == nil {
		newer = st.LineNo.Render("latest ]")
	}
	r.line("  " + older + st.LineNo.Render("  ·  ") + newer)

	if msg, err := ev.FormattedMessage(); err == nil && msg != "" {
		r.heading("Message")
		for _, l := range strings.Split(msg, "\n") {
			r.wrapped("  "+l, "  ")
		}
	}
	exs, err := ev.Exceptions()
	if err != nil {
		r.heading("Exception")
		r.line("  " + st.StatusError.Render(errText(err)))
	}
	if len(exs) > 0 {
		r.heading("Exception")
		// Sentry lists the innermost cause first: the exception that ended
		// the chain comes first here, then what caused it.
		for i := len(exs) - 1; i >= 0; i-- {
			if i < len(exs)-1 {
				r.line("")
				r.line(st.Label.Render("Caused by"))
			}
			r.exception(&exs[i])
		}
	}
	r.breadcrumbs(ev)
	r.request(ev)
	r.user(ev.User)
	r.contexts(ev)
}

func (r *detailRenderer) exception(ex *api.EventException) {
	st := r.st
	title := ex.Type
	if ex.Value != "" {
		if title != "" {
			title += ": "
		}
		title += ex.Value
	}
	if h, ok := ex.Mechanism["handled"].(bool); ok && !h {
		title += "  " + st.Label.Render("(unhandled)")
	}
	r.wrapped(st.ExceptionTitle.Render(oneLine(title)), "  ")
	if ex.Stacktrace == nil || len(ex.Stacktrace.Frames) == 0 {
		return
	}
	frames := ex.Stacktrace.Frames
	anyInApp := slices.ContainsFunc(frames, func(f api.EventFrame) bool { return f.InApp })
	// Innermost first, as JavaScript engines print. Runs of system frames
	// fold into one line unless shown; a stack with no in-app frame is
	// shown whole, since it has nothing else to show.
	folded := 0
	flush := func() {
		if folded > 0 {
			r.line("    " + st.Collapsed.Render(fmt.Sprintf("··· %s (s to show)", plural(int64(folded), "system frame"))))
			folded = 0
		}
	}
	for i := len(frames) - 1; i >= 0; i-- {
		f := &frames[i]
		if !f.InApp && anyInApp && !r.showSystem {
			folded++
			continue
		}
		flush()
		r.frame(f)
	}
	flush()
}

func (r *detailRenderer) frame(f *api.EventFrame) {
	st := r.st
	loc := orDefault(f.Filename, f.AbsPath)
	if loc == "" {
		loc = orDefault(f.Module, "?")
	}
	if f.LineNo != nil {
		loc += ":" + strconv.Itoa(*f.LineNo)
		if f.ColNo != nil {
			loc += ":" + strconv.Itoa(*f.ColNo)
		}
	}
	fn := orDefault(f.Function, "<anonymous>")
	text := "at " + fn + " (" + loc + ")"
	if !f.InApp {
		r.line("    " + st.FrameSystem.Render(text))
		return
	}
	r.line("  " + st.ErrorMarker.Render("▸") + " " + st.FrameInApp.Render(text))
	if f.LineNo == nil || len(f.Context) == 0 {
		return
	}
	w := 0
	for _, c := range f.Context {
		w = max(w, len(strconv.Itoa(c.LineNo)))
	}
	for _, c := range f.Context {
		num := fmt.Sprintf("%*d", w, c.LineNo)
		code := strings.ReplaceAll(c.Text, "\t", "  ")
		if c.LineNo == *f.LineNo {
			r.line("    " + st.ErrorMarker.Render("→ "+num+" │ ") + st.ErrorLine.Render(code))
			continue
		}
		r.line("      " + st.LineNo.Render(num+" │ ") + st.Context.Render(code))
	}
}

// breadcrumbsShown is how many of the last breadcrumbs the view lists.
const breadcrumbsShown = 30

func (r *detailRenderer) breadcrumbs(ev *api.IssueEvent) {
	st := r.st
	vals, err := ev.Breadcrumbs()
	if err != nil || len(vals) == 0 {
		return
	}
	r.heading("Breadcrumbs")
	if n := len(vals) - breadcrumbsShown; n > 0 {
		r.line("  " + st.Label.Render(fmt.Sprintf("(%s not shown)", plural(int64(n), "earlier breadcrumb"))))
		vals = vals[n:]
	}
	w := 0
	for _, b := range vals {
		w = max(w, len(orDefault(b.Category, b.Type)))
	}
	w = min(w, 16)
	for _, b := range vals {
		ts := "        "
		if !b.Timestamp.IsZero() {
			ts = b.Timestamp.UTC().Format("15:04:05")
		}
		text := b.Message
		if d := api.BreadcrumbDataText(b.Data); d != "" {
			if text != "" {
				text += " "
			}
			text += d
		}
		lvl := ""
		if b.Level != "" && b.Level != "info" {
			lvl = st.Level(b.Level).Render(b.Level) + " "
		}
		r.line("  " + st.LineNo.Render(ts) + "  " + st.Label.Render(fit(orDefault(b.Category, b.Type), w)) + "  " + lvl + st.Value.Render(oneLine(text)))
	}
}

// requestHeadersShown bounds the headers listed.
const requestHeadersShown = 8

func (r *detailRenderer) request(ev *api.IssueEvent) {
	st := r.st
	var req struct {
		URL     string          `json:"url"`
		Method  string          `json:"method"`
		Query   json.RawMessage `json:"query"`
		Headers json.RawMessage `json:"headers"`
	}
	if ok, err := ev.DecodeEntry(api.EntryRequest, &req); err != nil || !ok || req.URL == "" {
		return
	}
	r.heading("Request")
	line := req.URL
	if req.Method != "" {
		line = req.Method + " " + line
	}
	r.line("  " + st.Value.Render(line))
	var headers [][2]string
	if json.Unmarshal(req.Headers, &headers) == nil {
		for i, h := range headers {
			if i == requestHeadersShown {
				r.line("  " + st.Label.Render(fmt.Sprintf("(+%d more headers)", len(headers)-i)))
				break
			}
			r.line("  " + st.Label.Render(h[0]+":") + " " + st.Value.Render(oneLine(h[1])))
		}
	}
}

func (r *detailRenderer) user(u *api.IssueUser) {
	if u == nil {
		return
	}
	st := r.st
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, st.Label.Render(k+" ")+st.Value.Render(v))
		}
	}
	add("id", u.ID)
	add("email", u.Email)
	add("username", u.Username)
	add("name", u.Name)
	add("ip", u.IPAddress)
	if len(parts) == 0 {
		return
	}
	r.heading("User")
	r.line("  " + strings.Join(parts, st.Label.Render(" · ")))
}

func (r *detailRenderer) contexts(ev *api.IssueEvent) {
	st := r.st
	keys := make([]string, 0, len(ev.Contexts))
	for k := range ev.Contexts {
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return
	}
	slices.Sort(keys)
	r.heading("Contexts")
	w := 0
	for _, k := range keys {
		w = max(w, len(k))
	}
	w = min(w, 16)
	for _, k := range keys {
		c := ev.Contexts[k]
		var text string
		if n, ok := c["name"]; ok {
			text = fmt.Sprint(n)
			if v, ok := c["version"]; ok {
				text += " " + fmt.Sprint(v)
			}
		} else {
			fields := make([]string, 0, len(c))
			for f := range c {
				if f != "type" {
					fields = append(fields, f)
				}
			}
			slices.Sort(fields)
			for i, f := range fields {
				if i == 4 {
					fields = append(fields[:4], "…")
					break
				}
				fields[i] = f + "=" + scalar(c[f])
			}
			text = strings.Join(fields, " ")
		}
		r.line("  " + st.Label.Render(fit(k, w)) + "  " + st.Value.Render(oneLine(text)))
	}
}

func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
