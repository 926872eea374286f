package ingest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/snag-dev/snag/api"
)

var received = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func norm(t *testing.T, in string) *NormalizedEvent {
	t.Helper()
	ne, err := Normalize([]byte(in), NormalizeOptions{ReceivedAt: received})
	if err != nil {
		t.Fatalf("Normalize(%s): %v", in, err)
	}
	if !json.Valid(ne.JSON) {
		t.Fatalf("invalid JSON out: %s", ne.JSON)
	}
	return ne
}

// field decodes one top-level member of the normalized JSON.
func field(t *testing.T, ne *NormalizedEvent, key string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(ne.JSON, &m); err != nil {
		t.Fatal(err)
	}
	return string(m[key])
}

func TestNormalizeFields(t *testing.T) {
	tests := []struct {
		name, in, key, want string
	}{
		{"message string to logentry", `{"message":"hello"}`, "logentry", `{"formatted":"hello"}`},
		{"message removed", `{"message":"hello"}`, "message", ``},
		{"message object", `{"message":{"message":"a %s","params":["b"]}}`, "logentry", `{"message":"a %s","params":["b"],"formatted":"a b"}`},
		{"logentry percent", `{"logentry":{"message":"%s of %d %%","params":["x",3]}}`, "logentry", `{"message":"%s of %d %%","params":["x",3],"formatted":"x of 3 %"}`},
		{"logentry named percent", `{"logentry":{"message":"hi %(who)s","params":{"who":"you"}}}`, "logentry", `{"message":"hi %(who)s","params":{"who":"you"},"formatted":"hi you"}`},
		{"logentry braces", `{"logentry":{"message":"{} and {}","params":["a","b"]}}`, "logentry", `{"message":"{} and {}","params":["a","b"],"formatted":"a and b"}`},
		{"logentry indexed braces", `{"logentry":{"message":"{1} {0}","params":["a","b"]}}`, "logentry", `{"message":"{1} {0}","params":["a","b"],"formatted":"b a"}`},
		{"logentry formatted kept", `{"logentry":{"message":"t %s","formatted":"given"}}`, "logentry", `{"message":"t %s","formatted":"given"}`},
		{"logentry equal collapses", `{"logentry":{"message":"same","formatted":"same"}}`, "logentry", `{"formatted":"same"}`},
		{"logentry message only", `{"logentry":{"message":"just this"}}`, "logentry", `{"formatted":"just this"}`},
		{"logentry string", `{"logentry":"plain"}`, "logentry", `{"formatted":"plain"}`},
		{"logentry wins over message", `{"logentry":{"formatted":"a"},"message":"b"}`, "message", `"b"`},
		{"message false ignored", `{"message":false}`, "logentry", ``},
		{"control characters survive", `{"message":"red \u001b[31m \"q\" \\ tab\t"}`, "logentry", `{"formatted":"red \u001b[31m \"q\" \\ tab\t"}`},
		{"exception list", `{"exception":[{"type":"E","value":"v"}]}`, "exception", `{"values":[{"type":"E","value":"v"}]}`},
		{"exception without type and value dropped", `{"exception":{"values":[{"module":"m"},{"type":"E"}]}}`, "exception", `{"values":[{"type":"E"}]}`},
		{"exception value lenient", `{"exception":{"values":[{"type":"E","value":{"a":1}}]}}`, "exception", `{"values":[{"type":"E","value":"{\"a\":1}"}]}`},
		{"threads list", `{"threads":[{"id":1}]}`, "threads", `{"values":[{"id":1}]}`},
		{"breadcrumbs list, string timestamp", `{"breadcrumbs":[{"timestamp":"2026-01-01T00:00:00.5Z","level":"warn"}]}`, "breadcrumbs", `{"values":[{"timestamp":1767225600.5,"level":"warning"}]}`},
		{"tags object", `{"tags":{"a":"b","n":1,"t":true,"x":null,"o":{}}}`, "tags", `[["a","b"],["n","1"],["t","true"]]`},
		{"tags pairs", `{"tags":[["a","b"],["bad"],["n",2]]}`, "tags", `[["a","b"],["n","2"]]`},
		{"tag value truncated", `{"tags":{"a":"` + strings.Repeat("x", 250) + `"}}`, "tags", `[["a","` + strings.Repeat("x", 197) + `..."]]`},
		{"float timestamp", `{"timestamp":1795551041.185}`, "timestamp", `1795551041.185`},
		{"string timestamp", `{"timestamp":"2026-11-24T20:10:44.290344116Z"}`, "timestamp", `1795551044.290344`},
		{"string timestamp without zone", `{"timestamp":"2011-05-02T17:41:36"}`, "timestamp", `1304358096`},
		{"missing timestamp", `{}`, "timestamp", `1767323045`},
		{"invalid timestamp", `{"timestamp":"yesterday"}`, "timestamp", `1767323045`},
		{"level default", `{}`, "level", `"error"`},
		{"level warn", `{"level":"warn"}`, "level", `"warning"`},
		{"level critical", `{"level":"critical"}`, "level", `"fatal"`},
		{"level log", `{"level":"log"}`, "level", `"info"`},
		{"level number", `{"level":30}`, "level", `"warning"`},
		{"level unknown", `{"level":"loud"}`, "level", `"error"`},
		{"event_id dashed", `{"event_id":"9EC79C33-EC99-42AB-8353-589FCB2E04DC"}`, "event_id", `"9ec79c33ec9942ab8353589fcb2e04dc"`},
		{"platform default", `{}`, "platform", `"other"`},
		{"platform unknown", `{"platform":"cobol"}`, "platform", `"other"`},
		{"platform kept", `{"platform":"node"}`, "platform", `"node"`},
		{"fingerprint lenient", `{"fingerprint":["a",1,true,null]}`, "fingerprint", `["a","1","True"]`},
		{"fingerprint not a list", `{"fingerprint":"a"}`, "fingerprint", ``},
		{"user id number", `{"user":{"id":42}}`, "user", `{"id":"42"}`},
		{"user auto ip without client ip", `{"user":{"ip_address":"{{auto}}","username":"root"}}`, "user", `{"username":"root"}`},
		{"legacy interface", `{"sentry.interfaces.Exception":{"values":[{"type":"E"}]}}`, "exception", `{"values":[{"type":"E"}]}`},
		{"unknown members kept", `{"foo":{"bar":[1,2.50,"x"]},"extra":{"k":null}}`, "foo", `{"bar":[1,2.50,"x"]}`},
		{"invalid UTF-8 replaced", "{\"k\":\"a\xffb\"}", "k", `"a\ufffdb"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ne := norm(t, tt.in)
			if got := field(t, ne, tt.key); got != tt.want {
				t.Errorf("%s = %s\n     want %s", tt.key, got, tt.want)
			}
		})
	}
}

func TestNormalizeOptions(t *testing.T) {
	ne, _ := Normalize([]byte(`{"event_id":"11111111111111111111111111111111"}`), NormalizeOptions{EventID: "22222222-2222-2222-2222-222222222222"})
	if ne.Event.EventID != "22222222222222222222222222222222" {
		t.Errorf("envelope event_id should win: %s", ne.Event.EventID)
	}
	ne, _ = Normalize([]byte(`{"event_id":"nope"}`), NormalizeOptions{})
	if len(ne.Event.EventID) != 32 || NormalizeEventID(ne.Event.EventID) != ne.Event.EventID {
		t.Errorf("generated event_id %q", ne.Event.EventID)
	}
	ne, _ = Normalize([]byte(`{"user":{"ip_address":"{{auto}}"}}`), NormalizeOptions{ClientIP: "10.0.0.1"})
	if ne.Event.User.IPAddress != "10.0.0.1" || ne.UserKey != "ip:10.0.0.1" {
		t.Errorf("{{auto}}: %+v %s", ne.Event.User, ne.UserKey)
	}
	ne, _ = Normalize([]byte(`{"sdk":{"settings":{"infer_ip":"auto"}}}`), NormalizeOptions{ClientIP: "10.0.0.1"})
	if ne.Event.User == nil || ne.Event.User.IPAddress != "10.0.0.1" {
		t.Errorf("infer_ip auto: %+v", ne.Event.User)
	}
	future := received.Add(time.Hour).Unix()
	ne, _ = Normalize([]byte(`{"timestamp":`+formatInt64(future)+`}`), NormalizeOptions{ReceivedAt: received, MaxFuture: time.Minute})
	if !ne.Event.Timestamp.Equal(received) {
		t.Errorf("future timestamp kept: %v", ne.Event.Timestamp)
	}
	ne, _ = Normalize([]byte(`{"timestamp":1000}`), NormalizeOptions{ReceivedAt: received, MaxPast: 24 * time.Hour})
	if !ne.Event.Timestamp.Equal(received) {
		t.Errorf("ancient timestamp kept: %v", ne.Event.Timestamp)
	}
}

func formatInt64(i int64) string { b, _ := json.Marshal(i); return string(b) }

func TestNormalizeFrames(t *testing.T) {
	in := `{"platform":"node","exception":{"values":[{"type":"E","stacktrace":{"frames":[
		{"abs_path":"http://example.com/static/app.js?v=1","function":"a"},
		{"abs_path":"http://example.com/","function":"b"},
		{"filename":"/srv/app/node_modules/lib/x.js","function":"c"},
		{"filename":"node:internal/process/task_queues","function":"d","in_app":true},
		{"filename":"webpack:///./src/x.js","function":"e"},
		{"filename":"[native code]","function":"f","platform":"javascript","in_app":true},
		{"filename":"/srv/app/src/y.js","function":"g","in_app":true},
		{"filename":"/srv/app/src/z.js","function":"h"},
		null
	]}}]}}`
	ne := norm(t, in)
	frames := ne.Event.Exceptions()[0].Stacktrace.Frames
	want := []struct {
		filename, abs string
		inApp         bool
	}{
		{"/static/app.js", "http://example.com/static/app.js?v=1", false},
		{"http://example.com/", "http://example.com/", false},
		{"/srv/app/node_modules/lib/x.js", "/srv/app/node_modules/lib/x.js", false},
		{"node:internal/process/task_queues", "node:internal/process/task_queues", false},
		{"webpack:///./src/x.js", "webpack:///./src/x.js", true},
		{"[native code]", "[native code]", false},
		{"/srv/app/src/y.js", "/srv/app/src/y.js", true},
		{"/srv/app/src/z.js", "/srv/app/src/z.js", false},
	}
	if len(frames) != len(want) {
		t.Fatalf("%d frames, want %d", len(frames), len(want))
	}
	for i, w := range want {
		f := frames[i]
		if f.Filename != w.filename || f.AbsPath != w.abs || f.InApp == nil || *f.InApp != w.inApp {
			t.Errorf("frame %d = %q %q %v, want %+v", i, f.Filename, f.AbsPath, deref(f.InApp), w)
		}
	}
}

func deref(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func TestDerive(t *testing.T) {
	long := strings.Repeat("v", 150)
	tests := []struct {
		name, in                      string
		typ, title, culprit, function string
	}{
		{"js error", `{"platform":"javascript","exception":{"values":[{"type":"TypeError","value":"x is undefined\nsecond line","stacktrace":{"frames":[
			{"filename":"app.js","function":"outer","in_app":true},{"filename":"lib.js","function":"inner","in_app":false}]}}]}}`,
			"error", "TypeError: x is undefined", "outer(app.js)", "outer"},
		{"module beats filename", `{"platform":"node","exception":{"values":[{"type":"E","value":"v","stacktrace":{"frames":[
			{"filename":"/a/b.js","module":"b","function":"f","in_app":true}]}}]}}`, "error", "E: v", "f(b)", "f"},
		{"python culprit", `{"platform":"python","exception":{"values":[{"type":"ZeroDivisionError","value":"division by zero","stacktrace":{"frames":[
			{"filename":"app/views.py","module":"app.views","function":"index","in_app":true}]}}]}}`,
			"error", "ZeroDivisionError: division by zero", "app.views in index", "index"},
		{"native culprit", `{"platform":"native","exception":{"values":[{"type":"SIGSEGV","stacktrace":{"frames":[{"function":"crash","in_app":true}]}}]}}`,
			"error", "SIGSEGV", "crash", "crash"},
		{"no in-app frame: last frame", `{"platform":"javascript","exception":{"values":[{"type":"E","value":"v","stacktrace":{"frames":[
			{"filename":"a.js","function":"a"},{"filename":"b.js","function":"b"}]}}]}}`, "error", "E: v", "b(b.js)", "b"},
		{"type defaults to Error", `{"exception":{"values":[{"value":"boom"}]}}`, "error", "Error: boom", "", ""},
		{"long value truncated", `{"exception":{"values":[{"type":"E","value":"` + long + `"}]}}`, "error", "E: " + strings.Repeat("v", 97) + "...", "", ""},
		{"synthetic uses function", `{"platform":"node","message":"m","exception":{"values":[{"value":"m","mechanism":{"type":"generic","synthetic":true},"stacktrace":{"frames":[
			{"filename":"s.js","function":"main","in_app":true}]}}]}}`, "error", "main", "", "main"},
		{"synthetic without frames", `{"exception":{"values":[{"value":"m","mechanism":{"type":"generic","synthetic":true}}]}}`, "error", "<unknown>", "", ""},
		{"last exception is main", `{"exception":[{"type":"Inner","value":"a"},{"type":"Outer","value":"b"}]}`, "error", "Outer: b", "", ""},
		{"culprit from last exception with frames", `{"platform":"go","exception":[{"type":"A","stacktrace":{"frames":[{"module":"m","function":"f","in_app":true}]}},{"type":"B"}]}`,
			"error", "B", "m in f", ""},
		{"transaction is culprit", `{"transaction":"/checkout","exception":{"values":[{"type":"E"}]}}`, "error", "E", "/checkout", ""},
		{"request url culprit", `{"request":{"url":"http://x/y"},"exception":{"values":[{"type":"E"}]}}`, "error", "E", "http://x/y", ""},
		{"message event", `{"message":"  hello\nworld  "}`, "default", "hello", "", ""},
		{"message event from template", `{"logentry":{"message":"%s!","params":["hi"]}}`, "default", "hi!", "", ""},
		{"unlabeled", `{}`, "default", "<unlabeled event>", "", ""},
		{"transaction event", `{"type":"transaction","transaction":"GET /"}`, "transaction", "GET /", "GET /", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ne := norm(t, tt.in)
			ev := ne.Event
			if ev.Type != tt.typ || ev.Title != tt.title || ev.Culprit != tt.culprit || ev.Metadata.Function != tt.function {
				t.Errorf("got type %q title %q culprit %q function %q\nwant type %q title %q culprit %q function %q",
					ev.Type, ev.Title, ev.Culprit, ev.Metadata.Function, tt.typ, tt.title, tt.culprit, tt.function)
			}
			var title string
			if json.Unmarshal([]byte(field(t, ne, "title")), &title); title != ev.Title {
				t.Errorf("JSON title %s", field(t, ne, "title"))
			}
		})
	}
}

func mustMarshal(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestNormalizeErrors(t *testing.T) {
	tests := []struct {
		in     string
		kind   error
		offset int64
	}{
		{`{"a":1,}`, ErrInvalidJSON, 8},
		{`[1,2]`, ErrInvalidJSON, 0},
		{`"str"`, ErrInvalidJSON, 0},
		{``, ErrEmptyBody, -1},
		{`{"a":1} x`, ErrInvalidJSON, 8},
	}
	for _, tt := range tests {
		_, err := Normalize([]byte(tt.in), NormalizeOptions{})
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, tt.kind) || e.Status != 400 {
			t.Errorf("%q: err = %v", tt.in, err)
			continue
		}
		if tt.offset >= 0 && e.Offset != tt.offset {
			t.Errorf("%q: offset %d, want %d (%v)", tt.in, e.Offset, tt.offset, err)
		}
	}
}

func TestUserKey(t *testing.T) {
	tests := []struct {
		u    *api.EventUser
		want string
	}{
		{nil, ""},
		{&api.EventUser{}, ""},
		{&api.EventUser{ID: "1", Email: "e", Username: "u", IPAddress: "i"}, "id:1"},
		{&api.EventUser{Email: "e", Username: "u", IPAddress: "i"}, "username:u"},
		{&api.EventUser{Email: "e", IPAddress: "i"}, "email:e"},
		{&api.EventUser{IPAddress: "i"}, "ip:i"},
	}
	for _, tt := range tests {
		if got := UserKey(tt.u); got != tt.want {
			t.Errorf("UserKey(%+v) = %q, want %q", tt.u, got, tt.want)
		}
	}
}

func TestNormalizedEventRoundTrips(t *testing.T) {
	// The typed event carries everything: encoding it with encoding/json
	// gives the same document as the normalized JSON.
	b := mustRead(t, "testdata/fixtures/browser/03-event-browser-config.envelope")
	env, err := ParseEnvelope(b, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	ne, err := Normalize(env.EventItem().Payload, NormalizeOptions{ReceivedAt: received})
	if err != nil {
		t.Fatal(err)
	}
	viaTyped, err := json.Marshal(ne.Event)
	if err != nil {
		t.Fatal(err)
	}
	var a, c any
	_ = json.Unmarshal(ne.JSON, &a)
	_ = json.Unmarshal(viaTyped, &c)
	if mustMarshal(a) != mustMarshal(c) {
		t.Errorf("typed event differs from JSON:\n%s\n%s", mustMarshal(a), mustMarshal(c))
	}
	var back api.Event
	if err := json.Unmarshal(ne.JSON, &back); err != nil {
		t.Fatal(err)
	}
	if back.Title != ne.Event.Title || len(back.Exceptions()[0].Stacktrace.Frames) != 3 || back.Other != nil {
		t.Errorf("decoded back: %+v", back)
	}
}

func TestNormalizeBareExceptionObject(t *testing.T) {
	ne, err := Normalize([]byte(`{"exception":{"type":"ValueError","value":"bad"}}`), NormalizeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	exs := ne.Event.Exceptions()
	if len(exs) != 1 || exs[0].Type != "ValueError" || ne.Event.Title != "ValueError: bad" {
		t.Fatalf("exceptions = %+v, title %q", exs, ne.Event.Title)
	}
}

func TestHasEscapedKey(t *testing.T) {
	tests := []struct {
		json string
		want bool
	}{
		{`{}`, false},
		{`{"a":"b\"c","d":["\\",{"e":"\n"}]}`, false},
		{`{"a\"b":1}`, true},
		{`{"x":"\\","y\\" : 2}`, true},
		{`{"x":{"k\u0065y"` + "\n\t:" + `1}}`, true},
		{`["a\\",":"]`, false},
		{`{"a":"\\\\"}`, false},
		{`{"a":"\\\":"}`, false},
		{`"\\"`, false},
	}
	for _, tt := range tests {
		if got := hasEscapedKey([]byte(tt.json)); got != tt.want {
			t.Errorf("hasEscapedKey(%s) = %v, want %v", tt.json, got, tt.want)
		}
	}
}
