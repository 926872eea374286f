package api

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"time"
)

// IssueEvent is an event as the web API shows it (Sentry's EventDetailed).
// It is not the ingest payload (Event): tags are a list of pairs, the
// interfaces sit in Entries, and frames are camelCase.
type IssueEvent struct {
	ID           string         `json:"id"`
	EventID      string         `json:"eventID"`
	GroupID      *string        `json:"groupID"`
	ProjectID    string         `json:"projectID"`
	Title        string         `json:"title"`
	Message      string         `json:"message"`
	Platform     string         `json:"platform"`
	Type         string         `json:"type"`
	DateCreated  time.Time      `json:"dateCreated"`
	DateReceived *time.Time     `json:"dateReceived"`
	Size         int            `json:"size,omitempty"`
	Dist         *string        `json:"dist"`
	Release      *Release       `json:"release"`
	Culprit      string         `json:"culprit"`
	Location     *string        `json:"location"`
	Metadata     IssueMetadata  `json:"metadata"`
	Tags         []EventTag     `json:"tags"`
	User         *IssueUser     `json:"user"`
	SDK          *IssueEventSDK `json:"sdk"`
	// Contexts are keyed by name ("browser", "os", "trace", ...).
	Contexts map[string]map[string]any `json:"contexts"`
	// Context is the event's extra data.
	Context         map[string]any    `json:"context"`
	Packages        map[string]string `json:"packages,omitempty"`
	Entries         []EventEntry      `json:"entries"`
	Fingerprints    []string          `json:"fingerprints"`
	Errors          []EventError      `json:"errors"`
	PreviousEventID *string           `json:"previousEventID"`
	NextEventID     *string           `json:"nextEventID"`
}

// EventTag is one tag; the API sends tags as a list of these.
type EventTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// IssueUser is the user an event happened to.
type IssueUser struct {
	ID        string         `json:"id,omitempty"`
	Email     string         `json:"email,omitempty"`
	Username  string         `json:"username,omitempty"`
	IPAddress string         `json:"ip_address,omitempty"`
	Name      string         `json:"name,omitempty"`
	Data      map[string]any `json:"data,omitempty"`
}

// IssueEventSDK names the SDK that sent the event.
type IssueEventSDK struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// EventEntry is one interface of the event: exception, message, breadcrumbs,
// request, threads, stacktrace, debugmeta, ... Data's shape depends on Type.
type EventEntry struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// EventError is a processing problem Sentry noted on the event (a sourcemap
// it could not fetch, a frame it could not map).
type EventError struct {
	Type    string         `json:"type"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data,omitempty"`
}

// Entry types with accessors on IssueEvent.
const (
	EntryException   = "exception"
	EntryMessage     = "message"
	EntryBreadcrumbs = "breadcrumbs"
	EntryRequest     = "request"
	EntryDebugMeta   = "debugmeta"
)

// Tag returns the value of tag key, or "".
func (e *IssueEvent) Tag(key string) string {
	for _, t := range e.Tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}

// DecodeEntry decodes the first entry of type typ into out; it reports false
// if the event has none.
func (e *IssueEvent) DecodeEntry(typ string, out any) (bool, error) {
	for _, en := range e.Entries {
		if en.Type == typ {
			if err := json.Unmarshal(en.Data, out); err != nil {
				return true, fmt.Errorf("event %s: decoding the %s entry: %w", e.EventID, typ, err)
			}
			return true, nil
		}
	}
	return false, nil
}

// ExceptionEntry is the data of an "exception" entry.
type ExceptionEntry struct {
	Values          []EventException `json:"values"`
	HasSystemFrames bool             `json:"hasSystemFrames"`
	ExcOmitted      []int            `json:"excOmitted"`
}

// EventException is one exception of a chain; Sentry lists the innermost
// cause first and the one that was raised last.
type EventException struct {
	Type          string           `json:"type"`
	Value         string           `json:"value"`
	Module        *string          `json:"module"`
	Mechanism     map[string]any   `json:"mechanism"`
	ThreadID      any              `json:"threadId"`
	Stacktrace    *EventStacktrace `json:"stacktrace"`
	RawStacktrace *EventStacktrace `json:"rawStacktrace"`
}

// EventStacktrace lists frames oldest call first, as Sentry stores them.
type EventStacktrace struct {
	Frames          []EventFrame `json:"frames"`
	FramesOmitted   []int        `json:"framesOmitted"`
	HasSystemFrames bool         `json:"hasSystemFrames"`
}

// EventFrame is a frame as the API returns it (camelCase, with the source
// context as numbered lines).
type EventFrame struct {
	Filename        string         `json:"filename"`
	AbsPath         string         `json:"absPath"`
	Module          string         `json:"module"`
	Package         string         `json:"package"`
	Platform        string         `json:"platform"`
	InstructionAddr string         `json:"instructionAddr"`
	SymbolAddr      string         `json:"symbolAddr"`
	Function        string         `json:"function"`
	Symbol          string         `json:"symbol"`
	LineNo          *int           `json:"lineNo"`
	ColNo           *int           `json:"colNo"`
	InApp           bool           `json:"inApp"`
	Trust           string         `json:"trust"`
	Context         []ContextLine  `json:"context"`
	Vars            map[string]any `json:"vars"`
	Errors          []any          `json:"errors"`
}

// ContextLine is one line of a frame's source context; on the wire it is
// the pair [lineNo, "text"].
type ContextLine struct {
	LineNo int
	Text   string
}

// UnmarshalJSON reads the [lineNo, "text"] pair.
func (l *ContextLine) UnmarshalJSON(b []byte) error {
	var pair []json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil {
		return err
	}
	if len(pair) != 2 {
		return fmt.Errorf("a context line is a [lineNo, text] pair, got %d elements", len(pair))
	}
	if err := json.Unmarshal(pair[0], &l.LineNo); err != nil {
		return fmt.Errorf("context line number: %w", err)
	}
	// Text is null when Sentry has no source for the line.
	if string(pair[1]) == "null" {
		l.Text = ""
		return nil
	}
	if err := json.Unmarshal(pair[1], &l.Text); err != nil {
		return fmt.Errorf("context line text: %w", err)
	}
	return nil
}

// MarshalJSON writes the [lineNo, "text"] pair.
func (l ContextLine) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]any{l.LineNo, l.Text})
}

// Exceptions returns the exception entry's values, or nil if there is none.
func (e *IssueEvent) Exceptions() ([]EventException, error) {
	var ex ExceptionEntry
	if _, err := e.DecodeEntry(EntryException, &ex); err != nil {
		return nil, err
	}
	return ex.Values, nil
}

// EventBreadcrumb is one breadcrumb of an event's breadcrumbs entry.
type EventBreadcrumb struct {
	Timestamp Timestamp       `json:"timestamp"`
	Type      string          `json:"type"`
	Category  string          `json:"category"`
	Level     string          `json:"level"`
	Message   string          `json:"message"`
	Data      json.RawMessage `json:"data"`
}

// Breadcrumbs returns the breadcrumbs entry's values, oldest first, or nil.
func (e *IssueEvent) Breadcrumbs() ([]EventBreadcrumb, error) {
	var b struct {
		Values []EventBreadcrumb `json:"values"`
	}
	if _, err := e.DecodeEntry(EntryBreadcrumbs, &b); err != nil {
		return nil, err
	}
	return b.Values, nil
}

// SourcemapDebugIDs maps each minified file's URL to its debug ID, from the
// debugmeta entry (see DebugMeta.SourcemapDebugIDs).
func (e *IssueEvent) SourcemapDebugIDs() (map[string]string, error) {
	var meta DebugMeta
	if _, err := e.DecodeEntry(EntryDebugMeta, &meta); err != nil {
		return nil, err
	}
	return meta.SourcemapDebugIDs(), nil
}

// MainException is the exception that ended the chain (the last value), or
// nil.
func (e *IssueEvent) MainException() (*EventException, error) {
	vals, err := e.Exceptions()
	if err != nil || len(vals) == 0 {
		return nil, err
	}
	return &vals[len(vals)-1], nil
}

// FormattedMessage is the message entry's text, or "".
func (e *IssueEvent) FormattedMessage() (string, error) {
	var m struct {
		Formatted string `json:"formatted"`
		Message   string `json:"message"`
	}
	if ok, err := e.DecodeEntry(EntryMessage, &m); !ok || err != nil {
		return "", err
	}
	if m.Formatted != "" {
		return m.Formatted, nil
	}
	return m.Message, nil
}

// EventListOptions filter an issue's events.
type EventListOptions struct {
	ListOptions
	Query       string
	Environment []string
	StatsPeriod string // "24h", "14d"; overrides Start/End
	Start, End  time.Time
	// Full asks for complete events (entries included) rather than summaries.
	Full bool
}

func (o EventListOptions) values() url.Values {
	q := o.ListOptions.apply(nil, "per_page")
	if o.Query != "" {
		q.Set("query", o.Query)
	}
	for _, env := range o.Environment {
		q.Add("environment", env)
	}
	if o.StatsPeriod != "" {
		q.Set("statsPeriod", o.StatsPeriod)
	}
	if !o.Start.IsZero() {
		q.Set("start", o.Start.UTC().Format(time.RFC3339))
	}
	if !o.End.IsZero() {
		q.Set("end", o.End.UTC().Format(time.RFC3339))
	}
	if o.Full {
		q.Set("full", strconv.FormatBool(true))
	}
	return q
}

func issueEventsPath(org, issueID string) string {
	return "/organizations/" + pathEscape(org) + "/issues/" + pathEscape(issueID) + "/events/"
}

// IssueEventsPage returns one page of an issue's events, newest first.
func (c *Client) IssueEventsPage(ctx context.Context, org, issueID string, opts EventListOptions) (*Page[IssueEvent], error) {
	return getPage[IssueEvent](ctx, c, issueEventsPath(org, issueID), opts.values())
}

// IssueEvents iterates over an issue's events, page after page.
func (c *Client) IssueEvents(ctx context.Context, org, issueID string, opts EventListOptions) iter.Seq2[IssueEvent, error] {
	return paginate[IssueEvent](ctx, c, issueEventsPath(org, issueID), opts.values(), opts.MaxPages)
}

// Special event ids for GetIssueEvent.
const (
	EventLatest      = "latest"
	EventOldest      = "oldest"
	EventRecommended = "recommended"
)

// GetIssueEvent returns one event of an issue: an event id, or EventLatest,
// EventOldest or EventRecommended.
func (c *Client) GetIssueEvent(ctx context.Context, org, issueID, eventID string) (*IssueEvent, error) {
	var ev IssueEvent
	if err := c.get(ctx, issueEventsPath(org, issueID)+pathEscape(eventID)+"/", &ev); err != nil {
		return nil, err
	}
	return &ev, nil
}

// LatestEvent returns an issue's most recent event.
func (c *Client) LatestEvent(ctx context.Context, org, issueID string) (*IssueEvent, error) {
	return c.GetIssueEvent(ctx, org, issueID, EventLatest)
}

// GetEvent returns an event by id within a project; it works for any event
// id, which is what a user pastes from an SDK's log line.
func (c *Client) GetEvent(ctx context.Context, org, project, eventID string) (*IssueEvent, error) {
	var ev IssueEvent
	path := "/projects/" + pathEscape(org) + "/" + pathEscape(project) + "/events/" + pathEscape(eventID) + "/"
	if err := c.get(ctx, path, &ev); err != nil {
		return nil, err
	}
	return &ev, nil
}

// IssueHashes iterates over the grouping hashes of an issue, each with its
// latest event (full, with entries, when full is true).
func (c *Client) IssueHashes(ctx context.Context, org, issueID string, full bool, opts ListOptions) iter.Seq2[GroupHash, error] {
	q := opts.apply(nil, "per_page")
	if full {
		q.Set("full", "true")
	}
	path := "/organizations/" + pathEscape(org) + "/issues/" + pathEscape(issueID) + "/hashes/"
	return paginate[GroupHash](ctx, c, path, q, opts.MaxPages)
}
