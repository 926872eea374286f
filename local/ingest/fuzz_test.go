package ingest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func fixtureBodies(f *testing.F) [][]byte {
	paths, _ := filepath.Glob("testdata/fixtures/*/*.envelope")
	var out [][]byte
	for _, p := range paths {
		out = append(out, mustRead(f, p))
	}
	return out
}

func fixtureEvents(f *testing.F) [][]byte {
	var out [][]byte
	for _, b := range fixtureBodies(f) {
		env, err := ParseEnvelope(b, DefaultLimits())
		if err != nil {
			f.Fatal(err)
		}
		for _, it := range env.Items {
			out = append(out, it.Payload)
		}
	}
	return out
}

func FuzzParseEnvelope(f *testing.F) {
	for _, b := range fixtureBodies(f) {
		f.Add(b)
	}
	f.Add([]byte("{}\n{\"type\":\"attachment\",\"length\":0}\n\n"))
	f.Add([]byte("{}\n{\"type\":\"event\",\"length\":3}\nabc"))
	f.Fuzz(func(t *testing.T, body []byte) {
		env, err := ParseEnvelope(body, DefaultLimits())
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 {
				t.Fatalf("unexpected error %T %v", err, err)
			}
			return
		}
		for _, it := range env.Items {
			if it.Header.Length >= 0 && int64(len(it.Payload)) != it.Header.Length {
				t.Fatalf("payload %d bytes, length %d", len(it.Payload), it.Header.Length)
			}
			if it.Offset < 0 || it.Offset > int64(len(body)) {
				t.Fatalf("offset %d", it.Offset)
			}
		}
	})
}

func FuzzNormalize(f *testing.F) {
	for _, b := range fixtureEvents(f) {
		f.Add(b)
	}
	f.Add([]byte(`{"message":{"message":"%s %(x)s {0} {}","params":["a"]},"tags":[["a",1]],"exception":[{"value":1}]}`))
	f.Add([]byte(`{"logentry":"\u001b\"\\","timestamp":"2020-01-01T00:00:00","level":40,"user":{"id":1.5}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		ne, err := Normalize(raw, NormalizeOptions{ClientIP: "127.0.0.1"})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 {
				t.Fatalf("unexpected error %T %v", err, err)
			}
			return
		}
		if !json.Valid(ne.JSON) {
			t.Fatalf("invalid JSON out: %q", ne.JSON)
		}
		if len(ne.Event.EventID) != 32 || ne.Event.Level == "" || ne.Event.Title == "" || ne.Event.Type == "" {
			t.Fatalf("missing derived fields: %+v", ne.Event)
		}
		if _, err := json.Marshal(ne.Event); err != nil {
			t.Fatalf("typed event does not encode: %v", err)
		}
		// Normalizing again keeps the derived fields.
		again, err := Normalize(ne.JSON, NormalizeOptions{ClientIP: "127.0.0.1"})
		if err != nil {
			t.Fatalf("normalized JSON does not normalize: %v", err)
		}
		if again.Event.Title != ne.Event.Title || again.Event.Culprit != ne.Event.Culprit || again.Event.EventID != ne.Event.EventID {
			t.Fatalf("not idempotent: %q/%q vs %q/%q", ne.Event.Title, ne.Event.Culprit, again.Event.Title, again.Event.Culprit)
		}
		again.Release()
		ne.Release()

		// Buffers released by one event serve the next: the same input
		// gives the same output either way.
		fixed := NormalizeOptions{EventID: "0123456789abcdef0123456789abcdef", ReceivedAt: time.Unix(1795551040, 0)}
		first, err := Normalize(raw, fixed)
		if err != nil {
			t.Fatal(err)
		}
		want := string(first.JSON)
		first.Release()
		second, err := Normalize(raw, fixed)
		if err != nil {
			t.Fatal(err)
		}
		if string(second.JSON) != want {
			t.Fatalf("after a release:\n got %s\nwant %s", second.JSON, want)
		}
		second.Release()
	})
}

func FuzzDecodeStoreBody(f *testing.F) {
	for _, b := range fixtureEvents(f) {
		f.Add(b)
		f.Add([]byte(base64.StdEncoding.EncodeToString(b)))
	}
	f.Add([]byte("eJyrVspLzE1VslJQSs4vSlGqBQAsRQWY")) // base64(zlib(`{"message":"hi"}`))-ish
	f.Fuzz(func(t *testing.T, body []byte) {
		out, err := DecodeStoreBody(body, 1<<20)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || (e.Status != 400 && e.Status != 413) {
				t.Fatalf("unexpected error %T %v", err, err)
			}
			return
		}
		if len(out) > 1<<20 {
			t.Fatalf("decoded %d bytes past the limit", len(out))
		}
	})
}
