package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/api/apitest"
	"github.com/snag-dev/snag/local/store/storetest"
)

func shown(m *Model) []string {
	var out []string
	for _, r := range m.list.rows {
		if !r.header() {
			out = append(out, m.list.issues[r.issue].ShortID)
		}
	}
	return out
}

func statusOf(t *testing.T, b api.Backend, id string) string {
	t.Helper()
	is, err := b.GetIssue(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return is.Status
}

func TestActionsOnTheLocalStore(t *testing.T) {
	_, b, _ := seed(t)
	m := start(newTestModel(t, b, 80, 24))
	if got := strings.Join(shown(m), " "); got != "DEFAULT-5 DEFAULT-4 DEFAULT-1 DEFAULT-2 DEFAULT-3 DEFAULT-6" {
		t.Fatalf("list = %s", got)
	}

	// Resolve: gone from the list before the backend answers, the cursor
	// stays in place.
	press(m, "j")
	_, cmd := m.Update(keyMsg("r"))
	if got := strings.Join(shown(m), " "); strings.Contains(got, "DEFAULT-4") {
		t.Errorf("resolved issue still listed before the answer: %s", got)
	}
	if cur := m.list.current().ShortID; cur != "DEFAULT-1" {
		t.Errorf("cursor on %s after resolving, want the next issue DEFAULT-1", cur)
	}
	drive(m, cmd)
	if st := statusOf(t, b, "DEFAULT-4"); st != api.StatusResolved {
		t.Errorf("DEFAULT-4 is %s on the store", st)
	}
	if !strings.Contains(m.status, "Resolved DEFAULT-4.") {
		t.Errorf("status %q", m.status)
	}

	// Ignore until 100 more events, from the menu.
	press(m, "i")
	if m.overlay != overlayIgnore {
		t.Fatal("i did not open the ignore menu")
	}
	press(m, "6")
	if m.overlay != overlayNone || statusOf(t, b, "DEFAULT-1") != api.StatusIgnored {
		t.Errorf("ignore: overlay %v, DEFAULT-1 %s", m.overlay, statusOf(t, b, "DEFAULT-1"))
	}
	is, _ := b.GetIssue(context.Background(), "DEFAULT-1")
	if is.StatusDetails.IgnoreCount != 100 {
		t.Errorf("ignored with %+v, want ignoreCount 100", is.StatusDetails)
	}

	// The resolved tab has DEFAULT-4; unresolve it there.
	press(m, "2")
	if got := strings.Join(shown(m), " "); got != "DEFAULT-4" {
		t.Fatalf("resolved tab = %s", got)
	}
	press(m, "u")
	if statusOf(t, b, "DEFAULT-4") != api.StatusUnresolved || len(shown(m)) != 0 {
		t.Errorf("unresolve: store %s, list %v", statusOf(t, b, "DEFAULT-4"), shown(m))
	}

	// Delete asks, and the answer starts on No.
	press(m, "1", "home")
	press(m, "d")
	if m.overlay != overlayConfirm {
		t.Fatal("d did not ask")
	}
	press(m, "enter")
	if _, err := b.GetIssue(context.Background(), "DEFAULT-5"); err != nil || m.status != "Nothing deleted." {
		t.Errorf("enter on the default button deleted: %v, status %q", err, m.status)
	}
	press(m, "d", "y")
	if _, err := b.GetIssue(context.Background(), "DEFAULT-5"); err == nil {
		t.Error("y did not delete")
	}

	// Merge two selected issues into the one with more events.
	press(m, "home")
	first := m.list.current().ShortID
	press(m, "space", "space")
	if len(m.list.selected) != 2 {
		t.Fatalf("selected %v", m.list.selected)
	}
	before := len(shown(m))
	press(m, "m")
	if len(shown(m)) != before-1 || len(m.list.selected) != 0 {
		t.Errorf("merge: %d issues shown (want %d), selection %v", len(shown(m)), before-1, m.list.selected)
	}
	if !strings.HasPrefix(m.status, "Merged 2 issues into") {
		t.Errorf("status %q", m.status)
	}
	_ = first

	// Merging needs two.
	press(m, "m")
	if !m.statusErr {
		t.Error("merge of one issue was not refused")
	}
}

func TestActionRollsBackWhenTheBackendFails(t *testing.T) {
	reg := apitest.New(t)
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/").Query("query", "is:unresolved"),
		apitest.JSON(200, apiIssues)).Times(-1)
	reg.Register(apitest.PUT("/api/0/organizations/acme/issues/").Query("id", "201").JSONBody(`{"status":"resolved"}`),
		apitest.JSON(403, `{"detail":"You do not have permission to perform this action."}`))
	c, err := api.New(reg.URL(), "sntryu_"+strings.Repeat("0", 64))
	if err != nil {
		t.Fatal(err)
	}
	m := start(newTestModel(t, api.NewRemote(c, "acme", ""), 80, 24))
	if got := strings.Join(shown(m), " "); got != "WEB-1 WEB-2 API-7" {
		t.Fatalf("list = %s", got)
	}
	_, cmd := m.Update(keyMsg("r"))
	if got := strings.Join(shown(m), " "); got != "WEB-2 API-7" {
		t.Errorf("before the answer: %s", got)
	}
	drive(m, cmd)
	if got := strings.Join(shown(m), " "); got != "WEB-1 WEB-2 API-7" {
		t.Errorf("after the failure: %s, want WEB-1 back", got)
	}
	if !m.statusErr || !strings.Contains(m.status, "Could not resolve WEB-1") || !strings.Contains(m.status, "permission") {
		t.Errorf("status %q (error %v)", m.status, m.statusErr)
	}
	if !strings.Contains(screenText(m), "Could not resolve WEB-1") {
		t.Error("the failure is not on the screen")
	}
}

func TestStaleAnswersAreDropped(t *testing.T) {
	_, b, _ := seed(t)
	m := start(newTestModel(t, b, 80, 24))
	old := m.listGen
	press(m, "2") // a newer list request
	m.Update(issuesMsg{gen: old, items: []api.Issue{{ID: "99", ShortID: "STALE-1", Status: "resolved"}}})
	for _, id := range shown(m) {
		if id == "STALE-1" {
			t.Fatal("a stale list answer was applied")
		}
	}
	press(m, "1", "enter")
	gen := m.detailGen
	press(m, "esc", "j", "enter")
	m.Update(eventMsg{gen: gen, seq: m.eventSeq, event: &api.IssueEvent{EventID: "stale"}})
	m.Update(issueMsg{gen: gen, issue: &api.Issue{ShortID: "STALE-2"}})
	if m.detail.event.EventID == "stale" || m.detail.issue.ShortID == "STALE-2" {
		t.Error("a stale detail answer was applied")
	}
}

func TestLiveUpdatesKeepTheCursor(t *testing.T) {
	st, b, _ := seed(t)
	m := start(newTestModel(t, b, 80, 24))
	press(m, "j", "j", "j")
	if cur := m.list.current().ShortID; cur != "DEFAULT-2" {
		t.Fatalf("cursor on %s", cur)
	}
	line := m.list.cursor - m.list.offset
	// A new issue arrives, and an old one gets an event.
	storetest.Submit(t, st, at(t, "12:29"), jsEvent("c7000000000000000000000000000001", "2026-11-20T12:29:00Z",
		"TypeError", "x is null", "paint", "src/paint.ts", "error", "web@1.5.0", "production", "u-1"))
	storetest.Submit(t, st, at(t, "12:29"), jsEvent("b3000000000000000000000000000002", "2026-11-20T12:29:00Z",
		"ReferenceError", "checkoutForm is not defined", "submitOrder", "src/checkout.ts", "error", "web@1.4.1", "staging", "u-8"))
	_, cmd := m.Update(pollMsg{})
	drive(m, cmd)
	if got := strings.Join(shown(m), " "); got != "DEFAULT-7 DEFAULT-3 DEFAULT-5 DEFAULT-4 DEFAULT-1 DEFAULT-2 DEFAULT-6" {
		t.Errorf("after the change: %s", got)
	}
	if cur := m.list.current().ShortID; cur != "DEFAULT-2" {
		t.Errorf("the cursor moved to %s", cur)
	}
	if l := m.list.cursor - m.list.offset; l != line && m.list.offset != 0 {
		t.Errorf("the cursor's line moved from %d to %d", line, l)
	}
	if !strings.Contains(screenText(m), "● live") {
		t.Error("no live mark")
	}
}

func TestBackingOut(t *testing.T) {
	_, b, _ := seed(t)
	m := start(newTestModel(t, b, 80, 24))
	steps := []struct {
		keys    []string
		screen  screen
		overlay overlay
	}{
		{[]string{"enter"}, screenDetail, overlayNone},
		{[]string{"?"}, screenDetail, overlayHelp},
		{[]string{"esc"}, screenDetail, overlayNone},
		{[]string{"esc"}, screenList, overlayNone},
		{[]string{"/"}, screenList, overlayFilter},
		{[]string{"esc"}, screenList, overlayNone},
		{[]string{"i"}, screenList, overlayIgnore},
		{[]string{"esc"}, screenList, overlayNone},
		{[]string{"d"}, screenList, overlayConfirm},
		{[]string{"esc"}, screenList, overlayNone},
	}
	for i, s := range steps {
		press(m, s.keys...)
		if m.screen != s.screen || m.overlay != s.overlay {
			t.Fatalf("step %d %v: screen %v overlay %v, want %v %v", i, s.keys, m.screen, m.overlay, s.screen, s.overlay)
		}
	}
	press(m, "space")
	press(m, "esc")
	if len(m.list.selected) != 0 {
		t.Error("esc did not clear the selection")
	}
	press(m, "/")
	typeText(m, "range")
	press(m, "enter")
	if m.list.filter != "range" || len(shown(m)) != 1 {
		t.Fatalf("filter %q shows %v", m.list.filter, shown(m))
	}
	press(m, "esc")
	if m.list.filter != "" || len(shown(m)) != 6 {
		t.Errorf("esc did not clear the filter: %q %v", m.list.filter, shown(m))
	}
	_, cmd := m.Update(keyMsg("q"))
	if cmd == nil {
		t.Fatal("q did nothing")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("q does not quit")
	}
}

func TestFilterSetsTheTab(t *testing.T) {
	_, b, _ := seed(t)
	m := start(newTestModel(t, b, 80, 24))
	press(m, "/")
	typeText(m, "is:ignored level:warning")
	press(m, "enter")
	if m.list.tab != tabIgnored || m.list.filter != "level:warning" {
		t.Errorf("tab %v filter %q", m.list.tab, m.list.filter)
	}
}

func TestEventStepsAndMouse(t *testing.T) {
	_, b, _ := seed(t)
	m := start(newTestModel(t, b, 80, 24))
	press(m, "j", "j", "enter")
	if id := m.detail.event.EventID; id != storetest.TypeErrorSecond {
		t.Fatalf("latest event %s", id)
	}
	press(m, "[")
	if id := m.detail.event.EventID; id != storetest.TypeErrorFirst {
		t.Errorf("older event %s", id)
	}
	press(m, "[")
	if m.status != "This is the oldest stored event." {
		t.Errorf("status %q", m.status)
	}
	press(m, "]")
	if id := m.detail.event.EventID; id != storetest.TypeErrorSecond {
		t.Errorf("newer event %s", id)
	}
	m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if m.detail.offset != 3 {
		t.Errorf("wheel scrolled the detail to %d", m.detail.offset)
	}
	press(m, "esc")
	m.Update(resize(80, 8))
	m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if m.list.offset != 2 { // 6 issues, 4 rows on screen
		t.Errorf("wheel scrolled the list to %d", m.list.offset)
	}
	m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if m.list.offset != 0 {
		t.Errorf("wheel up: offset %d", m.list.offset)
	}
}

func TestPeriodicRefreshWithoutAChangeCounter(t *testing.T) {
	reg := apitest.New(t)
	list := reg.Register(apitest.GET("/api/0/organizations/acme/issues/").Query("query", "is:unresolved"),
		apitest.JSON(200, apiIssues)).Times(2)
	c, _ := api.New(reg.URL(), "sntryu_"+strings.Repeat("0", 64))
	m := newTestModel(t, api.NewRemote(c, "acme", ""), 80, 24)
	var timers []time.Duration
	m.after = func(d time.Duration, msg tea.Msg) tea.Cmd {
		timers = append(timers, d)
		if _, ok := msg.(refreshTickMsg); ok && len(timers) == 1 {
			return func() tea.Msg { return msg }
		}
		return nil
	}
	start(m)
	if len(list.Requests) != 2 || timers[0] != time.Minute {
		t.Errorf("%d list requests, timers %v", len(list.Requests), timers)
	}
	if !strings.Contains(screenText(m), "updated just now · ctrl+r") {
		t.Errorf("header:\n%s", screenText(m))
	}
}

// apiIssues is an issue list as Sentry returns it.
const apiIssues = `[
 {"id":"201","shortId":"WEB-1","title":"TypeError: Cannot read properties of undefined (reading 'total')","culprit":"renderCart(src/cart.ts)",
  "level":"error","status":"unresolved","statusDetails":{},"project":{"id":"2","name":"web","slug":"web"},"type":"error",
  "metadata":{"type":"TypeError","value":"Cannot read properties of undefined (reading 'total')","filename":"src/cart.ts"},
  "count":"1523","userCount":87,"firstSeen":"2026-11-18T08:00:00Z","lastSeen":"2026-11-20T12:20:00Z",
  "stats":{"24h":[[1763640000,3],[1763643600,9]]}},
 {"id":"202","shortId":"WEB-2","title":"Error: Network request failed","culprit":"fetchJSON(src/api.ts)",
  "level":"error","status":"unresolved","statusDetails":{},"project":{"id":"2","name":"web","slug":"web"},"type":"error",
  "metadata":{"type":"Error","value":"Network request failed","filename":"src/api.ts"},
  "count":"88","userCount":40,"firstSeen":"2026-11-19T08:00:00Z","lastSeen":"2026-11-20T11:00:00Z"},
 {"id":"203","shortId":"API-7","title":"TypeError: x is not a function","culprit":"handler(app/routes.py)",
  "level":"warning","status":"unresolved","statusDetails":{},"project":{"id":"3","name":"api","slug":"api"},"type":"error",
  "metadata":{"type":"TypeError","value":"x is not a function","filename":"app/routes.py"},
  "count":"12","userCount":0,"firstSeen":"2026-11-10T08:00:00Z","lastSeen":"2026-11-20T09:00:00Z"}
]`

func TestListErrorIsShown(t *testing.T) {
	reg := apitest.New(t)
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/"), apitest.JSON(401, `{"detail":"Invalid token"}`))
	c, _ := api.New(reg.URL(), "sntryu_"+strings.Repeat("0", 64))
	m := start(newTestModel(t, api.NewRemote(c, "acme", ""), 80, 24))
	if s := screenText(m); !strings.Contains(s, "Could not list issues") || !strings.Contains(s, "Invalid token") {
		t.Errorf("screen:\n%s", s)
	}
}
