package sourcemaps_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snag-dev/snag/cmd/factory"
	"github.com/snag-dev/snag/cmd/root"
	"github.com/snag-dev/snag/internal/golden"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/local/store/storetest"
)

const (
	uploadedID = "1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b"
	otherID    = "9f8e7d6c-5b4a-4321-8fed-cba987654321"
)

// explainEvent is a Node event from the esbuild test bundle, served from
// /assets/ while it was uploaded under ~/static/js/.
func explainEvent(id, release, debugID string) string {
	meta := ""
	if debugID != "" {
		meta = `,"debug_meta":{"images":[{"type":"sourcemap","code_file":"https://shop.example/assets/main.min.js","debug_id":"` + debugID + `"}]}`
	}
	rel := ""
	if release != "" {
		rel = `,"release":"` + release + `"`
	}
	return `{"event_id":"` + id + `","platform":"javascript","timestamp":"2026-11-20T12:00:00Z"` + rel + meta + `,
	  "exception":{"values":[{"type":"a","value":"discount BROKEN exceeds 50%","stacktrace":{"frames":[
	    {"abs_path":"https://shop.example/assets/main.min.js","function":"c.checkout","lineno":2,"colno":548},
	    {"abs_path":"https://shop.example/assets/main.min.js","function":"$","lineno":1,"colno":577},
	    {"abs_path":"node:internal/modules/cjs/loader","function":"Module._compile","lineno":1521,"colno":14}
	  ]}}]}}`
}

// explainStore holds an upload for web@1.0.0 under ~/static/js/ and events
// that miss it in different ways.
func explainStore(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "snag.db")
	st, err := store.Open(ctx, db, store.Options{Now: func() time.Time { return storetest.Now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = st.InsertArtifactBundle(ctx, store.ArtifactBundle{ProjectID: 1, BundleID: "b1", Checksum: "x", Data: []byte("zip")},
		[]store.ArtifactEntry{
			{DebugID: uploadedID, URL: "~/static/js/main.min.js", Release: "web@1.0.0", Type: "minified_source"},
			{DebugID: uploadedID, URL: "~/static/js/main.min.js.map", Release: "web@1.0.0", Type: "source_map"},
		})
	if err != nil {
		t.Fatal(err)
	}
	at := storetest.Now
	storetest.Submit(t, st, at, explainEvent("e1000000000000000000000000000001", "web@1.0.0", ""))
	storetest.Submit(t, st, at, explainEvent("e1000000000000000000000000000002", "web@1.0.0", uploadedID))
	storetest.Submit(t, st, at, explainEvent("e1000000000000000000000000000003", "web@2.0.0", ""))
	storetest.Submit(t, st, at, explainEvent("e1000000000000000000000000000004", "web@1.0.0", otherID))
	storetest.Submit(t, st, at, explainEvent("e1000000000000000000000000000005", "", ""))
	return db
}

func snag(t *testing.T, db string, args ...string) (string, string, root.ExitCode) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	env := map[string]string{"SNAG_DB": db}
	f := factory.NewWith(factory.Options{IO: ios, Getenv: func(k string) string { return env[k] }, WorkDir: t.TempDir(), HomeDir: t.TempDir()})
	f.Now = func() time.Time { return storetest.Now }
	code := root.Run(context.Background(), f, args)
	return out.String(), errOut.String(), code
}

var esbuild = filepath.Join("..", "..", "sourcemaps", "testdata", "bundles", "esbuild")

func TestExplainGolden(t *testing.T) {
	db := explainStore(t)
	for name, args := range map[string][]string{
		"explain-url-prefix": {"e1000000000000000000000000000001"},
		"explain-maps":       {"e1000000000000000000000000000001", "--maps", esbuild},
	} {
		t.Run(name, func(t *testing.T) {
			out, errOut, code := snag(t, db, append([]string{"sourcemaps", "explain"}, args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			// The database path differs per run; map paths are shown
			// relative to the --maps directory.
			out = strings.ReplaceAll(out, db, "DB")
			out = strings.ReplaceAll(out, esbuild+string(filepath.Separator), "")
			golden.Assert(t, name, []byte(out))
		})
	}
}

func TestExplainFixes(t *testing.T) {
	db := explainStore(t)
	tests := []struct {
		id       string
		resolved bool
		fix      string
	}{
		{"e1000000000000000000000000000001", false, "uploaded as ~/static/js/main.min.js, the frame is /assets/main.min.js: upload the directory that holds main.min.js with --url-prefix '~/assets' (now static/js/ is part of its URL)"},
		{"e1000000000000000000000000000002", true, ""},
		{"e1000000000000000000000000000003", false, "nothing was uploaded for release web@2.0.0 (uploaded: web@1.0.0): upload with --release web@2.0.0"},
		{"e1000000000000000000000000000004", false, "the event's main.min.js has debug ID " + otherID + ", but the uploaded ~/static/js/main.min.js has " + uploadedID},
		{"e1000000000000000000000000000005", false, "the event has no release and files were uploaded for web@1.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			out, errOut, code := snag(t, db, "sourcemaps", "explain", tt.id, "--json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var doc struct {
				Frames []struct {
					URL      string `json:"abs_path"`
					Resolved bool   `json:"resolved"`
					Map      string `json:"map"`
					Fix      string `json:"fix"`
				} `json:"frames"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			// Node's own frame is not looked up; both bundle frames are.
			if len(doc.Frames) != 2 {
				t.Fatalf("frames = %+v", doc.Frames)
			}
			for _, f := range doc.Frames {
				if f.Resolved != tt.resolved || !strings.HasPrefix(f.Fix, tt.fix) {
					t.Errorf("frame %+v\nwant resolved %v, fix %q", f, tt.resolved, tt.fix)
				}
				if tt.resolved && f.Map != "~/static/js/main.min.js.map (bundle b1)" {
					t.Errorf("map = %q", f.Map)
				}
			}
		})
	}
}

func TestExplainErrors(t *testing.T) {
	db := explainStore(t)
	if _, errOut, code := snag(t, db, "sourcemaps", "explain", "ffffffffffffffffffffffffffffffff"); code != 1 || !strings.Contains(errOut, "event ffffffffffffffffffffffffffffffff not found (local store ") {
		t.Errorf("unknown event: exit %d %q", code, errOut)
	}
	if _, errOut, code := snag(t, db, "sourcemaps", "explain", "e1000000000000000000000000000001", "--maps", "/nonexistent"); code != 2 || !strings.Contains(errOut, "--maps /nonexistent") {
		t.Errorf("bad --maps: exit %d %q", code, errOut)
	}
	if _, _, code := snag(t, db, "sourcemaps", "explain"); code != 2 {
		t.Errorf("no event id: exit %d", code)
	}
}
