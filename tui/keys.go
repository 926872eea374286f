package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// action is what a key asks for; Update switches on actions, never on key
// strings, and the key → action functions below are tested as tables.
type action int

const (
	actNone action = iota
	actQuit
	actHelp
	actBack
	actUp
	actDown
	actPageUp
	actPageDown
	actTop
	actBottom
	actOpen
	actToggleSelect
	actSelectAll
	actFilter
	actNextTab
	actPrevTab
	actTabUnresolved
	actTabResolved
	actTabIgnored
	actTabAll
	actSort
	actGroup
	actCollapse
	actExpand
	actRefresh
	actResolve
	actUnresolve
	actIgnore
	actMerge
	actDelete
	actOlder
	actNewer
	actToggleSystem
)

var actionNames = map[action]string{
	actNone: "none", actQuit: "quit", actHelp: "help", actBack: "back", actUp: "up", actDown: "down",
	actPageUp: "page-up", actPageDown: "page-down", actTop: "top", actBottom: "bottom", actOpen: "open",
	actToggleSelect: "toggle-select", actSelectAll: "select-all", actFilter: "filter", actNextTab: "next-tab",
	actPrevTab: "prev-tab", actTabUnresolved: "tab-unresolved", actTabResolved: "tab-resolved",
	actTabIgnored: "tab-ignored", actTabAll: "tab-all", actSort: "sort", actGroup: "group",
	actCollapse: "collapse", actExpand: "expand", actRefresh: "refresh", actResolve: "resolve",
	actUnresolve: "unresolve", actIgnore: "ignore", actMerge: "merge", actDelete: "delete",
	actOlder: "older", actNewer: "newer", actToggleSystem: "toggle-system-frames",
}

func (a action) String() string { return actionNames[a] }

// binding ties a key binding to the action it triggers.
type binding struct {
	key.Binding
	act action
}

func bind(a action, help, desc string, keys ...string) binding {
	return binding{key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc)), a}
}

// keyMap is one view's bindings, in help order, grouped into columns for
// the full help.
type keyMap struct {
	columns [][]binding
	short   []action
}

// lookup returns the action of the first binding the key matches.
func (k keyMap) lookup(msg tea.KeyPressMsg) action {
	for _, col := range k.columns {
		for _, b := range col {
			if b.Enabled() && key.Matches(msg, b.Binding) {
				return b.act
			}
		}
	}
	return actNone
}

func (k keyMap) binding(a action) (key.Binding, bool) {
	for _, col := range k.columns {
		for _, b := range col {
			if b.act == a {
				return b.Binding, true
			}
		}
	}
	return key.Binding{}, false
}

// ShortHelp implements help.KeyMap.
func (k keyMap) ShortHelp() []key.Binding {
	var out []key.Binding
	for _, a := range k.short {
		if b, ok := k.binding(a); ok {
			out = append(out, b)
		}
	}
	return out
}

// FullHelp implements help.KeyMap.
func (k keyMap) FullHelp() [][]key.Binding {
	out := make([][]key.Binding, 0, len(k.columns))
	for _, col := range k.columns {
		bs := make([]key.Binding, 0, len(col))
		for _, b := range col {
			bs = append(bs, b.Binding)
		}
		out = append(out, bs)
	}
	return out
}

// Bindings shared by several views.
var (
	keyQuit = bind(actQuit, "q", "quit", "q", "ctrl+c")
	keyHelp = bind(actHelp, "?", "help", "?")
	keyBack = bind(actBack, "esc", "back", "esc")
	keyUp   = bind(actUp, "↑/k", "up", "up", "k")
	keyDown = bind(actDown, "↓/j", "down", "down", "j")
	keyPgUp = bind(actPageUp, "pgup", "page up", "pgup", "ctrl+b", "ctrl+u")
	keyPgDn = bind(actPageDown, "pgdn", "page down", "pgdown", "ctrl+f", "ctrl+d")
	keyTop  = bind(actTop, "home", "top", "home")
	keyEnd  = bind(actBottom, "end", "bottom", "end", "G")

	keyRefresh   = bind(actRefresh, "ctrl+r", "refresh", "ctrl+r", "f5")
	keyResolve   = bind(actResolve, "r", "resolve", "r")
	keyUnresolve = bind(actUnresolve, "u", "unresolve", "u")
	keyIgnore    = bind(actIgnore, "i", "ignore…", "i")
	keyMerge     = bind(actMerge, "m", "merge selected", "m")
	keyDelete    = bind(actDelete, "d", "delete…", "d")
)

// listKeys are the issue list's bindings.
func listKeys() keyMap {
	return keyMap{
		columns: [][]binding{
			{keyUp, keyDown, keyPgUp, keyPgDn, keyTop, keyEnd,
				bind(actOpen, "enter", "open / fold", "enter"),
				bind(actCollapse, "←/h", "fold section", "left", "h"),
				bind(actExpand, "→/l", "unfold section", "right", "l")},
			{bind(actFilter, "/", "filter", "/"),
				bind(actNextTab, "tab", "next status", "tab"),
				bind(actPrevTab, "shift+tab", "previous status", "shift+tab"),
				bind(actTabUnresolved, "1", "unresolved", "1"),
				bind(actTabResolved, "2", "resolved", "2"),
				bind(actTabIgnored, "3", "ignored", "3"),
				bind(actTabAll, "4", "all", "4"),
				bind(actSort, "s", "sort", "s"),
				bind(actGroup, "g", "group by", "g")},
			{bind(actToggleSelect, "space", "select", "space", "x"),
				bind(actSelectAll, "ctrl+a", "select all shown", "ctrl+a"),
				keyResolve, keyUnresolve, keyIgnore, keyMerge, keyDelete},
			{keyRefresh, keyBack, keyHelp, keyQuit},
		},
		short: []action{actOpen, actFilter, actSort, actGroup, actToggleSelect, actResolve, actIgnore, actHelp, actQuit},
	}
}

// detailKeys are the detail view's bindings.
func detailKeys() keyMap {
	return keyMap{
		columns: [][]binding{
			{keyUp, keyDown, keyPgUp, keyPgDn, keyTop, keyEnd},
			{bind(actOlder, "[", "older event", "[", "p"),
				bind(actNewer, "]", "newer event", "]", "n"),
				bind(actToggleSystem, "s", "system frames", "s")},
			{keyResolve, keyUnresolve, keyIgnore, keyDelete},
			{keyRefresh, keyBack, keyHelp, keyQuit},
		},
		short: []action{actBack, actOlder, actNewer, actToggleSystem, actResolve, actIgnore, actHelp, actQuit},
	}
}

// helpKeys are the full-help screen's bindings.
func helpKeys() keyMap {
	return keyMap{
		columns: [][]binding{{bind(actBack, "esc/?", "close help", "esc", "?"), keyQuit}},
		short:   []action{actBack, actQuit},
	}
}

// filterKeys are the bindings while the filter has focus (other keys type).
func filterKeys() keyMap {
	return keyMap{
		columns: [][]binding{{
			bind(actOpen, "enter", "apply", "enter"),
			bind(actBack, "esc", "cancel", "esc"),
		}},
		short: []action{actOpen, actBack},
	}
}

// confirmKeys are the delete confirmation's bindings; enter takes the
// focused button, which starts on No.
func confirmKeys() keyMap {
	return keyMap{
		columns: [][]binding{{
			bind(actResolve, "y", "yes, delete", "y", "Y"),
			bind(actBack, "n/esc", "no", "n", "N", "esc"),
			bind(actNextTab, "←/→", "switch", "left", "right", "tab", "shift+tab", "h", "l"),
			bind(actOpen, "enter", "choose", "enter"),
		}},
		short: []action{actResolve, actBack, actNextTab, actOpen},
	}
}

// ignoreChoice is one way to ignore: for a while, until an issue has had
// more events, or for good.
type ignoreChoice struct {
	key     string
	label   string
	minutes int // ignoreDuration
	count   int // ignoreCount
}

var ignoreChoices = []ignoreChoice{
	{"1", "for 30 minutes", 30, 0},
	{"2", "for 2 hours", 120, 0},
	{"3", "for 24 hours", 24 * 60, 0},
	{"4", "for 1 week", 7 * 24 * 60, 0},
	{"5", "until 10 more events", 0, 10},
	{"6", "until 100 more events", 0, 100},
	{"7", "until 1,000 more events", 0, 1000},
	{"8", "forever", 0, 0},
}

// ignoreKeys are the ignore menu's bindings: a digit picks a choice.
func ignoreKeys() keyMap {
	return keyMap{
		columns: [][]binding{{
			bind(actOpen, "1-8", "choose", "1", "2", "3", "4", "5", "6", "7", "8"),
			keyBack,
		}},
		short: []action{actOpen, actBack},
	}
}
