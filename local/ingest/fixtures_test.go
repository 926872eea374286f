package ingest

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// recordedRequest is a fixture's NN-*.request.json.
type recordedRequest struct {
	Method      string      `json:"method"`
	Path        string      `json:"path"`
	Query       string      `json:"query"`
	Headers     [][2]string `json:"headers"`
	RawBody     string      `json:"raw_body"`
	DecodedBody string      `json:"decoded_body"`
	Response    struct {
		Status int             `json:"status"`
		Body   json.RawMessage `json:"body"`
	} `json:"response"`
}

func (r *recordedRequest) header() http.Header {
	h := http.Header{}
	for _, kv := range r.Headers {
		h.Add(kv[0], kv[1])
	}
	return h
}

// routeProject returns the project id of /api/{id}/envelope/, or 0.
func routeProject(path string) uint64 {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) >= 2 && parts[0] == "api" {
		id, _ := strconv.ParseUint(parts[1], 10, 64)
		return id
	}
	return 0
}

const fixtureKey = "0123456789abcdef0123456789abcdef"

// goldenEvent is what the golden files pin for each recorded event.
type goldenEvent struct {
	EventID  string          `json:"event_id"`
	Type     string          `json:"type"`
	Level    string          `json:"level"`
	Platform string          `json:"platform"`
	Title    string          `json:"title"`
	Culprit  string          `json:"culprit"`
	Metadata json.RawMessage `json:"metadata"`
	UserKey  string          `json:"user_key"`
}

type goldenRequest struct {
	Carrier string        `json:"auth_carrier"`
	Items   []string      `json:"items"`
	Events  []goldenEvent `json:"events"`
}

func TestRecordedFixtures(t *testing.T) {
	reqs, _ := filepath.Glob("testdata/fixtures/*/*.request.json")
	if len(reqs) < 37 {
		t.Fatalf("found %d recorded requests, want 37", len(reqs))
	}
	for _, path := range reqs {
		name := strings.TrimSuffix(strings.TrimPrefix(path, "testdata/fixtures/"), ".request.json")
		t.Run(name, func(t *testing.T) {
			dir := filepath.Dir(path)
			var rr recordedRequest
			mustJSON(t, path, &rr)
			h := rr.header()
			raw := mustRead(t, filepath.Join(dir, rr.RawBody))
			want := mustRead(t, filepath.Join(dir, rr.DecodedBody))

			body, err := ReadBody(nil, bytes.NewReader(raw), h.Get("Content-Encoding"), DefaultLimits().Envelope)
			if err != nil {
				t.Fatalf("ReadBody: %v", err)
			}
			if !bytes.Equal(body, want) {
				t.Fatalf("decoded body differs from %s", rr.DecodedBody)
			}
			env, err := ParseEnvelope(body, DefaultLimits())
			if err != nil {
				t.Fatalf("ParseEnvelope: %v", err)
			}

			got := goldenRequest{}
			stream := rr.Path == "/stream"
			auth, err := ParseAuth(h, rr.Query, "")
			if err != nil {
				t.Fatalf("ParseAuth: %v", err)
			}
			if err := auth.CheckEnvelopeDSN(env.Header.DSN, routeProject(rr.Path)); err != nil {
				t.Fatalf("CheckEnvelopeDSN: %v", err)
			}
			if stream {
				if auth.PublicKey != "" {
					t.Errorf("spotlight request carried a key %q", auth.PublicKey)
				}
			} else {
				if err := auth.Require(); err != nil {
					t.Fatalf("Require: %v", err)
				}
				if auth.Key() != fixtureKey {
					t.Errorf("key = %q, want %q", auth.Key(), fixtureKey)
				}
				if auth.Version != 7 {
					t.Errorf("sentry_version = %d", auth.Version)
				}
			}
			got.Carrier = auth.Carrier.String()

			// Received just after the SDK sent it, so no clamp moves it.
			received := time.Now()
			if sent, err := time.Parse(time.RFC3339Nano, env.Header.SentAt); err == nil {
				received = sent.Add(time.Second)
			}
			for _, it := range env.Items {
				got.Items = append(got.Items, it.Header.Type+":"+Classify(it.Header.Type).String())
				if Classify(it.Header.Type) != KindEvent {
					continue
				}
				ne, err := Normalize(it.Payload, NormalizeOptions{EventID: env.Header.EventID, ReceivedAt: received,
					MaxFuture: time.Minute, MaxPast: 30 * 24 * time.Hour})
				if err != nil {
					t.Fatalf("Normalize: %v", err)
				}
				if !json.Valid(ne.JSON) {
					t.Fatalf("normalized JSON is not valid")
				}
				if id := respID(rr.Response.Body); id != "" && id != ne.Event.EventID {
					t.Errorf("event_id %s, recorder answered %s", ne.Event.EventID, id)
				}
				md, _ := json.Marshal(ne.Event.Metadata)
				got.Events = append(got.Events, goldenEvent{
					EventID: ne.Event.EventID, Type: ne.Event.Type, Level: ne.Event.Level,
					Platform: ne.Event.Platform, Title: ne.Event.Title, Culprit: ne.Event.Culprit,
					Metadata: md, UserKey: ne.UserKey,
				})
			}
			checkGolden(t, filepath.Join("testdata", "golden", name+".json"), got)
		})
	}
}

func respID(body json.RawMessage) string {
	var r struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &r)
	return NormalizeEventID(r.ID)
}

func checkGolden(t *testing.T, path string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n got: %s\nwant: %s", path, got, want)
	}
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustJSON(t testing.TB, path string, v any) {
	t.Helper()
	if err := json.Unmarshal(mustRead(t, path), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
