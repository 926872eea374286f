package ingest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/snag-dev/snag/api"
	"github.com/valyala/fastjson"
)

// NormalizeOptions are the facts about the request that normalization needs.
type NormalizeOptions struct {
	// EventID is the envelope header's event_id; when valid it wins over
	// the payload's (as in Relay).
	EventID string
	// ReceivedAt is when the request arrived: the timestamp of events that
	// have none (or an invalid one). Zero means time.Now().
	ReceivedAt time.Time
	// MaxFuture and MaxPast, when positive, replace timestamps further in
	// the future or past than that by ReceivedAt (Relay: 1 min, 30 days).
	MaxFuture, MaxPast time.Duration
	// ClientIP is the sender's address: it replaces user.ip_address
	// "{{auto}}", and fills user.ip_address when sdk.settings.infer_ip is
	// "auto". Empty: "{{auto}}" is removed.
	ClientIP string
}

// NormalizedEvent is an event ready to store.
type NormalizedEvent struct {
	// Event is the typed view of JSON (including every unknown member in
	// the Other maps, so json.Marshal(Event) round-trips it too).
	Event *api.Event
	// JSON is the normalized event, with the derived type, title, culprit
	// and metadata; it is what the store keeps.
	JSON []byte
	// UserKey identifies the event's user for distinct-user counts
	// ("id:42", "username:x", "email:x", "ip:1.2.3.4"), or "".
	UserKey string

	bufs *eventBufs
}

// Release hands the buffers of Event's stack frames and of JSON to the
// next Normalize, and clears both fields: neither may be used afterwards
// (the event's strings may). Calling it is optional; a caller that keeps
// the event simply does not.
func (ne *NormalizedEvent) Release() {
	if ne.bufs == nil {
		return
	}
	ne.bufs.release()
	ne.bufs, ne.Event, ne.JSON = nil, nil, nil
}

var (
	eventParsers fastjson.ParserPool
	arenas       = sync.Pool{New: func() any { return new(fastjson.Arena) }}
)

// Normalize parses an event payload and normalizes it the way Relay does
// before Sentry stores it (protocol.md §3):
//
//   - "message" (string or object) and legacy "sentry.interfaces.*" keys
//     become their modern names; logentry is formatted ("%s" and "{}"
//     parameters) and its message moves to formatted when they agree;
//   - exception, threads and breadcrumbs become {"values": [...]};
//     exceptions with neither type nor value are dropped;
//   - tags become [key, value] pairs of strings (≤200 characters);
//   - timestamps become Unix seconds; level aliases are resolved
//     (default "error"); event_id becomes 32 lowercase hex (generated if
//     invalid); an unknown platform becomes "other";
//   - frames get abs_path from filename and filename from abs_path (URL
//     path only), and in_app defaults (node_modules & co. false, JS native
//     and node built-in frames false, the rest false unless the SDK said);
//   - type, title, culprit and metadata are derived as Sentry does (Derive).
//
// Input that is not a JSON object is ErrInvalidJSON (400), with the byte
// offset of the syntax error.
func Normalize(raw []byte, opts NormalizeOptions) (*NormalizedEvent, error) {
	p := eventParsers.Get()
	defer eventParsers.Put(p)
	root, err := p.ParseBytes(raw)
	if err != nil {
		return nil, jsonError(raw, err)
	}
	if root.Type() != fastjson.TypeObject {
		return nil, &Error{Status: http.StatusBadRequest, Detail: "invalid event payload",
			Causes: []string{"event is not a JSON object"}, Kind: ErrInvalidJSON, Offset: 0, Item: -1}
	}
	a := arenas.Get().(*fastjson.Arena)
	defer func() { a.Reset(); arenas.Put(a) }()

	n := &normalizer{a: a, opts: opts, plainKeys: !hasEscapedKey(raw)}
	defer n.release()
	n.run(root)
	n.flush()

	// One walk reads the typed event and writes the JSON (in a pooled
	// buffer, copied once into the event's own by assemble), leaving the
	// places of the derived members open.
	b := typedBuilders.Get().(*typedBuilder)
	b.start(len(raw))
	b.bufs = eventBufPool.Get().(*eventBufs)
	ev := b.event(root)
	applyDerived(ev)
	out := b.assemble(ev)
	bufs := b.bufs
	b.bufs = nil
	b.done()
	typedBuilders.Put(b)
	return &NormalizedEvent{Event: ev, JSON: out, UserKey: UserKey(ev.User), bufs: bufs}, nil
}

// jsonError turns a parse failure into an *Error with the byte offset the
// standard library finds.
func jsonError(raw []byte, perr error) *Error {
	e := &Error{Status: http.StatusBadRequest, Detail: "invalid event payload", Kind: ErrInvalidJSON,
		Offset: -1, Item: -1}
	if len(bytes.TrimSpace(raw)) == 0 {
		e.Kind, e.Detail = ErrEmptyBody, "empty event payload"
		return e
	}
	var v json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	err := dec.Decode(&v)
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		e.Offset = se.Offset
		e.Causes = []string{se.Error()}
	case err != nil:
		e.Offset = dec.InputOffset()
		e.Causes = []string{err.Error()}
	default:
		// The first value parsed: the problem is what follows it.
		off := dec.InputOffset()
		for off < int64(len(raw)) && isSpace(raw[off]) {
			off++
		}
		e.Offset = off
		e.Causes = []string{shortErr(perr)}
	}
	return e
}

type normalizer struct {
	a     *fastjson.Arena
	opts  NormalizeOptions
	root  *fastjson.Object
	rootV *fastjson.Value
	// pending are strings that fastjson's arena cannot hold faithfully
	// (see setStr); flush puts them in place.
	pending []pendingString
	parsers []*fastjson.Parser
	// platform is the event's normalized platform.
	platform string
	// plainKeys: no member name in the payload has an escape, so a name
	// is found the same before and after fastjson unescapes the names.
	plainKeys bool
}

// hasEscapedKey reports whether a member name in the JSON text raw (valid
// JSON) contains an escape. A backslash only occurs in strings, and the
// first one after the end of a string begins an escape of the next string;
// that string is a member name if a colon follows it.
func hasEscapedKey(raw []byte) bool {
	i := 0
	for {
		j := bytes.IndexByte(raw[i:], '\\')
		if j < 0 {
			return false
		}
		i += j
		for i < len(raw) && raw[i] != '"' {
			if raw[i] == '\\' {
				i++
			}
			i++
		}
		i++ // past the closing quote
		for i < len(raw) && isSpace(raw[i]) {
			i++
		}
		if i >= len(raw) {
			return false
		}
		if raw[i] == ':' {
			return true
		}
	}
}

// legacy interface names and the keys they stand for.
var legacyAliases = [...][2]string{
	{"sentry.interfaces.Exception", "exception"},
	{"sentry.interfaces.Stacktrace", "stacktrace"},
	{"sentry.interfaces.User", "user"},
	{"sentry.interfaces.Http", "request"},
	{"sentry.interfaces.Contexts", "contexts"},
	{"sentry.interfaces.Breadcrumbs", "breadcrumbs"},
	{"sentry.interfaces.Template", "template"},
	{"sentry.interfaces.Threads", "threads"},
	{"sentry.interfaces.DebugMeta", "debug_meta"},
}

func (n *normalizer) run(root *fastjson.Value) {
	o, _ := root.Object()
	n.root, n.rootV = o, root

	var hasLegacy bool
	o.Visit(func(k []byte, _ *fastjson.Value) {
		if !hasLegacy && bytes.HasPrefix(k, []byte("sentry.interfaces.")) {
			hasLegacy = true
		}
	})
	if hasLegacy {
		for _, al := range legacyAliases {
			if v := o.Get(al[0]); v != nil {
				if isAbsent(o.Get(al[1])) {
					o.Set(al[1], v)
				}
				o.Del(al[0])
			}
		}
		if v := o.Get("sentry.interfaces.Message"); v != nil && isAbsent(o.Get("logentry")) {
			o.Set("logentry", v)
			o.Del("sentry.interfaces.Message")
		}
	}

	n.eventID()
	n.platform = n.normPlatform()
	n.timestamp()
	n.level()
	n.logEntry()
	n.wrapValues("exception")
	n.wrapValues("threads")
	n.wrapValues("breadcrumbs")
	n.exceptions()
	n.tags()
	n.fingerprint()
	n.breadcrumbs()
	n.user()
	n.stacktraces()
}

// arrayOf is v's elements, or an error if v is missing or not an array.
func arrayOf(v *fastjson.Value) ([]*fastjson.Value, error) {
	if v == nil {
		return nil, errors.New("missing")
	}
	return v.Array()
}

func isAbsent(v *fastjson.Value) bool { return v == nil || v.Type() == fastjson.TypeNull }

// pendingString is a string to set at target[key] (or target[idx] when
// key is "").
type pendingString struct {
	target *fastjson.Value
	key    string
	idx    int
	s      string
}

// arenaSafe reports whether fastjson's arena stores s faithfully: its
// escaper uses Go quoting (\x1b, \a, ...) for strings with quotes,
// backslashes or control characters, which its own reader then misreads.
func arenaSafe[S ~string | ~[]byte](s S) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// setStr sets target[key] to the string s.
func (n *normalizer) setStr(target *fastjson.Value, key, s string) {
	if arenaSafe(s) {
		target.Set(key, n.a.NewString(s))
		return
	}
	target.Set(key, n.a.NewNull())
	n.pending = append(n.pending, pendingString{target: target, key: key, s: s})
}

// setStrAt sets array element idx of target to the string s.
func (n *normalizer) setStrAt(target *fastjson.Value, idx int, s string) {
	if arenaSafe(s) {
		target.SetArrayItem(idx, n.a.NewString(s))
		return
	}
	target.SetArrayItem(idx, n.a.NewNull())
	n.pending = append(n.pending, pendingString{target: target, idx: idx, s: s})
}

// flush parses the pending strings as one JSON array (so fastjson holds
// them as properly escaped JSON) and puts them in place.
func (n *normalizer) flush() {
	if len(n.pending) == 0 {
		return
	}
	buf := []byte{'['}
	for i, p := range n.pending {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, []byte(p.s))
	}
	buf = append(buf, ']')
	p := eventParsers.Get()
	n.parsers = append(n.parsers, p)
	v, err := p.ParseBytes(buf)
	if err != nil {
		panic("ingest: cannot reparse escaped strings: " + err.Error())
	}
	vals, _ := v.Array()
	for i, ps := range n.pending {
		if ps.key != "" {
			ps.target.Set(ps.key, vals[i])
		} else {
			ps.target.SetArrayItem(ps.idx, vals[i])
		}
	}
	n.pending = n.pending[:0]
}

func (n *normalizer) release() {
	for _, p := range n.parsers {
		eventParsers.Put(p)
	}
	n.parsers = nil
}

// ----------------------------------------------------------------------------
// event_id, platform, timestamp, level

// NormalizeEventID returns id as 32 lowercase hex digits (dashes and braces
// removed), or "" if it is not a UUID.
func NormalizeEventID(id string) string {
	var buf [32]byte
	return string(normalizeEventID(buf[:0], id))
}

// normalizeEventID appends the 32 hex digits of id to dst (which must have
// room for them), or returns nil if id is not a UUID.
func normalizeEventID[S ~string | ~[]byte](dst []byte, id S) []byte {
	id = trimSpace(id)
	if len(id) == 38 && id[0] == '{' && id[37] == '}' {
		id = id[1:37]
	}
	if len(id) == 36 {
		if id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' {
			return nil
		}
		for i := 0; i < 36; i++ {
			if i != 8 && i != 13 && i != 18 && i != 23 {
				if dst = appendHexDigit(dst, id[i]); dst == nil {
					return nil
				}
			}
		}
		return dst
	}
	if len(id) != 32 {
		return nil
	}
	for i := 0; i < 32; i++ {
		if dst = appendHexDigit(dst, id[i]); dst == nil {
			return nil
		}
	}
	return dst
}

// appendHexDigit appends c lowered, or returns nil if it is no hex digit.
func appendHexDigit(dst []byte, c byte) []byte {
	switch {
	case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
	case c >= 'A' && c <= 'F':
		c += 'a' - 'A'
	default:
		return nil
	}
	return append(dst, c)
}

// trimSpace is strings.TrimSpace and bytes.TrimSpace.
func trimSpace[S ~string | ~[]byte](s S) S {
	switch v := any(s).(type) {
	case string:
		return S(strings.TrimSpace(v))
	case []byte:
		return S(bytes.TrimSpace(v))
	}
	return s
}

// NewEventID returns a random version 4 UUID as 32 hex digits.
func NewEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return hex.EncodeToString(b[:])
}

func (n *normalizer) eventID() {
	var buf [32]byte
	id := normalizeEventID(buf[:0], n.opts.EventID)
	if id == nil {
		id = normalizeEventID(buf[:0], bytesOf(n.root.Get("event_id")))
	}
	if id == nil {
		id = append(buf[:0], NewEventID()...)
	}
	n.rootV.Set("event_id", n.a.NewStringBytes(id)) // hex: arena-safe
}

// validPlatforms are the platforms Relay accepts; others become "other".
// Each maps to itself, so a lookup by bytes yields the string.
var validPlatforms = func() map[string]string {
	m := map[string]string{}
	for _, p := range strings.Fields("as3 c cfml cocoa csharp elixir go groovy haskell java javascript " +
		"native node objc other perl php python ruby") {
		m[p] = p
	}
	return m
}()

func (n *normalizer) normPlatform() string {
	p, ok := validPlatforms[string(bytesOf(n.root.Get("platform")))]
	if !ok {
		p = "other"
		n.setStr(n.rootV, "platform", p)
	}
	return p
}

func (n *normalizer) received() time.Time {
	if n.opts.ReceivedAt.IsZero() {
		return time.Now().UTC()
	}
	return n.opts.ReceivedAt.UTC()
}

// timeOf reads a timestamp given as a number of seconds or a string.
func timeOf(v *fastjson.Value) (time.Time, bool) {
	switch v.Type() {
	case fastjson.TypeNumber:
		f, err := v.Float64()
		if err != nil {
			return time.Time{}, false
		}
		return api.TimeFromUnixSeconds(f)
	case fastjson.TypeString:
		t, err := api.ParseTimestamp(stringOf(v))
		return t, err == nil
	}
	return time.Time{}, false
}

func (n *normalizer) timeValue(t time.Time) *fastjson.Value {
	var buf [40]byte
	return n.a.NewNumberString(string(api.AppendUnixSeconds(buf[:0], t)))
}

func (n *normalizer) timestamp() {
	now := n.received()
	t, ok := time.Time{}, false
	if v := n.root.Get("timestamp"); v != nil {
		t, ok = timeOf(v)
	}
	if !ok ||
		(n.opts.MaxFuture > 0 && t.After(now.Add(n.opts.MaxFuture))) ||
		(n.opts.MaxPast > 0 && t.Before(now.Add(-n.opts.MaxPast))) {
		t = now
	}
	n.root.Set("timestamp", n.timeValue(t))
}

// NormalizeLevel maps a level (name, alias or Python logging number) to
// one of fatal, error, warning, info, debug; ok is false if unknown.
func NormalizeLevel(s string) (level string, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "fatal", "critical", "50":
		return "fatal", true
	case "error", "40":
		return "error", true
	case "warning", "warn", "30":
		return "warning", true
	case "info", "log", "20":
		return "info", true
	case "debug", "trace", "10":
		return "debug", true
	}
	return "", false
}

// normalizeLevelBytes is NormalizeLevel of a byte string, lowering short
// ASCII ones on the stack.
func normalizeLevelBytes(b []byte) (string, bool) {
	b = bytes.TrimSpace(b)
	if len(b) > len("critical") || !isASCII(b) {
		if len(b) > len("critical") && isASCII(b) {
			return "", false // longer than any level
		}
		return NormalizeLevel(string(b))
	}
	var buf [8]byte
	lower := buf[:len(b)]
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	return NormalizeLevel(string(lower))
}

func (n *normalizer) levelOf(v *fastjson.Value) (string, bool) {
	if v == nil {
		return "", false
	}
	switch v.Type() {
	case fastjson.TypeString:
		return normalizeLevelBytes(bytesOf(v))
	case fastjson.TypeNumber:
		return NormalizeLevel(numberString(v))
	}
	return "", false
}

func (n *normalizer) level() {
	l, ok := n.levelOf(n.root.Get("level"))
	if !ok {
		l = "error"
	}
	n.setStr(n.rootV, "level", l)
}

// ----------------------------------------------------------------------------
// logentry

const maxMessageChars = 8192

func (n *normalizer) logEntry() {
	le := n.root.Get("logentry")
	if msg := n.root.Get("message"); msg != nil {
		if isAbsent(le) || (le.Type() != fastjson.TypeObject && le.Type() != fastjson.TypeString) {
			switch msg.Type() {
			case fastjson.TypeString, fastjson.TypeObject:
				le = msg
				n.root.Del("message")
			case fastjson.TypeNull, fastjson.TypeFalse:
				n.root.Del("message")
			}
		}
	}
	if le == nil {
		return
	}
	switch le.Type() {
	case fastjson.TypeString:
		o := n.a.NewObject()
		n.setStr(o, "formatted", truncateChars(stringOf(le), maxMessageChars, "..."))
		n.root.Set("logentry", o)
		return
	case fastjson.TypeObject:
	default:
		n.root.Del("logentry")
		return
	}
	o, _ := le.Object()
	message, hasMessage := lenientOf(o.Get("message"))
	formatted, hasFormatted := lenientOf(o.Get("formatted"))
	params := o.Get("params")
	if !hasFormatted && hasMessage && params != nil && params.Type() != fastjson.TypeNull {
		if f, ok := formatLogEntry(message, params); ok {
			formatted, hasFormatted = f, true
		}
	}
	if hasMessage && (!hasFormatted || formatted == message) {
		formatted, hasFormatted = message, true
		hasMessage = false
		o.Del("message")
	}
	if hasMessage {
		n.setStr(le, "message", truncateChars(message, maxMessageChars, "..."))
	}
	if hasFormatted {
		n.setStr(le, "formatted", truncateChars(formatted, maxMessageChars, "..."))
	}
	n.root.Set("logentry", le)
}

// formatLogEntry formats a logentry template with its parameters: Python
// "%" syntax when the template contains '%', "{}"/"{0}"/"{name}" otherwise.
func formatLogEntry(tmpl string, params *fastjson.Value) (string, bool) {
	var positional []*fastjson.Value
	var named *fastjson.Object
	switch params.Type() {
	case fastjson.TypeArray:
		positional, _ = params.Array()
	case fastjson.TypeObject:
		named, _ = params.Object()
	default:
		positional = []*fastjson.Value{params}
	}
	if strings.IndexByte(tmpl, '%') >= 0 {
		return formatPercent(tmpl, positional, named)
	}
	if strings.IndexByte(tmpl, '{') >= 0 {
		return formatBraces(tmpl, positional, named)
	}
	return "", false
}

// paramString renders a parameter the way Relay does: strings as they
// are, other values as JSON.
func paramString(v *fastjson.Value) string {
	if v.Type() == fastjson.TypeString {
		return stringOf(v)
	}
	return string(appendValue(nil, v))
}

func formatPercent(tmpl string, pos []*fastjson.Value, named *fastjson.Object) (string, bool) {
	var b strings.Builder
	next := 0
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(tmpl) {
			return "", false
		}
		j := i + 1
		if tmpl[j] == '%' {
			b.WriteByte('%')
			i = j
			continue
		}
		var v *fastjson.Value
		if tmpl[j] == '(' {
			end := strings.IndexByte(tmpl[j:], ')')
			if end < 0 || named == nil {
				return "", false
			}
			v = named.Get(tmpl[j+1 : j+end])
			if v == nil {
				return "", false
			}
			j += end + 1
		} else {
			if next >= len(pos) {
				return "", false
			}
			v = pos[next]
			next++
		}
		// Skip flags, width and precision up to the conversion character.
		for j < len(tmpl) && strings.IndexByte("#0- +.0123456789", tmpl[j]) >= 0 {
			j++
		}
		if j >= len(tmpl) || strings.IndexByte("sdifrauxXoeEgGc", tmpl[j]) < 0 {
			return "", false
		}
		b.WriteString(paramString(v))
		i = j
	}
	return b.String(), true
}

func formatBraces(tmpl string, pos []*fastjson.Value, named *fastjson.Object) (string, bool) {
	var b strings.Builder
	next := 0
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch {
		case c == '{' && i+1 < len(tmpl) && tmpl[i+1] == '{':
			b.WriteByte('{')
			i++
		case c == '}' && i+1 < len(tmpl) && tmpl[i+1] == '}':
			b.WriteByte('}')
			i++
		case c == '{':
			end := strings.IndexByte(tmpl[i:], '}')
			if end < 0 {
				return "", false
			}
			key := tmpl[i+1 : i+end]
			if k, _, ok := strings.Cut(key, ":"); ok {
				key = k
			}
			var v *fastjson.Value
			switch {
			case key == "":
				if next < len(pos) {
					v = pos[next]
				}
				next++
			case key[0] >= '0' && key[0] <= '9':
				if idx, err := strconv.Atoi(key); err == nil && idx < len(pos) {
					v = pos[idx]
				}
			case named != nil:
				v = named.Get(key)
			}
			if v == nil {
				return "", false
			}
			b.WriteString(paramString(v))
			i += end
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

// ----------------------------------------------------------------------------
// values containers, exceptions, tags, fingerprint, breadcrumbs, user

func (n *normalizer) wrapValues(key string) {
	v := n.root.Get(key)
	if v == nil {
		return
	}
	switch v.Type() {
	case fastjson.TypeArray:
		o := n.a.NewObject()
		o.Set("values", v)
		n.root.Set(key, o)
	case fastjson.TypeObject:
		vals := v.Get("values")
		switch {
		case vals != nil && vals.Type() == fastjson.TypeArray:
		case vals == nil && objectLen(v) > 0:
			// A bare item ({"type": ..., "value": ...}) is a list of one, as
			// Relay reads it.
			arr := n.a.NewArray()
			arr.SetArrayItem(0, v)
			o := n.a.NewObject()
			o.Set("values", arr)
			n.root.Set(key, o)
		default:
			v.Set("values", n.a.NewArray())
		}
	default:
		n.root.Del(key)
	}
}

func objectLen(v *fastjson.Value) int {
	o, err := v.Object()
	if err != nil {
		return 0
	}
	return o.Len()
}

func (n *normalizer) exceptions() {
	exc := n.root.Get("exception")
	if exc == nil {
		return
	}
	vals, _ := arrayOf(exc.Get("values"))
	kept := vals[:0]
	for _, x := range vals {
		if x.Type() != fastjson.TypeObject {
			continue
		}
		ty, tv := x.Get("type"), x.Get("value")
		if tv != nil && tv.Type() != fastjson.TypeString && tv.Type() != fastjson.TypeNull {
			// JsonLenientString: any other value is kept as its JSON text.
			n.setStr(x, "value", paramString(tv))
		} else if isAbsent(ty) && isAbsent(tv) {
			continue
		}
		kept = append(kept, x)
	}
	if len(kept) != len(vals) {
		arr := n.a.NewArray()
		for i, x := range kept {
			arr.SetArrayItem(i, x)
		}
		exc.Set("values", arr)
	}
}

const maxTagChars = 200

func (n *normalizer) tags() {
	v := n.root.Get("tags")
	if v == nil {
		return
	}
	out := n.a.NewArray()
	i := 0
	add := func(ks []byte, ok1 bool, val *fastjson.Value) {
		vs, ok2 := lenientBytes(val)
		if !ok1 || !ok2 || len(ks) == 0 {
			return
		}
		pair := n.a.NewArray()
		n.setTagAt(pair, 0, bytes.TrimSpace(ks))
		n.setTagAt(pair, 1, vs)
		out.SetArrayItem(i, pair)
		i++
	}
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		o.Visit(func(k []byte, val *fastjson.Value) {
			add(k, true, val)
		})
	case fastjson.TypeArray:
		pairs, _ := v.Array()
		for _, p := range pairs {
			if kv, err := p.Array(); err == nil && len(kv) == 2 {
				ks, ok := lenientBytes(kv[0])
				add(ks, ok, kv[1])
			}
		}
	default:
		n.root.Del("tags")
		return
	}
	n.root.Set("tags", out)
}

// setTagAt sets pair[idx] to a tag key or value, cut to maxTagChars.
func (n *normalizer) setTagAt(pair *fastjson.Value, idx int, b []byte) {
	if len(b) > maxTagChars { // bytes ≥ characters: maybe too long
		n.setStrAt(pair, idx, truncateChars(string(b), maxTagChars, "..."))
		return
	}
	if arenaSafe(b) {
		pair.SetArrayItem(idx, n.a.NewStringBytes(b))
		return
	}
	n.setStrAt(pair, idx, string(b))
}

func (n *normalizer) fingerprint() {
	v := n.root.Get("fingerprint")
	if v == nil {
		return
	}
	arr, err := v.Array()
	if err != nil {
		n.root.Del("fingerprint")
		return
	}
	out := n.a.NewArray()
	i := 0
	for _, x := range arr {
		switch x.Type() {
		case fastjson.TypeString:
			out.SetArrayItem(i, x)
			i++
		case fastjson.TypeNumber:
			if s := numberString(x); s != "" {
				n.setStrAt(out, i, s)
				i++
			}
		case fastjson.TypeTrue:
			n.setStrAt(out, i, "True")
			i++
		case fastjson.TypeFalse:
			n.setStrAt(out, i, "False")
			i++
		}
	}
	if i == 0 {
		n.root.Del("fingerprint")
		return
	}
	n.root.Set("fingerprint", out)
}

func (n *normalizer) breadcrumbs() {
	bc := n.root.Get("breadcrumbs")
	if bc == nil {
		return
	}
	vals, _ := arrayOf(bc.Get("values"))
	for _, b := range vals {
		if b.Type() != fastjson.TypeObject {
			continue
		}
		if ts := b.Get("timestamp"); ts != nil && ts.Type() == fastjson.TypeString {
			if t, ok := timeOf(ts); ok {
				b.Set("timestamp", n.timeValue(t))
			}
		}
		if lv := b.Get("level"); lv != nil {
			if l, ok := n.levelOf(lv); ok {
				n.setStr(b, "level", l)
			}
		}
	}
}

func (n *normalizer) user() {
	u := n.root.Get("user")
	if u == nil {
		if n.opts.ClientIP != "" && n.inferIP() {
			o := n.a.NewObject()
			n.setStr(o, "ip_address", n.opts.ClientIP)
			n.root.Set("user", o)
		}
		return
	}
	if u.Type() != fastjson.TypeObject {
		n.root.Del("user")
		return
	}
	if id := u.Get("id"); id != nil && id.Type() != fastjson.TypeString {
		if s, ok := lenientOf(id); ok {
			n.setStr(u, "id", s)
		} else {
			u.Del("id")
		}
	}
	ip := bytesOf(u.Get("ip_address"))
	switch {
	case string(ip) == "{{auto}}" && n.opts.ClientIP != "":
		n.setStr(u, "ip_address", n.opts.ClientIP)
	case string(ip) == "{{auto}}":
		u.Del("ip_address")
	case len(ip) == 0 && n.opts.ClientIP != "" && n.inferIP():
		n.setStr(u, "ip_address", n.opts.ClientIP)
	}
}

func (n *normalizer) inferIP() bool {
	return string(bytesOf(n.rootV.Get("sdk", "settings", "infer_ip"))) == "auto"
}

// bytesOf is v's string (unescaped), read in place, or nil if v is not a
// string. It aliases the parsed tree: use it before Normalize returns.
func bytesOf(v *fastjson.Value) []byte {
	if v == nil || v.Type() != fastjson.TypeString {
		return nil
	}
	b, _ := v.StringBytes()
	return b
}

var trueBytes, falseBytes = []byte("true"), []byte("false")

// lenientBytes is lenientOf reading strings in place (see bytesOf): only
// numbers allocate.
func lenientBytes(v *fastjson.Value) ([]byte, bool) {
	if v == nil {
		return nil, false
	}
	switch v.Type() {
	case fastjson.TypeString:
		return bytesOf(v), true
	case fastjson.TypeNumber:
		b := v.MarshalTo(nil)
		return b, validNumber(b)
	case fastjson.TypeTrue:
		return trueBytes, true
	case fastjson.TypeFalse:
		return falseBytes, true
	}
	return nil, false
}

// lenientOf reads a string, number or boolean as a string.
func lenientOf(v *fastjson.Value) (string, bool) {
	if v == nil {
		return "", false
	}
	switch v.Type() {
	case fastjson.TypeString:
		return stringOf(v), true
	case fastjson.TypeNumber:
		s := numberString(v)
		return s, s != ""
	case fastjson.TypeTrue:
		return "true", true
	case fastjson.TypeFalse:
		return "false", true
	}
	return "", false
}

// ----------------------------------------------------------------------------
// stack traces

func (n *normalizer) stacktraces() {
	each := func(container *fastjson.Value) {
		if container == nil || container.Type() != fastjson.TypeObject {
			return
		}
		n.stacktrace(container, "stacktrace")
		n.stacktrace(container, "raw_stacktrace")
	}
	for _, key := range [...]string{"exception", "threads"} {
		if c := n.root.Get(key); c != nil {
			vals, _ := arrayOf(c.Get("values"))
			for _, x := range vals {
				each(x)
			}
		}
	}
	n.stacktrace(nil, "stacktrace")
}

func (n *normalizer) stacktrace(container *fastjson.Value, key string) {
	var st *fastjson.Value
	if container == nil {
		st = n.root.Get(key)
	} else {
		st = container.Get(key)
	}
	if st == nil {
		return
	}
	if st.Type() != fastjson.TypeObject {
		if container == nil {
			n.root.Del(key)
		} else {
			container.Del(key)
		}
		return
	}
	frames, err := arrayOf(st.Get("frames"))
	if err != nil {
		st.Set("frames", n.a.NewArray())
		return
	}
	kept := 0
	for _, f := range frames {
		if f.Type() != fastjson.TypeObject {
			continue
		}
		n.frame(f)
		frames[kept] = f
		kept++
	}
	if kept != len(frames) {
		arr := n.a.NewArray()
		for i := 0; i < kept; i++ {
			arr.SetArrayItem(i, frames[i])
		}
		st.Set("frames", arr)
	}
}

// frameMembers are the members of a frame that frame reads: the first of
// each name, as fastjson's Get finds it.
type frameMembers struct {
	filename, absPath, platform, inApp, module *fastjson.Value
}

func (n *normalizer) frame(f *fastjson.Value) {
	var m frameMembers
	if n.plainKeys {
		// One pass instead of a Get (a scan, two on a miss) per name.
		o, _ := f.Object()
		o.Visit(func(k []byte, v *fastjson.Value) {
			var p **fastjson.Value
			switch string(k) {
			case "filename":
				p = &m.filename
			case "abs_path":
				p = &m.absPath
			case "platform":
				p = &m.platform
			case "in_app":
				p = &m.inApp
			case "module":
				p = &m.module
			default:
				return
			}
			if *p == nil {
				*p = v
			}
		})
	} else {
		// An escaped member name: Get's answers depend on whether it has
		// unescaped the names yet, so ask it, in the order it always was.
		m.filename, m.absPath = f.Get("filename"), f.Get("abs_path")
	}
	n.frameWith(f, &m)
}

func (n *normalizer) frameWith(f *fastjson.Value, m *frameMembers) {
	slow := !n.plainKeys
	filename, absPath := m.filename, m.absPath
	if isAbsent(absPath) && !isAbsent(filename) {
		f.Set("abs_path", filename)
		absPath = filename
	}
	if isAbsent(filename) && !isAbsent(absPath) {
		fn := stringOf(absPath)
		if isURL(fn) {
			if u, err := url.Parse(fn); err == nil {
				if p := u.EscapedPath(); p != "/" && p != "" {
					fn = p
				}
			}
		}
		n.setStr(f, "filename", fn)
		// What Get now finds: fn, or setStr's placeholder null.
		filename = f.Get("filename")
	}
	if slow {
		m.platform = f.Get("platform")
		absPath = f.Get("abs_path")
		m.inApp = f.Get("in_app")
	}
	// Read in place (bytesOf): a frame's strings are only looked at here.
	js, node := isJSFamily(n.platform), n.platform == "node"
	if p := bytesOf(m.platform); len(p) > 0 {
		js, node = string(p) == "javascript" || string(p) == "node", string(p) == "node"
	}
	abs := bytesOf(absPath)
	iv := m.inApp
	if js && (string(abs) == "native" || string(abs) == "[native code]" ||
		(node && len(abs) > 0 && !nodeAppPath(abs))) {
		f.Set("in_app", n.a.NewFalse())
		return
	}
	if iv != nil && (iv.Type() == fastjson.TypeTrue || iv.Type() == fastjson.TypeFalse) {
		return
	}
	if slow {
		filename, m.module = f.Get("filename"), f.Get("module")
	}
	if defaultInAppBytes(js, abs, bytesOf(filename), bytesOf(m.module)) {
		f.Set("in_app", n.a.NewTrue())
	} else {
		f.Set("in_app", n.a.NewFalse())
	}
}

func isURL(s string) bool {
	for _, p := range [...]string{"http:", "https:", "file:", "applewebdata:"} {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			return true
		}
	}
	return false
}

func isJSFamily(platform string) bool { return platform == "javascript" || platform == "node" }

// nodeAppPath is Sentry's test for node frames that are not built-ins:
// ^((app|webpack|[a-zA-Z]):|/).
func nodeAppPath(abs []byte) bool {
	if bytes.HasPrefix(abs, []byte("/")) || bytes.HasPrefix(abs, []byte("app:")) || bytes.HasPrefix(abs, []byte("webpack:")) {
		return true
	}
	return len(abs) >= 2 && abs[1] == ':' && (abs[0]|0x20 >= 'a' && abs[0]|0x20 <= 'z')
}

// defaultInAppBytes is defaultInApp of byte strings (js: the frame's
// platform is javascript or node). ASCII paths, nearly all, are lowered in
// a stack buffer; others take defaultInApp's strings.ToLower.
func defaultInAppBytes(js bool, abs, filename, module []byte) bool {
	path := abs
	if len(path) == 0 {
		path = filename
	}
	var buf [256]byte
	if len(path) > len(buf) || !isASCII(path) {
		platform := ""
		if js {
			platform = "javascript"
		}
		return defaultInApp(platform, string(abs), string(filename), string(module))
	}
	lower := buf[:len(path)]
	for i, c := range path {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	for _, seg := range [...]string{"/node_modules/", "/vendor/", "/site-packages/", "/dist-packages/", "/go/pkg/mod/"} {
		if bytes.Contains(lower, []byte(seg)) || bytes.HasPrefix(lower, []byte(seg[1:])) {
			return false
		}
	}
	for _, host := range [...]string{"https://unpkg.com/", "https://cdnjs.cloudflare.com/", "https://cdn.jsdelivr.net/", "https://esm.run/"} {
		if bytes.HasPrefix(lower, []byte(host)) {
			return false
		}
	}
	if bytes.HasPrefix(module, []byte("unpkg/")) {
		return false
	}
	if js && (bytes.HasPrefix(lower, []byte("webpack:")) || bytes.HasPrefix(lower, []byte("app:"))) {
		// No rune lowers to '~' or '/': the prefix test needs no lowering.
		return !bytes.HasPrefix(filename, []byte("~/"))
	}
	return false
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// defaultInApp is the in_app of a frame the SDK left undecided: Sentry's
// built-in stack trace rules, then false.
func defaultInApp(platform, abs, filename, module string) bool {
	path := strings.ToLower(abs)
	if path == "" {
		path = strings.ToLower(filename)
	}
	for _, seg := range [...]string{"/node_modules/", "/vendor/", "/site-packages/", "/dist-packages/", "/go/pkg/mod/"} {
		if strings.Contains(path, seg) || strings.HasPrefix(path, seg[1:]) {
			return false
		}
	}
	for _, host := range [...]string{"https://unpkg.com/", "https://cdnjs.cloudflare.com/", "https://cdn.jsdelivr.net/", "https://esm.run/"} {
		if strings.HasPrefix(path, host) {
			return false
		}
	}
	if strings.HasPrefix(module, "unpkg/") {
		return false
	}
	if isJSFamily(platform) && (strings.HasPrefix(path, "webpack:") || strings.HasPrefix(path, "app:")) {
		return !strings.HasPrefix(strings.ToLower(filename), "~/")
	}
	return false
}

// truncateChars shortens s to at most n characters, ending it with ellipsis
// (Sentry's truncatechars).
func truncateChars(s string, n int, ellipsis string) string {
	if len(s) <= n { // bytes ≥ characters
		return s
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	keep := max(0, n-utf8.RuneCountInString(ellipsis))
	i := 0
	for j := range s {
		if i == keep {
			return s[:j] + ellipsis
		}
		i++
	}
	return s + ellipsis
}
