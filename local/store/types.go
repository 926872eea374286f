package store

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/snag-dev/snag/api"
)

// EventRecord is one normalized event as ingest hands it to the store.
type EventRecord struct {
	ProjectID int64
	// EventID is 32 hex digits; dashes and upper case are accepted and
	// normalized.
	EventID string
	// Hashes are the grouping hashes, most specific first. The event joins
	// the issue of the first hash already known in its project.
	Hashes      []string
	Timestamp   time.Time // when the event happened (client time)
	Received    time.Time // when the server got it; zero means now
	Level       string
	Title       string
	Culprit     string
	Type        string          // "error", "default", ...
	Metadata    json.RawMessage // Sentry's issue metadata ({type, value, filename, function, ...})
	Message     string
	Platform    string
	Release     string
	Dist        string
	Environment string
	Transaction string
	// UserKey identifies the user for distinct-user counts ("id:…",
	// "email:…", …); empty when the event has no user.
	UserKey string
	Tags    [][2]string
	// Body is the normalized event JSON; the store compresses it.
	Body        []byte
	Attachments []Attachment
}

// Attachment is a file sent with an event.
type Attachment struct {
	Name           string
	ContentType    string
	AttachmentType string // "event.attachment" when empty
	Data           []byte
}

// Result tells a submitter what became of its event.
type Result struct {
	IssueID   int64
	EventRow  int64 // the event's row id (0 for a duplicate)
	NewIssue  bool  // the event created its issue
	Duplicate bool  // the event id was already stored; nothing was counted
	Regressed bool  // the event reopened a resolved issue
}

// Project is a local project.
type Project struct {
	ID       int64
	Slug     string
	Name     string
	OrgSlug  string
	Platform string
	Created  time.Time
}

// ProjectKey is a DSN public key of a project.
type ProjectKey struct {
	PublicKey string
	ProjectID int64
	Label     string
	Created   time.Time
}

// Issue statuses and substatuses (Sentry's names).
const (
	StatusUnresolved = "unresolved"
	StatusResolved   = "resolved"
	StatusIgnored    = "ignored"

	SubstatusNew             = "new"
	SubstatusOngoing         = "ongoing"
	SubstatusRegressed       = "regressed"
	SubstatusEscalating      = "escalating"
	SubstatusArchivedForever = "archived_forever"
	SubstatusArchivedUntil   = "archived_until_condition_met"
)

// newIssueAge is how long an unresolved issue stays "new".
const newIssueAge = 7 * 24 * time.Hour

// Issue is one group of events.
type Issue struct {
	ID          int64
	ProjectID   int64
	ProjectSlug string
	ShortIDNum  int64 // per-project counter
	Status      string
	Substatus   string // "" for resolved issues
	// StatusDetails is the JSON object Sentry returns as statusDetails.
	StatusDetails   json.RawMessage
	ResolvedAt      time.Time
	FirstSeen       time.Time
	LastSeen        time.Time
	TimesSeen       int64
	UserCount       int64
	EventsStored    int64 // events still stored (retention deletes some)
	Level           string
	Title           string
	Culprit         string
	Type            string
	Metadata        json.RawMessage
	Platform        string
	FirstRelease    string
	LastRelease     string
	LastEnvironment string
}

// ShortID is Sentry's display id: upper-case project slug, "-", the number
// in base 36 upper case (DEFAULT-1, ..., DEFAULT-A).
func (i *Issue) ShortID() string {
	return strings.ToUpper(i.ProjectSlug) + "-" + strings.ToUpper(strconv.FormatInt(i.ShortIDNum, 36))
}

// Event is a stored event. Body is nil in listings and filled (decompressed)
// by GetEvent, LatestEvent and OldestEvent.
type Event struct {
	Row         int64 // the store's monotonic row id (cursor for EventsSince)
	ProjectID   int64
	IssueID     int64
	EventID     string
	Timestamp   time.Time
	Received    time.Time
	Level       string
	Release     string
	Dist        string
	Environment string
	Platform    string
	Type        string
	Title       string
	Message     string
	Transaction string
	UserKey     string
	Tags        [][2]string
	Hashes      []string
	Size        int // uncompressed body size
	Body        []byte
}

// AttachmentInfo describes a stored attachment (without its data).
type AttachmentInfo struct {
	ID             int64
	EventRow       int64
	Name           string
	ContentType    string
	AttachmentType string
	Size           int64
}

// HourCount is the number of events of an issue in one hour.
type HourCount struct {
	Hour  time.Time // start of the hour, UTC
	Count int64
}

// TagValue is one value of a tag on an issue's events.
type TagValue struct {
	Value     string
	Count     int64
	FirstSeen time.Time
	LastSeen  time.Time
}

// TagKey summarizes one tag key on an issue: how many events carried it, how
// many distinct values it had, and the most frequent values.
type TagKey struct {
	Key          string
	TotalValues  int64
	UniqueValues int64
	TopValues    []TagValue
}

// NewEventRecord is what the store keeps of a normalized event (its JSON
// is body; userKey identifies its user for distinct-user counts), grouped
// under hashes, in project, received at received. Ingest, the seeding
// tools and tests all build records this way.
func NewEventRecord(project int64, received time.Time, ev *api.Event, userKey string, body []byte, hashes []string) *EventRecord {
	rec := &EventRecord{
		ProjectID: project, EventID: ev.EventID, Hashes: hashes,
		Timestamp: ev.Timestamp.Time, Received: received,
		Level: ev.Level, Title: ev.Title, Culprit: ev.Culprit, Type: ev.Type,
		Message: ev.Message(), Platform: ev.Platform, Release: ev.Release, Dist: ev.Dist,
		Environment: ev.Environment, Transaction: ev.Transaction, UserKey: userKey,
		Body: body,
	}
	if ev.Metadata != nil {
		rec.Metadata, _ = json.Marshal(ev.Metadata)
	}
	if len(ev.Tags) > 0 {
		rec.Tags = make([][2]string, len(ev.Tags))
		for i, t := range ev.Tags {
			rec.Tags[i] = [2]string{t.Key, t.Value}
		}
	}
	return rec
}
