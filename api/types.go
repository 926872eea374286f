package api

import (
	"time"
)

// The web API's JSON types. Field names are Sentry's; ids are strings where
// Sentry sends strings (and so is an issue's count). The local server encodes
// the same types, so a field Sentry always sends has no omitempty.

// Organization is one entry of GET /api/0/organizations/.
type Organization struct {
	ID             string             `json:"id"`
	Slug           string             `json:"slug"`
	Name           string             `json:"name"`
	DateCreated    time.Time          `json:"dateCreated"`
	Status         OrganizationStatus `json:"status"`
	IsEarlyAdopter bool               `json:"isEarlyAdopter"`
	Require2FA     bool               `json:"require2FA"`
	Features       []string           `json:"features"`
	Links          OrganizationLinks  `json:"links"`
}

// OrganizationStatus is e.g. {"id": "active", "name": "active"}.
type OrganizationStatus struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// OrganizationLinks are where the organization's UI and region API live
// (https://acme.sentry.io, https://us.sentry.io).
type OrganizationLinks struct {
	OrganizationURL string `json:"organizationUrl"`
	RegionURL       string `json:"regionUrl"`
}

// Project is one entry of GET /api/0/organizations/{org}/projects/.
type Project struct {
	ID           string     `json:"id"`
	Slug         string     `json:"slug"`
	Name         string     `json:"name"`
	Platform     *string    `json:"platform"`
	DateCreated  time.Time  `json:"dateCreated"`
	IsBookmarked bool       `json:"isBookmarked"`
	IsMember     bool       `json:"isMember"`
	HasAccess    bool       `json:"hasAccess"`
	Features     []string   `json:"features"`
	FirstEvent   *time.Time `json:"firstEvent"`
}

// ProjectKey is a client key (DSN) from GET /api/0/projects/{org}/{project}/keys/.
type ProjectKey struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Label       string        `json:"label"`
	Public      string        `json:"public"`
	Secret      string        `json:"secret"`
	ProjectID   int64         `json:"projectId"` // a number, unlike most ids
	IsActive    bool          `json:"isActive"`
	RateLimit   *KeyRateLimit `json:"rateLimit"`
	DateCreated time.Time     `json:"dateCreated"`
	DSN         KeyDSN        `json:"dsn"`
	// BrowserSDKVersion is the Loader script's SDK line, e.g. "8.x".
	BrowserSDKVersion string `json:"browserSdkVersion,omitempty"`
}

// KeyRateLimit allows Count events per Window seconds.
type KeyRateLimit struct {
	Window int `json:"window"`
	Count  int `json:"count"`
}

// KeyDSN is a key's endpoints; Public is the DSN SDKs are given.
type KeyDSN struct {
	Secret   string `json:"secret"`
	Public   string `json:"public"`
	CSP      string `json:"csp"`
	Security string `json:"security"`
	Minidump string `json:"minidump"`
	NEL      string `json:"nel,omitempty"`
	Unreal   string `json:"unreal"`
	CDN      string `json:"cdn"`
	Crons    string `json:"crons,omitempty"`
}

// Issue statuses as Sentry reports them; IssueUpdate.Status also takes
// StatusResolvedInNextRelease.
const (
	StatusResolved              = "resolved"
	StatusResolvedInNextRelease = "resolvedInNextRelease"
	StatusUnresolved            = "unresolved"
	StatusIgnored               = "ignored"
)

// Issue is a group of events, as issue lists and GET …/issues/{id}/ return it.
type Issue struct {
	ID            string          `json:"id"`
	ShortID       string          `json:"shortId"`
	Title         string          `json:"title"`
	Culprit       string          `json:"culprit"`
	Permalink     string          `json:"permalink"`
	Logger        *string         `json:"logger"`
	Level         string          `json:"level"`
	Status        string          `json:"status"`
	StatusDetails StatusDetails   `json:"statusDetails"`
	Substatus     string          `json:"substatus,omitempty"`
	IsPublic      bool            `json:"isPublic"`
	Platform      string          `json:"platform"`
	Priority      string          `json:"priority,omitempty"`
	Project       IssueProject    `json:"project"`
	Type          string          `json:"type"`
	IssueType     string          `json:"issueType,omitempty"`
	IssueCategory string          `json:"issueCategory,omitempty"`
	Metadata      IssueMetadata   `json:"metadata"`
	NumComments   int             `json:"numComments"`
	AssignedTo    *Actor          `json:"assignedTo"`
	IsBookmarked  bool            `json:"isBookmarked"`
	IsSubscribed  bool            `json:"isSubscribed"`
	HasSeen       bool            `json:"hasSeen"`
	IsUnhandled   bool            `json:"isUnhandled"`
	Count         string          `json:"count"` // a string: str(times_seen)
	UserCount     int             `json:"userCount"`
	FirstSeen     time.Time       `json:"firstSeen"`
	LastSeen      time.Time       `json:"lastSeen"`
	Stats         map[string]Stat `json:"stats,omitempty"` // "24h" → buckets; absent with collapse=stats
	// Only on the detail endpoint.
	FirstRelease *Release `json:"firstRelease,omitempty"`
	LastRelease  *Release `json:"lastRelease,omitempty"`
}

// Stat is a series of [unix seconds, count] buckets.
type Stat [][2]float64

// IssueProject is the project an issue belongs to.
type IssueProject struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Slug     string `json:"slug"`
	Platform string `json:"platform,omitempty"`
}

// IssueMetadata is what an issue's (and an event's) title is made from.
type IssueMetadata struct {
	Type     string `json:"type,omitempty"`
	Value    string `json:"value,omitempty"`
	Filename string `json:"filename,omitempty"`
	Function string `json:"function,omitempty"`
	Title    string `json:"title,omitempty"`
}

// Actor is a user or team an issue is assigned to, or who changed it.
type Actor struct {
	Type  string `json:"type"` // "user" or "team"
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// StatusDetails qualifies a status, both ways: in an IssueUpdate it says how
// to resolve or ignore; on an Issue it says how it was. Durations and windows
// are in minutes.
type StatusDetails struct {
	InNextRelease    bool       `json:"inNextRelease,omitempty"`
	InRelease        string     `json:"inRelease,omitempty"` // a version, or "latest"
	InCommit         *InCommit  `json:"inCommit,omitempty"`
	IgnoreDuration   int        `json:"ignoreDuration,omitempty"`
	IgnoreCount      int        `json:"ignoreCount,omitempty"`
	IgnoreWindow     int        `json:"ignoreWindow,omitempty"`
	IgnoreUserCount  int        `json:"ignoreUserCount,omitempty"`
	IgnoreUserWindow int        `json:"ignoreUserWindow,omitempty"`
	IgnoreUntil      *time.Time `json:"ignoreUntil,omitempty"`
	Actor            *Actor     `json:"actor,omitempty"`
}

// InCommit resolves an issue with a commit.
type InCommit struct {
	Commit     string `json:"commit"`
	Repository string `json:"repository"`
}

// Release is a release as the releases endpoints, issues and events show it.
type Release struct {
	ID           int64            `json:"id,omitempty"`
	Version      string           `json:"version"`
	ShortVersion string           `json:"shortVersion,omitempty"`
	Ref          *string          `json:"ref,omitempty"`
	URL          *string          `json:"url,omitempty"`
	DateCreated  time.Time        `json:"dateCreated"`
	DateReleased *time.Time       `json:"dateReleased"`
	Projects     []ReleaseProject `json:"projects,omitempty"`
}

// ReleaseProject is a project a release belongs to.
type ReleaseProject struct {
	ID   int64  `json:"id,omitempty"`
	Slug string `json:"slug"`
	Name string `json:"name,omitempty"`
}

// GroupHash is one of the grouping hashes an issue collects events under.
type GroupHash struct {
	ID          string      `json:"id"`
	LatestEvent *IssueEvent `json:"latestEvent"`
}
