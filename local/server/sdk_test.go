package server

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/snag-dev/snag/local/store"
)

// The SDK records the stack where an error is captured, so each failure
// reports itself from its own function, as application code does.
func failCheckout(hub *sentry.Hub) *sentry.EventID {
	return hub.CaptureException(errors.New("checkout failed: card declined"))
}

func failSync(hub *sentry.Hub) *sentry.EventID {
	return hub.CaptureException(errors.New("sync failed: upstream timeout"))
}

// TestSentryGoSDK sends through the real sentry-go SDK: the same error from
// the same code twice is one issue, a different one is another, and tags,
// user, release and environment are stored.
func TestSentryGoSDK(t *testing.T) {
	env := newTestEnv(t, Config{})
	ctx := context.Background()
	dsn := strings.Replace(env.url, "http://", "http://"+fixtureKey+"@", 1) + "/1"
	client, err := sentry.NewClient(sentry.ClientOptions{
		Dsn:         dsn,
		Release:     "shop@1.4.2",
		Environment: "staging",
		Transport:   sentry.NewHTTPSyncTransport(),
	})
	if err != nil {
		t.Fatal(err)
	}
	scope := sentry.NewScope()
	scope.SetTag("region", "eu-west")
	scope.SetUser(sentry.User{ID: "u-42", Email: "dev@example.com"})
	hub := sentry.NewHub(client, scope)

	var ids []string
	capture := func(id *sentry.EventID) {
		if id == nil {
			t.Fatal("the SDK dropped the event")
		}
		ids = append(ids, string(*id))
	}
	for i := 0; i < 2; i++ {
		capture(failCheckout(hub))
	}
	capture(failSync(hub))
	hub.CaptureMessage("cache warm-up took 12s")
	if !client.Flush(5 * time.Second) {
		t.Fatal("flush timed out")
	}
	// Answered events are digested (grouped, counted) a moment later.
	if err := env.store.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	page, err := env.store.ListIssues(ctx, store.IssueQuery{Project: store.DefaultProjectID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, is := range page.Issues {
		counts[is.Title] = is.TimesSeen
	}
	want := map[string]int64{
		"*errors.errorString: checkout failed: card declined": 2,
		"*errors.errorString: sync failed: upstream timeout":  1,
		"cache warm-up took 12s":                              1,
	}
	for title, n := range want {
		if counts[title] != n {
			t.Errorf("issue %q seen %d times, want %d (issues: %v)", title, counts[title], n, counts)
		}
	}
	if len(page.Issues) != len(want) {
		t.Errorf("%d issues, want %d: %v", len(page.Issues), len(want), counts)
	}

	ev, err := env.store.GetEvent(ctx, store.DefaultProjectID, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if ev.Release != "shop@1.4.2" || ev.Environment != "staging" || ev.UserKey == "" {
		t.Errorf("event = release %q env %q user %q", ev.Release, ev.Environment, ev.UserKey)
	}
	found := false
	for _, tag := range ev.Tags {
		if tag == [2]string{"region", "eu-west"} {
			found = true
		}
	}
	if !found {
		t.Errorf("tags = %v", ev.Tags)
	}
	is, err := env.store.GetIssue(ctx, ev.IssueID)
	if err != nil || is.UserCount != 1 || is.LastRelease != "shop@1.4.2" {
		t.Errorf("issue = %+v, %v", is, err)
	}
}
