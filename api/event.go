package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// This file holds the Sentry event payload as SDKs send it and as the local
// store keeps it (after normalization). Field names are Sentry's.
//
// Every object type keeps the members it does not model in Other, so an
// event decoded and encoded again still carries everything the SDK sent.
// Decoding accepts the shapes SDKs use (exception as a bare list or as
// {"values": [...]}, tags as an object or as [key, value] pairs, timestamps
// as RFC 3339 strings or Unix seconds, message as a string or an object);
// encoding writes the canonical shape Relay writes ({"values": [...]},
// tag pairs, float seconds, logentry).

// Event is one Sentry event (error, message or default event).
type Event struct {
	EventID     string                     `json:"event_id,omitempty"`
	Timestamp   Timestamp                  `json:"timestamp,omitzero"`
	Platform    string                     `json:"platform,omitempty"`
	Level       string                     `json:"level,omitempty"`
	Logger      string                     `json:"logger,omitempty"`
	Transaction string                     `json:"transaction,omitempty"`
	ServerName  string                     `json:"server_name,omitempty"`
	Release     string                     `json:"release,omitempty"`
	Dist        string                     `json:"dist,omitempty"`
	Environment string                     `json:"environment,omitempty"`
	LogEntry    *LogEntry                  `json:"logentry,omitempty"`
	Exception   *Values[Exception]         `json:"exception,omitempty"`
	Threads     *Values[Thread]            `json:"threads,omitempty"`
	Stacktrace  *Stacktrace                `json:"stacktrace,omitempty"`
	Tags        Tags                       `json:"tags,omitempty"`
	User        *EventUser                 `json:"user,omitempty"`
	Request     *EventRequest              `json:"request,omitempty"`
	Contexts    map[string]json.RawMessage `json:"contexts,omitempty"`
	Extra       json.RawMessage            `json:"extra,omitempty"`
	Fingerprint []string                   `json:"fingerprint,omitempty"`
	Breadcrumbs *Values[Breadcrumb]        `json:"breadcrumbs,omitempty"`
	SDK         *ClientSDK                 `json:"sdk,omitempty"`
	DebugMeta   *DebugMeta                 `json:"debug_meta,omitempty"`
	Modules     map[string]string          `json:"modules,omitempty"`
	Checksum    string                     `json:"checksum,omitempty"`

	// Derived by the server (local/ingest), never trusted from an SDK.
	Type     string         `json:"type,omitempty"`
	Title    string         `json:"title,omitempty"`
	Culprit  string         `json:"culprit,omitempty"`
	Metadata *EventMetadata `json:"metadata,omitempty"`

	// Other holds every top-level member not modelled above, verbatim.
	Other map[string]json.RawMessage `json:"-"`
}

// LogEntry is the event message: a template, its parameters and the
// formatted result. On the wire "message" is an alias, and may be a plain string.
type LogEntry struct {
	Message   string          `json:"message,omitempty"`
	Formatted string          `json:"formatted,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`

	Other map[string]json.RawMessage `json:"-"`
}

// Values is Sentry's {"values": [...]} container. It also decodes a bare list.
type Values[T any] struct {
	Values []T `json:"values"`

	Other map[string]json.RawMessage `json:"-"`
}

// Exception is one exception of an event; the last one is the most recent.
type Exception struct {
	Type          string          `json:"type,omitempty"`
	Value         string          `json:"value,omitempty"`
	Module        string          `json:"module,omitempty"`
	ThreadID      json.RawMessage `json:"thread_id,omitempty"`
	Mechanism     *Mechanism      `json:"mechanism,omitempty"`
	Stacktrace    *Stacktrace     `json:"stacktrace,omitempty"`
	RawStacktrace *Stacktrace     `json:"raw_stacktrace,omitempty"`

	Other map[string]json.RawMessage `json:"-"`
}

// Mechanism tells how an exception was captured.
type Mechanism struct {
	Type             string          `json:"type,omitempty"`
	Handled          *bool           `json:"handled,omitempty"`
	Synthetic        bool            `json:"synthetic,omitempty"`
	Description      string          `json:"description,omitempty"`
	HelpLink         string          `json:"help_link,omitempty"`
	ExceptionID      *int            `json:"exception_id,omitempty"`
	ParentID         *int            `json:"parent_id,omitempty"`
	IsExceptionGroup bool            `json:"is_exception_group,omitempty"`
	Source           string          `json:"source,omitempty"`
	Data             json.RawMessage `json:"data,omitempty"`
	Meta             json.RawMessage `json:"meta,omitempty"`

	Other map[string]json.RawMessage `json:"-"`
}

// Stacktrace holds frames ordered oldest (caller) first; the last frame is
// where the error was raised.
type Stacktrace struct {
	Frames    []Frame         `json:"frames"`
	Registers json.RawMessage `json:"registers,omitempty"`

	Other map[string]json.RawMessage `json:"-"`
}

// Frame is one stack frame.
type Frame struct {
	Filename    string          `json:"filename,omitempty"`
	AbsPath     string          `json:"abs_path,omitempty"`
	Function    string          `json:"function,omitempty"`
	RawFunction string          `json:"raw_function,omitempty"`
	Module      string          `json:"module,omitempty"`
	Package     string          `json:"package,omitempty"`
	Platform    string          `json:"platform,omitempty"`
	Lineno      int             `json:"lineno,omitempty"`
	Colno       int             `json:"colno,omitempty"`
	InApp       *bool           `json:"in_app,omitempty"`
	ContextLine string          `json:"context_line,omitempty"`
	PreContext  []string        `json:"pre_context,omitempty"`
	PostContext []string        `json:"post_context,omitempty"`
	Vars        json.RawMessage `json:"vars,omitempty"`
	Data        json.RawMessage `json:"data,omitempty"`

	Other map[string]json.RawMessage `json:"-"`
}

// Thread is one entry of the threads interface.
type Thread struct {
	ID            json.RawMessage `json:"id,omitempty"`
	Name          string          `json:"name,omitempty"`
	Crashed       bool            `json:"crashed,omitempty"`
	Current       bool            `json:"current,omitempty"`
	Main          bool            `json:"main,omitempty"`
	State         string          `json:"state,omitempty"`
	Stacktrace    *Stacktrace     `json:"stacktrace,omitempty"`
	RawStacktrace *Stacktrace     `json:"raw_stacktrace,omitempty"`

	Other map[string]json.RawMessage `json:"-"`
}

// EventUser is the user an event happened to.
type EventUser struct {
	ID        string          `json:"id,omitempty"`
	Email     string          `json:"email,omitempty"`
	Username  string          `json:"username,omitempty"`
	IPAddress string          `json:"ip_address,omitempty"`
	Name      string          `json:"name,omitempty"`
	Geo       json.RawMessage `json:"geo,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`

	Other map[string]json.RawMessage `json:"-"`
}

// EventRequest is the HTTP request an event happened in.
type EventRequest struct {
	URL         string          `json:"url,omitempty"`
	Method      string          `json:"method,omitempty"`
	QueryString json.RawMessage `json:"query_string,omitempty"`
	Data        json.RawMessage `json:"data,omitempty"`
	Cookies     json.RawMessage `json:"cookies,omitempty"`
	Headers     json.RawMessage `json:"headers,omitempty"`
	Env         json.RawMessage `json:"env,omitempty"`

	Other map[string]json.RawMessage `json:"-"`
}

// Breadcrumb is one entry of the breadcrumb trail.
type Breadcrumb struct {
	Timestamp Timestamp       `json:"timestamp,omitzero"`
	Type      string          `json:"type,omitempty"`
	Category  string          `json:"category,omitempty"`
	Message   string          `json:"message,omitempty"`
	Level     string          `json:"level,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`

	Other map[string]json.RawMessage `json:"-"`
}

// ClientSDK names the SDK that sent an event.
type ClientSDK struct {
	Name         string       `json:"name,omitempty"`
	Version      string       `json:"version,omitempty"`
	Integrations []string     `json:"integrations,omitempty"`
	Packages     []SDKPackage `json:"packages,omitempty"`

	Other map[string]json.RawMessage `json:"-"`
}

// SDKPackage is one package an SDK is made of.
type SDKPackage struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
}

// DebugMeta lists the debug files (for JS: source maps by debug ID) of an event.
type DebugMeta struct {
	Images []DebugImage `json:"images,omitempty"`

	Other map[string]json.RawMessage `json:"-"`
}

// DebugImage is one debug_meta image. For JavaScript, Type is "sourcemap",
// CodeFile the minified file's URL and DebugID the injected debug ID.
type DebugImage struct {
	Type     string `json:"type,omitempty"`
	CodeFile string `json:"code_file,omitempty"`
	DebugID  string `json:"debug_id,omitempty"`

	Other map[string]json.RawMessage `json:"-"`
}

// SourcemapDebugIDs maps each minified file's URL to its debug ID
// (lower-cased), from the images of type sourcemap (or untyped); nil, which
// reads as empty, when there are none, so events without debug IDs cost no
// allocation at ingest.
func (m *DebugMeta) SourcemapDebugIDs() map[string]string {
	if m == nil {
		return nil
	}
	var out map[string]string
	for _, img := range m.Images {
		if (img.Type == "" || img.Type == "sourcemap") && img.CodeFile != "" && img.DebugID != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[img.CodeFile] = strings.ToLower(img.DebugID)
		}
	}
	return out
}

// EventMetadata is what Sentry derives for the issue list (see
// local/ingest). Error events carry Type (unless the exception is
// synthetic), Value, Filename and Function; default events carry Title.
type EventMetadata struct {
	Type                      string  `json:"type,omitempty"`
	Value                     *string `json:"value,omitempty"`
	Filename                  string  `json:"filename,omitempty"`
	Function                  string  `json:"function,omitempty"`
	Title                     string  `json:"title,omitempty"`
	DisplayTitleWithTreeLabel *bool   `json:"display_title_with_tree_label,omitempty"`
}

// Message is the event's message text: logentry.formatted, else
// logentry.message.
func (e *Event) Message() string {
	if e.LogEntry == nil {
		return ""
	}
	if e.LogEntry.Formatted != "" {
		return e.LogEntry.Formatted
	}
	return e.LogEntry.Message
}

// Exceptions is exception.values, or nil.
func (e *Event) Exceptions() []Exception {
	if e.Exception == nil {
		return nil
	}
	return e.Exception.Values
}

// ---------------------------------------------------------------------------
// Timestamps

// Timestamp is a point in time that travels as Unix seconds (a float) and
// is also read from an RFC 3339 string, with or without a zone (UTC then).
type Timestamp struct{ time.Time }

// MarshalJSON writes Unix seconds with microsecond precision.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return AppendUnixSeconds(nil, t.Time), nil
}

// AppendUnixSeconds appends t as Unix seconds with up to six decimals.
func AppendUnixSeconds(dst []byte, t time.Time) []byte {
	us := t.UnixMicro()
	if us < 0 {
		dst = append(dst, '-')
		us = -us
	}
	sec, frac := us/1e6, us%1e6
	dst = strconv.AppendInt(dst, sec, 10)
	if frac != 0 {
		var b [7]byte
		b[0] = '.'
		for i := 6; i >= 1; i-- {
			b[i] = byte('0' + frac%10)
			frac /= 10
		}
		n := 7
		for n > 1 && b[n-1] == '0' {
			n--
		}
		dst = append(dst, b[:n]...)
	}
	return dst
}

// UnmarshalJSON reads a number of seconds or an RFC 3339 string.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*t = Timestamp{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		tt, err := ParseTimestamp(s)
		if err != nil {
			return err
		}
		t.Time = tt
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	tt, ok := TimeFromUnixSeconds(f)
	if !ok {
		return fmt.Errorf("timestamp %s out of range", b)
	}
	t.Time = tt
	return nil
}

// TimeFromUnixSeconds converts float Unix seconds to a UTC time, rounding to
// microseconds. ok is false for NaN, infinities and values past year 9999.
func TimeFromUnixSeconds(f float64) (time.Time, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f < -62135596800 || f > 253402300799 {
		return time.Time{}, false
	}
	us := int64(math.Round(f * 1e6))
	return time.UnixMicro(us).UTC(), true
}

var timestampLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

// ParseTimestamp reads an RFC 3339 timestamp; a missing zone means UTC.
// A string holding a plain number is read as Unix seconds.
func ParseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if t, ok := TimeFromUnixSeconds(f); ok {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid timestamp %q", s)
}

// ---------------------------------------------------------------------------
// Tags

// Tag is one tag; Tags encode as [["key","value"], ...] like Relay.
type Tag struct {
	Key   string
	Value string
}

// Tags is the list of an event's tags in the order sent.
type Tags []Tag

// Get returns the value of the first tag named key.
func (t Tags) Get(key string) (string, bool) {
	for _, tag := range t {
		if tag.Key == key {
			return tag.Value, true
		}
	}
	return "", false
}

// MarshalJSON writes tag pairs.
func (t Tags) MarshalJSON() ([]byte, error) {
	if t == nil {
		return []byte("null"), nil
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, tag := range t {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(tag.Key)
		v, _ := json.Marshal(tag.Value)
		buf.WriteByte('[')
		buf.Write(k)
		buf.WriteByte(',')
		buf.Write(v)
		buf.WriteByte(']')
	}
	buf.WriteByte(']')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads an object or a list of pairs. Numbers and booleans
// become strings; null values and other shapes are dropped.
func (t *Tags) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*t = nil
	switch {
	case len(b) == 0 || string(b) == "null":
		return nil
	case b[0] == '{':
		dec := json.NewDecoder(bytes.NewReader(b))
		if _, err := dec.Token(); err != nil {
			return err
		}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return err
			}
			if v, ok := lenientString(raw); ok {
				*t = append(*t, Tag{Key: kt.(string), Value: v})
			}
		}
		if *t == nil {
			*t = Tags{}
		}
		return nil
	case b[0] == '[':
		var pairs []json.RawMessage
		if err := json.Unmarshal(b, &pairs); err != nil {
			return err
		}
		out := make(Tags, 0, len(pairs))
		for _, p := range pairs {
			var kv []json.RawMessage
			if json.Unmarshal(p, &kv) != nil || len(kv) != 2 {
				continue
			}
			k, ok1 := lenientString(kv[0])
			v, ok2 := lenientString(kv[1])
			if ok1 && ok2 {
				out = append(out, Tag{Key: k, Value: v})
			}
		}
		*t = out
		return nil
	}
	return errors.New("tags: want an object or a list of pairs")
}

// lenientString reads a JSON string, number or boolean as a string.
func lenientString(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	case 't', 'f':
		return string(raw), string(raw) == "true" || string(raw) == "false"
	case 'n', '{', '[':
		return "", false
	}
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return "", false
	}
	return n.String(), true
}

// ---------------------------------------------------------------------------
// Objects with unknown members

// objectInfo is, per struct type, the JSON names of its modelled fields.
type objectInfo struct {
	known map[string]bool
}

var objectInfos sync.Map // reflect.Type → *objectInfo

func infoFor(t reflect.Type) *objectInfo {
	if v, ok := objectInfos.Load(t); ok {
		return v.(*objectInfo)
	}
	info := &objectInfo{known: map[string]bool{}}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		info.known[name] = true
	}
	objectInfos.Store(t, info)
	return info
}

// decodeObject decodes b into the struct v points at (through a type without
// methods) and returns the members v does not model.
func decodeObject(b []byte, v any) (map[string]json.RawMessage, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, err
	}
	info := infoFor(reflect.TypeOf(v).Elem())
	var other map[string]json.RawMessage
	for k, raw := range all {
		if info.known[k] {
			continue
		}
		if other == nil {
			other = make(map[string]json.RawMessage)
		}
		other[k] = raw
	}
	return other, nil
}

// encodeObject encodes v and appends the members of other that v did not
// write, in key order.
func encodeObject(v any, other map[string]json.RawMessage) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(other) == 0 {
		return b, err
	}
	info := infoFor(reflect.TypeOf(v).Elem())
	keys := make([]string, 0, len(other))
	for k := range other {
		if !info.known[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return b, nil
	}
	b = b[:len(b)-1] // drop '}'
	for _, k := range keys {
		if len(b) > 1 {
			b = append(b, ',')
		}
		kb, _ := json.Marshal(k)
		b = append(b, kb...)
		b = append(b, ':')
		raw := other[k]
		if len(raw) == 0 {
			raw = json.RawMessage("null")
		}
		b = append(b, raw...)
	}
	return append(b, '}'), nil
}

// MarshalJSON writes the event with its unknown members.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	return encodeObject((*plain)(&e), e.Other)
}

// UnmarshalJSON reads an event, accepting "message" (a string or an object)
// and the legacy "sentry.interfaces.*" names as aliases.
func (e *Event) UnmarshalJSON(b []byte) error {
	type plain Event
	var p plain
	other, err := decodeObject(b, &p)
	if err != nil {
		return err
	}
	*e = Event(p)
	aliases := []struct {
		name string
		into any
		set  func() bool
	}{
		{"sentry.interfaces.Exception", &e.Exception, func() bool { return e.Exception != nil }},
		{"sentry.interfaces.Stacktrace", &e.Stacktrace, func() bool { return e.Stacktrace != nil }},
		{"sentry.interfaces.User", &e.User, func() bool { return e.User != nil }},
		{"sentry.interfaces.Http", &e.Request, func() bool { return e.Request != nil }},
		{"sentry.interfaces.Contexts", &e.Contexts, func() bool { return e.Contexts != nil }},
		{"sentry.interfaces.Breadcrumbs", &e.Breadcrumbs, func() bool { return e.Breadcrumbs != nil }},
		{"sentry.interfaces.Message", &e.LogEntry, func() bool { return e.LogEntry != nil }},
		{"message", &e.LogEntry, func() bool { return e.LogEntry != nil }},
	}
	for _, a := range aliases {
		raw, ok := other[a.name]
		if !ok || a.set() {
			continue
		}
		if a.name == "message" && bytes.Equal(bytes.TrimSpace(raw), []byte("false")) {
			continue
		}
		if json.Unmarshal(raw, a.into) == nil {
			delete(other, a.name)
		}
	}
	if len(other) == 0 {
		other = nil
	}
	e.Other = other
	return nil
}

// MarshalJSON writes the log entry with its unknown members.
func (l LogEntry) MarshalJSON() ([]byte, error) {
	type plain LogEntry
	return encodeObject((*plain)(&l), l.Other)
}

// UnmarshalJSON reads an object or a plain string (which becomes Formatted).
func (l *LogEntry) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*l = LogEntry{}
		return json.Unmarshal(b, &l.Formatted)
	}
	type plain LogEntry
	var p plain
	other, err := decodeObject(b, &p)
	*l = LogEntry(p)
	l.Other = other
	return err
}

// valuesPlain is Values without methods (generic functions cannot declare types).
type valuesPlain[T any] struct {
	Values []T `json:"values"`

	Other map[string]json.RawMessage `json:"-"`
}

// MarshalJSON writes {"values": [...]} with the unknown members.
func (v Values[T]) MarshalJSON() ([]byte, error) {
	p := valuesPlain[T](v)
	if p.Values == nil {
		p.Values = []T{}
	}
	return encodeObject(&p, v.Other)
}

// UnmarshalJSON reads {"values": [...]} or a bare list.
func (v *Values[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*v = Values[T]{}
	if len(b) > 0 && b[0] == '[' {
		return json.Unmarshal(b, &v.Values)
	}
	var p valuesPlain[T]
	other, err := decodeObject(b, &p)
	*v = Values[T](p)
	v.Other = other
	return err
}

// The remaining types only add their unknown members.

func (x Exception) MarshalJSON() ([]byte, error) {
	type plain Exception
	return encodeObject((*plain)(&x), x.Other)
}

func (x *Exception) UnmarshalJSON(b []byte) error {
	type plain Exception
	var p plain
	other, err := decodeObject(b, &p)
	*x = Exception(p)
	x.Other = other
	return err
}

func (x Mechanism) MarshalJSON() ([]byte, error) {
	type plain Mechanism
	return encodeObject((*plain)(&x), x.Other)
}

func (x *Mechanism) UnmarshalJSON(b []byte) error {
	type plain Mechanism
	var p plain
	other, err := decodeObject(b, &p)
	*x = Mechanism(p)
	x.Other = other
	return err
}

func (x Stacktrace) MarshalJSON() ([]byte, error) {
	type plain Stacktrace
	p := plain(x)
	if p.Frames == nil {
		p.Frames = []Frame{}
	}
	return encodeObject(&p, x.Other)
}

func (x *Stacktrace) UnmarshalJSON(b []byte) error {
	type plain Stacktrace
	var p plain
	other, err := decodeObject(b, &p)
	*x = Stacktrace(p)
	x.Other = other
	return err
}

func (x Frame) MarshalJSON() ([]byte, error) {
	type plain Frame
	return encodeObject((*plain)(&x), x.Other)
}

func (x *Frame) UnmarshalJSON(b []byte) error {
	type plain Frame
	var p plain
	other, err := decodeObject(b, &p)
	*x = Frame(p)
	x.Other = other
	return err
}

func (x Thread) MarshalJSON() ([]byte, error) {
	type plain Thread
	return encodeObject((*plain)(&x), x.Other)
}

func (x *Thread) UnmarshalJSON(b []byte) error {
	type plain Thread
	var p plain
	other, err := decodeObject(b, &p)
	*x = Thread(p)
	x.Other = other
	return err
}

func (x EventUser) MarshalJSON() ([]byte, error) {
	type plain EventUser
	return encodeObject((*plain)(&x), x.Other)
}

// UnmarshalJSON also accepts a number as the user id.
func (x *EventUser) UnmarshalJSON(b []byte) error {
	type plain EventUser
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return err
	}
	raw, hasID := all["id"]
	if hasID {
		// "id" may be a number: decode the rest without it.
		delete(all, "id")
		b, _ = json.Marshal(all)
	}
	var p plain
	other, err := decodeObject(b, &p)
	*x = EventUser(p)
	x.Other = other
	if hasID {
		x.ID, _ = lenientString(raw)
	}
	return err
}

func (x EventRequest) MarshalJSON() ([]byte, error) {
	type plain EventRequest
	return encodeObject((*plain)(&x), x.Other)
}

func (x *EventRequest) UnmarshalJSON(b []byte) error {
	type plain EventRequest
	var p plain
	other, err := decodeObject(b, &p)
	*x = EventRequest(p)
	x.Other = other
	return err
}

func (x Breadcrumb) MarshalJSON() ([]byte, error) {
	type plain Breadcrumb
	return encodeObject((*plain)(&x), x.Other)
}

func (x *Breadcrumb) UnmarshalJSON(b []byte) error {
	type plain Breadcrumb
	var p plain
	other, err := decodeObject(b, &p)
	*x = Breadcrumb(p)
	x.Other = other
	return err
}

func (x ClientSDK) MarshalJSON() ([]byte, error) {
	type plain ClientSDK
	return encodeObject((*plain)(&x), x.Other)
}

func (x *ClientSDK) UnmarshalJSON(b []byte) error {
	type plain ClientSDK
	var p plain
	other, err := decodeObject(b, &p)
	*x = ClientSDK(p)
	x.Other = other
	return err
}

func (x DebugMeta) MarshalJSON() ([]byte, error) {
	type plain DebugMeta
	return encodeObject((*plain)(&x), x.Other)
}

func (x *DebugMeta) UnmarshalJSON(b []byte) error {
	type plain DebugMeta
	var p plain
	other, err := decodeObject(b, &p)
	*x = DebugMeta(p)
	x.Other = other
	return err
}

func (x DebugImage) MarshalJSON() ([]byte, error) {
	type plain DebugImage
	return encodeObject((*plain)(&x), x.Other)
}

func (x *DebugImage) UnmarshalJSON(b []byte) error {
	type plain DebugImage
	var p plain
	other, err := decodeObject(b, &p)
	*x = DebugImage(p)
	x.Other = other
	return err
}
