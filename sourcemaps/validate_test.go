package sourcemaps

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

const (
	vID    = "3f0c2a5e-8d1b-4c6e-9a7f-1b2c3d4e5f60"
	vOther = "0b8e0c5c-2f43-4d3b-8a51-6c0f1e2d3c4b"
	// vCode is a minified line; vMappings maps it, with names on "greet"
	// (column 9) and both "name"s (15 and 33).
	vCode     = `function greet(name){return"hi "+name}`
	vMappings = "AAAA,SAASA,MAAMC,MACb,YAAeA"
	vSource   = "function greet(name) {\n  return \"hi \" + name;\n}\n"
)

// vMap is a valid map for vCode with the given fields changed (a nil value
// deletes the field).
func vMap(change map[string]any) string {
	m := map[string]any{
		"version": 3, "file": "app.js", "sources": []string{"src/app.js"}, "sourcesContent": []string{vSource},
		"names": []string{"greet", "name"}, "mappings": vMappings, "debugId": vID,
	}
	for k, v := range change {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// vJS is vCode with trailing comments; an empty id or ref leaves it out.
func vJS(id, ref string) string {
	s := vCode + "\n"
	if id != "" {
		s += "//# debugId=" + id + "\n"
	}
	if ref != "" {
		s += "//# sourceMappingURL=" + ref + "\n"
	}
	return s
}

func fsOf(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for k, v := range files {
		fsys[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return fsys
}

// problemList renders a report's problems as "path severity code" lines.
func problemList(r *Report) []string {
	var out []string
	for _, f := range r.Files {
		for _, p := range f.Problems {
			out = append(out, fmt.Sprintf("%s %s %s", f.Path, p.Severity, p.Code))
		}
	}
	return out
}

func TestValidateChecks(t *testing.T) {
	good := map[string]string{"dist/app.js": vJS(vID, "app.js.map"), "dist/app.js.map": vMap(nil)}
	with := func(changes map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range good {
			out[k] = v
		}
		for k, v := range changes {
			if v == "" {
				delete(out, k)
			} else {
				out[k] = v
			}
		}
		return out
	}
	inline := "data:application/json;base64," + base64.StdEncoding.EncodeToString([]byte(vMap(nil)))
	index := `{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":` + vMap(nil) + `}]}`
	overlap := `{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":` + vMap(nil) +
		`},{"offset":{"line":0,"column":20},"map":` + vMap(nil) + `}]}`

	tests := []struct {
		name  string
		files map[string]string
		paths []string
		want  []string
	}{
		{"good pair", good, nil, nil},
		{"map given alone finds its JS", good, []string{"dist/app.js.map"}, nil},
		{"JS given alone finds its map", good, []string{"dist/app.js"}, nil},
		{"not JSON", with(map[string]string{"dist/app.js.map": "{"}), nil,
			[]string{"dist/app.js.map error invalid-map"}},
		{"version 2", with(map[string]string{"dist/app.js.map": vMap(map[string]any{"version": 2})}), nil,
			[]string{"dist/app.js.map error invalid-version"}},
		{"bad VLQ", with(map[string]string{"dist/app.js.map": vMap(map[string]any{"mappings": "AAAA,SA=SA"})}), nil,
			[]string{"dist/app.js.map error invalid-mappings"}},
		{"segment with 2 fields", with(map[string]string{"dist/app.js.map": vMap(map[string]any{"mappings": "AAAA,SA"})}), nil,
			[]string{"dist/app.js.map error invalid-mappings"}},
		{"name index out of range", with(map[string]string{"dist/app.js.map": vMap(map[string]any{"names": []string{"greet"}})}), nil,
			[]string{"dist/app.js.map error invalid-mappings"}},
		// An index map validates like the regular map it wraps.
		{"index map", with(map[string]string{"dist/app.js.map": index}), nil,
			[]string{"dist/app.js warning debug-id-missing"}},
		{"section with version 2", with(map[string]string{"dist/app.js.map": strings.Replace(index, `"version":3}`, `"version":2}`, 1)}), nil,
			[]string{"dist/app.js.map error invalid-version"}},
		{"section with a bad name string", with(map[string]string{"dist/app.js.map": strings.Replace(index, `"greet"`, `"gr\x"`, 1)}), nil,
			[]string{"dist/app.js.map error invalid-map"}},
		{"overlapping sections", with(map[string]string{"dist/app.js.map": overlap}), nil,
			[]string{"dist/app.js.map error section-overlap"}},
		{"XSSI prefix", with(map[string]string{"dist/app.js.map": ")]}'\n" + vMap(nil)}), nil,
			[]string{"dist/app.js.map warning map-prefix"}},
		{"empty mappings", with(map[string]string{"dist/app.js.map": vMap(map[string]any{"mappings": ";;", "names": []string{}})}), nil,
			[]string{"dist/app.js.map warning empty-mappings"}},
		{"no sourcesContent, source missing", with(map[string]string{"dist/app.js.map": vMap(map[string]any{"sourcesContent": nil})}), nil,
			[]string{"dist/app.js.map warning missing-sources-content"}},
		{"no sourcesContent, source on disk", with(map[string]string{
			"dist/app.js.map": vMap(map[string]any{"sourcesContent": nil, "sources": []string{"src/app.ts"}}), "dist/src/app.ts": vSource}), nil,
			[]string{"dist/app.js.map info sources-not-embedded"}},
		{"webpack source found in a parent directory", with(map[string]string{
			"dist/app.js.map": vMap(map[string]any{"sourcesContent": nil, "sources": []string{"webpack://app/./src/app.js"}}),
			"src/app.js":      vSource}), []string{"dist"},
			[]string{"dist/app.js.map info sources-not-embedded"}},
		{"null sourcesContent entry", with(map[string]string{"dist/app.js.map": vMap(map[string]any{"sourcesContent": []any{nil}})}), nil,
			[]string{"dist/app.js.map warning missing-sources-content"}},
		{"sourcesContent too long, duplicate source", with(map[string]string{
			"dist/app.js.map": vMap(map[string]any{"sources": []string{"a.js", "a.js"}, "sourcesContent": []string{"x", "y", "z"}})}), nil,
			[]string{"dist/app.js.map warning sources-content-length", "dist/app.js.map info duplicate-sources"}},
		{"file field names another file", with(map[string]string{"dist/app.js.map": vMap(map[string]any{"file": "main.js"})}), nil,
			[]string{"dist/app.js.map info file-mismatch"}},
		{"no map at all", map[string]string{"dist/app.js": vJS("", "")}, nil,
			[]string{"dist/app.js warning missing-map"}},
		{"no comment but <file>.map", with(map[string]string{"dist/app.js": vJS(vID, "")}), nil,
			[]string{"dist/app.js info no-source-mapping-url"}},
		{"reference to a missing map", with(map[string]string{"dist/app.js": vJS(vID, "gone.js.map")}), nil,
			[]string{"dist/app.js error map-not-found", "dist/app.js.map info unreferenced-map"}},
		{"URL reference matched by suffix", with(map[string]string{
			"dist/app.js":          vJS(vID, "https://cdn.example.com/assets/maps/app.js.map"),
			"dist/app.js.map":      "",
			"dist/maps/app.js.map": vMap(nil)}), nil, nil},
		{"absolute path reference beside the JS", with(map[string]string{"dist/app.js": vJS(vID, "/static/app.js.map")}),
			[]string{"dist/app.js"}, nil},
		{"inline map", map[string]string{"dist/app.js": vJS(vID, inline)}, nil, nil},
		{"broken inline map", map[string]string{"dist/app.js": vJS(vID, "data:application/json;base64,eyJ2ZXJzaW9uIjoz!!")}, nil,
			[]string{"dist/app.js error invalid-inline-map"}},
		{"inline map with bad mappings", map[string]string{"dist/app.js": vJS(vID,
			"data:application/json;base64,"+base64.StdEncoding.EncodeToString([]byte(vMap(map[string]any{"mappings": "A;;B!"}))))}, nil,
			[]string{"dist/app.js error invalid-mappings"}},
		{"legacy //@ comment", with(map[string]string{"dist/app.js": vCode + "\n//# debugId=" + vID + "\n//@ sourceMappingURL=app.js.map\n"}), nil,
			[]string{"dist/app.js warning legacy-source-mapping-url"}},
		{"debug IDs differ", with(map[string]string{"dist/app.js": vJS(vOther, "app.js.map")}), nil,
			[]string{"dist/app.js error debug-id-mismatch"}},
		{"debug ID only in the JS", with(map[string]string{"dist/app.js.map": vMap(map[string]any{"debugId": nil})}), nil,
			[]string{"dist/app.js warning debug-id-missing"}},
		{"legacy debug_id in the map agrees", with(map[string]string{"dist/app.js.map": vMap(map[string]any{"debugId": nil, "debug_id": strings.ToUpper(vID)})}), nil, nil},
		{"debug ID only in the map", with(map[string]string{"dist/app.js": vJS("", "app.js.map")}), nil,
			[]string{"dist/app.js warning debug-id-missing"}},
		{"no debug IDs", map[string]string{"dist/app.js": vJS("", "app.js.map"), "dist/app.js.map": vMap(map[string]any{"debugId": nil})}, nil,
			[]string{"dist/app.js info no-debug-id"}},
		{"debug ID not a UUID", with(map[string]string{"dist/app.js.map": vMap(map[string]any{"debugId": "this is not a UUID"})}), nil,
			[]string{"dist/app.js error debug-id-mismatch", "dist/app.js.map warning invalid-debug-id"}},
		{"map nobody references", with(map[string]string{"dist/other.js.map": vMap(map[string]any{"file": "other.js"})}), nil,
			[]string{"dist/other.js.map info unreferenced-map"}},
		{"segment past the last line", with(map[string]string{"dist/app.js.map": vMap(map[string]any{"mappings": vMappings + ";;;;;AAAA"})}), nil,
			[]string{"dist/app.js error position-out-of-bounds"}},
		{"segment past the end of its line", with(map[string]string{"dist/app.js.map": vMap(map[string]any{"mappings": vMappings + ",2BAAA"})}), nil,
			[]string{"dist/app.js error position-out-of-bounds"}},
		{"banner prepended", with(map[string]string{"dist/app.js": "'use strict';\n" + vJS(vID, "app.js.map")}), nil,
			[]string{"dist/app.js error position-out-of-bounds"}},
		{"node_modules skipped, .next walked, CSS maps ignored", map[string]string{
			"node_modules/x/a.js":      vJS("", ""),
			".next/static/app.js":      vJS(vID, "app.js.map"),
			".next/static/app.js.map":  vMap(nil),
			".next/static/app.css.map": `{"version":3,"sources":[],"mappings":""}`,
		}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paths := tt.paths
			if paths == nil {
				paths = []string{"."}
			}
			r, err := Validate(fsOf(tt.files), paths, ValidateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got := problemList(r)
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestValidateDetails(t *testing.T) {
	fsys := fsOf(map[string]string{
		"a.js":     vJS(vID, "a.js.map"),
		"a.js.map": vMap(map[string]any{"file": "a.js", "mappings": "AAAA;SA;SAASA"}),
		"b.js":     "'use strict';\n" + vJS(vID, "b.js.map"),
		"b.js.map": vMap(map[string]any{"file": "b.js"}),
	})
	r, err := Validate(fsys, []string{"."}, ValidateOptions{DisplayPath: func(n string) string { return "out/" + n }})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Files) != 4 || r.Files[0].Path != "out/a.js" || r.Files[0].Map != "out/a.js.map" || r.Files[1].JS[0] != "out/a.js" {
		t.Fatalf("files: %+v", r.Files)
	}
	p := r.Files[1].Problems[0]
	if p.Code != CodeInvalidMappings || p.File != "out/a.js.map" || p.Hint == "" ||
		*p.Mappings != (MappingsPosition{Kind: "bad-field-count", Section: -1, Line: 2, Segment: 1, Offset: 5}) {
		t.Errorf("mapping problem: %+v %+v", p, p.Mappings)
	}
	b := r.Files[2]
	p = b.Problems[0]
	// Line 1 is now "'use strict';" (13 units): "name" at column 15 is the
	// first segment past its end; two more follow.
	if p.Code != CodePositionOutOfBounds || p.Count != 3 || *p.Generated != (GeneratedPosition{Line: 1, Column: 16}) {
		t.Errorf("bounds problem: %+v %+v", p, p.Generated)
	}
	if b.IdentifierScore == nil || *b.IdentifierScore != 0 || b.NamedChecked != 3 || r.Files[3].Segments != 5 {
		t.Errorf("score %v of %d, segments %d", b.IdentifierScore, b.NamedChecked, r.Files[3].Segments)
	}
	if r.Summary != (Summary{Files: 4, JSFiles: 2, Maps: 2, Errors: 2}) || !r.Failed(false) {
		t.Errorf("summary %+v", r.Summary)
	}

	if _, err := Validate(fsys, []string{"missing"}, ValidateOptions{}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing path: %v", err)
	}
}

// TestValidateUTF16 checks that columns count UTF-16 units: "😀" is two
// units, "é" one, so "greet" starts at column 12 of this line.
func TestValidateUTF16(t *testing.T) {
	line := `var s="é😀";greet(s)`
	var mappings []byte
	mappings = appendVLQ(mappings, 0)
	mappings = append(mappings, "AAA,"...)
	mappings = appendVLQ(mappings, 12)
	mappings = append(mappings, "AAAA"...)
	mappings = append(mappings, ',')
	mappings = appendVLQ(mappings, 19-12) // the end of the line: in bounds
	mappings = append(mappings, "AAA"...)
	fsys := fsOf(map[string]string{
		"u.js":     line + "\n//# debugId=" + vID + "\n//# sourceMappingURL=u.js.map\n",
		"u.js.map": vMap(map[string]any{"file": "u.js", "mappings": string(mappings)}),
	})
	r, err := Validate(fsys, []string{"."}, ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := problemList(r); got != nil {
		t.Errorf("problems %q", got)
	}
	if js := r.Files[0]; js.IdentifierScore == nil || *js.IdentifierScore != 1 || js.NamedChecked != 1 {
		t.Errorf("score %v of %d", js.IdentifierScore, js.NamedChecked)
	}
	if n := len(splitJSLines([]byte("a\r\nb\rc\u2028d\u2029e\n"))); n != 6 {
		t.Errorf("splitJSLines: %d lines, want 6", n)
	}
}

// TestValidateBundles runs the real esbuild, terser and webpack bundles:
// they must validate clean with high identifier scores, and fail as
// foreign when the JS is shifted or paired with another bundler's map.
// (The webpack and terser bundles are both terser output and much alike,
// so pairing them scores highest among the foreign cases, about 16%.)
func TestValidateBundles(t *testing.T) {
	root := filepath.Join("testdata", "bundles")
	r, err := Validate(OSDir(root), []string{"esbuild", "terser", "webpack"}, ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Summary.Errors+r.Summary.Warnings != 0 || r.Summary.JSFiles != 3 || r.Summary.Maps != 3 {
		t.Errorf("summary %+v: %q", r.Summary, problemList(r))
	}
	for _, f := range r.Files {
		if f.Kind != KindJS {
			continue
		}
		if f.IdentifierScore == nil || *f.IdentifierScore < 0.9 || f.NamedChecked < 100 {
			t.Errorf("%s: score %v of %d", f.Path, f.IdentifierScore, f.NamedChecked)
			continue
		}
		t.Logf("%s: identifier score %.1f%% of %d named segments", f.Path, 100**f.IdentifierScore, f.NamedChecked)
	}

	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	cases := []struct {
		name, js, mapFile string
	}{
		{"esbuild JS with a line prepended", "/*! license */\n" + read("esbuild/main.min.js"), "esbuild/main.min.js.map"},
		{"webpack JS with a line prepended", "\"use strict\";\n" + read("webpack/main.min.js"), "webpack/main.min.js.map"},
		{"terser JS shifted by one column", " " + read("terser/main.min.js"), "terser/main.min.js.map"},
		{"esbuild JS with the webpack map", read("esbuild/main.min.js"), "webpack/main.min.js.map"},
		{"webpack JS with the terser map", read("webpack/main.min.js"), "terser/main.min.js.map"},
		{"terser JS with the esbuild map", read("terser/main.min.js"), "esbuild/main.min.js.map"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys := fsOf(map[string]string{"main.min.js": c.js, "main.min.js.map": read(c.mapFile)})
			r, err := Validate(fsys, []string{"."}, ValidateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			js := r.Files[0]
			if !slices.ContainsFunc(js.Problems, func(p Problem) bool { return p.Code == CodeForeignMap && p.Severity == SeverityError }) {
				t.Errorf("no foreign-map error: %q", problemList(r))
			}
			if js.IdentifierScore == nil || *js.IdentifierScore >= 0.2 {
				t.Errorf("score %v", *js.IdentifierScore)
			} else {
				t.Logf("identifier score %.1f%% of %d named segments; problems %q", 100**js.IdentifierScore, js.NamedChecked, problemList(r))
			}
		})
	}
}

// BenchmarkValidateLarge validates the synthetic ~40 MB map against a JS
// file with the same number of lines.
func BenchmarkValidateLarge(b *testing.B) {
	mapPath, _ := largeMap(b)
	dir := filepath.Dir(mapPath)
	line := strings.Repeat("a.b(c,d);", 300)
	js := strings.Repeat(line+"\n", hugeSpec.lines-1) + line + "\n//# sourceMappingURL=huge.js.map\n"
	if err := os.WriteFile(filepath.Join(dir, "huge.js"), []byte(js), 0o644); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(mapPath)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	for b.Loop() {
		r, err := Validate(OSDir(dir), []string{"huge.js"}, ValidateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if r.Files[0].NamedChecked == 0 {
			b.Fatal("nothing scored")
		}
	}
}
