package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestGrouping(t *testing.T) {
	tests := []struct {
		name   string
		events [][]string // hashes per event, submitted in order
		issue  []int      // expected issue per event, as the index of the event that created it
		hashes map[int][]string
	}{
		{
			name:   "same hash same issue",
			events: [][]string{{"a"}, {"a"}, {"b"}},
			issue:  []int{0, 0, 2},
			hashes: map[int][]string{0: {"a"}, 2: {"b"}},
		},
		{
			name:   "first known hash wins and unknown ones join it",
			events: [][]string{{"a"}, {"b"}, {"x", "b", "a"}, {"x"}},
			issue:  []int{0, 1, 1, 1},
			hashes: map[int][]string{0: {"a"}, 1: {"b", "x"}},
		},
		{
			name:   "several hashes of a new event all point to it",
			events: [][]string{{"p", "q"}, {"q"}, {"p"}},
			issue:  []int{0, 0, 0},
			hashes: map[int][]string{0: {"p", "q"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustOpen(t, "", Options{})
			ctx := context.Background()
			ids := make([]int64, len(tt.events))
			for i, hs := range tt.events {
				res := submit(t, s, rec(hs...))
				ids[i] = res.IssueID
				if want := tt.issue[i] == i; res.NewIssue != want {
					t.Errorf("event %d: NewIssue = %v, want %v", i, res.NewIssue, want)
				}
			}
			for i := range ids {
				if ids[i] != ids[tt.issue[i]] {
					t.Errorf("event %d in issue %d, want issue of event %d (%d)", i, ids[i], tt.issue[i], ids[tt.issue[i]])
				}
			}
			for creator, want := range tt.hashes {
				got, err := s.IssueHashes(ctx, ids[creator])
				if err != nil || !slices.Equal(got, want) {
					t.Errorf("hashes of issue of event %d = %v, %v; want %v", creator, got, err, want)
				}
			}
		})
	}
}

func TestGroupingInOneBatch(t *testing.T) {
	// Events submitted together land in one batch; grouping must see the
	// hashes added earlier in the same batch.
	s := mustOpen(t, "", Options{BatchWindow: 50 * time.Millisecond})
	var wg sync.WaitGroup
	res := make([]Result, 20)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = submit(t, s, rec("same"))
		}()
	}
	wg.Wait()
	news := 0
	for _, r := range res {
		if r.IssueID != res[0].IssueID {
			t.Fatalf("events split over issues %d and %d", r.IssueID, res[0].IssueID)
		}
		if r.NewIssue {
			news++
		}
	}
	if news != 1 {
		t.Errorf("%d events report a new issue", news)
	}
	if is := getIssue(t, s, res[0].IssueID); is.TimesSeen != 20 || is.ShortIDNum != 1 {
		t.Errorf("times_seen %d short id %d", is.TimesSeen, is.ShortIDNum)
	}
}

func TestDuplicates(t *testing.T) {
	s := mustOpen(t, "", Options{BatchWindow: 20 * time.Millisecond})
	r := rec("a")
	first := submit(t, s, r)
	again := *r
	second := submit(t, s, &again)
	if first.Duplicate || !second.Duplicate || second.IssueID != first.IssueID {
		t.Errorf("first %+v second %+v", first, second)
	}
	// Twice in one batch.
	r2 := rec("a")
	var wg sync.WaitGroup
	var dups sync.Map
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := *r2
			dups.Store(submit(t, s, &c).Duplicate, true)
		}()
	}
	wg.Wait()
	if _, ok := dups.Load(true); !ok {
		t.Error("no duplicate reported in batch")
	}
	if _, ok := dups.Load(false); !ok {
		t.Error("no original stored in batch")
	}
	if is := getIssue(t, s, first.IssueID); is.TimesSeen != 2 || is.EventsStored != 2 {
		t.Errorf("times_seen %d stored %d, want 2, 2", is.TimesSeen, is.EventsStored)
	}
}

func TestCounting(t *testing.T) {
	// A fixed clock: an issue first seen more than a week ago is "ongoing".
	s := mustOpen(t, "", Options{Now: func() time.Time { return t0.Add(2 * time.Hour) }})
	ctx := context.Background()
	type ev struct {
		at      time.Duration
		user    string
		level   string
		title   string
		release string
		browser string
	}
	evs := []ev{
		{0, "id:1", "warning", "first", "1.0", "Chrome"},
		{30 * time.Minute, "id:2", "error", "second", "1.0", "Firefox"},
		{-2 * time.Hour, "id:1", "info", "older", "0.9", "Chrome"}, // older: does not change title
		{90 * time.Minute, "", "fatal", "latest", "1.1", "Chrome"},
	}
	var issue int64
	for _, e := range evs {
		r := rec("k")
		r.Timestamp = t0.Add(e.at)
		r.UserKey, r.Level, r.Title, r.Release = e.user, e.level, e.title, e.release
		r.Environment = "prod"
		r.Tags = [][2]string{{"browser", e.browser}}
		issue = submit(t, s, r).IssueID
	}
	is := getIssue(t, s, issue)
	want := Issue{TimesSeen: 4, UserCount: 2, EventsStored: 4, Level: "fatal", Title: "latest",
		FirstSeen: t0.Add(-2 * time.Hour), LastSeen: t0.Add(90 * time.Minute), FirstRelease: "1.0",
		LastRelease: "1.1", LastEnvironment: "prod"}
	if is.TimesSeen != want.TimesSeen || is.UserCount != want.UserCount || is.EventsStored != want.EventsStored ||
		is.Level != want.Level || is.Title != want.Title || !is.FirstSeen.Equal(want.FirstSeen) ||
		!is.LastSeen.Equal(want.LastSeen) || is.FirstRelease != want.FirstRelease ||
		is.LastRelease != want.LastRelease || is.LastEnvironment != want.LastEnvironment {
		t.Errorf("issue = %+v", is)
	}
	if is.Status != StatusUnresolved || is.Substatus != SubstatusNew || is.ShortID() != "DEFAULT-1" {
		t.Errorf("status %s/%s short %s", is.Status, is.Substatus, is.ShortID())
	}

	hours, err := s.IssueHourlyCounts(ctx, []int64{issue}, t0.Add(-3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	h := func(d time.Duration) time.Time { return t0.Add(d).Truncate(time.Hour) }
	wantHours := []HourCount{{h(-2 * time.Hour), 1}, {h(0), 1}, {h(30 * time.Minute), 1}, {h(90 * time.Minute), 1}}
	if !slices.EqualFunc(hours[issue], wantHours, func(a, b HourCount) bool { return a.Hour.Equal(b.Hour) && a.Count == b.Count }) {
		t.Errorf("hours = %v, want %v", hours[issue], wantHours)
	}
	if hours, _ := s.IssueHourlyCounts(ctx, []int64{issue}, t0); len(hours[issue]) != 3 {
		t.Errorf("since t0: %v", hours[issue])
	}

	tags, err := s.TopTagValues(ctx, issue, 0)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]TagKey{}
	for _, k := range tags {
		byKey[k.Key] = k
	}
	b := byKey["browser"]
	if b.TotalValues != 4 || b.UniqueValues != 2 || b.TopValues[0].Value != "Chrome" || b.TopValues[0].Count != 3 {
		t.Errorf("browser = %+v", b)
	}
	if r := byKey["release"]; r.TotalValues != 4 || r.UniqueValues != 3 {
		t.Errorf("release = %+v", r)
	}
	if l := byKey["level"]; l.UniqueValues != 4 {
		t.Errorf("level = %+v", l)
	}
	if e := byKey["environment"]; e.TotalValues != 4 || e.UniqueValues != 1 {
		t.Errorf("environment = %+v", e)
	}
}

func TestRegression(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		update     StatusUpdate
		release    string // of the event after resolving
		wantStatus string
		wantSub    string
	}{
		{"resolved reopens", StatusUpdate{Status: "resolved"}, "1.0", StatusUnresolved, SubstatusRegressed},
		{"next release: same release stays resolved", StatusUpdate{Status: "resolvedInNextRelease"}, "1.0", StatusResolved, ""},
		{"next release: new release reopens", StatusUpdate{Status: "resolved", Details: json.RawMessage(`{"inNextRelease":true}`)}, "1.1", StatusUnresolved, SubstatusRegressed},
		{"ignored forever stays ignored", StatusUpdate{Status: "ignored"}, "1.0", StatusIgnored, SubstatusArchivedForever},
		{"ignore count reached", StatusUpdate{Status: "ignored", Details: json.RawMessage(`{"ignoreCount":1}`)}, "1.0", StatusUnresolved, SubstatusEscalating},
		{"ignore duration not over", StatusUpdate{Status: "ignored", Details: json.RawMessage(`{"ignoreDuration":30}`)}, "1.0", StatusIgnored, SubstatusArchivedUntil},
		{"ignore until passed", StatusUpdate{Status: "ignored", Details: json.RawMessage(`{"ignoreUntil":"2000-01-01T00:00:00Z"}`)}, "1.0", StatusUnresolved, SubstatusEscalating},
		{"unresolved stays", StatusUpdate{Status: "unresolved"}, "1.0", StatusUnresolved, SubstatusOngoing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustOpen(t, "", Options{})
			r := rec("k")
			r.Release = "1.0"
			issue := submit(t, s, r).IssueID
			n, err := s.UpdateIssueStatus(ctx, []int64{issue, 999}, tt.update)
			if err != nil || n != 1 {
				t.Fatalf("UpdateIssueStatus = %d, %v", n, err)
			}
			r2 := rec("k")
			r2.Release = tt.release
			res := submit(t, s, r2)
			is := getIssue(t, s, issue)
			if is.Status != tt.wantStatus || is.Substatus != tt.wantSub {
				t.Errorf("status %s/%s, want %s/%s", is.Status, is.Substatus, tt.wantStatus, tt.wantSub)
			}
			if res.Regressed != (tt.wantSub == SubstatusRegressed) {
				t.Errorf("Regressed = %v", res.Regressed)
			}
			if is.TimesSeen != 2 {
				t.Errorf("times_seen %d", is.TimesSeen)
			}
		})
	}
}

func TestStatusDetails(t *testing.T) {
	s := mustOpen(t, "", Options{Now: func() time.Time { return t0 }})
	ctx := context.Background()
	issue := submit(t, s, rec("k")).IssueID
	if _, err := s.UpdateIssueStatus(ctx, []int64{issue}, StatusUpdate{Status: "bogus"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bogus status: %v", err)
	}
	if _, err := s.UpdateIssueStatus(ctx, []int64{issue}, StatusUpdate{Status: "ignored",
		Details: json.RawMessage(`{"ignoreDuration":60,"ignoreCount":5}`)}); err != nil {
		t.Fatal(err)
	}
	is := getIssue(t, s, issue)
	var d map[string]any
	json.Unmarshal(is.StatusDetails, &d)
	if d["ignoreUntil"] != "2026-11-20T11:30:00Z" || d["ignoreCount"] != float64(5) {
		t.Errorf("details = %s", is.StatusDetails)
	}
	if _, err := s.UpdateIssueStatus(ctx, []int64{issue}, StatusUpdate{Status: "resolved"}); err != nil {
		t.Fatal(err)
	}
	is = getIssue(t, s, issue)
	if string(is.StatusDetails) != "{}" || is.Substatus != "" || !is.ResolvedAt.Equal(t0) {
		t.Errorf("resolved: %+v", is)
	}
}

func TestListIssues(t *testing.T) {
	s := mustOpen(t, "", Options{})
	ctx := context.Background()
	// 25 issues: issue i is seen i+1 times, last at t0+i minutes, with
	// i%3 users; every fifth is a warning in release 2.0.
	ids := make([]int64, 25)
	for i := range ids {
		for j := 0; j <= i; j++ {
			r := rec(fmt.Sprintf("h%d", i))
			r.Timestamp = t0.Add(time.Duration(i) * time.Minute).Add(-time.Duration(j) * time.Second)
			r.Title = fmt.Sprintf("Error number %d", i)
			if i%3 > 0 {
				r.UserKey = fmt.Sprintf("id:%d", j%(i%3))
			}
			if i%5 == 0 {
				r.Level, r.Release, r.Environment = "warning", "2.0", "staging"
			}
			ids[i] = submit(t, s, r).IssueID
		}
	}
	if _, err := s.UpdateIssueStatus(ctx, []int64{ids[1], ids[2]}, StatusUpdate{Status: "resolved"}); err != nil {
		t.Fatal(err)
	}
	rev := func(idx ...int) []int64 {
		var out []int64
		for _, i := range idx {
			out = append(out, ids[i])
		}
		return out
	}
	all := func(skip ...int) []int {
		var out []int
		for i := 24; i >= 0; i-- {
			if !slices.Contains(skip, i) {
				out = append(out, i)
			}
		}
		return out
	}
	tests := []struct {
		name string
		q    IssueQuery
		want []int64
	}{
		{"default sort last seen", IssueQuery{}, rev(all()...)},
		{"unresolved", IssueQuery{Status: "unresolved"}, rev(all(1, 2)...)},
		{"resolved", IssueQuery{Status: "resolved"}, rev(2, 1)},
		{"level", IssueQuery{Level: "warning"}, rev(20, 15, 10, 5, 0)},
		{"release", IssueQuery{Release: "2.0", Project: 1}, rev(20, 15, 10, 5, 0)},
		{"environment", IssueQuery{Environment: "staging"}, rev(20, 15, 10, 5, 0)},
		{"tag", IssueQuery{Tags: [][2]string{{"release", "2.0"}, {"level", "warning"}}}, rev(20, 15, 10, 5, 0)},
		{"text", IssueQuery{Text: "number 1"}, rev(19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 1)},
		{"text is literal", IssueQuery{Text: "number_1"}, nil},
		{"first seen", IssueQuery{Sort: "new", Limit: 3}, rev(24, 23, 22)},
		{"times seen", IssueQuery{Sort: SortTimesSeen, Limit: 2}, rev(24, 23)},
		{"users", IssueQuery{Sort: "user", Limit: 3, Level: "error"}, rev(23, 17, 14)},
		{"since", IssueQuery{Since: t0.Add(23 * time.Minute)}, rev(24, 23)},
		{"other project", IssueQuery{Project: 2}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.ListIssues(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, is := range page.Issues {
				got = append(got, is.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	// Paging with every sort visits each issue once, in order.
	for _, sort := range []string{SortLastSeen, SortFirstSeen, SortTimesSeen, SortUserCount} {
		t.Run("pages "+sort, func(t *testing.T) {
			var got []int64
			q := IssueQuery{Sort: sort, Limit: 4}
			for pages := 0; ; pages++ {
				page, err := s.ListIssues(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, is := range page.Issues {
					got = append(got, is.ID)
				}
				if page.NextCursor == "" {
					if pages != 6 {
						t.Errorf("%d pages", pages+1)
					}
					break
				}
				q.Cursor = page.NextCursor
			}
			full, _ := s.ListIssues(ctx, IssueQuery{Sort: sort, Limit: 100})
			var want []int64
			for _, is := range full.Issues {
				want = append(want, is.ID)
			}
			if !slices.Equal(got, want) || len(got) != 25 {
				t.Errorf("paged %v\nfull %v", got, want)
			}
		})
	}
	if _, err := s.ListIssues(ctx, IssueQuery{Cursor: "x"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad cursor: %v", err)
	}
	if _, err := s.ListIssues(ctx, IssueQuery{Sort: "x"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad sort: %v", err)
	}
	is, err := s.IssueByShortID(ctx, "default-a")
	if err != nil || is.ShortIDNum != 10 {
		t.Errorf("IssueByShortID = %d, %v", is.ShortIDNum, err)
	}
}

func TestEvents(t *testing.T) {
	s := mustOpen(t, "", Options{})
	ctx := context.Background()
	body := bytes.Repeat([]byte(`{"k":"some value that compresses"},`), 500)
	var rows []int64
	var issue int64
	for i := range 7 {
		r := rec("e")
		r.Body = body[:len(body)-i]
		r.Tags = [][2]string{{"n", fmt.Sprint(i)}}
		r.Transaction = "/checkout"
		r.Attachments = []Attachment{{Name: "log.txt", ContentType: "text/plain", Data: []byte(fmt.Sprint("log ", i))}}
		res := submit(t, s, r)
		rows = append(rows, res.EventRow)
		issue = res.IssueID
	}
	// Newest first, in pages of 3.
	var got []int64
	cursor := ""
	for {
		page, err := s.ListEvents(ctx, issue, cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Events {
			got = append(got, e.Row)
			if e.Body != nil || e.Transaction != "/checkout" || len(e.Tags) != 2 {
				t.Errorf("listed event %+v", e)
			}
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	want := slices.Clone(rows)
	slices.Reverse(want)
	if !slices.Equal(got, want) {
		t.Errorf("ListEvents rows %v, want %v", got, want)
	}
	latest, err := s.LatestEvent(ctx, issue)
	if err != nil || latest.Row != rows[6] || !bytes.Equal(latest.Body, body[:len(body)-6]) || latest.Size != len(body)-6 {
		t.Errorf("LatestEvent row %d err %v", latest.Row, err)
	}
	oldest, err := s.OldestEvent(ctx, issue)
	if err != nil || !bytes.Equal(oldest.Body, body) || oldest.Tags[0] != [2]string{"n", "0"} || oldest.Hashes[0] != "e" {
		t.Errorf("OldestEvent %+v %v", oldest.Tags, err)
	}
	byID, err := s.GetEvent(ctx, 0, oldest.EventID)
	if err != nil || byID.Row != oldest.Row {
		t.Errorf("GetEvent %v", err)
	}
	if _, err := s.GetEvent(ctx, 1, eid()); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing event: %v", err)
	}
	since, err := s.EventsSince(ctx, rows[4], 10)
	if err != nil || len(since) != 2 || since[0].Row != rows[5] {
		t.Errorf("EventsSince = %d events, %v", len(since), err)
	}
	atts, err := s.Attachments(ctx, rows[2])
	if err != nil || len(atts) != 1 || atts[0].Name != "log.txt" || atts[0].AttachmentType != "event.attachment" {
		t.Fatalf("Attachments = %+v, %v", atts, err)
	}
	data, err := s.AttachmentData(ctx, atts[0].ID)
	if err != nil || string(data) != "log 2" {
		t.Errorf("AttachmentData = %q, %v", data, err)
	}
}

func TestVersion(t *testing.T) {
	s := mustOpen(t, "", Options{})
	ctx := context.Background()
	v0, err := s.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}
	issue := submit(t, s, rec("v")).IssueID
	v1, _ := s.Version(ctx)
	s.UpdateIssueStatus(ctx, []int64{issue}, StatusUpdate{Status: "resolved"})
	v2, _ := s.Version(ctx)
	if !(v0 < v1 && v1 < v2) {
		t.Errorf("versions %d %d %d", v0, v1, v2)
	}
}

func TestMergeIssues(t *testing.T) {
	s := mustOpen(t, "", Options{})
	ctx := context.Background()
	mk := func(hash string, n int, users ...string) int64 {
		var id int64
		for i := range n {
			r := rec(hash)
			r.Timestamp = t0.Add(time.Duration(i) * time.Hour)
			r.UserKey = users[i%len(users)]
			r.Title = "title " + hash
			r.Tags = [][2]string{{"t", hash}}
			id = submit(t, s, r).IssueID
		}
		return id
	}
	a := mk("a", 3, "id:1", "id:2")
	b := mk("b", 4, "id:2", "id:3")
	c := mk("c", 1, "id:9")
	if err := s.MergeIssues(ctx, a, []int64{b, c, a}); err != nil {
		t.Fatal(err)
	}
	is := getIssue(t, s, a)
	if is.TimesSeen != 8 || is.EventsStored != 8 || is.UserCount != 4 {
		t.Errorf("merged: times %d stored %d users %d", is.TimesSeen, is.EventsStored, is.UserCount)
	}
	if !is.LastSeen.Equal(t0.Add(3*time.Hour)) || is.Title != "title b" {
		t.Errorf("merged last_seen %v title %q", is.LastSeen, is.Title)
	}
	if h, _ := s.IssueHashes(ctx, a); !slices.Equal(h, []string{"a", "b", "c"}) {
		t.Errorf("hashes %v", h)
	}
	hours, _ := s.IssueHourlyCounts(ctx, []int64{a}, t0.Add(-time.Hour))
	var sum int64
	for _, h := range hours[a] {
		sum += h.Count
	}
	if sum != 8 || hours[a][0].Count != 3 {
		t.Errorf("hours %v", hours[a])
	}
	if _, err := s.GetIssue(ctx, b); !errors.Is(err, ErrNotFound) {
		t.Errorf("merged issue still there: %v", err)
	}
	if page, _ := s.ListEvents(ctx, a, "", 100); len(page.Events) != 8 {
		t.Errorf("%d events after merge", len(page.Events))
	}
	// New events with a merged hash join the target.
	if got := submit(t, s, rec("b")).IssueID; got != a {
		t.Errorf("event with merged hash went to %d", got)
	}
	if err := s.MergeIssues(ctx, a, []int64{12345}); !errors.Is(err, ErrNotFound) {
		t.Errorf("merge missing: %v", err)
	}
}

func TestDeleteIssues(t *testing.T) {
	s := mustOpen(t, "", Options{})
	ctx := context.Background()
	r := rec("d")
	r.Attachments = []Attachment{{Name: "a", Data: []byte("x")}}
	res := submit(t, s, r)
	submit(t, s, rec("d"))
	keep := submit(t, s, rec("k")).IssueID
	n, err := s.DeleteIssues(ctx, []int64{res.IssueID, 777})
	if err != nil || n != 1 {
		t.Fatalf("DeleteIssues = %d, %v", n, err)
	}
	if _, err := s.GetIssue(ctx, res.IssueID); !errors.Is(err, ErrNotFound) {
		t.Error("issue not deleted")
	}
	if _, err := s.GetEvent(ctx, 1, r.EventID); !errors.Is(err, ErrNotFound) {
		t.Error("event not deleted")
	}
	if atts, _ := s.Attachments(ctx, res.EventRow); len(atts) != 0 {
		t.Error("attachment not deleted")
	}
	if c, _ := s.EventCount(ctx); c != 1 {
		t.Errorf("EventCount = %d", c)
	}
	// The hash is free again: a new issue with the next short id.
	again := submit(t, s, rec("d"))
	if !again.NewIssue || getIssue(t, s, again.IssueID).ShortIDNum != 3 {
		t.Errorf("after delete: %+v", again)
	}
	_ = keep
}

func TestRetention(t *testing.T) {
	ctx := context.Background()
	t.Run("per issue", func(t *testing.T) {
		s := mustOpen(t, "", Options{MaxEventsPerIssue: 5, RetentionStep: 3})
		var rows []int64
		var issue int64
		for range 12 {
			res := submit(t, s, rec("p"))
			rows = append(rows, res.EventRow)
			issue = res.IssueID
		}
		if err := s.RunRetention(ctx); err != nil {
			t.Fatal(err)
		}
		page, _ := s.ListEvents(ctx, issue, "", 100)
		var got []int64
		for _, e := range page.Events {
			got = append(got, e.Row)
		}
		want := slices.Clone(rows[7:])
		slices.Reverse(want)
		if !slices.Equal(got, want) {
			t.Errorf("kept %v, want %v", got, want)
		}
		is := getIssue(t, s, issue)
		if is.TimesSeen != 12 || is.EventsStored != 5 {
			t.Errorf("times %d stored %d", is.TimesSeen, is.EventsStored)
		}
		if c, _ := s.EventCount(ctx); c != 5 {
			t.Errorf("EventCount %d", c)
		}
	})
	t.Run("total", func(t *testing.T) {
		s := mustOpen(t, "", Options{MaxEvents: 4})
		var first []string
		for i := range 10 {
			r := rec(fmt.Sprint("t", i%3))
			if i < 6 {
				first = append(first, r.EventID)
			}
			submit(t, s, r)
		}
		if err := s.RunRetention(ctx); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.EventCount(ctx); c != 4 {
			t.Errorf("EventCount %d", c)
		}
		for _, id := range first {
			if _, err := s.GetEvent(ctx, 1, id); !errors.Is(err, ErrNotFound) {
				t.Errorf("old event %s kept", id)
			}
		}
		page, _ := s.ListIssues(ctx, IssueQuery{})
		var times, stored int64
		for _, is := range page.Issues {
			times += is.TimesSeen
			stored += is.EventsStored
		}
		if times != 10 || stored != 4 {
			t.Errorf("times %d stored %d", times, stored)
		}
	})
	t.Run("age", func(t *testing.T) {
		now := t0
		var mu sync.Mutex
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		path := t.TempDir() + "/age.db"
		s := mustOpen(t, path, Options{MaxAge: time.Hour, Now: clock})
		old := rec("a")
		old.Received = t0.Add(-2 * time.Hour)
		submit(t, s, old)
		fresh := rec("a")
		fresh.Received = t0.Add(-time.Minute)
		submit(t, s, fresh)
		if err := s.RunRetention(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetEvent(ctx, 1, old.EventID); !errors.Is(err, ErrNotFound) {
			t.Error("old event kept")
		}
		if _, err := s.GetEvent(ctx, 1, fresh.EventID); err != nil {
			t.Error("fresh event deleted")
		}
		mu.Lock()
		now = t0.Add(2 * time.Hour)
		mu.Unlock()
		// Reopening schedules the age check too.
		s.Close()
		s = mustOpen(t, path, Options{MaxAge: time.Hour, Now: clock})
		if err := s.RunRetention(ctx); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.EventCount(ctx); c != 0 {
			t.Errorf("EventCount %d", c)
		}
		page, _ := s.ListIssues(ctx, IssueQuery{})
		if len(page.Issues) != 1 || page.Issues[0].TimesSeen != 2 {
			t.Errorf("issues after age retention: %+v", page.Issues)
		}
	})
	t.Run("in background", func(t *testing.T) {
		s := mustOpen(t, "", Options{MaxEventsPerIssue: 2})
		var issue int64
		for range 6 {
			issue = submit(t, s, rec("bg")).IssueID
		}
		deadline := time.Now().Add(5 * time.Second)
		for getIssue(t, s, issue).EventsStored != 2 {
			if time.Now().After(deadline) {
				t.Fatal("background retention did not run")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func TestQueueFull(t *testing.T) {
	s := mustOpen(t, "", Options{QueueSize: 1})
	ctx := context.Background()
	block := make(chan struct{})
	started := make(chan struct{})
	go s.doRaw(ctx, func(*writer) { close(started); <-block })
	<-started
	errs := make(chan error, 1)
	go func() { _, err := s.Submit(ctx, rec("q")); errs <- err }()
	// Wait until the first event is in the backlog.
	for s.backlog.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	if _, err := s.Submit(ctx, rec("q")); !errors.Is(err, ErrQueueFull) {
		t.Errorf("Submit on full queue = %v", err)
	}
	close(block)
	if err := <-errs; err != nil {
		t.Errorf("queued Submit = %v", err)
	}
}

func TestSubmitContextCanceled(t *testing.T) {
	s := mustOpen(t, "", Options{})
	block := make(chan struct{})
	started := make(chan struct{})
	go s.doRaw(context.Background(), func(*writer) { close(started); <-block })
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.Submit(ctx, rec("c")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Submit = %v", err)
	}
	close(block)
}

func TestFeedback(t *testing.T) {
	s := mustOpen(t, "", Options{})
	ctx := context.Background()
	r := rec("f")
	before := eid()
	if _, err := s.AddFeedback(ctx, Feedback{ProjectID: 1, EventID: before, Name: "Ann", Comments: "early"}); err != nil {
		t.Fatal(err)
	}
	issue := submit(t, s, r).IssueID
	r2 := rec("f")
	r2.EventID = before
	submit(t, s, r2)
	if _, err := s.AddFeedback(ctx, Feedback{ProjectID: 1, EventID: r.EventID, Email: "a@b.c", Comments: "late",
		Created: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	fb, err := s.IssueFeedback(ctx, issue)
	if err != nil || len(fb) != 2 {
		t.Fatalf("IssueFeedback = %+v, %v", fb, err)
	}
}

func TestArtifacts(t *testing.T) {
	s := mustOpen(t, "", Options{})
	ctx := context.Background()
	entries := []ArtifactEntry{
		{DebugID: "C0FFEE00-0000-4000-8000-000000000001", URL: "~/app.js", Type: "minified_source", Release: "1.0"},
		{DebugID: "c0ffee00-0000-4000-8000-000000000001", URL: "~/app.js.map", Type: "source_map", Release: "1.0"},
	}
	id, err := s.InsertArtifactBundle(ctx, ArtifactBundle{ProjectID: 1, BundleID: "b1", Data: []byte("zip")}, entries)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := s.LookupArtifacts(ctx, ArtifactQuery{ProjectID: 1, DebugID: "c0ffee00-0000-4000-8000-000000000001", Type: "source_map"})
	if err != nil || len(refs) != 1 || refs[0].Bundle != id || refs[0].URL != "~/app.js.map" {
		t.Fatalf("by debug id: %+v, %v", refs, err)
	}
	refs, err = s.LookupArtifacts(ctx, ArtifactQuery{ProjectID: 1, Release: "1.0", URL: "~/app.js"})
	if err != nil || len(refs) != 1 {
		t.Fatalf("by release: %+v, %v", refs, err)
	}
	data, err := s.ArtifactBundleData(ctx, id)
	if err != nil || string(data) != "zip" {
		t.Errorf("data %q %v", data, err)
	}
	// Re-uploading the same bundle replaces it.
	id2, err := s.InsertArtifactBundle(ctx, ArtifactBundle{ProjectID: 1, BundleID: "b1", Data: []byte("zip2")}, entries[:1])
	if err != nil {
		t.Fatal(err)
	}
	refs, _ = s.LookupArtifacts(ctx, ArtifactQuery{ProjectID: 1, Release: "1.0"})
	if len(refs) != 1 || refs[0].Bundle != id2 {
		t.Errorf("after replace: %+v", refs)
	}
	if _, err := s.LookupArtifacts(ctx, ArtifactQuery{ProjectID: 1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty query: %v", err)
	}
}
