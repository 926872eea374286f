package api

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Backend is where triage reads and changes issues: the `snag issues`
// commands and the TUI use nothing else. *Remote implements it over a Sentry
// server (sentry.io, self-hosted, or `snag serve`), and store.Backend over
// the local database, so both speak the web API's types and say the same
// things the same way.
//
// Ids are Sentry's: numeric strings. Wherever an issue id is taken, a short
// id ("WEB-1A") works too. A missing issue or event is an error matching
// ErrNotFound.
type Backend interface {
	// Target says which server or database answers, for headers and
	// --verbose.
	Target() Target

	// ListIssues returns one page of issues; Page.NextCursor fetches the
	// next one.
	ListIssues(ctx context.Context, q IssueQuery) (*Page[Issue], error)
	// GetIssue returns one issue with its detail fields (first and last
	// release).
	GetIssue(ctx context.Context, id string) (*Issue, error)
	// IssueTags summarizes the tags of an issue's events: every key with its
	// counts and at most topValues of its most frequent values (0 means 9,
	// as Sentry's sidebar shows).
	IssueTags(ctx context.Context, issueID string, topValues int) ([]IssueTag, error)

	// IssueEvent returns one full event of an issue: an event id, or
	// EventLatest or EventOldest. PreviousEventID and NextEventID name its
	// older and newer neighbours in the issue, so a caller steps through
	// the issue's events by asking for those.
	IssueEvent(ctx context.Context, issueID, eventID string) (*IssueEvent, error)
	// IssueEvents returns one page of an issue's events, newest first:
	// summaries (no entries) unless full.
	IssueEvents(ctx context.Context, issueID string, full bool, opts ListOptions) (*Page[IssueEvent], error)
	// Event returns a full event by its id (32 hex digits, dashes allowed),
	// whatever issue it is in.
	Event(ctx context.Context, eventID string) (*IssueEvent, error)
	// IssueHashes lists the grouping hashes of an issue, each with its
	// latest event (a summary, without entries).
	IssueHashes(ctx context.Context, issueID string) ([]GroupHash, error)

	// UpdateIssues changes the status (or other fields) of the given
	// issues and echoes what changed. Unknown ids are skipped; ErrNotFound
	// when none is known.
	UpdateIssues(ctx context.Context, ids []string, u IssueUpdate) (*IssueUpdateResult, error)
	// MergeIssues merges issues of one project into the one with the most
	// events (ties: the higher id) and says which.
	MergeIssues(ctx context.Context, ids []string) (*MergeResult, error)
	// DeleteIssues deletes issues with their events.
	DeleteIssues(ctx context.Context, ids []string) error
}

// ChangeWatcher is implemented by backends that can tell cheaply whether
// anything changed (the local store): Version returns a number that grows
// with every write. A TUI polls it and re-reads only when it moved; a
// backend without it is refreshed on a timer or by the user.
type ChangeWatcher interface {
	Version(ctx context.Context) (int64, error)
}

// Target kinds.
const (
	TargetSentry = "sentry" // a Sentry web API (sentry.io, self-hosted, or snag serve)
	TargetLocal  = "local"  // the local database, opened directly
)

// Target describes the backend in use.
type Target struct {
	Kind string `json:"kind"` // TargetSentry or TargetLocal
	// URL is the server's base URL (TargetSentry).
	URL string `json:"url,omitempty"`
	// Path is the database file (TargetLocal).
	Path    string `json:"path,omitempty"`
	Org     string `json:"org,omitempty"`
	Project string `json:"project,omitempty"` // "" is every project
}

// String is the one-line description headers and --verbose print:
// "Sentry https://sentry.io (org acme, project web)" or
// "local store /home/me/.local/share/snag/snag.db".
func (t Target) String() string {
	var s string
	switch t.Kind {
	case TargetLocal:
		s = "local store " + t.Path
	default:
		s = "Sentry " + strings.TrimRight(t.URL, "/")
	}
	var scope []string
	if t.Org != "" && t.Kind != TargetLocal {
		scope = append(scope, "org "+t.Org)
	}
	if t.Project != "" {
		scope = append(scope, "project "+t.Project)
	}
	if len(scope) > 0 {
		s += " (" + strings.Join(scope, ", ") + ")"
	}
	return s
}

// IssueQuery selects and sorts a page of issues, in the terms of Sentry's
// issue list.
type IssueQuery struct {
	// Query is Sentry search syntax: is:unresolved|resolved|ignored,
	// level:, release:, environment:, other key:value pairs as tags, and
	// free text (matched against title and culprit). "" lists every status,
	// as Sentry does for an explicit empty query.
	Query string
	// Sort is date (last seen, the default), new (first seen), freq
	// (events) or user (users).
	Sort string
	// StatsPeriod ("24h", "14d", "90m") lists only issues seen within that
	// period; "" does not bound.
	StatsPeriod string
	// Stats chooses each issue's trend series (Issue.Stats): "" or "24h"
	// gives 24 hourly buckets under "24h", "14d" 14 daily buckets under
	// "14d", and StatsNone none.
	Stats string
	// Cursor is a previous Page's NextCursor; "" is the first page.
	Cursor string
	// Limit is the page size (default and maximum 100).
	Limit int
}

// StatsNone asks ListIssues for no trend series.
const StatsNone = "none"

// Stats periods and their buckets.
const (
	Stats24h = "24h"
	Stats14d = "14d"
)

// StatsBuckets returns the bucket width and count of a Stats period ("" is
// 24h); ok is false for StatsNone and unknown periods.
func StatsBuckets(period string) (width time.Duration, n int, ok bool) {
	switch period {
	case "", Stats24h:
		return time.Hour, 24, true
	case Stats14d:
		return 24 * time.Hour, 14, true
	}
	return 0, 0, false
}

// maxStatsPeriod bounds a period far beyond any retention.
const maxStatsPeriod = 100 * 365 * 24 * time.Hour

// ParseStatsPeriod reads Sentry's period syntax: a positive number and one
// of s, m, h, d, w ("24h", "14d").
func ParseStatsPeriod(p string) (time.Duration, error) {
	if len(p) < 2 {
		return 0, fmt.Errorf("stats period %q: want a number and a unit (s, m, h, d, w), e.g. 24h", p)
	}
	var unit time.Duration
	switch p[len(p)-1] {
	case 's':
		unit = time.Second
	case 'm':
		unit = time.Minute
	case 'h':
		unit = time.Hour
	case 'd':
		unit = 24 * time.Hour
	case 'w':
		unit = 7 * 24 * time.Hour
	default:
		return 0, fmt.Errorf("stats period %q: unknown unit %q (want s, m, h, d or w)", p, p[len(p)-1:])
	}
	n := int64(0)
	for _, c := range p[:len(p)-1] {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("stats period %q: want a number and a unit (s, m, h, d, w), e.g. 24h", p)
		}
		n = n*10 + int64(c-'0')
		if n > int64(maxStatsPeriod/unit) {
			return 0, fmt.Errorf("stats period %q is longer than %d days", p, maxStatsPeriod/(24*time.Hour))
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("stats period %q must be positive", p)
	}
	return time.Duration(n) * unit, nil
}

// IssueTag is one tag key of an issue, as GET …/issues/{id}/tags/ returns
// it.
type IssueTag struct {
	Key          string          `json:"key"`
	Name         string          `json:"name"`
	UniqueValues int             `json:"uniqueValues"`
	TotalValues  int             `json:"totalValues"`
	TopValues    []IssueTagValue `json:"topValues"`
}

// IssueTagValue is one value of a tag on an issue's events.
type IssueTagValue struct {
	Key       string    `json:"key"`
	Name      string    `json:"name"`
	Value     string    `json:"value"`
	Count     int       `json:"count"`
	FirstSeen time.Time `json:"firstSeen"`
	LastSeen  time.Time `json:"lastSeen"`
}

// TagKeyName is how Sentry labels a tag key: a few known keys by name,
// the rest with underscores as spaces and each word capitalized, as Python's
// str.title() does ("browser.name" → "Browser.Name").
func TagKeyName(key string) string {
	if n, ok := tagLabels[key]; ok {
		return n
	}
	b := []byte(strings.ReplaceAll(key, "_", " "))
	prevLetter := false
	for i, c := range b {
		isLower, isUpper := c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z'
		switch {
		case isLower && !prevLetter:
			b[i] = c - 'a' + 'A'
		case isUpper && prevLetter:
			b[i] = c - 'A' + 'a'
		}
		prevLetter = isLower || isUpper
	}
	return string(b)
}

var tagLabels = map[string]string{
	"exc_type":       "Exception Type",
	"sentry:user":    "User",
	"sentry:release": "Release",
	"sentry:dist":    "Distribution",
	"os":             "OS",
	"url":            "URL",
	"server_name":    "Server",
}

// IsNumericID reports whether id is a numeric issue id rather than a short
// id.
func IsNumericID(id string) bool {
	if id == "" {
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
