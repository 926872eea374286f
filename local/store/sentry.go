package store

// This file renders store rows in the shapes of Sentry's web API (the types
// of package api), for the local API server and the local triage backend:
// ids and counts as strings, userCount a number, ISO times, short ids like
// DEFAULT-1A, and events as EventDetailed with their interfaces in entries.

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/snag-dev/snag/api"
)

// APIIssue renders an issue as Sentry's issue list shows it (no stats, no
// releases: see Backend for those). baseURL ("http://127.0.0.1:8969") makes
// the permalink; "" leaves it empty.
func APIIssue(is Issue, baseURL string) api.Issue {
	id := strconv.FormatInt(is.ID, 10)
	out := api.Issue{
		ID:            id,
		ShortID:       is.ShortID(),
		Title:         is.Title,
		Culprit:       is.Culprit,
		Level:         is.Level,
		Status:        is.Status,
		Substatus:     is.Substatus,
		Platform:      is.Platform,
		Priority:      priority(is.Level),
		Project:       api.IssueProject{ID: strconv.FormatInt(is.ProjectID, 10), Name: is.ProjectSlug, Slug: is.ProjectSlug},
		Type:          orDefault(is.Type, "default"),
		IssueType:     "error",
		IssueCategory: "error",
		Count:         strconv.FormatInt(is.TimesSeen, 10),
		UserCount:     int(is.UserCount),
		FirstSeen:     is.FirstSeen,
		LastSeen:      is.LastSeen,
	}
	if baseURL != "" {
		out.Permalink = strings.TrimRight(baseURL, "/") + "/organizations/" + OrgSlug + "/issues/" + id + "/"
	}
	if len(is.StatusDetails) > 0 {
		// Unknown or malformed details are left out rather than failing a
		// whole list.
		_ = json.Unmarshal(is.StatusDetails, &out.StatusDetails)
	}
	if len(is.Metadata) > 0 {
		_ = json.Unmarshal(is.Metadata, &out.Metadata)
	}
	return out
}

// priority is the priority Sentry gives a new issue from its level.
func priority(level string) string {
	switch level {
	case "fatal", "error", "":
		return "high"
	case "warning":
		return "medium"
	}
	return "low"
}

// APIRelease renders a release version as issues and events show it;
// first is the best date the store knows for it (when it was first seen).
func APIRelease(version string, first time.Time) *api.Release {
	if version == "" {
		return nil
	}
	short := version
	if _, v, ok := strings.Cut(version, "@"); ok && v != "" {
		short = v
	}
	return &api.Release{Version: version, ShortVersion: short, DateCreated: first}
}

// APIStats turns an issue's hourly counts into Sentry's stats series for a
// period ("" or "24h": 24 hourly buckets; "14d": 14 daily ones), ending with
// the bucket that holds now. Buckets are [unix seconds of their start,
// count].
func APIStats(counts []HourCount, period string, now time.Time) (api.Stat, error) {
	width, n, ok := api.StatsBuckets(period)
	if !ok {
		return nil, fmt.Errorf("%w: stats period %q (want 24h or 14d)", ErrInvalid, period)
	}
	w := int64(width / time.Second)
	last := now.Unix() / w * w
	first := last - int64(n-1)*w
	out := make(api.Stat, n)
	for i := range out {
		out[i][0] = float64(first + int64(i)*w)
	}
	for _, c := range counts {
		i := (c.Hour.Unix() - first) / w
		if c.Hour.Unix() >= first && i < int64(n) {
			out[i][1] += float64(c.Count)
		}
	}
	return out, nil
}

// StatsSince is where the buckets of APIStats for period start.
func StatsSince(period string, now time.Time) time.Time {
	width, n, ok := api.StatsBuckets(period)
	if !ok {
		return now
	}
	w := int64(width / time.Second)
	return time.Unix(now.Unix()/w*w-int64(n-1)*w, 0).UTC()
}

// APITags renders TopTagValues as GET …/issues/{id}/tags/ does.
func APITags(keys []TagKey) []api.IssueTag {
	out := make([]api.IssueTag, 0, len(keys))
	for _, k := range keys {
		t := api.IssueTag{Key: k.Key, Name: api.TagKeyName(k.Key), UniqueValues: int(k.UniqueValues),
			TotalValues: int(k.TotalValues), TopValues: make([]api.IssueTagValue, 0, len(k.TopValues))}
		for _, v := range k.TopValues {
			t.TopValues = append(t.TopValues, api.IssueTagValue{Key: k.Key, Name: v.Value, Value: v.Value,
				Count: int(v.Count), FirstSeen: v.FirstSeen, LastSeen: v.LastSeen})
		}
		out = append(out, t)
	}
	return out
}

// APIEvent renders a stored event as Sentry's EventDetailed. An event read
// with its body (GetEvent, LatestEvent, OldestEvent) gets everything:
// entries (message, exception, threads, stacktrace, breadcrumbs, request,
// debugmeta), user, SDK, contexts and extra. A listed one (no body) gets
// only what its row holds. PreviousEventID and NextEventID are left nil.
func APIEvent(e Event) (*api.IssueEvent, error) {
	groupID := strconv.FormatInt(e.IssueID, 10)
	received := e.Received
	out := &api.IssueEvent{
		ID:           e.EventID,
		EventID:      e.EventID,
		GroupID:      &groupID,
		ProjectID:    strconv.FormatInt(e.ProjectID, 10),
		Title:        e.Title,
		Message:      e.Message,
		Platform:     e.Platform,
		Type:         orDefault(e.Type, "default"),
		DateCreated:  e.Timestamp,
		DateReceived: &received,
		Size:         e.Size,
		Release:      APIRelease(e.Release, e.Timestamp),
		Tags:         apiEventTags(e.Tags),
		Contexts:     map[string]map[string]any{},
		Context:      map[string]any{},
		Entries:      []api.EventEntry{},
		Fingerprints: e.Hashes,
		Errors:       []api.EventError{},
	}
	if out.Fingerprints == nil {
		out.Fingerprints = []string{}
	}
	if e.Dist != "" {
		d := e.Dist
		out.Dist = &d
	}
	if len(e.Body) == 0 {
		return out, nil
	}
	var ev api.Event
	if err := json.Unmarshal(e.Body, &ev); err != nil {
		return nil, fmt.Errorf("event %s: stored body: %w", e.EventID, err)
	}
	fillFromBody(out, &ev)
	return out, nil
}

func apiEventTags(tags [][2]string) []api.EventTag {
	out := make([]api.EventTag, 0, len(tags))
	for _, t := range tags {
		out = append(out, api.EventTag{Key: t[0], Value: t[1]})
	}
	// Sentry lists an event's tags by key.
	slices.SortStableFunc(out, func(a, b api.EventTag) int { return strings.Compare(a.Key, b.Key) })
	return out
}

func fillFromBody(out *api.IssueEvent, ev *api.Event) {
	out.Culprit = ev.Culprit
	if ev.Metadata != nil {
		md := ev.Metadata
		out.Metadata = api.IssueMetadata{Type: md.Type, Filename: md.Filename, Function: md.Function, Title: md.Title}
		if md.Value != nil {
			out.Metadata.Value = *md.Value
		}
		if md.Filename != "" {
			f := md.Filename
			out.Location = &f
		}
	}
	if out.Message == "" {
		out.Message = ev.Message()
	}
	if u := ev.User; u != nil {
		out.User = &api.IssueUser{ID: u.ID, Email: u.Email, Username: u.Username, IPAddress: u.IPAddress, Name: u.Name}
		if len(u.Data) > 0 {
			_ = json.Unmarshal(u.Data, &out.User.Data)
		}
	}
	if ev.SDK != nil {
		out.SDK = &api.IssueEventSDK{Name: ev.SDK.Name, Version: ev.SDK.Version}
	}
	for k, raw := range ev.Contexts {
		var m map[string]any
		if json.Unmarshal(raw, &m) == nil && m != nil {
			out.Contexts[k] = m
		}
	}
	if len(ev.Extra) > 0 {
		var m map[string]any
		if json.Unmarshal(ev.Extra, &m) == nil && m != nil {
			out.Context = m
		}
	}
	if len(ev.Modules) > 0 {
		out.Packages = ev.Modules
	}
	out.Entries = apiEntries(ev)
	if raw, ok := ev.Other["errors"]; ok {
		out.Errors = apiEventErrors(raw)
	}
}

// apiEntries lists the event's interfaces in the order Sentry's issue page
// shows them.
func apiEntries(ev *api.Event) []api.EventEntry {
	entries := []api.EventEntry{}
	add := func(typ string, data any) {
		b, err := json.Marshal(data)
		if err == nil {
			entries = append(entries, api.EventEntry{Type: typ, Data: b})
		}
	}
	if ev.LogEntry != nil && (ev.LogEntry.Formatted != "" || ev.LogEntry.Message != "") {
		msg := map[string]any{"formatted": ev.Message(), "message": nil, "params": nil}
		if ev.LogEntry.Message != "" && ev.LogEntry.Message != ev.Message() {
			msg["message"] = ev.LogEntry.Message
		}
		if len(ev.LogEntry.Params) > 0 {
			msg["params"] = json.RawMessage(ev.LogEntry.Params)
		}
		add(api.EntryMessage, msg)
	}
	if exs := ev.Exceptions(); len(exs) > 0 {
		data := api.ExceptionEntry{Values: make([]api.EventException, 0, len(exs))}
		for _, x := range exs {
			ex := api.EventException{Type: x.Type, Value: x.Value, ThreadID: rawAny(x.ThreadID),
				Stacktrace: apiStacktrace(x.Stacktrace), RawStacktrace: apiStacktrace(x.RawStacktrace)}
			if x.Module != "" {
				m := x.Module
				ex.Module = &m
			}
			if x.Mechanism != nil {
				b, _ := json.Marshal(x.Mechanism)
				_ = json.Unmarshal(b, &ex.Mechanism)
			}
			if ex.Stacktrace != nil && ex.Stacktrace.HasSystemFrames {
				data.HasSystemFrames = true
			}
			data.Values = append(data.Values, ex)
		}
		add(api.EntryException, data)
	}
	if ev.Stacktrace != nil && len(ev.Stacktrace.Frames) > 0 {
		add("stacktrace", apiStacktrace(ev.Stacktrace))
	}
	if ev.Threads != nil && len(ev.Threads.Values) > 0 {
		vals := make([]map[string]any, 0, len(ev.Threads.Values))
		for _, t := range ev.Threads.Values {
			vals = append(vals, map[string]any{
				"id": rawAny(t.ID), "name": nullString(t.Name), "crashed": t.Crashed, "current": t.Current,
				"main": t.Main, "state": nullString(t.State),
				"stacktrace": apiStacktrace(t.Stacktrace), "rawStacktrace": apiStacktrace(t.RawStacktrace),
			})
		}
		add("threads", map[string]any{"values": vals})
	}
	if ev.Breadcrumbs != nil && len(ev.Breadcrumbs.Values) > 0 {
		vals := make([]map[string]any, 0, len(ev.Breadcrumbs.Values))
		for _, b := range ev.Breadcrumbs.Values {
			var ts any
			if !b.Timestamp.IsZero() {
				ts = b.Timestamp.UTC().Format("2006-01-02T15:04:05.000Z")
			}
			vals = append(vals, map[string]any{
				"type": orDefault(b.Type, "default"), "category": nullString(b.Category),
				"level": orDefault(b.Level, "info"), "message": nullString(b.Message),
				"data": rawAny(b.Data), "timestamp": ts, "event_id": nil,
			})
		}
		add(api.EntryBreadcrumbs, map[string]any{"values": vals})
	}
	if r := ev.Request; r != nil {
		add(api.EntryRequest, map[string]any{
			"url": nullString(r.URL), "method": nullString(r.Method),
			"query": pairs(r.QueryString, true), "headers": pairs(r.Headers, false),
			"cookies": rawAny(r.Cookies), "data": rawAny(r.Data), "env": rawAny(r.Env),
			"fragment": nil, "inferredContentType": nil,
		})
	}
	if ev.DebugMeta != nil && len(ev.DebugMeta.Images) > 0 {
		add("debugmeta", map[string]any{"images": ev.DebugMeta.Images, "sdk_info": nil, "is_debug_build": nil})
	}
	return entries
}

// apiStacktrace renders frames in the API's camelCase, with the source
// context as numbered lines.
func apiStacktrace(st *api.Stacktrace) *api.EventStacktrace {
	if st == nil {
		return nil
	}
	out := &api.EventStacktrace{Frames: make([]api.EventFrame, 0, len(st.Frames))}
	inApp, system := false, false
	for _, f := range st.Frames {
		ef := api.EventFrame{Filename: f.Filename, AbsPath: f.AbsPath, Module: f.Module, Package: f.Package,
			Platform: f.Platform, Function: f.Function, InApp: f.InApp != nil && *f.InApp}
		if f.Lineno > 0 {
			l := f.Lineno
			ef.LineNo = &l
		}
		if f.Colno > 0 {
			c := f.Colno
			ef.ColNo = &c
		}
		if len(f.Vars) > 0 {
			_ = json.Unmarshal(f.Vars, &ef.Vars)
		}
		ef.Context = frameContext(f)
		if ef.InApp {
			inApp = true
		} else {
			system = true
		}
		out.Frames = append(out.Frames, ef)
	}
	// Sentry offers to hide system frames only when both kinds are there.
	out.HasSystemFrames = inApp && system
	return out
}

// frameContext numbers pre_context, context_line and post_context around
// the frame's line.
func frameContext(f api.Frame) []api.ContextLine {
	if f.Lineno <= 0 || (f.ContextLine == "" && len(f.PreContext) == 0 && len(f.PostContext) == 0) {
		return []api.ContextLine{}
	}
	out := make([]api.ContextLine, 0, len(f.PreContext)+1+len(f.PostContext))
	first := f.Lineno - len(f.PreContext)
	for i, l := range f.PreContext {
		if first+i >= 1 {
			out = append(out, api.ContextLine{LineNo: first + i, Text: l})
		}
	}
	out = append(out, api.ContextLine{LineNo: f.Lineno, Text: f.ContextLine})
	for i, l := range f.PostContext {
		out = append(out, api.ContextLine{LineNo: f.Lineno + 1 + i, Text: l})
	}
	return out
}

// pairs renders headers or a query string as Sentry's [[key, value], ...]:
// from an object, a list of pairs, or (for a query) a URL-encoded string.
func pairs(raw json.RawMessage, query bool) [][2]string {
	out := [][2]string{}
	if len(raw) == 0 {
		return out
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if !query {
			return out
		}
		vals, err := url.ParseQuery(strings.TrimPrefix(s, "?"))
		if err != nil {
			return out
		}
		keys := make([]string, 0, len(vals))
		for k := range vals {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			for _, v := range vals[k] {
				out = append(out, [2]string{k, v})
			}
		}
		return out
	}
	var list [][]any
	if json.Unmarshal(raw, &list) == nil {
		for _, p := range list {
			if len(p) == 2 {
				out = append(out, [2]string{anyString(p[0]), anyString(p[1])})
			}
		}
		return out
	}
	var obj map[string]any
	if json.Unmarshal(raw, &obj) == nil {
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			out = append(out, [2]string{k, anyString(obj[k])})
		}
	}
	return out
}

func anyString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// rawAny is raw decoded, or nil.
func rawAny(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	return v
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Messages for the processing errors snag and Sentry note on events.
var eventErrorMessages = map[string]string{
	"js_no_source":                  "Source code was not found",
	"js_missing_source":             "Source code was not found",
	"js_invalid_source":             "Invalid source map",
	"js_invalid_sourcemap":          "Invalid source map",
	"js_missing_sources_content":    "Missing source contents in source map",
	"js_invalid_sourcemap_location": "Invalid location in sourcemap",
	"invalid_data":                  "Discarded invalid value",
	"invalid_attribute":             "Discarded unknown attribute",
	"value_too_long":                "Discarded value due to exceeding maximum length",
	"future_timestamp":              "Invalid timestamp (in future)",
	"past_timestamp":                "Invalid timestamp (too old)",
}

// apiEventErrors renders the stored event's "errors" ([{type, name, ...}])
// as the API's [{type, message, data}].
func apiEventErrors(raw json.RawMessage) []api.EventError {
	var list []map[string]any
	if json.Unmarshal(raw, &list) != nil {
		return []api.EventError{}
	}
	out := make([]api.EventError, 0, len(list))
	for _, m := range list {
		typ, _ := m["type"].(string)
		data := map[string]any{}
		for k, v := range m {
			if k != "type" {
				data[k] = v
			}
		}
		msg := eventErrorMessages[typ]
		if msg == "" {
			msg = strings.ReplaceAll(typ, "_", " ")
			if msg != "" {
				r := []rune(msg)
				r[0] = unicode.ToUpper(r[0])
				msg = string(r)
			}
		}
		out = append(out, api.EventError{Type: typ, Message: msg, Data: data})
	}
	return out
}

// ParseSearch reads the subset of Sentry's issue search syntax the store
// answers: is:unresolved|resolved|ignored (archived and muted mean
// ignored), level:, release:, environment:, other key:value pairs as tag
// filters, and free text (quoted or not) matched against title and culprit.
// Values may be quoted ("key:\"a b\""). Search keys Sentry knows but the
// store cannot answer (assigned:, age:, has:, negations, ...) are errors
// that name them, rather than silently matching nothing.
func ParseSearch(query string) (IssueQuery, error) {
	var q IssueQuery
	var text []string
	toks, err := searchTokens(query)
	if err != nil {
		return q, err
	}
	for _, t := range toks {
		if t.key == "" {
			text = append(text, t.value)
			continue
		}
		if t.value == "" {
			// "TypeError:" is text, not an empty tag filter.
			text = append(text, t.raw)
			continue
		}
		key, val := t.key, t.value
		if strings.HasPrefix(key, "!") || strings.HasPrefix(val, "[") {
			return q, fmt.Errorf("%w: search term %q: negations and lists are not supported by the local store", ErrInvalid, t.raw)
		}
		switch key {
		case "is":
			st := val
			switch val {
			case "archived", "muted":
				st = StatusIgnored
			case StatusUnresolved, StatusResolved, StatusIgnored:
			default:
				return q, fmt.Errorf("%w: search term %q: is: takes unresolved, resolved or ignored", ErrInvalid, t.raw)
			}
			if q.Status != "" && q.Status != st {
				return q, fmt.Errorf("%w: search %q asks for two statuses", ErrInvalid, query)
			}
			q.Status = st
		case "level":
			if q.Level == "" {
				q.Level = val
			} else {
				q.Tags = append(q.Tags, [2]string{"level", val})
			}
		case "release":
			if q.Release == "" {
				q.Release = val
			} else {
				q.Tags = append(q.Tags, [2]string{"release", val})
			}
		case "environment":
			if q.Environment == "" {
				q.Environment = val
			} else {
				q.Tags = append(q.Tags, [2]string{"environment", val})
			}
		case "message", "title":
			text = append(text, val)
		case "assigned", "assigned_or_suggested", "bookmarks", "subscribed", "has", "age", "firstSeen",
			"lastSeen", "first-seen", "last-seen", "timesSeen", "times-seen", "event.timestamp",
			"first-release", "firstRelease", "issue.category", "issue.type", "issue.priority", "project":
			return q, fmt.Errorf("%w: search term %q: %s: is not supported by the local store", ErrInvalid, t.raw, key)
		default:
			q.Tags = append(q.Tags, [2]string{key, val})
		}
	}
	q.Text = strings.Join(text, " ")
	return q, nil
}

type searchToken struct {
	key, value, raw string
}

// searchTokens splits a search on spaces outside quotes; key:value tokens
// get their key.
func searchTokens(s string) ([]searchToken, error) {
	var out []searchToken
	i := 0
	for i < len(s) {
		if s[i] == ' ' || s[i] == '\t' || s[i] == '\n' {
			i++
			continue
		}
		start := i
		var b strings.Builder
		key := ""
		inQuote := false
		for i < len(s) {
			c := s[i]
			switch {
			case c == '"':
				inQuote = !inQuote
			case c == '\\' && inQuote && i+1 < len(s) && s[i+1] == '"':
				i++
				b.WriteByte('"')
			case (c == ' ' || c == '\t' || c == '\n') && !inQuote:
				goto done
			case c == ':' && !inQuote && key == "" && b.Len() > 0:
				key = b.String()
				b.Reset()
			default:
				b.WriteByte(c)
			}
			i++
		}
	done:
		if inQuote {
			return nil, fmt.Errorf("%w: search %q: unclosed quote", ErrInvalid, s)
		}
		out = append(out, searchToken{key: key, value: b.String(), raw: s[start:i]})
	}
	return out, nil
}
