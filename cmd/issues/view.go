package issues

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/sourcemaps"
)

// ViewOptions are `snag issues view`'s inputs.
type ViewOptions struct {
	IO      *iostreams.IOStreams
	Backend func(ctx context.Context) (api.Backend, func(), error)
	Now     func() time.Time

	ID    string
	Event string // an event id, or latest / oldest
	Maps  []string
	JSON  bool
}

// View is the --json document: Sentry's issue, tag and event shapes.
type View struct {
	Issue *api.Issue      `json:"issue"`
	Tags  []api.IssueTag  `json:"tags"`
	Event *api.IssueEvent `json:"event"`
}

// NewCmdView builds `snag issues view`; runF replaces the run function in
// tests.
func NewCmdView(f *cmdutil.Factory, runF func(context.Context, *ViewOptions) error) *cobra.Command {
	opts := &ViewOptions{IO: f.IOStreams, Now: f.Now}
	var target cmdutil.TargetFlags
	cmd := &cobra.Command{
		Use:   "view <id> [--event <event-id>] [--json]",
		Short: "Show an issue and its latest event",
		Long: heredoc.Doc(`
			Show an issue: its status, counts, first and last release and top tag values, then its
			latest event (or the one --event names): the exception with its stack trace, innermost
			frame first, with source lines around in-app frames, then the breadcrumbs, request,
			user and contexts. Frames are shown as stored: unminified when Sentry or 'snag serve'
			found their sourcemaps ('snag sourcemaps explain' says why a frame was not). With
			--maps, frames still minified are mapped with the sourcemaps in those directories.

			The issue is named by numeric id or short id. --event takes an event id, latest or
			oldest; the output names the issue's older and newer events to step through them.

			--json prints {"issue", "tags", "event"} in Sentry's web API shapes.
		`),
		Example: cmdutil.Examples(
			"snag issues view DEFAULT-1",
			"snag issues view 4127 --event oldest",
			"snag issues view DEFAULT-3 --maps dist/",
			"snag issues view WEB-1A --json | jq '.event.entries[] | select(.type == \"breadcrumbs\")'",
		),
		Args: cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			for _, d := range opts.Maps {
				if st, err := os.Stat(d); err != nil || !st.IsDir() {
					return cmdutil.FlagErrorf("--maps %s: not a directory", d)
				}
			}
			opts.Backend = backendOpener(f, cmd, &target)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runView(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Event, "event", api.EventLatest, "Event to show: an event id, latest or oldest")
	cmd.Flags().StringArrayVar(&opts.Maps, "maps", nil, "Directory with built JS files and sourcemaps, to map frames still minified (repeatable)")
	cmdutil.AddJSONFlag(cmd, &opts.JSON)
	cmdutil.AddTargetFlags(cmd, &target)
	return cmd
}

func runView(ctx context.Context, opts *ViewOptions) error {
	b, done, err := opts.Backend(ctx)
	if err != nil {
		return err
	}
	defer done()
	found, err := lookupIssues(ctx, b, []string{opts.ID})
	if err != nil {
		return err
	}
	v := View{Issue: found[0]}
	if v.Tags, err = b.IssueTags(ctx, v.Issue.ID, 0); err != nil {
		return fmt.Errorf("tags of issue %s: %w", v.Issue.ShortID, err)
	}
	v.Event, err = b.IssueEvent(ctx, v.Issue.ID, opts.Event)
	switch {
	case errors.Is(err, api.ErrNotFound) && opts.Event != api.EventLatest && opts.Event != api.EventOldest:
		return &notFoundError{what: fmt.Sprintf("event %s of issue %s", opts.Event, v.Issue.ShortID), target: b.Target(), err: err}
	case errors.Is(err, api.ErrNotFound):
		// Retention may have removed every event; the issue is still worth showing.
		v.Event = nil
	case err != nil:
		return fmt.Errorf("event of issue %s: %w", v.Issue.ShortID, err)
	}
	if v.Tags == nil {
		v.Tags = []api.IssueTag{}
	}
	if v.Event != nil && len(opts.Maps) > 0 {
		if err := unminifyEvent(v.Event, opts.Maps); err != nil {
			return err
		}
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, v)
	}
	var w strings.Builder
	r := &viewRenderer{w: &w, cs: opts.IO.ColorScheme(), now: opts.Now()}
	r.issue(v.Issue)
	r.tags(v.Tags)
	if v.Event == nil {
		fmt.Fprintln(&w, r.cs.Gray("No stored events."))
	} else if err := r.event(v.Issue, v.Event); err != nil {
		return err
	}
	_, err = io.WriteString(opts.IO.Out, w.String())
	return err
}

type viewRenderer struct {
	w   *strings.Builder
	cs  *iostreams.ColorScheme
	now time.Time
}

func (r *viewRenderer) printf(format string, args ...any) { fmt.Fprintf(r.w, format, args...) }

func (r *viewRenderer) heading(s string) { r.printf("\n%s\n", r.cs.Bold(s)) }

func (r *viewRenderer) issue(is *api.Issue) {
	cs := r.cs
	r.printf("%s\n", cs.Bold(is.Title))
	r.printf("%s  %s  %s  %s  %s\n", cs.Bold(is.ShortID), levelColor(cs, is.Level)(is.Level), is.StatusText(),
		plural(atoi(is.Count), "event"), plural(is.UserCount, "user"))
	if is.Culprit != "" {
		r.printf("%s\n", cs.Gray(is.Culprit))
	}
	seen := func(label string, t time.Time, rel *api.Release) string {
		s := label + " " + relativeTime(t, r.now)
		if rel != nil && rel.Version != "" {
			s += " in " + rel.Version
		}
		return s
	}
	r.printf("%s · %s\n", seen("First seen", is.FirstSeen, is.FirstRelease), seen("last seen", is.LastSeen, is.LastRelease))
	if is.Permalink != "" {
		r.printf("%s\n", cs.Gray(is.Permalink))
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// tagValuesShown is how many values of each tag the view lists.
const tagValuesShown = 3

func (r *viewRenderer) tags(tags []api.IssueTag) {
	if len(tags) == 0 {
		return
	}
	r.heading("Tags")
	width := 0
	for _, t := range tags {
		width = max(width, len(t.Key))
	}
	for _, t := range tags {
		var vals []string
		for i, v := range t.TopValues {
			if i == tagValuesShown {
				break
			}
			pct := 0
			if t.TotalValues > 0 {
				pct = int(float64(v.Count)*100/float64(t.TotalValues) + 0.5)
			}
			vals = append(vals, fmt.Sprintf("%s %s", v.Value, r.cs.Gray(fmt.Sprintf("%d%%", pct))))
		}
		if more := t.UniqueValues - min(len(t.TopValues), tagValuesShown); more > 0 {
			vals = append(vals, r.cs.Gray(fmt.Sprintf("+%d more", more)))
		}
		r.printf("  %-*s  %s\n", width, t.Key, strings.Join(vals, ", "))
	}
}

func (r *viewRenderer) event(is *api.Issue, ev *api.IssueEvent) error {
	cs := r.cs
	r.heading(fmt.Sprintf("Event %s", ev.EventID))
	r.printf("%s, %s\n", relativeTime(ev.DateCreated, r.now), ev.DateCreated.UTC().Format("2006-01-02 15:04:05 UTC"))
	var facts []string
	if ev.Release != nil && ev.Release.Version != "" {
		facts = append(facts, "release "+ev.Release.Version)
	}
	if env := ev.Tag("environment"); env != "" {
		facts = append(facts, "environment "+env)
	}
	if u := userText(ev.User); u != "" {
		facts = append(facts, "user "+u)
	}
	if ev.SDK != nil && ev.SDK.Name != "" {
		facts = append(facts, "sdk "+ev.SDK.Name+" "+ev.SDK.Version)
	}
	if len(facts) > 0 {
		r.printf("%s\n", strings.Join(facts, " · "))
	}
	var steps []string
	if ev.PreviousEventID != nil {
		steps = append(steps, "older: "+*ev.PreviousEventID)
	}
	if ev.NextEventID != nil {
		steps = append(steps, "newer: "+*ev.NextEventID)
	}
	if len(steps) > 0 {
		r.printf("%s\n", cs.Gray(strings.Join(steps, " · ")+fmt.Sprintf(" (snag issues view %s --event <id>)", is.ShortID)))
	}

	if msg, err := ev.FormattedMessage(); err != nil {
		return err
	} else if msg != "" {
		r.heading("Message")
		for _, l := range strings.Split(msg, "\n") {
			r.printf("  %s\n", l)
		}
	}
	exs, err := ev.Exceptions()
	if err != nil {
		return err
	}
	if len(exs) > 0 {
		r.heading("Exception")
		// Sentry lists the innermost cause first: print the exception that
		// ended the chain first, then its causes.
		for i := len(exs) - 1; i >= 0; i-- {
			if i < len(exs)-1 {
				r.printf("\n%s\n", cs.Gray("Caused by:"))
			}
			r.exception(&exs[i])
		}
	}
	if err := r.breadcrumbs(ev); err != nil {
		return err
	}
	if err := r.request(ev); err != nil {
		return err
	}
	r.contexts(ev)
	return nil
}

func userText(u *api.IssueUser) string {
	if u == nil {
		return ""
	}
	name := u.ID
	for _, s := range []string{u.Username, u.Name, u.IPAddress} {
		if name == "" {
			name = s
		}
	}
	switch {
	case name == "" && u.Email != "":
		return u.Email
	case u.Email != "" && u.Email != name:
		return name + " <" + u.Email + ">"
	}
	return name
}

func (r *viewRenderer) exception(ex *api.EventException) {
	cs := r.cs
	title := ex.Type
	if ex.Value != "" {
		if title != "" {
			title += ": "
		}
		title += ex.Value
	}
	if h, ok := ex.Mechanism["handled"].(bool); ok && !h {
		title += cs.Gray("  (unhandled)")
	}
	r.printf("%s\n", cs.Red(title))
	if ex.Stacktrace == nil {
		return
	}
	frames := ex.Stacktrace.Frames
	// Stored oldest call first; printed innermost first, as JS engines do.
	for i := len(frames) - 1; i >= 0; i-- {
		r.frame(&frames[i])
	}
}

func (r *viewRenderer) frame(f *api.EventFrame) {
	cs := r.cs
	loc := f.Filename
	if loc == "" {
		loc = f.AbsPath
	}
	if loc == "" {
		loc = "?"
	}
	if f.LineNo != nil {
		loc += ":" + strconv.Itoa(*f.LineNo)
		if f.ColNo != nil {
			loc += ":" + strconv.Itoa(*f.ColNo)
		}
	}
	fn := f.Function
	if fn == "" {
		fn = "<anonymous>"
	}
	line := fmt.Sprintf("at %s (%s)", fn, loc)
	if !f.InApp {
		r.printf("    %s\n", cs.Gray(line))
		return
	}
	r.printf("    %s\n", cs.Bold(line))
	if f.LineNo == nil || len(f.Context) == 0 {
		return
	}
	m := sourcemaps.MappedFrame{Line: *f.LineNo}
	found := false
	for _, c := range f.Context {
		switch {
		case c.LineNo < *f.LineNo:
			m.PreContext = append(m.PreContext, c.Text)
		case c.LineNo == *f.LineNo:
			m.ContextLine, found = c.Text, true
		default:
			m.PostContext = append(m.PostContext, c.Text)
		}
	}
	if found {
		cmdutil.WriteSourceContext(r.w, "        ", m, cs)
	}
}

// breadcrumbsShown is how many of the last breadcrumbs the view lists.
const breadcrumbsShown = 20

func (r *viewRenderer) breadcrumbs(ev *api.IssueEvent) error {
	vals, err := ev.Breadcrumbs()
	if err != nil || len(vals) == 0 {
		return err
	}
	r.heading("Breadcrumbs")
	if n := len(vals) - breadcrumbsShown; n > 0 {
		r.printf("  %s\n", r.cs.Gray(fmt.Sprintf("(%s not shown)", plural(n, "earlier breadcrumb"))))
		vals = vals[n:]
	}
	width := 0
	for _, b := range vals {
		width = max(width, len(orDefault(b.Category, b.Type)))
	}
	for _, b := range vals {
		ts := "        "
		if !b.Timestamp.IsZero() {
			ts = b.Timestamp.UTC().Format("15:04:05")
		}
		text := b.Message
		if text == "" {
			text = api.BreadcrumbDataText(b.Data)
		} else if d := api.BreadcrumbDataText(b.Data); d != "" {
			text += " " + r.cs.Gray(d)
		}
		level := ""
		if b.Level != "" && b.Level != "info" {
			level = levelColor(r.cs, b.Level)(b.Level) + " "
		}
		r.printf("  %s  %-*s  %s%s\n", r.cs.Gray(ts), width, orDefault(b.Category, b.Type), level, text)
	}
	return nil
}

func (r *viewRenderer) request(ev *api.IssueEvent) error {
	var req struct {
		URL     string      `json:"url"`
		Method  string      `json:"method"`
		Query   [][2]string `json:"query"`
		Headers [][2]string `json:"headers"`
	}
	if ok, err := ev.DecodeEntry(api.EntryRequest, &req); err != nil || !ok || req.URL == "" {
		// A request with a malformed query or headers still has its URL.
		if err != nil {
			var lax struct {
				URL    string `json:"url"`
				Method string `json:"method"`
			}
			if ok, _ := ev.DecodeEntry(api.EntryRequest, &lax); !ok || lax.URL == "" {
				return nil
			}
			req.URL, req.Method = lax.URL, lax.Method
		} else {
			return nil
		}
	}
	r.heading("Request")
	line := req.URL
	if req.Method != "" {
		line = req.Method + " " + line
	}
	r.printf("  %s\n", line)
	for _, h := range req.Headers {
		r.printf("  %s %s\n", r.cs.Gray(h[0]+":"), h[1])
	}
	return nil
}

func (r *viewRenderer) contexts(ev *api.IssueEvent) {
	keys := make([]string, 0, len(ev.Contexts))
	for k, c := range ev.Contexts {
		if _, ok := c["name"]; ok {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return
	}
	slices.Sort(keys)
	r.heading("Contexts")
	width := 0
	for _, k := range keys {
		width = max(width, len(k))
	}
	for _, k := range keys {
		c := ev.Contexts[k]
		text := fmt.Sprint(c["name"])
		if v, ok := c["version"]; ok {
			text += " " + fmt.Sprint(v)
		}
		r.printf("  %-*s  %s\n", width, k, text)
	}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// unminifyEvent maps the frames of ev's exceptions that are still minified
// with the sourcemaps under dirs, keeping the minified frames in
// rawStacktrace as Sentry does.
func unminifyEvent(ev *api.IssueEvent, dirs []string) error {
	roots := make([]fs.FS, len(dirs))
	for i, d := range dirs {
		roots[i] = sourcemaps.OSDir(d)
	}
	d, err := sourcemaps.NewDirs(roots...)
	if err != nil {
		return err
	}
	u := &sourcemaps.Unminifier{Dirs: d, Context: 5}
	defer u.Close()
	debugIDs, err := ev.SourcemapDebugIDs()
	if err != nil {
		debugIDs = nil // a damaged debugmeta entry: map by URL only
	}
	for i, en := range ev.Entries {
		if en.Type != api.EntryException {
			continue
		}
		var ex api.ExceptionEntry
		if err := json.Unmarshal(en.Data, &ex); err != nil {
			return fmt.Errorf("event %s: decoding the exception entry: %w", ev.EventID, err)
		}
		changed := false
		for j := range ex.Values {
			st := ex.Values[j].Stacktrace
			if st == nil || ex.Values[j].RawStacktrace != nil || len(st.Frames) == 0 {
				continue
			}
			frames := st.Frames
			refs := make([]sourcemaps.FrameRef, len(frames))
			for k, f := range frames {
				url := orDefault(f.AbsPath, f.Filename)
				ref := sourcemaps.FrameRef{URL: url, Function: f.Function, DebugID: debugIDs[url]}
				if f.LineNo != nil {
					ref.Line = *f.LineNo
				}
				if f.ColNo != nil {
					ref.Column = *f.ColNo
				}
				refs[len(frames)-1-k] = ref // innermost first
			}
			mapped := u.Unminify(refs)
			out := slices.Clone(frames)
			hit := false
			for k := range out {
				m := mapped[len(frames)-1-k]
				if !m.Mapped {
					continue
				}
				hit = true
				line, col := m.Line, m.Column
				nf := &out[k]
				nf.Function, nf.Filename, nf.AbsPath = m.Function, m.Filename, m.AbsPath
				nf.LineNo, nf.ColNo, nf.InApp = &line, &col, m.InApp
				nf.Context = nil
				if m.ContextLine == "" && len(m.PreContext) == 0 {
					continue // the map has no source for it
				}
				for n, l := range m.PreContext {
					nf.Context = append(nf.Context, api.ContextLine{LineNo: line - len(m.PreContext) + n, Text: l})
				}
				nf.Context = append(nf.Context, api.ContextLine{LineNo: line, Text: m.ContextLine})
				for n, l := range m.PostContext {
					nf.Context = append(nf.Context, api.ContextLine{LineNo: line + 1 + n, Text: l})
				}
			}
			if hit {
				raw := *st
				mappedStack := raw
				mappedStack.Frames = out
				ex.Values[j].RawStacktrace, ex.Values[j].Stacktrace = &raw, &mappedStack
				changed = true
			}
		}
		if changed {
			b, err := json.Marshal(ex)
			if err != nil {
				return err
			}
			ev.Entries[i].Data = b
		}
	}
	return nil
}
