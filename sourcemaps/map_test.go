package sourcemaps

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustDecode(t testing.TB, data []byte) *Map {
	t.Helper()
	m, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	return m
}

func TestParseFields(t *testing.T) {
	m := mustDecode(t, readTestdata(t, "basic.js.map"))
	if m.File() != "app.min.js" || m.SourceRoot() != "src" || m.IsIndex() || m.Sections() != nil {
		t.Errorf("file %q root %q index %v", m.File(), m.SourceRoot(), m.IsIndex())
	}
	if got := m.DebugID(); got != "5c85d4e1-95a4-4d8a-b1b2-3b4c5d6e7f80" {
		t.Errorf("DebugID = %q", got)
	}
	if m.NumSources() != 3 {
		t.Fatalf("NumSources = %d", m.NumSources())
	}
	for i, want := range []struct {
		raw, resolved string
		ok            bool
	}{{"app.ts", "src/app.ts", true}, {"util.ts", "src/util.ts", true}, {"", "", false}} {
		raw, ok := m.Source(i)
		res, rok := m.ResolvedSource(i)
		if raw != want.raw || res != want.resolved || ok != want.ok || rok != want.ok {
			t.Errorf("source %d: %q %q %v %v", i, raw, res, ok, rok)
		}
	}
	if !m.Ignored(1) || m.Ignored(0) || m.Ignored(2) || m.Ignored(99) || !slices.Equal(m.IgnoreList(), []int{1}) {
		t.Errorf("ignore list %v", m.IgnoreList())
	}
	if c, ok := m.SourceContent(0); !ok || c != "export function main() {\n  throw new Error(\"boom\");\n}\n" {
		t.Errorf("SourceContent(0) = %q, %v", c, ok)
	}
	for _, i := range []int{1, 2, -1, 3} {
		if c, ok := m.SourceContent(i); ok {
			t.Errorf("SourceContent(%d) = %q, want none", i, c)
		}
	}
	if !m.HasSourceContent(0) || m.HasSourceContent(1) || m.HasSourceContent(2) {
		t.Error("HasSourceContent")
	}
	if got := m.Names(); !slices.Equal(got, []string{"main", "helper", "café"}) || m.NumNames() != 3 {
		t.Errorf("Names = %q", got)
	}
	if n, ok := m.Name(2); !ok || n != "café" {
		t.Errorf("Name(2) = %q %v", n, ok)
	}
	if _, ok := m.Name(3); ok {
		t.Error("Name(3) ok")
	}
}

func TestJSONStrings(t *testing.T) {
	m := mustDecode(t, readTestdata(t, "escapes.js.map"))
	if s, _ := m.Source(0); s != `dir/a "quoted".js` {
		t.Errorf("source 0 = %q", s)
	}
	if s, _ := m.Source(1); s != "😀.js" {
		t.Errorf("source 1 = %q", s)
	}
	// A lone surrogate cannot live in a Go string: it becomes U+FFFD.
	if c, _ := m.SourceContent(0); c != "line1\nline2\ttab \\ back é 😀 \uFFFD end" {
		t.Errorf("content = %q", c)
	}
	if n, _ := m.Name(0); n != "name" {
		t.Errorf("name = %q", n)
	}
	// x_google_ignoreList counts when ignoreList is absent.
	if !m.Ignored(1) || m.Ignored(0) {
		t.Errorf("ignored %v", m.IgnoreList())
	}
}

func TestPrefixStripped(t *testing.T) {
	m := mustDecode(t, readTestdata(t, "prefixed.js.map"))
	if m.Prefix() != "\xEF\xBB\xBF)]}'\n" {
		t.Errorf("Prefix = %q", m.Prefix())
	}
}

func TestIgnoreListPrecedence(t *testing.T) {
	m := mustDecode(t, []byte(`{"version":3,"sources":["a","b"],"mappings":"","ignoreList":[0],"x_google_ignoreList":[1]}`))
	if !m.Ignored(0) || m.Ignored(1) {
		t.Errorf("ignoreList should win: %v", m.IgnoreList())
	}
	// A malformed x_google_ignoreList does not matter when ignoreList exists.
	mustDecode(t, []byte(`{"version":3,"sources":["a"],"mappings":"","ignoreList":[],"x_google_ignoreList":"junk"}`))
}

func TestDebugIDLegacy(t *testing.T) {
	m := mustDecode(t, []byte(`{"version":3,"sources":[],"mappings":"","debug_id":"legacy"}`))
	if m.DebugID() != "legacy" {
		t.Errorf("DebugID = %q", m.DebugID())
	}
	m = mustDecode(t, []byte(`{"version":3,"debugId":"new","sources":[],"mappings":"","debug_id":"legacy"}`))
	if m.DebugID() != "new" {
		t.Errorf("debugId should win, got %q", m.DebugID())
	}
}

func TestSourceRootJoin(t *testing.T) {
	tests := []struct {
		root, source, want string
	}{
		{"", "a.js", "a.js"},
		{"theroot", "a.js", "theroot/a.js"},
		{"theroot/", "a.js", "theroot/a.js"},
		{"https://cdn.example/x", "a.js", "https://cdn.example/x/a.js"},
		{"/srv", "../a.js", "/srv/../a.js"},
		{"theroot", "https://h.example/a.js", "https://h.example/a.js"},
		{"theroot", "webpack:///./a.js", "webpack:///./a.js"},
		{"theroot", "C:/code/a.js", "theroot/C:/code/a.js"},
	}
	for _, tt := range tests {
		t.Run(tt.root+"+"+tt.source, func(t *testing.T) {
			got := resolveSources(tt.root, []string{tt.source}, []bool{false})[0]
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"not json", `{"version":3,`, "unexpected end of input"},
		{"trailing garbage", `{"version":3,"sources":[],"mappings":""} x`, "after the top-level object"},
		{"top level array", `[]`, "top level is array"},
		{"empty input", ``, "top level is nothing"},
		{"bad escape in source", `{"version":3,"sources":["\x"],"mappings":""}`, "bad escape"},
		{"control char in source", "{\"version\":3,\"sources\":[\"a\tb\"],\"mappings\":\"\"}", "control character"},
		{"version float", `{"version":3.5,"sources":[],"mappings":""}`, "want 3, got 3.5"},
		{"deep nesting", `{"x":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`, "nesting deeper"},
		{"ignoreList out of range", `{"version":3,"sources":["a"],"mappings":"","ignoreList":[1]}`, "ignoreList[0]: source index 1 out of range"},
		{"url section", `{"version":3,"sections":[{"offset":{"line":0,"column":0},"url":"a.map"}]}`, `"url" sections are not supported`},
		{"nested index map", `{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3,"sections":[]}}]}`, "nested index maps"},
		{"section offset negative", `{"version":3,"sections":[{"offset":{"line":-1,"column":0},"map":{"version":3,"sources":[],"mappings":""}}]}`, "offset.line: want non-negative"},
		{"section not object", `{"version":3,"sections":[1]}`, "sections[0]: want object"},
		{"section out of order", `{"version":3,"sections":[
			{"offset":{"line":1,"column":0},"map":{"version":3,"sources":[],"mappings":""}},
			{"offset":{"line":0,"column":9},"map":{"version":3,"sources":[],"mappings":""}}]}`, "sections[1]: offset 0:9 is before"},
		{"section sub-map error", `{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3,"sources":[1],"mappings":""}}]}`, "sections[0].map: invalid source map: sources[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want error containing %q", err, tt.want)
			}
			if !errors.Is(err, ErrInvalidMap) {
				t.Errorf("%v does not wrap ErrInvalidMap", err)
			}
		})
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name, json, want string
		section          int
	}{
		{"mappings", `{"version":3,"sources":["a"],"mappings":"AAAA;;ACAA"}`, "mappings: line 3, segment 1 (offset 6): source index 1 out of range (1 sources)", -1},
		{"escaped mappings", `{"version":3,"sources":["a"],"mappings":"\u0041AA!"}`, "mappings: line 1, segment 1 (offset 3): invalid base64 VLQ character '!'", -1},
		{"section mappings", `{"version":3,"sections":[
			{"offset":{"line":0,"column":0},"map":{"version":3,"sources":["a"],"mappings":"AAAA"}},
			{"offset":{"line":5,"column":0},"map":{"version":3,"sources":["b"],"mappings":";AAAAA"}}]}`,
			"sections[1].map.mappings: line 2, segment 1 (offset 1): name index 0 out of range (0 names)", 1},
		{"section overlap", `{"version":3,"sections":[
			{"offset":{"line":0,"column":0},"map":{"version":3,"sources":["a"],"mappings":"AAAA;AAAA"}},
			{"offset":{"line":1,"column":0},"map":{"version":3,"sources":["b"],"mappings":"AAAA"}}]}`,
			"sections[1].map.mappings: section offset 1:0 overlaps the previous section, whose last mapping is at 1:0", 1},
		{"bad content string", `{"version":3,"sources":["a"],"sourcesContent":["\q"],"mappings":""}`, "sourcesContent[0]: bad escape", -2},
		{"bad name string", `{"version":3,"sources":["a"],"names":["\u12"],"mappings":""}`, "names[0]: bad \\u escape", -2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.json))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			err = m.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
			if !errors.Is(err, ErrInvalidMap) {
				t.Errorf("%v does not wrap ErrInvalidMap", err)
			}
			var me *MappingError
			if tt.section >= -1 {
				if !errors.As(err, &me) || me.Section != tt.section {
					t.Errorf("want *MappingError in section %d, got %#v", tt.section, err)
				}
				// The index build must report the same error.
				if ierr := m.BuildIndex(); ierr == nil || ierr.Error() != err.Error() {
					t.Errorf("BuildIndex = %v", ierr)
				}
				if _, lerr := m.LookupBatch([]Pos{{0, 0}}); lerr == nil {
					t.Error("LookupBatch accepted an invalid map")
				}
			}
		})
	}
}

func TestOpenAndClose(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "basic.js.map")
	if err := os.WriteFile(path, readTestdata(t, "basic.js.map"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.LookupBatch([]Pos{FramePos(1, 10)})
	if err != nil || !res[0].HasName || res[0].Name != "main" {
		t.Fatalf("LookupBatch = %+v, %v", res, err)
	}
	if _, ok := m.SourceContent(0); !ok {
		t.Error("no content before Close")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := m.SourceContent(0); ok {
		t.Error("content after Close")
	}
	if err := m.Validate(); !errors.Is(err, ErrClosed) {
		t.Errorf("Validate after Close = %v", err)
	}
	if _, err := m.LookupBatch([]Pos{{0, 0}}); !errors.Is(err, ErrClosed) {
		t.Errorf("LookupBatch after Close = %v", err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if s, ok := m.ResolvedSource(0); !ok || s != "src/app.ts" {
		t.Errorf("sources must survive Close: %q", s)
	}

	empty := filepath.Join(dir, "empty.map")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(empty); !errors.Is(err, ErrInvalidMap) {
		t.Errorf("Open(empty) = %v", err)
	}
	if _, err := Open(filepath.Join(dir, "missing.map")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v", err)
	}
	bad := filepath.Join(dir, "bad.map")
	if err := os.WriteFile(bad, []byte(`{"version":2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(bad); err == nil || !strings.Contains(err.Error(), "bad.map") {
		t.Errorf("Open(bad) = %v, want the path in the error", err)
	}
}
