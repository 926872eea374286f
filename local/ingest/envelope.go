package ingest

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/valyala/fastjson"
)

// Envelope is a parsed envelope. Payloads are sub-slices of the body given
// to ParseEnvelope: keep that body alive (and unmodified) while using them.
type Envelope struct {
	Header EnvelopeHeader
	Items  []Item
}

// EnvelopeHeader is the envelope's first line.
type EnvelopeHeader struct {
	EventID    string // as sent (may be dashed); see NormalizeEventID
	DSN        string
	SentAt     string
	SDKName    string
	SDKVersion string
	// Raw is the header line, verbatim.
	Raw []byte
}

// Item is one envelope item.
type Item struct {
	Header  ItemHeader
	Payload []byte
	// Offset is the byte offset of the item's header line in the body.
	Offset int64
}

// ItemHeader is an item's header line. Length is -1 when it was absent.
type ItemHeader struct {
	Type           string
	Length         int64
	ContentType    string
	Filename       string
	AttachmentType string
	Platform       string
	ItemCount      int
	// Raw is the header line, verbatim.
	Raw []byte
}

var headerParsers fastjson.ParserPool

func envelopeError(item int, off int, format string) *Error {
	e := newError(ErrInvalidEnvelope, http.StatusBadRequest, "invalid envelope", format)
	e.Item, e.Offset = item, int64(off)
	return e
}

// ParseEnvelope parses an envelope body (already decoded). Items may give
// a length or run to the next newline; the trailing newline is optional;
// blank lines between items are tolerated. Unknown item types are kept.
// Malformed input is ErrInvalidEnvelope (400) naming the item (-1 for the
// envelope header) and byte offset; an item over its per-type limit, or
// attachments over their count or total, is ErrTooLarge (413).
func ParseEnvelope(body []byte, limits Limits) (*Envelope, error) {
	if len(body) == 0 {
		return nil, newError(ErrEmptyBody, http.StatusBadRequest, ErrEmptyBody.Error())
	}
	if limits.Envelope > 0 && int64(len(body)) > limits.Envelope {
		return nil, tooLarge("envelope", limits.Envelope)
	}
	p := headerParsers.Get()
	defer headerParsers.Put(p)

	env := &Envelope{}
	line, next := cutLine(body, 0)
	v, err := p.ParseBytes(line)
	if err != nil {
		return nil, envelopeError(-1, 0, "envelope header is not JSON: "+shortErr(err))
	}
	o, err := v.Object()
	if err != nil {
		return nil, envelopeError(-1, 0, "envelope header is not a JSON object")
	}
	h := &env.Header
	h.Raw = line
	sentAt := 0
	var badField string
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "event_id":
			h.EventID = stringOf(v)
		case "dsn":
			h.DSN = stringOf(v)
			if v.Type() != fastjson.TypeString && v.Type() != fastjson.TypeNull {
				badField = "dsn"
			}
		case "sent_at":
			sentAt++
			h.SentAt = stringOf(v)
		case "sdk":
			h.SDKName = string(v.GetStringBytes("name"))
			h.SDKVersion = string(v.GetStringBytes("version"))
		}
	})
	if sentAt > 1 {
		return nil, envelopeError(-1, 0, "duplicate sent_at in envelope header")
	}
	if badField != "" {
		return nil, envelopeError(-1, 0, "envelope header field "+badField+" must be a string")
	}

	var attachments, sessions int
	var attachmentBytes int64
	for idx := 0; ; idx++ {
		// Skip blank lines (and a trailing newline) between items.
		for next < len(body) && isSpace(body[next]) {
			next++
		}
		if next >= len(body) {
			break
		}
		start := next
		line, next = cutLine(body, start)
		v, err := p.ParseBytes(line)
		if err != nil {
			return nil, envelopeError(idx, start, "item header is not JSON: "+shortErr(err))
		}
		if v.Type() != fastjson.TypeObject {
			return nil, envelopeError(idx, start, "item header is not a JSON object")
		}
		it := Item{Offset: int64(start)}
		ih := &it.Header
		ih.Raw, ih.Length = line, -1
		tv := v.Get("type")
		if tv == nil || tv.Type() != fastjson.TypeString {
			return nil, envelopeError(idx, start, "item header has no type")
		}
		ih.Type = itemType(bytesOf(tv))
		if lv := v.Get("length"); lv != nil && lv.Type() != fastjson.TypeNull {
			n, err := lv.Int64()
			if err != nil || n < 0 {
				return nil, envelopeError(idx, start, "item length is not a non-negative integer")
			}
			ih.Length = n
		}
		ih.ContentType = string(v.GetStringBytes("content_type"))
		ih.Filename = string(v.GetStringBytes("filename"))
		ih.AttachmentType = string(v.GetStringBytes("attachment_type"))
		ih.Platform = string(v.GetStringBytes("platform"))
		ih.ItemCount = v.GetInt("item_count")

		payloadStart := next
		if ih.Length >= 0 {
			if ih.Length > int64(len(body)-payloadStart) {
				return nil, envelopeError(idx, payloadStart, "item payload shorter than its length "+
					strconv.FormatInt(ih.Length, 10)+" (unexpected end of envelope)")
			}
			end := payloadStart + int(ih.Length)
			it.Payload = body[payloadStart:end:end]
			switch {
			case end == len(body):
				next = end
			case body[end] == '\n':
				next = end + 1
			case body[end] == '\r' && end+1 < len(body) && body[end+1] == '\n':
				next = end + 2
			default:
				return nil, envelopeError(idx, end, "missing newline after item payload")
			}
		} else {
			var payload []byte
			payload, next = cutLine(body, payloadStart)
			it.Payload = payload[:len(payload):len(payload)]
		}
		size := int64(len(it.Payload))
		if lim := limits.ItemLimit(ih.Type); lim > 0 && size > lim {
			e := tooLarge("envelope item of type '"+ih.Type+"'", lim)
			e.Item, e.Offset = idx, int64(start)
			return nil, e
		}
		switch ih.Type {
		case "attachment":
			attachments++
			attachmentBytes += size
			if limits.AttachmentCount > 0 && attachments > limits.AttachmentCount {
				e := newError(ErrTooLarge, http.StatusRequestEntityTooLarge, "too many attachments",
					"limit is "+strconv.Itoa(limits.AttachmentCount))
				e.Item, e.Offset = idx, int64(start)
				return nil, e
			}
			if limits.Attachments > 0 && attachmentBytes > limits.Attachments {
				e := tooLarge("attachments", limits.Attachments)
				e.Item, e.Offset = idx, int64(start)
				return nil, e
			}
		case "session", "sessions":
			sessions++
			if limits.SessionCount > 0 && sessions > limits.SessionCount {
				e := newError(ErrTooLarge, http.StatusRequestEntityTooLarge, "too many sessions",
					"limit is "+strconv.Itoa(limits.SessionCount))
				e.Item, e.Offset = idx, int64(start)
				return nil, e
			}
		}
		env.Items = append(env.Items, it)
	}
	return env, nil
}

// cutLine returns body[from:i] where i is the next '\n' (or the end), and
// the offset after that newline.
func cutLine(body []byte, from int) ([]byte, int) {
	if j := bytes.IndexByte(body[from:], '\n'); j >= 0 {
		i := from + j
		return body[from:i:i], i + 1
	}
	return body[from:len(body):len(body)], len(body)
}

// itemTypes are the item types SDKs send, each mapping to itself: a
// lookup by the header's bytes yields the type without allocating.
var itemTypes = func() map[string]string {
	m := map[string]string{}
	for _, t := range strings.Fields("event transaction attachment session sessions client_report " +
		"user_report feedback check_in profile profile_chunk span log replay_event replay_recording " +
		"replay_video statsd metric_buckets security raw_security nel") {
		m[t] = t
	}
	return m
}()

func itemType(b []byte) string {
	if t, ok := itemTypes[string(b)]; ok {
		return t
	}
	return string(b)
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func stringOf(v *fastjson.Value) string {
	if v == nil || v.Type() != fastjson.TypeString {
		return ""
	}
	b, _ := v.StringBytes()
	return string(b)
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// EventItem returns the first item that carries an event (type "event",
// "transaction", "feedback", "security", ...), or nil.
func (e *Envelope) EventItem() *Item {
	for i := range e.Items {
		switch e.Items[i].Header.Type {
		case "event", "transaction", "feedback", "security", "raw_security", "nel", "user_report_v2":
			return &e.Items[i]
		}
	}
	return nil
}
