package tui

import (
	"testing"
)

func TestKeyActions(t *testing.T) {
	list, detail, confirm, ignore, filter, help := listKeys(), detailKeys(), confirmKeys(), ignoreKeys(), filterKeys(), helpKeys()
	tests := []struct {
		name string
		km   keyMap
		key  string
		want action
	}{
		{"list q quits", list, "q", actQuit},
		{"list ctrl+c quits", list, "ctrl+c", actQuit},
		{"list ? helps", list, "?", actHelp},
		{"list esc backs out", list, "esc", actBack},
		{"list k is up", list, "k", actUp},
		{"list up arrow", list, "up", actUp},
		{"list j is down", list, "j", actDown},
		{"list pgdown", list, "pgdown", actPageDown},
		{"list ctrl+d", list, "ctrl+d", actPageDown},
		{"list pgup", list, "pgup", actPageUp},
		{"list home", list, "home", actTop},
		{"list G", list, "G", actBottom},
		{"list enter opens", list, "enter", actOpen},
		{"list space selects", list, "space", actToggleSelect},
		{"list x selects", list, "x", actToggleSelect},
		{"list ctrl+a selects all", list, "ctrl+a", actSelectAll},
		{"list / filters", list, "/", actFilter},
		{"list tab", list, "tab", actNextTab},
		{"list shift+tab", list, "shift+tab", actPrevTab},
		{"list 1", list, "1", actTabUnresolved},
		{"list 2", list, "2", actTabResolved},
		{"list 3", list, "3", actTabIgnored},
		{"list 4", list, "4", actTabAll},
		{"list s sorts", list, "s", actSort},
		{"list g groups", list, "g", actGroup},
		{"list h folds", list, "h", actCollapse},
		{"list left folds", list, "left", actCollapse},
		{"list l unfolds", list, "l", actExpand},
		{"list ctrl+r refreshes", list, "ctrl+r", actRefresh},
		{"list f5 refreshes", list, "f5", actRefresh},
		{"list r resolves", list, "r", actResolve},
		{"list u unresolves", list, "u", actUnresolve},
		{"list i ignores", list, "i", actIgnore},
		{"list m merges", list, "m", actMerge},
		{"list d deletes", list, "d", actDelete},
		{"list unbound key", list, "z", actNone},
		{"list [ is not bound", list, "[", actNone},

		{"detail esc backs out", detail, "esc", actBack},
		{"detail q quits", detail, "q", actQuit},
		{"detail [ older", detail, "[", actOlder},
		{"detail p older", detail, "p", actOlder},
		{"detail ] newer", detail, "]", actNewer},
		{"detail n newer", detail, "n", actNewer},
		{"detail s toggles system frames", detail, "s", actToggleSystem},
		{"detail r resolves", detail, "r", actResolve},
		{"detail d deletes", detail, "d", actDelete},
		{"detail m does not merge", detail, "m", actNone},
		{"detail j scrolls", detail, "j", actDown},
		{"detail end", detail, "end", actBottom},

		{"confirm y", confirm, "y", actResolve},
		{"confirm n", confirm, "n", actBack},
		{"confirm esc", confirm, "esc", actBack},
		{"confirm enter", confirm, "enter", actOpen},
		{"confirm left switches", confirm, "left", actNextTab},
		{"confirm tab switches", confirm, "tab", actNextTab},
		{"confirm q does nothing", confirm, "q", actNone},

		{"ignore digit", ignore, "3", actOpen},
		{"ignore 9 is not a choice", ignore, "9", actNone},
		{"ignore esc", ignore, "esc", actBack},

		{"filter enter applies", filter, "enter", actOpen},
		{"filter esc cancels", filter, "esc", actBack},
		{"filter q types", filter, "q", actNone},

		{"help esc closes", help, "esc", actBack},
		{"help ? closes", help, "?", actBack},
		{"help q quits", help, "q", actQuit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.km.lookup(keyMsg(tt.key)); got != tt.want {
				t.Errorf("key %q (%q): got %v, want %v", tt.key, keyMsg(tt.key).String(), got, tt.want)
			}
		})
	}
}

// Every binding has help text, and no key is bound twice in one view.
func TestKeyMapsAreConsistent(t *testing.T) {
	for name, km := range map[string]keyMap{"list": listKeys(), "detail": detailKeys(), "confirm": confirmKeys(),
		"ignore": ignoreKeys(), "filter": filterKeys(), "help": helpKeys()} {
		seen := map[string]action{}
		for _, col := range km.columns {
			for _, b := range col {
				if b.Help().Key == "" || b.Help().Desc == "" {
					t.Errorf("%s: %v has no help", name, b.act)
				}
				for _, k := range b.Keys() {
					if prev, ok := seen[k]; ok {
						t.Errorf("%s: key %q is bound to %v and %v", name, k, prev, b.act)
					}
					seen[k] = b.act
				}
			}
		}
		if len(km.ShortHelp()) != len(km.short) {
			t.Errorf("%s: short help names an action without a binding", name)
		}
	}
}
