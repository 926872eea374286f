package tui

import (
	"context"
	"errors"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/snag-dev/snag/api"
)

// Every call to the backend happens in one of these tea.Cmds; Update only
// starts them and applies their messages. Messages carry the generation
// (request id) they answer, and Update drops those that a newer request
// made stale.

// pageSize is the backends' largest page.
const pageSize = 100

// issuesMsg answers fetchIssues.
type issuesMsg struct {
	gen    int
	append bool // more issues after those loaded, rather than a fresh list
	items  []api.Issue
	next   string
	err    error
	took   time.Duration
}

// fetchIssues loads issues from cursor on, page after page, until it has
// want of them or the list ends.
func fetchIssues(ctx context.Context, b api.Backend, gen int, q api.IssueQuery, want int, appendTo bool) tea.Cmd {
	return func() tea.Msg {
		start := time.Now()
		msg := issuesMsg{gen: gen, append: appendTo}
		q.Limit = pageSize
		for {
			page, err := b.ListIssues(ctx, q)
			if err != nil {
				msg.err = err
				break
			}
			msg.items = append(msg.items, page.Items...)
			msg.next = page.NextCursor
			if page.NextCursor == "" || len(msg.items) >= want || len(page.Items) == 0 {
				break
			}
			q.Cursor = page.NextCursor
		}
		msg.took = time.Since(start)
		return msg
	}
}

// facetsMsg answers fetchFacets.
type facetsMsg struct {
	facets map[string]facet
	err    error
}

// facetsWorkers bounds the tag requests in flight at once.
const facetsWorkers = 4

// fetchFacets reads the top release and environment of each issue from
// its tags, a few requests at a time. Issues whose tags cannot be read get
// an empty facet, so grouping does not wait on them forever.
func fetchFacets(ctx context.Context, b api.Backend, ids []string) tea.Cmd {
	return func() tea.Msg {
		out := make(map[string]facet, len(ids))
		var mu sync.Mutex
		var firstErr error
		work := make(chan string)
		var wg sync.WaitGroup
		for range min(facetsWorkers, len(ids)) {
			wg.Go(func() {
				for id := range work {
					tags, err := b.IssueTags(ctx, id, 1)
					var f facet
					for _, t := range tags {
						if len(t.TopValues) == 0 {
							continue
						}
						switch t.Key {
						case "release", "sentry:release":
							f.release = t.TopValues[0].Value
						case "environment":
							f.environment = t.TopValues[0].Value
						}
					}
					mu.Lock()
					out[id] = f
					if err != nil && firstErr == nil && !errors.Is(err, api.ErrNotFound) {
						firstErr = err
					}
					mu.Unlock()
				}
			})
		}
		for _, id := range ids {
			work <- id
		}
		close(work)
		wg.Wait()
		return facetsMsg{facets: out, err: firstErr}
	}
}

// Detail messages, each for the detail generation that asked.
type (
	issueMsg struct {
		gen   int
		issue *api.Issue
		err   error
	}
	tagsMsg struct {
		gen  int
		tags []api.IssueTag
		err  error
	}
	eventMsg struct {
		gen   int
		seq   int // steps through events bump it
		event *api.IssueEvent
		err   error
	}
)

func fetchIssue(ctx context.Context, b api.Backend, gen int, id string) tea.Cmd {
	return func() tea.Msg {
		is, err := b.GetIssue(ctx, id)
		return issueMsg{gen: gen, issue: is, err: err}
	}
}

// detailTagValues is how many values of each tag the detail view asks for.
const detailTagValues = 3

func fetchTags(ctx context.Context, b api.Backend, gen int, id string) tea.Cmd {
	return func() tea.Msg {
		tags, err := b.IssueTags(ctx, id, detailTagValues)
		return tagsMsg{gen: gen, tags: tags, err: err}
	}
}

func fetchEvent(ctx context.Context, b api.Backend, gen, seq int, issueID, eventID string) tea.Cmd {
	return func() tea.Msg {
		ev, err := b.IssueEvent(ctx, issueID, eventID)
		return eventMsg{gen: gen, seq: seq, event: ev, err: err}
	}
}

// Live updates.
type (
	// pollMsg is the timer asking for the change counter.
	pollMsg struct{}
	// versionMsg answers pollVersion.
	versionMsg struct {
		version int64
		err     error
	}
	// refreshTickMsg is the periodic refresh of a backend that cannot say
	// when it changed.
	refreshTickMsg struct{}
)

func pollVersion(ctx context.Context, w api.ChangeWatcher) tea.Cmd {
	return func() tea.Msg {
		v, err := w.Version(ctx)
		return versionMsg{version: v, err: err}
	}
}

// actionMsg answers runAction.
type actionMsg struct {
	id    int
	act   action
	ids   []string
	merge *api.MergeResult
	err   error
}

// runAction changes issues on the backend.
func runAction(ctx context.Context, b api.Backend, id int, act action, ids []string, u api.IssueUpdate) tea.Cmd {
	return func() tea.Msg {
		msg := actionMsg{id: id, act: act, ids: ids}
		switch act {
		case actMerge:
			msg.merge, msg.err = b.MergeIssues(ctx, ids)
		case actDelete:
			msg.err = b.DeleteIssues(ctx, ids)
		default:
			_, msg.err = b.UpdateIssues(ctx, ids, u)
		}
		return msg
	}
}

// clearStatusMsg ends a transient status message, unless a newer one
// replaced it.
type clearStatusMsg struct{ seq int }
