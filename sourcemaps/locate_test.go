package sourcemaps

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseComments(t *testing.T) {
	tests := []struct {
		name string
		js   string
		want Comments
	}{
		{"plain", "var a=1;\n//# sourceMappingURL=app.js.map\n", Comments{SourceMappingURL: "app.js.map"}},
		{"legacy @ and no newline", "var a=1;\n//@ sourceMappingURL=app.js.map", Comments{SourceMappingURL: "app.js.map"}},
		{"block comment", "a();\n/*# sourceMappingURL=a.map */\n", Comments{SourceMappingURL: "a.map"}},
		{"debug id and map", "a();\n//# debugId=85314830-023F-4CF1-A267-535F4E37BB17\n//# sourceMappingURL=a.map\n",
			Comments{SourceMappingURL: "a.map", DebugID: "85314830-023f-4cf1-a267-535f4e37bb17"}},
		{"last one wins", "//# sourceMappingURL=old.map\na();\n//# sourceMappingURL=new.map\n", Comments{SourceMappingURL: "new.map"}},
		{"not at line start", `var s="//# sourceMappingURL=x.map";` + "\n", Comments{}},
		{"inside a template literal line", "x=`\n//# sourceMappingURL=${u}`\n", Comments{}},
		{"windows newlines", "a();\r\n//# sourceMappingURL=a.map\r\n", Comments{SourceMappingURL: "a.map"}},
		{"none", "a();\n", Comments{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseComments([]byte(tt.js)); got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestReadCommentsTailAndInline(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat("var x=1;\n", 5000) // beyond the tail window
	inline := "data:application/json;charset=utf-8;base64," + base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", 40000)+`{"version":3}`))
	files := map[string]string{
		"tail.js":   big + "//# debugId=abc\n//# sourceMappingURL=tail.js.map\n",
		"inline.js": big + "//# sourceMappingURL=" + inline + "\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fsys := os.DirFS(dir)
	c, err := ReadComments(fsys, "tail.js")
	if err != nil || c != (Comments{SourceMappingURL: "tail.js.map", DebugID: "abc"}) {
		t.Fatalf("tail.js: %+v %v", c, err)
	}
	c, err = ReadComments(fsys, "inline.js")
	if err != nil || c.SourceMappingURL != inline {
		t.Fatalf("inline.js: got %d bytes, %v", len(c.SourceMappingURL), err)
	}
	data, err := DecodeDataURL(c.SourceMappingURL)
	if err != nil || !strings.HasSuffix(string(data), `{"version":3}`) {
		t.Fatalf("decode: %v", err)
	}
}

func TestDecodeDataURL(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"data:application/json;base64,eyJ2ZXJzaW9uIjozfQ==", `{"version":3}`, false},
		{"data:application/json;base64,eyJ2ZXJzaW9uIjozfQ", `{"version":3}`, false},
		{"data:application/json;charset=utf-8;base64,eyJ2ZXJzaW9uIjozfQ==", `{"version":3}`, false},
		{"data:application/json,%7B%22version%22%3A3%7D", `{"version":3}`, false},
		{"data:application/json;base64,%%%", "", true},
		{"data:nocomma", "", true},
		{"http://x/a.map", "", true},
	}
	for _, tt := range tests {
		got, err := DecodeDataURL(tt.in)
		if (err != nil) != tt.wantErr || string(got) != tt.want {
			t.Errorf("DecodeDataURL(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func TestURLPath(t *testing.T) {
	tests := map[string]string{
		"https://example.com/static/js/app.min.js?v=3#x": "/static/js/app.min.js",
		"http://localhost:8080/app.js":                   "/app.js",
		"file:///home/me/dist/main.js":                   "/home/me/dist/main.js",
		"app:///main.jsbundle":                           "/main.jsbundle",
		"~/static/app.js":                                "/static/app.js",
		`C:\Users\me\dist\main.js`:                       "/Users/me/dist/main.js",
		"/srv/app/a%20b.js":                              "/srv/app/a b.js",
		"webpack://app/./src/x.js":                       "/src/x.js",
		"main.js":                                        "/main.js",
		"https://cdn.example.com":                        "/",
	}
	for in, want := range tests {
		if got := URLPath(in); got != want {
			t.Errorf("URLPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func testDirs(t *testing.T) *Dirs {
	t.Helper()
	a := fstest.MapFS{
		"static/js/app.min.js":      {Data: []byte("a();\n//# debugId=11111111-2222-3333-4444-555555555555\n//# sourceMappingURL=app.min.js.map\n")},
		"static/js/app.min.js.map":  {Data: []byte(`{"version":3,"sources":[],"names":[],"mappings":""}`)},
		"other/js/app.min.js":       {Data: []byte("b();\n")},
		"vendor.js":                 {Data: []byte("c();\n//# sourceMappingURL=/maps/vendor.js.map\n")},
		"maps/vendor.js.map":        {Data: []byte(`{"version":3,"sources":[],"names":[],"mappings":"","debugId":"AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE"}`)},
		"node_modules/x/app.min.js": {Data: []byte("skip")},
		".next/static/chunk.js":     {Data: []byte("d();\n")},
	}
	b := fstest.MapFS{"app.min.js": {Data: []byte("e();\n")}}
	d, err := NewDirs(a, b)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDirsMatch(t *testing.T) {
	d := testDirs(t)
	tests := []struct {
		url       string
		want      File
		ambiguous bool
		ok        bool
	}{
		{"https://example.com/static/js/app.min.js?v=1", File{0, "static/js/app.min.js"}, false, true},
		{"https://example.com/other/js/app.min.js", File{0, "other/js/app.min.js"}, false, true},
		// Only the base name matches: the shortest path wins, and it is a tie.
		{"https://example.com/assets/app.min.js", File{1, "app.min.js"}, true, true},
		{"http://localhost:3000/_next/static/chunk.js", File{0, ".next/static/chunk.js"}, false, true},
		{"https://example.com/missing.js", File{}, false, false},
	}
	for _, tt := range tests {
		f, amb, ok := d.Match(tt.url)
		if f != tt.want || amb != tt.ambiguous || ok != tt.ok {
			t.Errorf("Match(%q) = %+v, %v, %v; want %+v, %v, %v", tt.url, f, amb, ok, tt.want, tt.ambiguous, tt.ok)
		}
	}
	if _, _, ok := d.Match("/x/node_modules/x/app.min.js"); !ok {
		t.Error("no match at all")
	} else if f, _, _ := d.Match("/x/node_modules/x/app.min.js"); strings.Contains(f.Name, "node_modules") {
		t.Error("node_modules was indexed")
	}
}

func TestDirsMapForAndDebugID(t *testing.T) {
	d := testDirs(t)
	js := File{0, "static/js/app.min.js"}
	if m, ok := d.MapFor(js, "app.min.js.map"); !ok || m.Name != "static/js/app.min.js.map" {
		t.Errorf("relative: %+v %v", m, ok)
	}
	if m, ok := d.MapFor(File{0, "vendor.js"}, "/maps/vendor.js.map"); !ok || m.Name != "maps/vendor.js.map" {
		t.Errorf("absolute: %+v %v", m, ok)
	}
	if _, ok := d.MapFor(js, "../../../../etc/passwd.map"); ok {
		t.Error("escaped the root")
	}
	if _, ok := d.MapFor(js, "data:application/json;base64,e30="); ok {
		t.Error("inline map resolved as a file")
	}
	if m, ok := d.ByDebugID("11111111-2222-3333-4444-555555555555"); !ok || m.Name != "static/js/app.min.js.map" {
		t.Errorf("debug id from JS comment: %+v %v", m, ok)
	}
	if m, ok := d.ByDebugID("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"); !ok || m.Name != "maps/vendor.js.map" {
		t.Errorf("debug id from the map: %+v %v", m, ok)
	}
	if _, ok := d.ByDebugID("00000000-0000-0000-0000-000000000000"); ok {
		t.Error("unknown debug id found")
	}
}

func TestSourceLines(t *testing.T) {
	doc := `{"version":3,"sources":["a.js","b.js","c.js"],"names":[],"mappings":"",
	 "sourcesContent":["l0\nl1 \"q\" \\n not a newline\r\nl2\u000Al3","",null]}`
	m, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		i, from, to int
		want        []string
		ok          bool
	}{
		{0, 0, 10, []string{"l0", `l1 "q" \n not a newline`, "l2", "l3"}, true},
		{0, 1, 3, []string{`l1 "q" \n not a newline`, "l2"}, true},
		{0, 3, 4, []string{"l3"}, true},
		{0, 4, 9, nil, true},
		{0, -5, 1, []string{"l0"}, true},
		{1, 0, 5, []string{""}, true},
		{2, 0, 5, nil, false},
		{9, 0, 5, nil, false},
	}
	for _, tt := range tests {
		got, ok := m.SourceLines(tt.i, tt.from, tt.to)
		if ok != tt.ok || strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("SourceLines(%d, %d, %d) = %q, %v; want %q, %v", tt.i, tt.from, tt.to, got, ok, tt.want, tt.ok)
		}
	}
	if n := m.NumSourceLines(0); n != 4 {
		t.Errorf("NumSourceLines = %d", n)
	}
	// The windows agree with decoding the whole source.
	whole, _ := m.SourceContent(0)
	all, _ := m.SourceLines(0, 0, 100)
	if strings.ReplaceAll(whole, "\r\n", "\n") != strings.Join(all, "\n") {
		t.Errorf("whole %q vs lines %q", whole, all)
	}
}
