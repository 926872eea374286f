package sourcemaps

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func bundleFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "bundles", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// archiveOf writes files into a bundle and opens it.
func archiveOf(t *testing.T, attrs BundleAttributes, files ...BundleFile) *BundleArchive {
	t.Helper()
	var buf bytes.Buffer
	if _, err := WriteBundle(&buf, attrs, files); err != nil {
		t.Fatal(err)
	}
	b, err := ReadBundle(buf.Bytes(), BundleLimits{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// builtBundle holds a bundler's output from testdata/bundles at url.
func builtBundle(t *testing.T, bundler, url, debugID string) *BundleArchive {
	h := map[string]string{}
	if debugID != "" {
		h["debug-id"] = debugID
	}
	return archiveOf(t, BundleAttributes{},
		BundleFile{URL: url, Type: BundleMinifiedSource, Headers: h, Content: bundleFixture(t, bundler+"/main.min.js")},
		BundleFile{URL: url + ".map", Type: BundleSourceMap, Headers: h, Content: bundleFixture(t, bundler+"/main.min.js.map")})
}

// traceRefs are the frames of a recorded trace, innermost first, at url.
func traceRefs(t *testing.T, bundler, url, debugID string) []FrameRef {
	var refs []FrameRef
	for _, f := range ParseStack(string(bundleFixture(t, bundler+"/trace-checkout.txt"))).Frames() {
		r := FrameRef{URL: f.URL, Function: f.Name(), Line: f.Line, Column: f.Column, Native: f.Line == 0}
		if strings.HasSuffix(f.URL, "/main.min.js") {
			r.URL, r.DebugID = url, debugID
		}
		refs = append(refs, r)
	}
	return refs
}

func TestArchiveSource(t *testing.T) {
	const id = "5a1e0000-0000-4000-8000-0000000000c1"
	inlineJS := append(bytes.TrimSuffix(bytes.TrimSpace(bundleFixture(t, "esbuild/main.min.js")), []byte("//# sourceMappingURL=main.min.js.map")),
		[]byte("//# sourceMappingURL=data:application/json;base64,"+base64.StdEncoding.EncodeToString(bundleFixture(t, "esbuild/main.min.js.map")))...)
	tests := []struct {
		name    string
		archive *BundleArchive
		url, id string
		wantMap string
	}{
		{"debug id", builtBundle(t, "esbuild", "~/dist/main.js", id), "/srv/dist/main.js", id, "~/dist/main.js.map"},
		// No header: the file's //# sourceMappingURL=main.min.js.map names the map.
		{"url candidates", builtBundle(t, "esbuild", "~/dist/main.min.js", ""), "https://cdn.example.com/dist/main.min.js?v=2#x", "", "~/dist/main.min.js.map"},
		{"inline map", archiveOf(t, BundleAttributes{}, BundleFile{URL: "~/dist/main.js", Type: BundleMinifiedSource, Content: inlineJS}),
			"https://cdn.example.com/dist/main.js", "", "inline map in ~/dist/main.js"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := (&Unminifier{Context: 2}).WithSources(&ArchiveSource{Archive: tt.archive, Name: tt.name})
			out := u.Unminify(traceRefs(t, "esbuild", tt.url, tt.id))
			top := out[0]
			if !top.Mapped || top.Filename != "src/pricing.js" || top.Line != 21 || top.Map != tt.wantMap {
				t.Fatalf("innermost frame %+v", top)
			}
			if !strings.Contains(top.ContextLine, "throw new PricingError(") || len(top.PreContext) != 2 {
				t.Errorf("context %q %q", top.ContextLine, top.PreContext)
			}
		})
	}

	// Not found: the attempts say where it looked.
	u := (&Unminifier{}).WithSources(&ArchiveSource{Archive: builtBundle(t, "esbuild", "~/dist/main.js", ""), Name: "b"})
	out := u.Unminify(traceRefs(t, "esbuild", "https://cdn.example.com/other/main.js", id))
	if out[0].Mapped || len(out[0].Attempts) != 2 || out[0].Attempts[0].Method != "debug-id" || out[0].Attempts[1].Method != "release-url" {
		t.Errorf("unmapped frame: %+v", out[0])
	}
}

// Every source is asked by debug ID before any is asked by URL.
func TestUnminifierSourceOrder(t *testing.T) {
	const id = "5a1e0000-0000-4000-8000-0000000000c2"
	byURL := &ArchiveSource{Archive: builtBundle(t, "terser", "~/dist/main.js", ""), Name: "by-url"}
	byID := &ArchiveSource{Archive: builtBundle(t, "esbuild", "~/elsewhere.js", id), Name: "by-id"}
	out := (&Unminifier{}).WithSources(byURL, byID).Unminify(traceRefs(t, "esbuild", "/srv/dist/main.js", id))
	if !out[0].Mapped || out[0].Map != "~/elsewhere.js.map" {
		t.Fatalf("mapped with %q: %+v", out[0].Map, out[0].Attempts)
	}
	if a := out[0].Attempts; len(a) != 2 || a[0].Found != "" || a[1].Found == "" {
		t.Errorf("attempts %+v", a)
	}
}

// Maps loaded from bundles live in a bounded cache shared by the views.
func TestUnminifierLoadedMapCache(t *testing.T) {
	root := &Unminifier{MaxCachedMaps: 1}
	defer root.Close()
	for i, bundler := range []string{"esbuild", "terser", "esbuild"} {
		src := &ArchiveSource{Archive: builtBundle(t, bundler, "~/"+bundler+"/main.min.js", ""), Name: bundler}
		out := root.WithSources(src).Unminify(traceRefs(t, bundler, "https://example.com/"+bundler+"/main.min.js", ""))
		if !out[0].Mapped || out[0].Filename != "src/pricing.js" {
			t.Fatalf("run %d (%s): %+v", i, bundler, out[0])
		}
		if files, loaded := root.CachedMaps(); files != 0 || loaded != 1 {
			t.Errorf("run %d: cached %d file maps, %d loaded maps; want 0 and 1", i, files, loaded)
		}
	}
}

func TestReleaseCandidateURLs(t *testing.T) {
	tests := []struct {
		url  string
		want []string
	}{
		{"https://example.com/static/app.js?v=2#x", []string{"https://example.com/static/app.js?v=2", "https://example.com/static/app.js", "~/static/app.js?v=2", "~/static/app.js"}},
		{"https://example.com/static/app.js", []string{"https://example.com/static/app.js", "~/static/app.js"}},
		{"app:///index.bundle", []string{"app:///index.bundle", "~/index.bundle"}},
		{"/srv/dist/main.js", []string{"/srv/dist/main.js", "~/srv/dist/main.js"}},
		{"~/a.js", []string{"~/a.js"}},
		{"https://example.com", []string{"https://example.com", "~/"}},
		{"#only", nil},
	}
	for _, tt := range tests {
		if got := ReleaseCandidateURLs(tt.url); strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("ReleaseCandidateURLs(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}
