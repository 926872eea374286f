package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/snag-dev/snag/local/ingest"
	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/sourcemaps"
)

// The cost of unminifying from stored artifact bundles at ingest: the same
// minified Node event (10 frames, 8 of them in the bundle) with
// unminifying off, with the map found by debug ID, and by release + URL.
//
//	go test -run '^$' -bench 'Ingest(JS|Unminify)' -benchmem ./local/server/

const benchDebugID = "5a1e0000-0000-4000-8000-0000000000b1"

type benchCase struct {
	name string
	cfg  Config
	// extra goes into the event: debug_meta or release.
	extra map[string]any
	url   string
	// bundles: whether the store has any for the project.
	bundles bool
}

func benchCases() []benchCase {
	debugMeta := map[string]any{"images": []any{map[string]any{"type": "sourcemap", "code_file": "/srv/app/dist/main.js", "debug_id": benchDebugID}}}
	return []benchCase{
		{name: "off", cfg: Config{NoStoreUnminify: true}, extra: map[string]any{"debug_meta": debugMeta}, url: "/srv/app/dist/main.js", bundles: true},
		{name: "no-bundles", extra: map[string]any{"debug_meta": debugMeta}, url: "/srv/app/dist/main.js"},
		{name: "debug-id", extra: map[string]any{"debug_meta": debugMeta}, url: "/srv/app/dist/main.js", bundles: true},
		{name: "release-url", extra: map[string]any{"release": "shop@9.0"}, url: "http://localhost:5173/dist/main.js?v=9", bundles: true},
	}
}

func benchStore(b *testing.B, bundles bool) *store.Store {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(b.TempDir(), "snag.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.AddProjectKey(ctx, store.DefaultProjectID, fixtureKey, "bench"); err != nil {
		b.Fatal(err)
	}
	if bundles {
		storeBundle(b, st, sourcemaps.BundleAttributes{Org: "local", Release: "shop@9.0"}, builtFiles(b, "esbuild", "~/dist/main.js", benchDebugID, true)...)
	}
	return st
}

func benchPayload(b *testing.B, c benchCase) []byte {
	url := c.url
	ev := traceEvent(b, "esbuild", "checkout", func(string) string { return url }, c.extra)
	payload, err := json.Marshal(ev)
	if err != nil {
		b.Fatal(err)
	}
	return payload
}

// BenchmarkIngestJS posts envelopes to the server over loopback, 16
// concurrent senders, each event acknowledged after its commit: the whole
// pipeline, so the difference between cases is what unminifying adds.
func BenchmarkIngestJS(b *testing.B) {
	for _, c := range benchCases() {
		b.Run(c.name, func(b *testing.B) {
			st := benchStore(b, c.bundles)
			srv := httptest.NewServer(New(st, c.cfg).Handler())
			defer srv.Close()
			payload := benchPayload(b, c)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			auth := authHeader().Get("X-Sentry-Auth")
			post := func(seq int64) error {
				body := envelope(fmt.Sprintf(`{"event_id":"%032x"}`, seq), `{"type":"event"}`, string(payload))
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/1/envelope/", bytes.NewReader(body))
				req.Header.Set("X-Sentry-Auth", auth)
				resp, err := client.Do(req)
				if err != nil {
					return err
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					return fmt.Errorf("status %d", resp.StatusCode)
				}
				return nil
			}
			// One event first, so maps are parsed before timing.
			if err := post(eventSeq.Add(1)); err != nil {
				b.Fatal(err)
			}
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := post(eventSeq.Add(1)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			if err := st.Flush(context.Background()); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// BenchmarkUnminifyStep is the CPU work of one event without HTTP or the
// store's writer: normalize, unminify (index lookups in SQLite, maps from
// the cache), re-encode the changed event and group it.
func BenchmarkUnminifyStep(b *testing.B) {
	for _, c := range benchCases() {
		b.Run(c.name, func(b *testing.B) {
			st := benchStore(b, c.bundles)
			s := New(st, c.cfg)
			payload := benchPayload(b, c)
			ctx := context.Background()
			run := func() bool {
				ne, err := ingest.Normalize(payload, ingest.NormalizeOptions{})
				if err != nil {
					b.Fatal(err)
				}
				ev := ne.Event
				changed := false
				if u := s.unminifierFor(ctx, store.DefaultProjectID, ev); u != nil && UnminifyEvent(u, ev) {
					changed = true
					applyDerived(ev, ingest.Derive(ev))
					if ne.JSON, err = json.Marshal(ev); err != nil {
						b.Fatal(err)
					}
				}
				s.cfg.Group(ev)
				return changed
			}
			if changed := run(); changed != (c.name == "debug-id" || c.name == "release-url") {
				b.Fatalf("%s: unminified = %v", c.name, changed)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				run()
			}
		})
	}
}
