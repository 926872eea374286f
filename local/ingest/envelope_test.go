package ingest

import (
	"errors"
	"strings"
	"testing"
)

func TestParseEnvelope(t *testing.T) {
	hdr := `{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"http://` + key + `@h/1","sent_at":"2026-01-01T00:00:00Z","sdk":{"name":"sentry.javascript.browser","version":"9.0.0"}}`
	type item struct{ typ, payload string }
	tests := []struct {
		name  string
		body  string
		items []item
	}{
		{"js style, no length, no trailing newline", hdr + "\n{\"type\":\"event\"}\n{\"message\":\"hi\"}",
			[]item{{"event", `{"message":"hi"}`}}},
		{"with length and trailing newline", hdr + "\n{\"type\":\"event\",\"length\":16}\n{\"message\":\"hi\"}\n",
			[]item{{"event", `{"message":"hi"}`}}},
		{"length payload holding newlines", "{}\n{\"type\":\"attachment\",\"length\":5,\"filename\":\"a.txt\"}\na\nb\nc\n{\"type\":\"event\"}\n{}",
			[]item{{"attachment", "a\nb\nc"}, {"event", "{}"}}},
		{"empty payload with length 0", "{}\n{\"type\":\"attachment\",\"length\":0}\n\n", []item{{"attachment", ""}}},
		{"empty payload without length", "{}\n{\"type\":\"attachment\"}\n\n{\"type\":\"event\"}\n{}", []item{{"attachment", ""}, {"event", "{}"}}},
		{"empty payload at EOF", "{}\n{\"type\":\"attachment\",\"length\":0}", []item{{"attachment", ""}}},
		{"header only", "{}", nil},
		{"header only with newline", "{}\n", nil},
		{"unknown item kept", "{}\n{\"type\":\"new_thing\",\"length\":2}\nab\n", []item{{"new_thing", "ab"}}},
		{"CRLF after length payload", "{}\n{\"type\":\"session\",\"length\":2}\n{}\r\n{\"type\":\"event\"}\n{}", []item{{"session", "{}"}, {"event", "{}"}}},
		{"CR kept in no-length payload", "{}\n{\"type\":\"event\"}\n{}\r\n", []item{{"event", "{}\r"}}},
		{"blank lines between items", "{}\n\n{\"type\":\"event\"}\n{}\n\n\n", []item{{"event", "{}"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := ParseEnvelope([]byte(tt.body), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if len(env.Items) != len(tt.items) {
				t.Fatalf("got %d items, want %d", len(env.Items), len(tt.items))
			}
			for i, it := range env.Items {
				if it.Header.Type != tt.items[i].typ || string(it.Payload) != tt.items[i].payload {
					t.Errorf("item %d = %s %q, want %s %q", i, it.Header.Type, it.Payload, tt.items[i].typ, tt.items[i].payload)
				}
			}
		})
	}
	env, _ := ParseEnvelope([]byte(hdr+"\n{\"type\":\"attachment\",\"length\":1,\"filename\":\"f\",\"content_type\":\"text/plain\",\"attachment_type\":\"event.attachment\"}\nx"), DefaultLimits())
	h, ih := env.Header, env.Items[0].Header
	if h.EventID != "9ec79c33ec9942ab8353589fcb2e04dc" || h.SDKName != "sentry.javascript.browser" || h.SentAt == "" || !strings.HasPrefix(h.DSN, "http://") {
		t.Errorf("header = %+v", h)
	}
	if ih.Filename != "f" || ih.ContentType != "text/plain" || ih.AttachmentType != "event.attachment" || ih.Length != 1 {
		t.Errorf("item header = %+v", ih)
	}
}

func TestParseEnvelopeErrors(t *testing.T) {
	tests := []struct {
		name   string
		body   string
		limits func(*Limits)
		kind   error
		status int
		item   int
		offset int64
		text   string
	}{
		{name: "empty", body: "", kind: ErrEmptyBody, status: 400, item: -1, offset: -1},
		{name: "header not JSON", body: "nope\n", kind: ErrInvalidEnvelope, status: 400, item: -1, offset: 0, text: "envelope header is not JSON"},
		{name: "header not an object", body: "[]\n", kind: ErrInvalidEnvelope, status: 400, item: -1, offset: 0},
		{name: "duplicate sent_at", body: `{"sent_at":"a","sent_at":"b"}`, kind: ErrInvalidEnvelope, status: 400, item: -1, offset: 0, text: "sent_at"},
		{name: "item header not JSON", body: "{}\n{\"type\":\"event\"}\n{}\n{oops\n", kind: ErrInvalidEnvelope, status: 400, item: 1, offset: 23},
		{name: "item without type", body: "{}\n{\"length\":2}\n{}", kind: ErrInvalidEnvelope, status: 400, item: 0, offset: 3, text: "no type"},
		{name: "negative length", body: "{}\n{\"type\":\"event\",\"length\":-1}\n", kind: ErrInvalidEnvelope, status: 400, item: 0, offset: 3},
		{name: "length past EOF", body: "{}\n{\"type\":\"event\",\"length\":10}\n{}", kind: ErrInvalidEnvelope, status: 400, item: 0, offset: 32, text: "unexpected end"},
		{name: "garbage after length payload", body: "{}\n{\"type\":\"event\",\"length\":2}\n{}x", kind: ErrInvalidEnvelope, status: 400, item: 0, offset: 33, text: "missing newline"},
		{name: "event over limit", body: "{}\n{\"type\":\"event\"}\n" + strings.Repeat("x", 100),
			limits: func(l *Limits) { l.Event = 99 }, kind: ErrTooLarge, status: 413, item: 0, offset: 3, text: "'event'"},
		{name: "envelope over limit", body: "{}\n" + strings.Repeat("x", 100),
			limits: func(l *Limits) { l.Envelope = 50 }, kind: ErrTooLarge, status: 413, item: -1, offset: -1},
		{name: "too many attachments", body: "{}\n" + strings.Repeat("{\"type\":\"attachment\",\"length\":0}\n\n", 3),
			limits: func(l *Limits) { l.AttachmentCount = 2 }, kind: ErrTooLarge, status: 413, item: 2},
		{name: "attachments over total", body: "{}\n" + strings.Repeat("{\"type\":\"attachment\",\"length\":3}\nabc\n", 3),
			limits: func(l *Limits) { l.Attachments = 8 }, kind: ErrTooLarge, status: 413, item: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := DefaultLimits()
			if tt.limits != nil {
				tt.limits(&l)
			}
			_, err := ParseEnvelope([]byte(tt.body), l)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, tt.kind) || e.Status != tt.status {
				t.Fatalf("err = %v, want %v (%d)", err, tt.kind, tt.status)
			}
			if e.Item != tt.item || (tt.kind == ErrInvalidEnvelope && e.Offset != tt.offset) {
				t.Errorf("item %d offset %d, want item %d offset %d (%v)", e.Item, e.Offset, tt.item, tt.offset, err)
			}
			if tt.text != "" && !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q does not mention %q", err, tt.text)
			}
		})
	}
}
