package sourcemaps

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestNormalizeURLPrefix(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{"", "~", false},
		{"~", "~", false},
		{"~/", "~", false},
		{"~/static/js", "~/static/js", false},
		{"~/static/js/", "~/static/js", false},
		{"app:///", "app://", false}, // one slash goes: app:// + /main.js
		{"https://cdn.example.com/assets/", "https://cdn.example.com/assets", false},
		{"/assets", "/assets", false},
		{"static/js", "", true},
		{"./static", "", true},
		{"assets/", "", true},
	}
	for _, tt := range tests {
		got, err := NormalizeURLPrefix(tt.in)
		if tt.bad {
			if !errors.Is(err, ErrURLPrefix) || !strings.Contains(err.Error(), "did you mean \"~/") {
				t.Errorf("%q: err = %v", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if u := UploadURL(got, "main.js", ""); tt.in == "app:///" && u != "app:///main.js" {
			t.Errorf("app:/// gives %q", u)
		}
	}
}

// writeTree writes files (slash paths) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const (
	idApp  = "11111111-2222-5333-8444-555555555555"
	idPage = "66666666-7777-5888-9999-aaaaaaaaaaaa"
	idMap  = "bbbbbbbb-cccc-5ddd-aeee-ffffffffffff"
)

func smallMap(extra string) string {
	return `{"version":3,` + extra + `"sources":["webpack://app/./src/a.ts"],"sourcesContent":["x"],"names":[],"mappings":"AAAA"}`
}

func uploadTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"dist/static/app.js":     "a()\n//# debugId=" + strings.ToUpper(idApp) + "\n//# sourceMappingURL=app.js.map\n",
		"dist/static/app.js.map": smallMap(`"debugId":"` + idApp + `",`),
		// Found by name, and gets the JS file's debug ID.
		"dist/.next/static/chunks/page.js":     "p()\n//# debugId=" + idPage + "\n",
		"dist/.next/static/chunks/page.js.map": smallMap(""),
		// foo.min.js → foo.map; the JS file gets the map's ID.
		"dist/vendor.min.js": "v()\n",
		"dist/vendor.map":    smallMap(`"debug_id":"` + idMap + `",`),
		// A map named by URL: only its base name counts.
		"dist/cdn.js":                    "c()\n//# sourceMappingURL=https://cdn.example.com/maps/cdn.js.map?v=2\n",
		"dist/cdn.js.map":                smallMap(""),
		"dist/inline.mjs":                "i()\n//# sourceMappingURL=data:application/json;base64,e30=\n",
		"dist/styles.css.map":            smallMap(""),
		"dist/types.d.ts.map":            smallMap(""),
		"dist/README.md":                 "# not uploaded\n",
		"dist/worker.test.js":            "t()\n",
		"dist/legacy/old.js":             "o()\n",
		"dist/latin1.js":                 "var s = '\xe9t\xe9';\n",
		"dist/node_modules/dep/index.js": "d()\n",
		// A sourcemap without .map, sniffed.
		"dist/meta.bundle": smallMap(""),
	})
	return dir
}

func TestCollectUpload(t *testing.T) {
	dir := uploadTree(t)
	t.Chdir(dir)
	ign, err := ParseIgnoreRules([]string{"*.test.js", "legacy/"})
	if err != nil {
		t.Fatal(err)
	}
	set, err := CollectUpload([]string{"dist"}, UploadOptions{URLPrefix: "~/assets/", URLSuffix: "?v=1", Ignore: ign})
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ path, url, typ, id, from, sourcemap, mp string }
	var got []row
	for _, f := range set.Files {
		got = append(got, row{filepath.ToSlash(f.Path), f.URL, f.Type, f.DebugID, filepath.ToSlash(f.DebugIDFrom), f.SourceMap, filepath.ToSlash(f.Map)})
	}
	want := []row{
		{"dist/.next/static/chunks/page.js", "~/assets/.next/static/chunks/page.js?v=1", BundleMinifiedSource, idPage, "", "page.js.map", "dist/.next/static/chunks/page.js.map"},
		{"dist/.next/static/chunks/page.js.map", "~/assets/.next/static/chunks/page.js.map?v=1", BundleSourceMap, idPage, "dist/.next/static/chunks/page.js", "", ""},
		{"dist/cdn.js", "~/assets/cdn.js?v=1", BundleMinifiedSource, "", "", "https://cdn.example.com/maps/cdn.js.map?v=2", "dist/cdn.js.map"},
		{"dist/cdn.js.map", "~/assets/cdn.js.map?v=1", BundleSourceMap, "", "", "", ""},
		{"dist/inline.mjs", "~/assets/inline.mjs?v=1", BundleMinifiedSource, "", "", "", "inline"},
		{"dist/meta.bundle", "~/assets/meta.bundle?v=1", BundleSourceMap, "", "", "", ""},
		{"dist/static/app.js", "~/assets/static/app.js?v=1", BundleMinifiedSource, idApp, "", "app.js.map", "dist/static/app.js.map"},
		{"dist/static/app.js.map", "~/assets/static/app.js.map?v=1", BundleSourceMap, idApp, "", "", ""},
		{"dist/vendor.map", "~/assets/vendor.map?v=1", BundleSourceMap, idMap, "", "", ""},
		{"dist/vendor.min.js", "~/assets/vendor.min.js?v=1", BundleMinifiedSource, idMap, "dist/vendor.map", "vendor.map", "dist/vendor.map"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("files:\n%s", diffRows(got, want))
	}
	var skipped []string
	for _, s := range set.Skipped {
		skipped = append(skipped, filepath.ToSlash(s.Path)+": "+s.Reason[:strings.IndexAny(s.Reason, ":")])
	}
	wantSkipped := []string{"dist/latin1.js: not UTF-8 text", "dist/styles.css.map: a CSS sourcemap", "dist/types.d.ts.map: a TypeScript declaration map"}
	if !slices.Equal(skipped, wantSkipped) {
		t.Errorf("skipped = %q, want %q", skipped, wantSkipped)
	}
	if m := set.MissingDebugIDs(); len(m) != 2 || m[0].Path != filepath.Join("dist", "cdn.js") {
		t.Errorf("missing debug IDs: %v", m)
	}

	// Headers as the bundle gets them.
	files := set.BundleFiles()
	for _, f := range files {
		if f.URL == "~/assets/vendor.min.js?v=1" && (f.Headers["debug-id"] != idMap || f.Headers["sourcemap"] != "vendor.map") {
			t.Errorf("vendor.min.js headers %v", f.Headers)
		}
		if f.URL == "~/assets/inline.mjs?v=1" && len(f.Headers) != 0 {
			t.Errorf("inline.mjs headers %v", f.Headers)
		}
	}
}

func diffRows[T comparable](got, want []T) string {
	var b strings.Builder
	for i := range max(len(got), len(want)) {
		var g, w any = "-", "-"
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			fmt.Fprintf(&b, "got  %+v\nwant %+v\n", g, w)
		}
	}
	return b.String()
}

// Files named on the command line are taken whatever their extension or
// the ignore rules, named by their base name; a file reached twice under
// the same URL goes once; --ext replaces the extensions.
func TestCollectUploadArguments(t *testing.T) {
	dir := uploadTree(t)
	t.Chdir(dir)
	ign, _ := ParseIgnoreRules([]string{"*.test.js"})
	set, err := CollectUpload([]string{"dist/worker.test.js", "dist/static/app.js", "dist/static/app.js", filepath.Join(dir, "dist", "README.md")}, UploadOptions{Ignore: ign})
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, f := range set.Files {
		urls = append(urls, f.URL)
	}
	if want := []string{"~/README.md", "~/app.js", "~/worker.test.js"}; !slices.Equal(urls, want) {
		t.Errorf("urls = %q, want %q", urls, want)
	}

	set, err = CollectUpload([]string{"dist"}, UploadOptions{Extensions: []string{".mjs", "bundle"}})
	if err != nil {
		t.Fatal(err)
	}
	urls = urls[:0]
	for _, f := range set.Files {
		urls = append(urls, f.URL)
	}
	if want := []string{"~/inline.mjs", "~/meta.bundle"}; !slices.Equal(urls, want) {
		t.Errorf("--ext: urls = %q, want %q", urls, want)
	}

	// A quoted glob is expanded; a path that does not exist is an error.
	set, err = CollectUpload([]string{"dist/static/*.map"}, UploadOptions{})
	if err != nil || len(set.Files) != 1 || set.Files[0].URL != "~/app.js.map" {
		t.Fatalf("glob: %+v, %v", set, err)
	}
	if _, err := CollectUpload([]string{"nope"}, UploadOptions{}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing path: %v", err)
	}
	if _, err := CollectUpload([]string{"dist"}, UploadOptions{URLPrefix: "static"}); !errors.Is(err, ErrURLPrefix) {
		t.Fatalf("bad prefix: %v", err)
	}
}

// A map shared by two JS files lends its debug ID to neither.
func TestCollectUploadSharedMap(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"a.js":   "a()\n//# sourceMappingURL=m.map\n",
		"b.js":   "b()\n//# sourceMappingURL=m.map\n",
		"m.map":  smallMap(`"debugId":"` + idMap + `",`),
		"c.js":   "c()\n//# debugId=" + idApp + "\n//# sourceMappingURL=m2.map\n",
		"m2.map": smallMap(`"debugId":"` + idPage + `",`), // a mismatch is validation's to report
	})
	set, err := CollectUpload([]string{dir}, UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, f := range set.Files {
		ids[filepath.Base(f.Path)] = f.DebugID
	}
	if ids["a.js"] != "" || ids["b.js"] != "" || ids["m.map"] != idMap || ids["c.js"] != idApp || ids["m2.map"] != idPage {
		t.Errorf("debug IDs %v", ids)
	}
}

func TestIgnoreRules(t *testing.T) {
	tests := []struct {
		patterns []string
		rel      string
		given    string
		dir      bool
		want     bool
	}{
		{[]string{"*.test.js"}, "a/b/x.test.js", "", false, true},
		{[]string{"*.test.js"}, "x.js", "", false, false},
		{[]string{"legacy/"}, "a/legacy", "", true, true},
		{[]string{"legacy/"}, "a/legacy", "", false, false}, // a file named legacy
		{[]string{"static/legacy/*.js"}, "static/legacy/x.js", "", false, true},
		{[]string{"static/legacy/*.js"}, "a/static/legacy/x.js", "", false, false},
		{[]string{"/vendor"}, "vendor", "", true, true},
		{[]string{"/vendor"}, "a/vendor", "", true, false},
		{[]string{"**/chunks/*.map"}, "static/chunks/x.map", "", false, true},
		{[]string{"**/chunks/*.map"}, "chunks/x.map", "", false, true},
		{[]string{"static/**/*.map"}, "static/a/b/c/x.map", "", false, true},
		{[]string{"static/**"}, "static/a/b", "", false, true},
		{[]string{"*.map", "!keep.map"}, "keep.map", "", false, false},
		{[]string{"*.map", "!keep.map", "keep*"}, "keep.map", "", false, true},
		{[]string{"# comment", "", "   "}, "x", "", false, false},
		// A path as given on the command line matches too.
		{[]string{"dist/server/*.js"}, "server/x.js", "dist/server/x.js", false, true},
		{[]string{`\#odd.js`}, "#odd.js", "", false, true},
	}
	for _, tt := range tests {
		r, err := ParseIgnoreRules(tt.patterns)
		if err != nil {
			t.Fatalf("%q: %v", tt.patterns, err)
		}
		if got := r.Ignored(tt.rel, tt.given, tt.dir); got != tt.want {
			t.Errorf("%q on %q (dir %v) = %v, want %v", tt.patterns, tt.rel, tt.dir, got, tt.want)
		}
	}
	if _, err := ParseIgnoreRules([]string{"a/[b"}); err == nil || !strings.Contains(err.Error(), `"a/[b"`) {
		t.Errorf("bad pattern: %v", err)
	}
	var r IgnoreRules
	if err := r.ReadIgnoreFile(".sentryignore", []byte("*.map\n\n# x\n[\n")); err == nil || !strings.HasPrefix(err.Error(), ".sentryignore:4: ") {
		t.Errorf("ignore file: %v", err)
	}
}

func TestStripSources(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		prefixes []string
		common   bool
		want     string
		n        int
	}{
		{"prefix", `{"version":3,"sources":["/home/ci/app/src/a.ts","/home/ci/app2/b.ts",null],"mappings":""}`,
			[]string{"/home/ci/app"}, false,
			`{"version":3,"sources":["src/a.ts","/home/ci/app2/b.ts",null],"mappings":""}`, 1},
		{"first prefix wins", `{"sources": ["webpack://app/./src/a.ts"], "version": 3, "mappings": ""}`,
			[]string{"webpack://app/", "webpack://"}, false,
			`{"sources": ["./src/a.ts"], "version": 3, "mappings": ""}`, 1},
		{"common", `{"version":3,"sources":["/home/ci/app/src/a.ts","/home/ci/app/lib/b.ts"],"mappings":""}`,
			nil, true,
			`{"version":3,"sources":["src/a.ts","lib/b.ts"],"mappings":""}`, 2},
		{"common of one", `{"version":3,"sources":["src/x/a.ts"],"mappings":""}`,
			nil, true, `{"version":3,"sources":["a.ts"],"mappings":""}`, 1},
		{"no common", `{"version":3,"sources":["a.ts","src/b.ts"],"mappings":""}`,
			nil, true, `{"version":3,"sources":["a.ts","src/b.ts"],"mappings":""}`, 0},
		{"escapes kept", `{"version":3,"sources":["\/x\/y\/\u00e9.ts"],"mappings":""}`,
			[]string{"/x"}, false, `{"version":3,"sources":["y/é.ts"],"mappings":""}`, 1},
		{"sections", `{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3,"sources":["/p/a.ts"],"mappings":"AAAA"}},{"offset":{"line":1,"column":0},"map":{"version":3,"sources":["/p/b.ts","/q/c.ts"],"mappings":"AAAA"}}]}`,
			[]string{"/p"}, false,
			`{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3,"sources":["a.ts"],"mappings":"AAAA"}},{"offset":{"line":1,"column":0},"map":{"version":3,"sources":["b.ts","/q/c.ts"],"mappings":"AAAA"}}]}`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := stripSources([]byte(tt.doc), 0, tt.prefixes, tt.common)
			if err != nil || string(got) != tt.want || n != tt.n {
				t.Fatalf("got %s (%d), %v\nwant %s (%d)", got, n, err, tt.want, tt.n)
			}
			if _, err := Parse(got); err != nil {
				t.Fatalf("the result does not parse: %v", err)
			}
		})
	}
}

// --strip-prefix rewrites the map that is uploaded, not the file on disk.
func TestCollectUploadStripsSources(t *testing.T) {
	dir := t.TempDir()
	doc := `{"version":3,"sources":["webpack://app/./src/a.ts"],"sourcesContent":["x"],"names":[],"mappings":"AAAA"}`
	writeTree(t, dir, map[string]string{"a.js.map": doc})
	set, err := CollectUpload([]string{dir}, UploadOptions{StripPrefixes: []string{"webpack://app/"}})
	if err != nil {
		t.Fatal(err)
	}
	f := set.Files[0]
	if f.RewrittenSources != 1 || !bytes.Contains(f.Content, []byte(`"sources":["./src/a.ts"]`)) {
		t.Fatalf("%d rewritten: %s", f.RewrittenSources, f.Content)
	}
	if disk, _ := os.ReadFile(filepath.Join(dir, "a.js.map")); string(disk) != doc {
		t.Fatal("the map on disk changed")
	}
}

// The collected files of the real bundler outputs validate clean, and the
// report names them as they were found.
func TestUploadSetValidate(t *testing.T) {
	set, err := CollectUpload([]string{filepath.Join("testdata", "bundles", "esbuild")}, UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := set.Validate(ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.Errors != 0 || rep.Summary.JSFiles != 1 || rep.Summary.Maps != 1 {
		t.Fatalf("summary %+v", rep.Summary)
	}
	for _, f := range rep.Files {
		if !strings.HasPrefix(f.Path, filepath.Join("testdata", "bundles", "esbuild")) {
			t.Errorf("reported as %q", f.Path)
		}
	}
}

// FuzzIgnoreRules: any pattern list parses or fails cleanly, and matching
// never panics; a pattern that ignores a path is undone by its negation.
func FuzzIgnoreRules(f *testing.F) {
	f.Add("*.test.js\n!keep.test.js\nlegacy/", "a/legacy/x.test.js")
	f.Add("**/chunks/**/*.map", "static/chunks/a/b.map")
	f.Add("/vendor\n# c\n\\#x", "vendor/x.js")
	f.Fuzz(func(t *testing.T, patterns, rel string) {
		if len(patterns) > 4096 || len(rel) > 4096 {
			return
		}
		r, err := ParseIgnoreRules(strings.Split(patterns, "\n"))
		if err != nil {
			return
		}
		for _, dir := range []bool{false, true} {
			if r.Ignored(rel, "dist/"+rel, dir) {
				neg, err := ParseIgnoreRules(append(strings.Split(patterns, "\n"), "!"+rel))
				if err == nil && !strings.ContainsAny(rel, "*?[\\\n") && !strings.HasPrefix(rel, "#") && !strings.HasPrefix(rel, "!") &&
					rel == strings.TrimSpace(rel) && !strings.Contains(rel, "//") && !strings.HasSuffix(rel, "/") &&
					path.Clean(rel) == rel && !strings.HasPrefix(rel, "/") && neg.Ignored(rel, "", dir) {
					t.Fatalf("%q negated still ignores %q", patterns, rel)
				}
			}
		}
	})
}

// FuzzStripSources: on any map that parses, stripping sources gives a map
// that parses with as many sources, and changes nothing but them.
func FuzzStripSources(f *testing.F) {
	addSeeds(f)
	f.Add([]byte(`{"version":3,"sources":["/home/ci/app/src/a.ts","\/home\/ci\/b.ts",null],"mappings":"AAAA"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		defer m.Close()
		out, n, err := stripSources(data, len(m.Prefix()), []string{"/home/ci", "webpack://"}, true)
		if err != nil {
			return // the skim is stricter than Parse about nothing, but fail cleanly
		}
		m2, err := Parse(out)
		if err != nil {
			t.Fatalf("rewritten map does not parse: %v\n%s", err, out)
		}
		defer m2.Close()
		if m2.NumSources() != m.NumSources() {
			t.Fatalf("%d sources became %d", m.NumSources(), m2.NumSources())
		}
		if n == 0 && !bytes.Equal(out, data) {
			t.Fatal("nothing stripped but the bytes changed")
		}
		if m2.DebugID() != m.DebugID() || m2.File() != m.File() {
			t.Fatal("a field other than sources changed")
		}
	})
}
