// Package tui is the triage UI behind `snag issues`: a list of issues with
// status tabs, sorting, filtering and sections, a detail view of one issue
// and its events, and the triage actions, all through one api.Backend, so
// it works the same against Sentry and the local store.
//
// The root Model routes between small components (the issue list, the
// detail view, the filter input, help and dialogs). Every call to the
// backend runs in a tea.Cmd (commands.go) whose answer carries a request
// generation; answers a newer request made stale are dropped.
package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/tui/theme"
)

// Options tune the UI. Zero values mean the defaults.
type Options struct {
	// Now is the clock (tests fix it).
	Now func() time.Time
	// PollInterval is how often the local store's change counter is read
	// (default 500ms): new events show within about twice that.
	PollInterval time.Duration
	// RefreshInterval is how often a backend that cannot say when it
	// changed (the Sentry API) is listed again (default 1 minute).
	RefreshInterval time.Duration
	// MaxIssues bounds the issues loaded in the background for sections and
	// scrolling (default 1000).
	MaxIssues int
	// Dark picks the dark theme before the terminal says what its
	// background is (the default is dark).
	Light bool
	// Log receives debug logs; nil discards them. The UI never writes logs
	// to the screen.
	Log *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 500 * time.Millisecond
	}
	if o.RefreshInterval <= 0 {
		o.RefreshInterval = time.Minute
	}
	if o.MaxIssues <= 0 {
		o.MaxIssues = 1000
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

// screen is the main view.
type screen int

const (
	screenList screen = iota
	screenDetail
)

func (s screen) String() string { return [...]string{"list", "detail"}[s] }

// overlay is what takes the keys above the screen.
type overlay int

const (
	overlayNone overlay = iota
	overlayHelp
	overlayFilter
	overlayConfirm
	overlayIgnore
)

func (o overlay) String() string {
	return [...]string{"none", "help", "filter", "confirm", "ignore"}[o]
}

// pendingAction is an action sent to the backend and already shown: what
// the issues were before, to roll back if it fails.
type pendingAction struct {
	act    action
	before []api.Issue
	label  string
}

// Model is the root model of the triage UI.
type Model struct {
	ctx     context.Context
	b       api.Backend
	watcher api.ChangeWatcher // nil when the backend cannot say it changed
	opts    Options
	log     *slog.Logger

	st   *theme.Styles
	help help.Model
	keys struct{ list, detail, help, filter, confirm, ignore keyMap }

	width, height int
	screen        screen
	overlay       overlay

	list   *issueList
	detail *detail
	filter textinput.Model

	// Loading the list.
	listGen        int  // generation of the newest list request
	listInFlight   bool // a fresh list is loading
	appendInFlight bool // more issues are loading
	refreshWanted  bool // something changed while a load or action was in flight
	lastLoaded     time.Time
	version        int64
	versionKnown   bool
	facetsInFlight bool

	// The detail view's requests.
	detailGen int
	eventSeq  int

	actionSeq int
	pending   map[int]pendingAction

	confirmIDs []api.Issue // issues the delete dialog is about
	confirmYes bool        // the focused button (No at first)
	ignoreIDs  []api.Issue // issues the ignore menu is about

	status    string
	statusErr bool
	statusSeq int

	// after delivers msg after d: a tea.Tick, which tests replace to drive
	// the model without waiting.
	after func(d time.Duration, msg tea.Msg) tea.Cmd
}

func tick(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

// New returns the UI's model over b.
func New(ctx context.Context, b api.Backend, opts Options) *Model {
	opts = opts.withDefaults()
	m := &Model{ctx: ctx, b: b, opts: opts, log: opts.Log, pending: map[int]pendingAction{}, after: tick}
	if w, ok := b.(api.ChangeWatcher); ok {
		m.watcher = w
	}
	m.st = theme.New(!opts.Light)
	m.help = help.New()
	m.help.Styles = m.st.Help
	m.keys.list, m.keys.detail, m.keys.help = listKeys(), detailKeys(), helpKeys()
	m.keys.filter, m.keys.confirm, m.keys.ignore = filterKeys(), confirmKeys(), ignoreKeys()
	m.list = newIssueList(m.st, opts.Now)
	m.detail = newDetail(m.st, opts.Now)
	m.filter = textinput.New()
	m.filter.Prompt = ""
	m.filter.Placeholder = "is:unresolved level:error release:… environment:… text"
	m.filter.CharLimit = 512
	// A steady cursor: a blinking one redraws the screen twice a second.
	fs := m.filter.Styles()
	fs.Cursor.Blink = false
	m.filter.SetStyles(fs)
	m.width, m.height = 80, 24
	m.layout()
	return m
}

// Init loads the first page and starts watching for changes.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.reload(pageSize), tea.RequestBackgroundColor}
	if m.watcher != nil {
		cmds = append(cmds, pollVersion(m.ctx, m.watcher))
	} else {
		cmds = append(cmds, m.after(m.opts.RefreshInterval, refreshTickMsg{}))
	}
	return tea.Batch(cmds...)
}

// ---- loading ----------------------------------------------------------------

func (m *Model) query() api.IssueQuery {
	return api.IssueQuery{Query: backendQuery(m.list.tab, m.list.filter), Sort: m.list.sort.api(), Stats: api.Stats24h}
}

// reload lists issues afresh (want of them), superseding every list
// request in flight.
func (m *Model) reload(want int) tea.Cmd {
	m.listGen++
	m.listInFlight, m.appendInFlight, m.refreshWanted = true, false, false
	m.list.loading = true
	want = max(pageSize, min(want, m.opts.MaxIssues))
	m.log.Debug("list", "gen", m.listGen, "query", m.query().Query, "sort", m.query().Sort, "want", want)
	return fetchIssues(m.ctx, m.b, m.listGen, m.query(), want, false)
}

// refresh lists the issues loaded so far again, unless an action is in
// flight (its answer will ask for one).
func (m *Model) refresh() tea.Cmd {
	if m.listInFlight || len(m.pending) > 0 {
		m.refreshWanted = true
		return nil
	}
	return m.reload(len(m.list.issues))
}

// more loads the next issues in the background, up to MaxIssues.
func (m *Model) more() tea.Cmd {
	l := m.list
	if l.next == "" || m.listInFlight || m.appendInFlight || len(m.pending) > 0 || len(l.issues) >= m.opts.MaxIssues {
		return nil
	}
	m.appendInFlight = true
	q := m.query()
	q.Cursor = l.next
	return fetchIssues(m.ctx, m.b, m.listGen, q, min(5*pageSize, m.opts.MaxIssues-len(l.issues)), true)
}

// facets asks for the tags that sections by release or environment need.
func (m *Model) facets() tea.Cmd {
	if m.facetsInFlight {
		return nil
	}
	ids := m.list.missingFacets(50)
	if len(ids) == 0 {
		return nil
	}
	m.facetsInFlight = true
	return fetchFacets(m.ctx, m.b, ids)
}

func (m *Model) onIssues(msg issuesMsg) tea.Cmd {
	if msg.gen != m.listGen {
		m.log.Debug("stale list answer dropped", "gen", msg.gen, "want", m.listGen)
		return nil
	}
	if msg.append {
		m.appendInFlight = false
	} else {
		m.listInFlight = false
		m.list.loading = false
	}
	if msg.err != nil {
		m.log.Error("list", "err", msg.err)
		m.list.loaded = true
		m.list.err = msg.err
		return m.setStatus("Could not list issues: "+errText(msg.err), true)
	}
	m.log.Debug("list loaded", "gen", msg.gen, "append", msg.append, "n", len(msg.items), "took", msg.took)
	m.list.setIssues(msg.items, msg.next, msg.append)
	m.lastLoaded = m.opts.Now()
	if m.refreshWanted {
		return m.refresh()
	}
	return tea.Batch(m.more(), m.facets())
}

// ---- actions ----------------------------------------------------------------

var actionVerbs = map[action][2]string{
	actResolve:   {"Resolving", "Resolved"},
	actUnresolve: {"Unresolving", "Unresolved"},
	actIgnore:    {"Ignoring", "Ignored"},
	actMerge:     {"Merging", "Merged"},
	actDelete:    {"Deleting", "Deleted"},
}

func issuesLabel(issues []api.Issue) string {
	if len(issues) == 1 {
		return issues[0].ShortID
	}
	return plural(int64(len(issues)), "issue")
}

// startAction shows an action at once (the list and the detail change
// before the backend answers) and sends it; the answer confirms it or
// rolls it back.
func (m *Model) startAction(act action, targets []api.Issue, u api.IssueUpdate) tea.Cmd {
	if len(targets) == 0 {
		return m.setStatus("No issue to "+act.String()+".", true)
	}
	m.actionSeq++
	id := m.actionSeq
	label := issuesLabel(targets)
	m.pending[id] = pendingAction{act: act, before: targets, label: label}
	// Loads in flight predate the change: drop them, and list again once
	// the action is done.
	m.listGen++
	m.listInFlight, m.appendInFlight = false, false
	m.list.loading = false

	ids := make([]string, len(targets))
	for i, t := range targets {
		ids[i] = t.ID
	}
	m.applyLocally(act, targets, u)
	m.log.Debug("action", "id", id, "act", act, "ids", ids)
	return tea.Batch(
		m.setStatus(actionVerbs[act][0]+" "+label+"…", false),
		runAction(m.ctx, m.b, id, act, ids, u))
}

// applyLocally changes the loaded issues as the action will.
func (m *Model) applyLocally(act action, targets []api.Issue, u api.IssueUpdate) {
	l := m.list
	a := l.anchor()
	byID := make(map[string]bool, len(targets))
	for _, t := range targets {
		byID[t.ID] = true
		delete(l.selected, t.ID)
	}
	change := func(is *api.Issue) {
		switch act {
		case actResolve:
			is.Status, is.StatusDetails, is.Substatus = api.StatusResolved, api.StatusDetails{}, ""
		case actUnresolve:
			is.Status, is.StatusDetails, is.Substatus = api.StatusUnresolved, api.StatusDetails{}, "ongoing"
		case actIgnore:
			is.Status, is.Substatus = api.StatusIgnored, ""
			is.StatusDetails = api.StatusDetails{}
			if u.StatusDetails != nil {
				is.StatusDetails = *u.StatusDetails
			}
		}
	}
	switch act {
	case actDelete, actMerge:
		parent := ""
		if act == actMerge {
			parent = mergeParent(targets)
		}
		var sum int64
		var users int
		for _, t := range targets {
			sum += count(&t)
			users = max(users, t.UserCount)
		}
		kept := l.issues[:0:0]
		for _, is := range l.issues {
			switch {
			case is.ID == parent:
				is.Count = fmt.Sprint(sum)
				is.UserCount = users
				kept = append(kept, is)
			case !byID[is.ID]:
				kept = append(kept, is)
			}
		}
		l.issues = kept
	default:
		for i := range l.issues {
			if byID[l.issues[i].ID] {
				change(&l.issues[i])
			}
		}
	}
	l.relayout(a)
	if d := m.detail; d.issue != nil && byID[d.issueID] {
		is := *d.issue
		change(&is)
		d.issue = &is
		d.render()
	}
	if act == actDelete && m.screen == screenDetail && byID[m.detail.issueID] {
		m.screen = screenList
	}
}

// mergeParent is the issue a merge keeps: the one with the most events
// (ties: the higher id), as both backends pick.
func mergeParent(issues []api.Issue) string {
	best := issues[0]
	for _, is := range issues[1:] {
		if c, b := count(&is), count(&best); c > b || c == b && compareIDs(is.ID, best.ID) > 0 {
			best = is
		}
	}
	return best.ID
}

func (m *Model) onAction(msg actionMsg) tea.Cmd {
	p, ok := m.pending[msg.id]
	if !ok {
		return nil
	}
	delete(m.pending, msg.id)
	if msg.err != nil {
		m.log.Error("action failed", "act", msg.act, "ids", msg.ids, "err", msg.err)
		m.rollback(p)
		return tea.Batch(m.setStatus(fmt.Sprintf("Could not %s %s: %s (undone)", msg.act, p.label, errText(msg.err)), true), m.refresh())
	}
	text := actionVerbs[msg.act][1] + " " + p.label + "."
	if msg.merge != nil {
		for _, is := range p.before {
			if is.ID == msg.merge.Parent {
				text = fmt.Sprintf("Merged %s into %s.", p.label, is.ShortID)
			}
		}
	}
	m.refreshWanted = true
	return tea.Batch(m.setStatus(text, false), m.refresh())
}

// rollback puts the issues back as they were before a failed action.
func (m *Model) rollback(p pendingAction) {
	l := m.list
	a := l.anchor()
	index := make(map[string]int, len(l.issues))
	for i, is := range l.issues {
		index[is.ID] = i
	}
	for _, is := range p.before {
		if i, ok := index[is.ID]; ok {
			l.issues[i] = is
		} else {
			l.issues = append(l.issues, is)
		}
	}
	sortIssues(l.issues, l.sort)
	l.relayout(a)
	for _, is := range p.before {
		if m.detail.issueID == is.ID {
			c := is
			m.detail.issue = &c
			m.detail.render()
		}
	}
}

// ---- status line ------------------------------------------------------------

// statusTTL is how long a message stays in the footer.
const statusTTL = 5 * time.Second

func (m *Model) setStatus(text string, isErr bool) tea.Cmd {
	m.statusSeq++
	m.status, m.statusErr = text, isErr
	ttl := statusTTL
	if isErr {
		ttl *= 2
	}
	return m.after(ttl, clearStatusMsg{seq: m.statusSeq})
}

// ---- update -----------------------------------------------------------------

// Update applies a message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.BackgroundColorMsg:
		*m.st = *theme.New(msg.IsDark())
		m.help.Styles = m.st.Help
		m.detail.render()
		return m, nil
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	case tea.MouseWheelMsg:
		n := 3
		if msg.Button == tea.MouseWheelUp {
			n = -3
		} else if msg.Button != tea.MouseWheelDown {
			return m, nil
		}
		if m.screen == screenDetail {
			m.detail.scroll(n)
		} else {
			m.list.scroll(n)
			return m, m.nearEnd()
		}
		return m, nil
	case tea.MouseClickMsg:
		return m, m.onClick(msg)
	case issuesMsg:
		return m, m.onIssues(msg)
	case facetsMsg:
		m.facetsInFlight = false
		if msg.err != nil {
			m.log.Error("facets", "err", msg.err)
		}
		a := m.list.anchor()
		for id, f := range msg.facets {
			m.list.facets[id] = f
		}
		m.list.relayout(a)
		if msg.err != nil {
			return m, m.setStatus("Could not read tags: "+errText(msg.err), true)
		}
		return m, m.facets()
	case issueMsg:
		if msg.gen != m.detailGen {
			return m, nil
		}
		if msg.err != nil {
			m.detail.issueErr = msg.err
		} else {
			// Keep the status the UI shows while an action is pending.
			m.detail.issue, m.detail.issueErr = msg.issue, nil
		}
		m.detail.render()
		return m, nil
	case tagsMsg:
		if msg.gen != m.detailGen {
			return m, nil
		}
		m.detail.tags, m.detail.tagsErr, m.detail.tagsLoading = msg.tags, msg.err, false
		m.detail.render()
		return m, nil
	case eventMsg:
		if msg.gen != m.detailGen || msg.seq != m.eventSeq {
			m.log.Debug("stale event dropped", "gen", msg.gen, "seq", msg.seq)
			return m, nil
		}
		d := m.detail
		d.eventLoading = false
		if msg.err != nil {
			if errors.Is(msg.err, api.ErrNotFound) && d.event == nil {
				d.eventErr = nil // no stored events
			} else {
				d.eventErr = msg.err
			}
		} else {
			d.event, d.eventErr = msg.event, nil
		}
		d.render()
		return m, nil
	case pollMsg:
		if m.watcher == nil {
			return m, nil
		}
		return m, pollVersion(m.ctx, m.watcher)
	case versionMsg:
		var cmd tea.Cmd
		switch {
		case msg.err != nil:
			m.log.Error("version", "err", msg.err)
		case !m.versionKnown:
			m.version, m.versionKnown = msg.version, true
		case msg.version != m.version:
			m.version = msg.version
			m.log.Debug("store changed", "version", msg.version)
			cmd = tea.Batch(m.refresh(), m.refreshDetail())
		}
		return m, tea.Batch(cmd, m.after(m.opts.PollInterval, pollMsg{}))
	case refreshTickMsg:
		return m, tea.Batch(m.refresh(), m.after(m.opts.RefreshInterval, refreshTickMsg{}))
	case actionMsg:
		return m, m.onAction(msg)
	case clearStatusMsg:
		if msg.seq == m.statusSeq {
			m.status, m.statusErr = "", false
		}
		return m, nil
	}
	if m.overlay == overlayFilter {
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(msg)
		return m, cmd
	}
	return m, nil
}

// refreshDetail reads the open issue again (its counts), leaving the event
// shown.
func (m *Model) refreshDetail() tea.Cmd {
	if m.screen != screenDetail || m.detail.issueID == "" || len(m.pending) > 0 {
		return nil
	}
	return fetchIssue(m.ctx, m.b, m.detailGen, m.detail.issueID)
}

func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	switch m.overlay {
	case overlayHelp:
		switch m.keys.help.lookup(msg) {
		case actBack:
			m.overlay = overlayNone
		case actQuit:
			return tea.Quit
		}
		return nil
	case overlayFilter:
		return m.onFilterKey(msg)
	case overlayConfirm:
		return m.onConfirmKey(msg)
	case overlayIgnore:
		return m.onIgnoreKey(msg)
	}
	if m.screen == screenDetail {
		return m.onDetailKey(m.keys.detail.lookup(msg))
	}
	return m.onListKey(m.keys.list.lookup(msg))
}

func (m *Model) onListKey(act action) tea.Cmd {
	l := m.list
	switch act {
	case actQuit:
		return tea.Quit
	case actHelp:
		m.overlay = overlayHelp
	case actBack:
		switch {
		case len(l.selected) > 0:
			clear(l.selected)
		case l.filter != "":
			l.filter = ""
			m.layout()
			return m.reload(pageSize)
		}
	case actUp:
		l.move(-1)
	case actDown:
		l.move(1)
		return m.nearEnd()
	case actPageUp:
		l.move(-l.visibleRows())
	case actPageDown:
		l.move(l.visibleRows())
		return m.nearEnd()
	case actTop:
		l.moveTo(0)
	case actBottom:
		l.moveTo(len(l.rows) - 1)
		return m.nearEnd()
	case actOpen:
		if s := l.currentSection(); s != nil && l.current() == nil {
			l.setFold(!l.folded[s.key])
			return nil
		}
		if is := l.current(); is != nil {
			return m.openDetail(*is)
		}
	case actCollapse:
		l.setFold(true)
	case actExpand:
		l.setFold(false)
	case actToggleSelect:
		l.toggleSelect()
		if l.current() != nil {
			l.move(1)
		}
	case actSelectAll:
		l.selectAll()
	case actFilter:
		m.overlay = overlayFilter
		m.filter.SetValue(l.filter)
		m.filter.CursorEnd()
		f := parseLocalFilter(l.filter)
		l.typing = &f
		m.layout()
		return m.filter.Focus()
	case actNextTab:
		return m.setTab((l.tab + 1) % numTabs)
	case actPrevTab:
		return m.setTab((l.tab + numTabs - 1) % numTabs)
	case actTabUnresolved, actTabResolved, actTabIgnored, actTabAll:
		return m.setTab(statusTab(act - actTabUnresolved))
	case actSort:
		a := l.anchor()
		l.sort = (l.sort + 1) % numSorts
		sortIssues(l.issues, l.sort)
		l.relayout(a)
		return m.reload(len(l.issues))
	case actGroup:
		// New sections: start at the top, where the first header is.
		l.group = (l.group + 1) % numGroups
		clear(l.folded)
		l.cursor, l.offset = 0, 0
		l.relayout(anchor{})
		return m.facets()
	case actRefresh:
		m.refreshWanted = false
		if m.listInFlight || len(m.pending) > 0 {
			m.refreshWanted = true
			return nil
		}
		return m.reload(len(l.issues))
	case actResolve, actUnresolve, actIgnore, actMerge, actDelete:
		return m.beginAction(act, l.targets())
	}
	return nil
}

// nearEnd loads more issues when the cursor nears the last loaded one.
func (m *Model) nearEnd() tea.Cmd {
	if m.list.cursor >= len(m.list.rows)-m.list.visibleRows() {
		return m.more()
	}
	return nil
}

func (m *Model) setTab(t statusTab) tea.Cmd {
	l := m.list
	if l.tab == t {
		return nil
	}
	a := l.anchor()
	l.tab = t
	l.relayout(a)
	return m.reload(pageSize)
}

// beginAction asks what it needs to (ignore: for how long; delete:
// really?) or starts the action.
func (m *Model) beginAction(act action, targets []api.Issue) tea.Cmd {
	if len(targets) == 0 {
		return m.setStatus("No issue under the cursor.", true)
	}
	switch act {
	case actResolve:
		return m.startAction(act, targets, api.IssueUpdate{Status: api.StatusResolved})
	case actUnresolve:
		return m.startAction(act, targets, api.IssueUpdate{Status: api.StatusUnresolved})
	case actIgnore:
		m.ignoreIDs = targets
		m.overlay = overlayIgnore
	case actMerge:
		if len(targets) < 2 {
			return m.setStatus("Select at least two issues (space) to merge them.", true)
		}
		proj := targets[0].Project.ID
		for _, t := range targets[1:] {
			if t.Project.ID != proj {
				return m.setStatus("Only issues of one project can be merged.", true)
			}
		}
		return m.startAction(act, targets, api.IssueUpdate{})
	case actDelete:
		m.confirmIDs, m.confirmYes = targets, false
		m.overlay = overlayConfirm
	}
	return nil
}

func (m *Model) onConfirmKey(msg tea.KeyPressMsg) tea.Cmd {
	act := m.keys.confirm.lookup(msg)
	yes := false
	switch act {
	case actResolve: // y
		yes = true
	case actBack:
	case actNextTab:
		m.confirmYes = !m.confirmYes
		return nil
	case actOpen:
		yes = m.confirmYes
	default:
		return nil
	}
	m.overlay = overlayNone
	targets := m.confirmIDs
	m.confirmIDs = nil
	if !yes {
		return m.setStatus("Nothing deleted.", false)
	}
	return m.startAction(actDelete, targets, api.IssueUpdate{})
}

func (m *Model) onIgnoreKey(msg tea.KeyPressMsg) tea.Cmd {
	switch m.keys.ignore.lookup(msg) {
	case actBack:
		m.overlay = overlayNone
		m.ignoreIDs = nil
		return nil
	case actOpen:
		for _, c := range ignoreChoices {
			if msg.String() != c.key {
				continue
			}
			m.overlay = overlayNone
			targets := m.ignoreIDs
			m.ignoreIDs = nil
			u := api.IssueUpdate{Status: api.StatusIgnored}
			if c.minutes > 0 || c.count > 0 {
				u.StatusDetails = &api.StatusDetails{IgnoreDuration: c.minutes, IgnoreCount: c.count}
			}
			return m.startAction(actIgnore, targets, u)
		}
	}
	return nil
}

func (m *Model) onFilterKey(msg tea.KeyPressMsg) tea.Cmd {
	l := m.list
	switch m.keys.filter.lookup(msg) {
	case actOpen:
		m.overlay = overlayNone
		m.filter.Blur()
		l.typing = nil
		status, rest := splitStatus(m.filter.Value())
		l.filter = strings.TrimSpace(rest)
		if t, ok := tabForStatus(status); ok && status != "" {
			l.tab = t
		}
		a := l.anchor()
		l.relayout(a)
		m.layout()
		return m.reload(pageSize)
	case actBack:
		m.overlay = overlayNone
		m.filter.Blur()
		l.typing = nil
		l.relayout(l.anchor())
		m.layout()
		return nil
	}
	var cmd tea.Cmd
	m.filter, cmd = m.filter.Update(msg)
	f := parseLocalFilter(m.filter.Value())
	l.typing = &f
	l.relayout(l.anchor())
	return cmd
}

func (m *Model) openDetail(is api.Issue) tea.Cmd {
	m.detailGen++
	m.eventSeq++
	m.detail.open(m.detailGen, is)
	m.screen = screenDetail
	return tea.Batch(
		fetchIssue(m.ctx, m.b, m.detailGen, is.ID),
		fetchTags(m.ctx, m.b, m.detailGen, is.ID),
		fetchEvent(m.ctx, m.b, m.detailGen, m.eventSeq, is.ID, api.EventLatest),
	)
}

func (m *Model) onDetailKey(act action) tea.Cmd {
	d := m.detail
	switch act {
	case actQuit:
		return tea.Quit
	case actHelp:
		m.overlay = overlayHelp
	case actBack:
		m.screen = screenList
	case actUp:
		d.scroll(-1)
	case actDown:
		d.scroll(1)
	case actPageUp:
		d.scroll(-max(1, d.height-1))
	case actPageDown:
		d.scroll(max(1, d.height-1))
	case actTop:
		d.scrollTo(0)
	case actBottom:
		d.scrollTo(len(d.lines))
	case actOlder, actNewer:
		if d.event == nil {
			return nil
		}
		next := d.event.PreviousEventID
		if act == actNewer {
			next = d.event.NextEventID
		}
		if next == nil {
			if act == actOlder {
				return m.setStatus("This is the oldest stored event.", false)
			}
			return m.setStatus("This is the latest event.", false)
		}
		m.eventSeq++
		d.eventLoading = true
		d.render()
		return fetchEvent(m.ctx, m.b, m.detailGen, m.eventSeq, d.issueID, *next)
	case actToggleSystem:
		d.showSystem = !d.showSystem
		d.render()
	case actRefresh:
		m.eventSeq++
		d.eventLoading = true
		d.render()
		return tea.Batch(fetchIssue(m.ctx, m.b, m.detailGen, d.issueID),
			fetchTags(m.ctx, m.b, m.detailGen, d.issueID),
			fetchEvent(m.ctx, m.b, m.detailGen, m.eventSeq, d.issueID, api.EventLatest))
	case actResolve, actUnresolve, actIgnore, actDelete:
		if d.issue == nil {
			return nil
		}
		return m.beginAction(act, []api.Issue{*d.issue})
	}
	return nil
}

func (m *Model) onClick(msg tea.MouseClickMsg) tea.Cmd {
	if m.overlay != overlayNone || m.screen != screenList || msg.Button != tea.MouseLeft {
		return nil
	}
	// The rows start under the header, the tabs, the filter line and the
	// column header.
	i := msg.Y - m.bodyTop() - 1
	if i < 0 || i >= m.list.visibleRows() {
		return nil
	}
	m.list.moveTo(m.list.offset + i)
	return nil
}

// ---- layout and view --------------------------------------------------------

// bodyTop is the first line under the header, tabs and filter.
func (m *Model) bodyTop() int {
	top := 2
	if m.filterShown() {
		top++
	}
	return top
}

func (m *Model) filterShown() bool { return m.overlay == overlayFilter || m.list.filter != "" }

// layout sizes the components for the window.
func (m *Model) layout() {
	body := max(3, m.height-m.bodyTop()-1)
	m.list.setSize(m.width, body)
	m.detail.setSize(m.width, max(1, m.height-3))
	m.filter.SetWidth(max(10, m.width-4))
	m.help.SetWidth(m.width)
}

// View renders the screen.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "snag issues"
	return v
}

// render is the whole screen as text, for View and the golden tests.
func (m *Model) render() string {
	var parts []string
	parts = append(parts, m.headerLine())
	if m.screen == screenDetail {
		parts = append(parts, m.detailBar())
	} else {
		parts = append(parts, m.tabsLine())
		if m.filterShown() {
			parts = append(parts, m.filterLine())
		}
	}
	var body string
	switch {
	case m.overlay == overlayHelp:
		body = m.helpView()
	case m.screen == screenDetail:
		body = m.detail.view()
	default:
		body = m.list.view()
	}
	switch m.overlay {
	case overlayConfirm:
		body = overlayBox(body, m.confirmView(), m.width)
	case overlayIgnore:
		body = overlayBox(body, m.ignoreView(), m.width)
	}
	parts = append(parts, body, m.footer())
	return strings.Join(parts, "\n")
}

func (m *Model) headerLine() string {
	st := m.st
	left := st.Header.Render("snag issues") + st.HeaderTarget.Render(" · "+m.b.Target().String())
	var right string
	switch {
	case m.listInFlight || m.appendInFlight || len(m.pending) > 0:
		right = "loading…"
	case m.watcher != nil:
		right = "● live"
	case !m.lastLoaded.IsZero():
		right = "updated " + agoLong(m.lastLoaded, m.opts.Now()) + " · ctrl+r"
	}
	return joinLR(left, st.HeaderRight.Render(right), m.width)
}

func (m *Model) tabsLine() string {
	st := m.st
	l := m.list
	var tabs []string
	for t := range numTabs {
		name := t.String()
		if t == l.tab {
			n := thousands(int64(l.shownCount()))
			if l.next != "" {
				n += "+"
			}
			tabs = append(tabs, st.TabActive.Render("["+name+" "+n+"]"))
		} else {
			tabs = append(tabs, st.Tab.Render(" "+name+" "))
		}
	}
	right := st.HeaderRight.Render("sort: " + l.sort.String() + " · group: " + l.group.String())
	return joinLR(strings.Join(tabs, " "), right, m.width)
}

func (m *Model) filterLine() string {
	st := m.st
	if m.overlay == overlayFilter {
		return fit(st.Prompt.Render("/ ")+m.filter.View(), m.width)
	}
	return fit(st.Prompt.Render("/ ")+st.FilterText.Render(m.list.filter)+st.Footer.Render("   (esc clears)"), m.width)
}

func (m *Model) detailBar() string {
	st := m.st
	d := m.detail
	id := d.issueID
	if d.issue != nil {
		id = d.issue.ShortID
	}
	return fit(st.Tab.Render("Issues › ")+st.TabActive.Render(id), m.width)
}

func (m *Model) footer() string {
	if m.status != "" {
		style := m.st.Status
		if m.statusErr {
			style = m.st.StatusError
		}
		return fit(style.Render(m.status), m.width)
	}
	return fit(m.help.ShortHelpView(m.currentKeys().ShortHelp()), m.width)
}

func (m *Model) currentKeys() keyMap {
	switch m.overlay {
	case overlayHelp:
		return m.keys.help
	case overlayFilter:
		return m.keys.filter
	case overlayConfirm:
		return m.keys.confirm
	case overlayIgnore:
		return m.keys.ignore
	}
	if m.screen == screenDetail {
		return m.keys.detail
	}
	return m.keys.list
}

func (m *Model) helpView() string {
	km := m.keys.list
	title := "Keys: issue list"
	if m.screen == screenDetail {
		km, title = m.keys.detail, "Keys: issue"
	}
	lines := []string{m.st.Heading.Render(title), ""}
	lines = append(lines, m.fullHelp(km)...)
	lines = append(lines, "", m.st.Label.Render("Filter: is:unresolved|resolved|ignored level: release: environment: text"))
	h := m.height - m.bodyTop() - 1
	if m.screen == screenDetail {
		h = m.detail.height
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = fit(l, m.width)
	}
	return strings.Join(lines, "\n")
}

// fullHelp lays the key map's columns side by side, starting a new row of
// columns where the screen is too narrow, so every key shows at 80×24.
func (m *Model) fullHelp(km keyMap) []string {
	const gap = 4
	var blocks [][]string
	var widths []int
	for _, col := range km.columns {
		kw, w := 0, 0
		for _, b := range col {
			kw = max(kw, ansi.StringWidth(b.Help().Key))
		}
		var block []string
		for _, b := range col {
			l := m.st.Help.FullKey.Render(fit(b.Help().Key, kw)) + "  " + m.st.Help.FullDesc.Render(b.Help().Desc)
			w = max(w, ansi.StringWidth(l))
			block = append(block, l)
		}
		blocks, widths = append(blocks, block), append(widths, w)
	}
	var out []string
	for start := 0; start < len(blocks); {
		end, used := start, 0
		for end < len(blocks) && (end == start || used+gap+widths[end] <= m.width) {
			if end > start {
				used += gap
			}
			used += widths[end]
			end++
		}
		rows := 0
		for _, b := range blocks[start:end] {
			rows = max(rows, len(b))
		}
		if start > 0 {
			out = append(out, "")
		}
		for r := range rows {
			var line strings.Builder
			for i := start; i < end; i++ {
				cell := ""
				if r < len(blocks[i]) {
					cell = blocks[i][r]
				}
				if i < end-1 {
					cell = fit(cell, widths[i]+gap)
				}
				line.WriteString(cell)
			}
			out = append(out, line.String())
		}
		start = end
	}
	return out
}

func (m *Model) confirmView() string {
	st := m.st
	no, yes := st.ButtonActive.Render("No"), st.Button.Render("Yes, delete")
	if m.confirmYes {
		no, yes = st.Button.Render("No"), st.ButtonActive.Render("Yes, delete")
	}
	text := []string{
		st.Danger.Render("Delete " + issuesLabel(m.confirmIDs) + "?"),
		st.Label.Render("Their events are deleted too. This cannot be undone."),
		"",
		no + "  " + yes,
	}
	return st.Dialog.Render(strings.Join(text, "\n"))
}

func (m *Model) ignoreView() string {
	st := m.st
	lines := []string{st.DialogTitle.Render("Ignore " + issuesLabel(m.ignoreIDs)), ""}
	for _, c := range ignoreChoices {
		lines = append(lines, st.Help.FullKey.Render(c.key)+"  "+c.label)
	}
	lines = append(lines, "", st.Label.Render("esc  cancel"))
	return st.Dialog.Render(strings.Join(lines, "\n"))
}

// overlayBox draws box over the middle of body.
func overlayBox(body, box string, width int) string {
	lines := strings.Split(body, "\n")
	boxLines := strings.Split(box, "\n")
	bw := 0
	for _, l := range boxLines {
		bw = max(bw, ansi.StringWidth(l))
	}
	x := max(0, (width-bw)/2)
	y := max(0, (len(lines)-len(boxLines))/2)
	for i, bl := range boxLines {
		if y+i >= len(lines) {
			break
		}
		under := fit(lines[y+i], width)
		left := ansi.Truncate(under, x, "")
		right := ansi.TruncateLeft(under, x+bw, "")
		lines[y+i] = left + fit(bl, bw) + right
	}
	return strings.Join(lines, "\n")
}

// joinLR puts left and right on one line of width, right-aligned.
func joinLR(left, right string, width int) string {
	lw, rw := ansi.StringWidth(left), ansi.StringWidth(right)
	if lw+rw+1 > width {
		return fit(left, width)
	}
	return left + strings.Repeat(" ", width-lw-rw) + right
}
