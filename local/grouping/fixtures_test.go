package grouping_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/grouping"
	"github.com/snag-dev/snag/local/ingest"
)

// Requests recorded from real SDKs (see their README files).
var fixtureDir = filepath.Join("..", "ingest", "testdata", "fixtures")

func fixtureEvent(t *testing.T, name string) *api.Event {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(fixtureDir, name+".envelope"))
	if err != nil {
		t.Skipf("fixture: %v", err)
	}
	env, err := ingest.ParseEnvelope(body, ingest.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	item := env.EventItem()
	if item == nil {
		t.Fatalf("%s carries no event", name)
	}
	ne, err := ingest.Normalize(item.Payload, ingest.NormalizeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return ne.Event
}

func hashesOf(t *testing.T, name string) []string {
	t.Helper()
	return grouping.Compute(fixtureEvent(t, name), grouping.Options{}).Hashes
}

func sameGroup(a, b []string) bool {
	for _, h := range a {
		if slices.Contains(b, h) {
			return true
		}
	}
	return false
}

func TestFixturesSameErrorTwiceGroupsTogether(t *testing.T) {
	for _, set := range [][]string{
		{"node/03-event-node-config", "node/07-event-node-config", "node/11-event-node-config"},
		// Same throw site, different record ids in the message: the stack decides.
		{"node/04-event-node-validation", "node/08-event-node-validation"},
		{"node/06-event-node-message", "node/10-event-node-message"},
		{"browser/03-event-browser-config", "browser/05-event-browser-config"},
		{"go/01-event-go-db", "go/03-event-go-db", "go/05-event-go-db"},
	} {
		first := hashesOf(t, set[0])
		for _, other := range set[1:] {
			if got := hashesOf(t, other); !slices.Equal(got, first) {
				t.Errorf("%s %v and %s %v should have the same hashes", set[0], first, other, got)
			}
		}
	}
}

func TestFixturesDifferentErrorsDoNotGroup(t *testing.T) {
	names := []string{"node/03-event-node-config", "node/04-event-node-validation", "node/05-event-node-range",
		"node/09-event-node-payment", "node/02-event-node-unhandled", "go/01-event-go-db", "go/02-event-go-payment",
		"go/04-event-go-wrapped", "go/09-event-go-panic", "browser/04-event-browser-checkout", "browser/06-event-browser-sync"}
	for i, a := range names {
		for _, b := range names[i+1:] {
			if sameGroup(hashesOf(t, a), hashesOf(t, b)) {
				t.Errorf("%s and %s share a hash", a, b)
			}
		}
	}
}

func TestFixturesSameMessageFromTwoCodePaths(t *testing.T) {
	a := fixtureEvent(t, "node/03-event-node-config")
	b := fixtureEvent(t, "node/03-event-node-config")
	// The same error raised from another function: a different in-app frame.
	frames := b.Exceptions()[0].Stacktrace.Frames
	last := &frames[len(frames)-1]
	last.Function = "loadConfigFromEnv"
	last.ContextLine = "throw new TypeError('compat-node: cannot read config');  // env"
	ha, hb := grouping.Compute(a, grouping.Options{}).Hashes, grouping.Compute(b, grouping.Options{}).Hashes
	if sameGroup(ha, hb) {
		t.Errorf("two code paths share a hash: %v %v", ha, hb)
	}
}

func TestFixturesIDsInMessagesWithoutStack(t *testing.T) {
	strip := func(ev *api.Event) *api.Event {
		for i := range ev.Exceptions() {
			ev.Exception.Values[i].Stacktrace = nil
		}
		ev.Threads, ev.Stacktrace = nil, nil
		return ev
	}
	// "invalid field 'email' (record 17)" and "(record 42)".
	a := strip(fixtureEvent(t, "node/04-event-node-validation"))
	b := strip(fixtureEvent(t, "node/08-event-node-validation"))
	if a.Exceptions()[0].Value == b.Exceptions()[0].Value {
		t.Fatal("fixtures should differ in their record id")
	}
	ra, rb := grouping.Compute(a, grouping.Options{}), grouping.Compute(b, grouping.Options{})
	if !slices.Equal(ra.Hashes, rb.Hashes) {
		t.Errorf("values %q and %q should group together: %v %v", a.Exceptions()[0].Value, b.Exceptions()[0].Value, ra.Hashes, rb.Hashes)
	}
	// A different error type with the same message does not.
	c := strip(fixtureEvent(t, "node/04-event-node-validation"))
	c.Exception.Values[0].Type = "RangeError"
	if sameGroup(ra.Hashes, grouping.Compute(c, grouping.Options{}).Hashes) {
		t.Error("different types grouped together")
	}
	// Messages: ids, numbers, dates and addresses vary, the issue does not.
	m1 := &api.Event{Platform: "node", LogEntry: &api.LogEntry{Formatted: "Order 1234 for bob@example.com failed at 2024-05-01T10:00:00Z"}}
	m2 := &api.Event{Platform: "node", LogEntry: &api.LogEntry{Formatted: "Order 98 for eve@example.org failed at 2025-01-31T23:59:59Z"}}
	if h1, h2 := grouping.Compute(m1, grouping.Options{}).Hashes, grouping.Compute(m2, grouping.Options{}).Hashes; !slices.Equal(h1, h2) {
		t.Errorf("messages should group together: %v %v", h1, h2)
	}
}

func TestFixturesCustomFingerprints(t *testing.T) {
	// ["compat-node-custom-fp"] on two different errors: one issue.
	for _, pair := range [][2]string{
		{"node/12-event-node-fp-a", "node/13-event-node-fp-b"},
		{"go/07-event-go-fp-a", "go/08-event-go-fp-b"},
	} {
		ra := grouping.Compute(fixtureEvent(t, pair[0]), grouping.Options{})
		rb := grouping.Compute(fixtureEvent(t, pair[1]), grouping.Options{})
		if len(ra.Hashes) != 1 || !slices.Equal(ra.Hashes, rb.Hashes) || ra.Variants["custom_fingerprint"] == nil {
			t.Errorf("%s %v and %s %v should share one custom-fingerprint hash", pair[0], ra.Hashes, pair[1], rb.Hashes)
		}
	}
	// ["{{ default }}", "tenant-a"] vs "tenant-b": same error and stack, two issues.
	ra := grouping.Compute(fixtureEvent(t, "node/14-event-node-tenant-a"), grouping.Options{})
	rb := grouping.Compute(fixtureEvent(t, "node/15-event-node-tenant-b"), grouping.Options{})
	if sameGroup(ra.Hashes, rb.Hashes) {
		t.Errorf("tenant-a %v and tenant-b %v should not share a hash", ra.Hashes, rb.Hashes)
	}
	if v := ra.Variants["app"]; v == nil || v.Kind != grouping.KindSaltedComponent {
		t.Errorf("tenant-a app variant = %+v, want a salted component", v)
	}
	// Without the fingerprint they would have grouped together.
	ea, eb := fixtureEvent(t, "node/14-event-node-tenant-a"), fixtureEvent(t, "node/15-event-node-tenant-b")
	ea.Fingerprint, eb.Fingerprint = nil, nil
	if !slices.Equal(grouping.Compute(ea, grouping.Options{}).Hashes, grouping.Compute(eb, grouping.Options{}).Hashes) {
		t.Error("tenant-a and tenant-b differ even without their fingerprints")
	}
}
