package ingest

import (
	"bytes"
	"path/filepath"
	"testing"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/internal/loadgen"
	"github.com/valyala/fastjson"
)

// treeJSON is the normalized JSON written the plain way, as Normalize
// once did: normalize the tree, put ev's derived members in it (setStr
// and Set), encode the whole tree with appendValue. Normalize writes the
// JSON while reading the typed event and fills in the derived members
// afterwards; it must give the same bytes.
func treeJSON(t testing.TB, raw []byte, opts NormalizeOptions, ev *api.Event) []byte {
	t.Helper()
	var p fastjson.Parser
	root, err := p.ParseBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	var a fastjson.Arena
	n := &normalizer{a: &a, opts: opts, plainKeys: !hasEscapedKey(raw)}
	defer n.release()
	n.run(root)
	n.flush()
	n.setStr(n.rootV, "type", ev.Type)
	n.setStr(n.rootV, "title", ev.Title)
	n.setStr(n.rootV, "culprit", ev.Culprit)
	m := a.NewObject()
	md := ev.Metadata
	if md.Type != "" {
		n.setStr(m, "type", md.Type)
	}
	if md.Value != nil {
		n.setStr(m, "value", *md.Value)
	}
	if md.Filename != "" {
		n.setStr(m, "filename", md.Filename)
	}
	if md.Function != "" {
		n.setStr(m, "function", md.Function)
	}
	if md.Title != "" {
		n.setStr(m, "title", md.Title)
	}
	if md.DisplayTitleWithTreeLabel != nil {
		if *md.DisplayTitleWithTreeLabel {
			m.Set("display_title_with_tree_label", a.NewTrue())
		} else {
			m.Set("display_title_with_tree_label", a.NewFalse())
		}
	}
	n.rootV.Set("metadata", m)
	n.flush()
	return appendValue(nil, root)
}

func checkTreeJSON(t testing.TB, raw []byte) {
	t.Helper()
	// A valid event_id in the options: Normalize and treeJSON must not
	// each generate their own.
	opts := NormalizeOptions{EventID: "acf62a2aac954fca917f03099ae7a87e", ReceivedAt: time.Unix(1795551037, 0), ClientIP: "127.0.0.1"}
	ne, err := Normalize(raw, opts)
	if err != nil {
		return
	}
	if want := treeJSON(t, raw, opts, ne.Event); !bytes.Equal(ne.JSON, want) {
		t.Fatalf("Normalize wrote\n%s\nthe tree encodes as\n%s", ne.JSON, want)
	}
}

func TestWalkWritesTreeJSON(t *testing.T) {
	var events [][]byte
	paths, _ := filepath.Glob("testdata/fixtures/*/*.envelope")
	for _, p := range paths {
		env, err := ParseEnvelope(mustRead(t, p), DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range env.Items {
			events = append(events, it.Payload)
		}
	}
	envs, _ := loadgen.Envelopes(16, 5<<10, time.UnixMilli(1795551036908))
	for _, e := range envs {
		body, err := ReadBody(nil, bytes.NewReader(e), "gzip", 0)
		if err != nil {
			t.Fatal(err)
		}
		env, err := ParseEnvelope(body, DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, env.EventItem().Payload)
	}
	events = append(events,
		// Derived members already there (in place, repeated), and strings
		// fastjson's arena cannot hold.
		[]byte(`{"title":"x","type":"transaction","transaction":"/a\"b","metadata":{},"culprit":1,"title":"y"}`),
		[]byte("{\"exception\":{\"values\":[{\"type\":\"E\\\"\\u0001\\ud800\",\"value\":\"v\\\\\xff\"}]},\"metadata\":null}"),
		[]byte(`{"exception":[{"type":"E","stacktrace":{"frames":[{"function":"f\"","filename":"a\\b","in_app":true}]}}]}`),
		[]byte(`{}`),
	)
	for _, raw := range events {
		checkTreeJSON(t, raw)
	}
}

func FuzzWalkWritesTreeJSON(f *testing.F) {
	for _, b := range fixtureEvents(f) {
		f.Add(b)
	}
	f.Add([]byte(`{"title":"x","type":"transaction","metadata":{},"culprit":1,"title":"y","tags":{"a":"\u0000"}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkTreeJSON(t, raw)
	})
}
