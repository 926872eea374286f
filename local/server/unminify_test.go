package server

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/sourcemaps"
)

// bundlesDir holds one program bundled by esbuild, terser and webpack, with
// maps and the traces each bundle printed (see its README).
const bundlesDir = "../../sourcemaps/testdata/bundles"

func readBundleFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(bundlesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// storeBundle writes an artifact bundle with the bundle writer and stores
// it for project 1 the way an upload does: read back, indexed from its
// manifest.
func storeBundle(t testing.TB, st *store.Store, attrs sourcemaps.BundleAttributes, files ...sourcemaps.BundleFile) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := sourcemaps.WriteBundle(&buf, attrs, files); err != nil {
		t.Fatal(err)
	}
	arch, err := sourcemaps.ReadBundle(buf.Bytes(), sourcemaps.BundleLimits{})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(buf.Bytes())
	_, err = st.InsertArtifactBundle(context.Background(), store.ArtifactBundle{
		ProjectID: store.DefaultProjectID, BundleID: arch.Manifest.DebugID, Checksum: hex.EncodeToString(sum[:]), Data: buf.Bytes(),
	}, store.ArtifactEntriesOf(arch))
	if err != nil {
		t.Fatal(err)
	}
	return arch.Manifest.DebugID
}

// builtFiles are a bundler's minified file and map under url (and url +
// ".map"), both carrying debugID when it is set.
func builtFiles(t testing.TB, bundler, url, debugID string, header bool) []sourcemaps.BundleFile {
	js := sourcemaps.BundleFile{URL: url, Type: sourcemaps.BundleMinifiedSource, Content: readBundleFixture(t, bundler+"/main.min.js"), Headers: map[string]string{}}
	mp := sourcemaps.BundleFile{URL: url + ".map", Type: sourcemaps.BundleSourceMap, Content: readBundleFixture(t, bundler+"/main.min.js.map"), Headers: map[string]string{}}
	if debugID != "" {
		js.Headers["debug-id"], mp.Headers["debug-id"] = debugID, debugID
	}
	if header {
		js.Headers["sourcemap"] = "main.min.js.map"
	}
	return []sourcemaps.BundleFile{js, mp}
}

// traceEvent is the event a Node SDK sends for one of the recorded traces:
// the exception from the header line, frames oldest first, frame URLs
// passed through rewrite (as an SDK's RewriteFrames would).
func traceEvent(t testing.TB, bundler, scenario string, rewrite func(string) string, extra map[string]any) map[string]any {
	text := string(readBundleFixture(t, bundler+"/trace-"+scenario+".txt"))
	header, _, _ := strings.Cut(text, "\n")
	typ, value, _ := strings.Cut(header, ": ")
	parsed := sourcemaps.ParseStack(text).Frames()
	frames := make([]any, 0, len(parsed))
	for i := len(parsed) - 1; i >= 0; i-- {
		f := parsed[i]
		url := f.URL
		if f.Line > 0 && !strings.HasPrefix(url, "node:") {
			url = rewrite(url)
		}
		fr := map[string]any{"function": f.Name(), "filename": url, "abs_path": url,
			"in_app": f.Line > 0 && !strings.HasPrefix(url, "node:")}
		if f.Line > 0 {
			fr["lineno"], fr["colno"] = f.Line, f.Column
		}
		frames = append(frames, fr)
	}
	ev := map[string]any{
		"platform":  "node",
		"exception": map[string]any{"values": []any{map[string]any{"type": typ, "value": value, "stacktrace": map[string]any{"frames": frames}}}},
	}
	for k, v := range extra {
		ev[k] = v
	}
	return ev
}

var eventSeq atomic.Int64

// sendEvent posts ev in an envelope, waits until it is digested and
// returns the stored event and its body.
func (e *testEnv) sendEvent(t *testing.T, ev map[string]any) (store.Event, map[string]any) {
	t.Helper()
	id := fmt.Sprintf("%032x", 0xe0000000+eventSeq.Add(1))
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	body := envelope(`{"event_id":"`+id+`"}`, `{"type":"event"}`, string(payload))
	resp, got := e.post(t, "/api/1/envelope/", authHeader(), body)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, got)
	}
	ctx := context.Background()
	if err := e.store.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	stored, err := e.store.GetEvent(ctx, store.DefaultProjectID, id)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(stored.Body, &out); err != nil {
		t.Fatal(err)
	}
	return stored, out
}

// exceptionFrames returns the stack trace and raw stack trace frames of
// the first exception of a stored event body.
func exceptionFrames(t testing.TB, body map[string]any) (frames, raw []map[string]any) {
	t.Helper()
	ex := body["exception"].(map[string]any)["values"].([]any)[0].(map[string]any)
	list := func(key string) []map[string]any {
		st, _ := ex[key].(map[string]any)
		fs, _ := st["frames"].([]any)
		var out []map[string]any
		for _, f := range fs {
			out = append(out, f.(map[string]any))
		}
		return out
	}
	return list("stacktrace"), list("raw_stacktrace")
}

func TestUnminifyFromStoredBundleByDebugID(t *testing.T) {
	env := newTestEnv(t, Config{})
	const debugID = "5a1e0000-0000-4000-8000-00000000e5b1"
	storeBundle(t, env.store, sourcemaps.BundleAttributes{Org: "local", Project: "default"}, builtFiles(t, "esbuild", "~/main.min.js", debugID, true)...)

	sent := traceEvent(t, "esbuild", "checkout", func(u string) string { return u }, map[string]any{
		"debug_meta": map[string]any{"images": []any{map[string]any{"type": "sourcemap", "code_file": "/app/esbuild/main.min.js", "debug_id": strings.ToUpper(debugID)}}},
	})
	stored, body := env.sendEvent(t, sent)
	frames, raw := exceptionFrames(t, body)
	if len(raw) != len(frames) || len(raw) == 0 {
		t.Fatalf("%d frames, %d raw frames: the minified frames must be kept", len(frames), len(raw))
	}
	sentFrames := sent["exception"].(map[string]any)["values"].([]any)[0].(map[string]any)["stacktrace"].(map[string]any)["frames"].([]any)
	for i, r := range raw {
		want := sentFrames[i].(map[string]any)
		if r["abs_path"] != want["abs_path"] || fmt.Sprint(r["lineno"]) != fmt.Sprint(want["lineno"]) || fmt.Sprint(r["colno"]) != fmt.Sprint(want["colno"]) {
			t.Errorf("raw frame %d = %v, sent %v", i, r, want)
		}
	}

	// Innermost first: the ground truth of the recorded trace.
	want := []struct {
		file, function string
		line           int
	}{
		{"src/pricing.js", "priceLine", 21},
		{"src/pricing.js", "", 31},
		{"", "Array.map", 0},
		{"src/pricing.js", "priceLines", 31},
		{"src/cart.js", "checkout", 32},
		{"src/main.js", "runCheckout", 11},
		{"src/main.js", "main", 31},
	}
	for i, w := range want {
		f := frames[len(frames)-1-i]
		if w.file == "" {
			if _, mapped := f["data"]; mapped {
				t.Errorf("frame %d (native) was mapped: %v", i, f)
			}
			continue
		}
		if f["filename"] != w.file || fmt.Sprint(f["lineno"]) != fmt.Sprint(w.line) {
			t.Errorf("frame %d = %v:%v, want %s:%d", i, f["filename"], f["lineno"], w.file, w.line)
		}
		if w.function != "" && !strings.HasSuffix(fmt.Sprint(f["function"]), w.function) {
			t.Errorf("frame %d function %v, want %s", i, f["function"], w.function)
		}
		data, _ := f["data"].(map[string]any)
		if data["sourcemap"] != "~/main.min.js.map" {
			t.Errorf("frame %d data = %v, want sourcemap ~/main.min.js.map", i, f["data"])
		}
		if f["context_line"] == nil || len(f["pre_context"].([]any)) == 0 {
			t.Errorf("frame %d has no context from sourcesContent: %v", i, f)
		}
	}
	if cl := frames[len(frames)-1]["context_line"]; !strings.Contains(fmt.Sprint(cl), "throw new PricingError(") {
		t.Errorf("innermost context line %q", cl)
	}
	is, err := env.store.GetIssue(context.Background(), stored.IssueID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(is.Culprit, "pricing") {
		t.Errorf("culprit %q should name the original file", is.Culprit)
	}
}

// TestTwoBuildsOneIssue: the same error thrown from differently minified
// builds of the same source lands in one issue. The terser and webpack
// builds print frames with different minified names, columns and files;
// once mapped, their frames are the same. (The esbuild build cannot join
// them, in Sentry either: its trace has no IIFE wrapper frame, so V8's
// 10-frame limit cuts it at a different Node-internal frame.)
func TestTwoBuildsOneIssue(t *testing.T) {
	env := newTestEnv(t, Config{})
	type build struct{ bundler, release, url, debugID string }
	image := func(b build) map[string]any {
		return map[string]any{"images": []any{map[string]any{"type": "sourcemap", "code_file": b.url, "debug_id": b.debugID}}}
	}
	send := func(b build, scenario string) store.Event {
		ev := traceEvent(t, b.bundler, scenario, func(string) string { return b.url }, map[string]any{"release": b.release, "debug_meta": image(b)})
		stored, body := env.sendEvent(t, ev)
		if _, raw := exceptionFrames(t, body); len(raw) == 0 {
			t.Fatalf("%s %s: not unminified", b.bundler, b.release)
		}
		return stored
	}
	builds := []build{
		// A move from terser to webpack between two releases. Both serve
		// main.js: their bundles end in a call of the IIFE wrapper that
		// maps to no source, so that one frame keeps the minified file's
		// name, which must not change (it would split the issue in Sentry
		// too).
		{"terser", "shop@3.0", "/srv/app/dist/main.js", "5a1e0000-0000-4000-8000-0000000000e2"},
		{"webpack", "shop@3.1", "/srv/app/dist/main.js", "5a1e0000-0000-4000-8000-0000000000e3"},
		// Two releases of one bundler, under content-hashed file names
		// (esbuild's output has no unmapped wrapper frame).
		{"esbuild", "shop@3.2", "/srv/app/dist/main.0b12.js", "5a1e0000-0000-4000-8000-0000000000e4"},
		{"esbuild", "shop@3.3", "/srv/app/dist/main.9d4e.js", "5a1e0000-0000-4000-8000-0000000000e5"},
	}
	for _, b := range builds {
		storeBundle(t, env.store, sourcemaps.BundleAttributes{Org: "local", Release: b.release},
			builtFiles(t, b.bundler, "~"+strings.TrimPrefix(b.url, "/srv/app"), b.debugID, true)...)
	}
	for _, pair := range [][2]int{{0, 1}, {2, 3}} {
		for _, scenario := range []string{"checkout", "refund"} {
			a, b := send(builds[pair[0]], scenario), send(builds[pair[1]], scenario)
			if a.IssueID != b.IssueID {
				t.Errorf("%s from %s %s and %s %s: issues %d and %d (hashes %v, %v)", scenario,
					builds[pair[0]].bundler, builds[pair[0]].release, builds[pair[1]].bundler, builds[pair[1]].release,
					a.IssueID, b.IssueID, a.Hashes, b.Hashes)
			}
		}
	}
	// And the two errors stay two issues.
	checkout, refund := send(builds[0], "checkout"), send(builds[0], "refund")
	if checkout.IssueID == refund.IssueID {
		t.Error("two different errors share an issue")
	}
	page, err := env.store.ListIssues(context.Background(), store.IssueQuery{Project: store.DefaultProjectID, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	// terser/webpack checkout and refund, esbuild checkout and refund.
	if len(page.Issues) != 4 {
		for _, is := range page.Issues {
			t.Logf("issue %d %q seen %d", is.ID, is.Title, is.TimesSeen)
		}
		t.Errorf("%d issues, want 4", len(page.Issues))
	}
}

func TestUnminifyByReleaseDistAndURL(t *testing.T) {
	env := newTestEnv(t, Config{})
	// No debug IDs anywhere: the browser served the bundle from a host, the
	// upload used the default ~/ prefix.
	storeBundle(t, env.store, sourcemaps.BundleAttributes{Org: "local", Release: "shop@2.0", Dist: "web"},
		builtFiles(t, "webpack", "~/assets/main.min.js", "", true)...)
	// The esbuild build relies on its //# sourceMappingURL comment instead
	// of a sourcemap header.
	storeBundle(t, env.store, sourcemaps.BundleAttributes{Org: "local", Release: "shop@2.1"},
		builtFiles(t, "esbuild", "~/static/main.min.js", "", false)...)

	tests := []struct {
		name, bundler, release, dist, url string
		mapped                            bool
		sourcemap                         string
	}{
		{"~/ matches any host, query dropped", "webpack", "shop@2.0", "web", "http://localhost:5173/assets/main.min.js?v=3", true, "~/assets/main.min.js.map"},
		{"sourceMappingURL comment", "esbuild", "shop@2.1", "", "https://cdn.example.com/static/main.min.js", true, "~/static/main.min.js.map"},
		{"dist must match", "webpack", "shop@2.0", "", "http://localhost:5173/assets/main.min.js", false, ""},
		{"release must match", "webpack", "shop@1.9", "web", "http://localhost:5173/assets/main.min.js", false, ""},
		{"path must match", "webpack", "shop@2.0", "web", "http://localhost:5173/other/main.min.js", false, ""},
		{"no release", "webpack", "", "", "http://localhost:5173/assets/main.min.js", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extra := map[string]any{"platform": "javascript"}
			if tt.release != "" {
				extra["release"] = tt.release
			}
			if tt.dist != "" {
				extra["dist"] = tt.dist
			}
			url := tt.url
			_, body := env.sendEvent(t, traceEvent(t, tt.bundler, "checkout", func(string) string { return url }, extra))
			frames, raw := exceptionFrames(t, body)
			if !tt.mapped {
				if len(raw) != 0 {
					t.Errorf("mapped, but should not be: %v", frames[len(frames)-1])
				}
				return
			}
			if len(raw) == 0 {
				t.Fatal("not mapped")
			}
			top := frames[len(frames)-1]
			data, _ := top["data"].(map[string]any)
			if top["filename"] != "src/pricing.js" || fmt.Sprint(top["lineno"]) != "21" || data["sourcemap"] != tt.sourcemap {
				t.Errorf("innermost frame %v", top)
			}
		})
	}
}

func TestReplacedBundleIsNotServedFromCache(t *testing.T) {
	env := newTestEnv(t, Config{})
	const debugID = "5a1e0000-0000-4000-8000-0000000000aa"
	attrs := sourcemaps.BundleAttributes{Org: "local", DebugID: "b0000000-0000-4000-8000-000000000001"}
	files := builtFiles(t, "esbuild", "~/main.min.js", debugID, true)
	storeBundle(t, env.store, attrs, files...)
	ev := func() map[string]any {
		return traceEvent(t, "esbuild", "checkout", func(u string) string { return u }, map[string]any{
			"debug_meta": map[string]any{"images": []any{map[string]any{"type": "sourcemap", "code_file": "/app/esbuild/main.min.js", "debug_id": debugID}}},
		})
	}
	_, body := env.sendEvent(t, ev())
	frames, _ := exceptionFrames(t, body)
	if cl := fmt.Sprint(frames[len(frames)-1]["context_line"]); !strings.Contains(cl, "throw new PricingError(") {
		t.Fatalf("first context line %q", cl)
	}
	// The same bundle id uploaded again with an edited source.
	files[1].Content = bytes.ReplaceAll(files[1].Content, []byte("throw new PricingError("), []byte("throw new PricingErrorV2("))
	storeBundle(t, env.store, attrs, files...)
	_, body = env.sendEvent(t, ev())
	frames, _ = exceptionFrames(t, body)
	if cl := fmt.Sprint(frames[len(frames)-1]["context_line"]); !strings.Contains(cl, "PricingErrorV2") {
		t.Errorf("after the bundle was replaced, context line %q comes from the old one", cl)
	}
}

// countingStore is the real store, counting generation queries.
type countingStore struct {
	*store.Store
	queries atomic.Int64
	release chan struct{} // the first query waits on it
}

func (c *countingStore) ArtifactGeneration(ctx context.Context, project int64) (string, error) {
	if c.queries.Add(1) == 1 {
		<-c.release
	}
	return c.Store.ArtifactGeneration(ctx, project)
}

// Concurrent events share generation queries, and each still sees what was
// stored before it asked.
func TestGenerationQueriesAreShared(t *testing.T) {
	env := newTestEnv(t, Config{})
	cs := &countingStore{Store: env.store, release: make(chan struct{})}
	a := newArtifactLookup(cs)
	ctx := context.Background()

	first := make(chan string)
	go func() {
		g, _ := a.generation(ctx, store.DefaultProjectID)
		first <- g
	}()
	for cs.queries.Load() == 0 {
		runtime.Gosched()
	}
	// The first query has begun; a bundle stored now must be seen by
	// every call that starts from here on.
	storeBundle(t, env.store, sourcemaps.BundleAttributes{Org: "local"}, builtFiles(t, "esbuild", "~/a.js", "5a1e0000-0000-4000-8000-0000000000f1", true)...)
	const n = 64
	var wg sync.WaitGroup
	gens := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gens[i], _ = a.generation(ctx, store.DefaultProjectID)
		}()
	}
	// Release the first query only once every call waits for the next
	// one, so the test does not depend on how goroutines are scheduled.
	for {
		a.mu.Lock()
		st := a.gens[store.DefaultProjectID]
		joined := st.next != nil && st.next.waiters == n
		a.mu.Unlock()
		if joined {
			break
		}
		runtime.Gosched()
	}
	close(cs.release)
	wg.Wait()
	<-first
	for i, g := range gens {
		if g == "" {
			t.Fatalf("call %d did not see the bundle stored before it", i)
		}
	}
	if q := cs.queries.Load(); q >= n {
		t.Errorf("%d queries for %d concurrent calls", q, n+1)
	} else {
		t.Logf("%d queries for %d concurrent calls", q, n+1)
	}
}
