package sourcemaps

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// ---- helpers ----

// copyTree copies the files under src (recursively) into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if e.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// snapshot reads every file under dir, for byte-for-byte comparisons.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func assertSameTree(t *testing.T, before, after map[string]string) {
	t.Helper()
	for p, b := range before {
		if a, ok := after[p]; !ok {
			t.Errorf("%s disappeared", p)
		} else if a != b {
			t.Errorf("%s changed", p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s appeared (a leftover temporary file?)", p)
		}
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
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

func mustParse(t testing.TB, data []byte) *Map {
	t.Helper()
	m, err := Parse(data)
	if err == nil {
		err = m.Validate()
	}
	if err != nil {
		t.Fatalf("map does not decode: %v\n%s", err, data)
	}
	return m
}

func walkAll(t testing.TB, m *Map) []Mapping {
	t.Helper()
	var out []Mapping
	if err := m.Walk(func(mp Mapping) error { out = append(out, mp); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameResult compares two lookups, ignoring where their segments start.
func sameResult(a, b Original) bool {
	return a.Found == b.Found && a.Mapped == b.Mapped && a.SourceIndex == b.SourceIndex &&
		a.Line == b.Line && a.Column == b.Column && a.Name == b.Name && a.HasName == b.HasName
}

// checkShifted asserts that the new map is the old one moved by sh: Walk
// lists equal after shifting (allowing the one copy shiftMappings may add
// at the start of the moved line), and a lookup at every position up to a
// few columns past the last segment of each line gives the same answer at
// the shifted position. gap reports lookups that became unmapped in the
// range between the split and the first moved segment, which happens only
// when the copy was not possible; it fails the test unless allowGap.
func checkShifted(t testing.TB, old, nw *Map, sh shift, allowGap bool) {
	t.Helper()
	before, after := walkAll(t, old), walkAll(t, nw)
	j := 0
	copies := 0
	for _, a := range after {
		if j < len(before) {
			w := before[j]
			w.Generated = shiftPos(w.Generated, &sh)
			if a == w {
				j++
				continue
			}
		}
		if a.Generated == (Pos{sh.line + sh.k, 0}) && sh.col > 0 && copies == 0 {
			copies++
			continue
		}
		t.Fatalf("segment %d of the old map (%+v) is not at its shifted place; got %+v", j, before[min(j, len(before)-1)], a)
	}
	if j != len(before) {
		t.Fatalf("only %d of %d segments kept", j, len(before))
	}
	// Lookups are constant between segment starts, so probing around each
	// start (and the split) covers every position.
	cols := map[int]map[int]bool{}
	maxLine := 0
	probe := func(line int, cs ...int) {
		if cols[line] == nil {
			cols[line] = map[int]bool{0: true, 1: true, 2: true}
		}
		for _, c := range cs {
			if c >= 0 {
				cols[line][c] = true
			}
		}
	}
	for _, mp := range before {
		g := mp.Generated
		probe(g.Line, g.Column-1, g.Column, g.Column+1, g.Column+3)
		maxLine = max(maxLine, g.Line)
	}
	probe(sh.line, sh.col-1, sh.col, sh.col+1)
	probe(maxLine + 1)
	for line, cs := range cols {
		for col := range cs {
			o, err := old.Lookup(line, col)
			if err != nil {
				t.Fatal(err)
			}
			p := shiftPos(Pos{line, col}, &sh)
			n, err := nw.Lookup(p.Line, p.Column)
			if err != nil {
				t.Fatal(err)
			}
			if sameResult(o, n) {
				continue
			}
			if allowGap && !n.Found && line == sh.line && col >= sh.col {
				continue
			}
			t.Fatalf("lookup %d:%d = %+v, but at %d:%d after the shift = %+v", line, col, o, p.Line, p.Column, n)
		}
	}
}

func regularMap(mappings string, nSources, nNames int) []byte {
	src := make([]string, nSources)
	for i := range src {
		src[i] = fmt.Sprintf("s%d.js", i)
	}
	names := make([]string, nNames)
	for i := range names {
		names[i] = fmt.Sprintf("n%d", i)
	}
	b, _ := json.Marshal(map[string]any{"version": 3, "sources": src, "names": names, "mappings": mappings})
	return b
}

func nodeBinary(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH")
	}
	return p
}

// ---- ids ----

func TestDebugIDFromContent(t *testing.T) {
	empty := []byte(`{"version":3,"sources":[],"names":[],"mappings":""}`)
	a := DebugIDFromContent([]byte("console.log(1)\n"), empty)
	b := DebugIDFromContent([]byte("console.log(22)\n"), empty)
	if a == b {
		t.Errorf("distinct JS files with identical maps share id %s", a)
	}
	if a != DebugIDFromContent([]byte("console.log(1)\n"), empty) {
		t.Error("id is not deterministic")
	}
	if DebugIDFromContent([]byte("x"), nil) == DebugIDFromContent([]byte("x"), []byte{}) {
		t.Error("no map and an empty map give the same id")
	}
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	for _, id := range []string{a, b, DebugIDFromContent(nil, nil)} {
		if !re.MatchString(id) || !isUUID(id) {
			t.Errorf("%q is not a lowercase v5 UUID", id)
		}
	}
	// SHA-1("") = da39a3ee5e6b4b0d3255bfef95601890afd80709.
	if got := DebugIDFromContent(nil, nil); got != "da39a3ee-5e6b-5b0d-b255-bfef95601890" {
		t.Errorf("id of nothing = %s", got)
	}
	for _, bad := range []string{"", "this is not a UUID", "da39a3ee5e6b4b0d3255bfef95601890afd8", "da39a3ee-5e6b-5b0d-b255-bfef9560189g"} {
		if isUUID(bad) {
			t.Errorf("isUUID(%q)", bad)
		}
	}
}

func TestSnippetIsOneLine(t *testing.T) {
	s := DebugIDSnippet("da39a3ee-5e6b-5b0d-b255-bfef95601890")
	if strings.ContainsAny(s, "\r\n") || !strings.Contains(s, `="da39a3ee-5e6b-5b0d-b255-bfef95601890"`) ||
		!strings.Contains(s, "_sentryDebugIds") || !strings.Contains(s, ".stack") {
		t.Errorf("snippet: %s", s)
	}
}

// ---- the real bundles ----

type expectedFile struct {
	Scenarios []struct {
		Name   string `json:"name"`
		Frames []struct {
			Skip      string `json:"skip"`
			Generated struct {
				Line, Column int
			} `json:"generated"`
			Lookup *struct {
				File         string `json:"file"`
				Line, Column int
			} `json:"lookup"`
			MapSource string `json:"map_source"`
		} `json:"frames"`
	} `json:"scenarios"`
}

func TestInjectBundles(t *testing.T) {
	bundles := filepath.Join("testdata", "bundles")
	dir := t.TempDir()
	for _, b := range []string{"esbuild", "terser", "webpack"} {
		copyTree(t, filepath.Join(bundles, b), filepath.Join(dir, b))
	}
	orig := snapshot(t, dir)

	res, err := InjectFiles([]string{dir}, InjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 {
		t.Fatalf("results: %+v", res)
	}
	ids := map[string]bool{}
	for _, r := range res {
		if r.Status != StatusInjected || !r.JSModified || !r.MapModified || r.Placement != PlacedTop || r.Line != 1 ||
			r.Map != r.Path+".map" || r.InlineMap || r.Reason != "" {
			t.Errorf("%+v", r)
		}
		ids[r.DebugID] = true
	}
	if len(ids) != 3 {
		t.Errorf("ids not distinct: %v", ids)
	}

	for _, r := range res {
		bundler := filepath.Base(filepath.Dir(r.Path))
		t.Run(bundler, func(t *testing.T) {
			js, _ := os.ReadFile(r.Path)
			oldJS := []byte(orig[r.Path])
			lines := strings.Split(string(js), "\n")
			if lines[0] != DebugIDSnippet(r.DebugID) {
				t.Errorf("first line is not the snippet: %.80s", lines[0])
			}
			if string(js[len(DebugIDSnippet(r.DebugID))+1:len(oldJS)+len(DebugIDSnippet(r.DebugID))+1]) != string(oldJS) {
				t.Errorf("the original text is not kept whole after the snippet")
			}
			if !strings.HasSuffix(string(js), "\n//# sourceMappingURL=main.min.js.map\n//# debugId="+r.DebugID+"\n") &&
				!strings.HasSuffix(string(js), "\n//# sourceMappingURL=main.min.js.map\n//# debugId="+r.DebugID) {
				t.Errorf("tail: %q", js[len(js)-120:])
			}
			if endsWithNewline(js) != endsWithNewline(oldJS) {
				t.Error("trailing newline state changed")
			}
			if c := ParseComments(js); c.DebugID != r.DebugID || c.SourceMappingURL != "main.min.js.map" {
				t.Errorf("comments: %+v", c)
			}

			oldMapData := []byte(orig[r.Map])
			newMapData, _ := os.ReadFile(r.Map)
			oldMap, newMap := mustParse(t, oldMapData), mustParse(t, newMapData)
			if newMap.DebugID() != r.DebugID {
				t.Errorf("map debugId = %q", newMap.DebugID())
			}
			if endsWithNewline(newMapData) != endsWithNewline(oldMapData) {
				t.Error("map trailing newline state changed")
			}
			// Only the debugId field and the leading ';' were added.
			if len(newMapData) != len(oldMapData)+len(`"debugId":"`+r.DebugID+`",`)+1 &&
				len(newMapData) != len(oldMapData)+len(`"debugId": "`+r.DebugID+`",`)+1+len("\n  ") {
				t.Errorf("map grew by %d bytes", len(newMapData)-len(oldMapData))
			}
			checkShifted(t, oldMap, newMap, shift{line: 0, col: 0, k: 1}, false)

			var exp expectedFile
			raw, err := os.ReadFile(filepath.Join(bundles, bundler, "expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &exp); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, sc := range exp.Scenarios {
				for _, f := range sc.Frames {
					if f.Lookup == nil {
						continue
					}
					n++
					o, err := newMap.LookupFrame(f.Generated.Line+1, f.Generated.Column)
					if err != nil {
						t.Fatal(err)
					}
					src, _ := newMap.Source(o.SourceIndex)
					if !o.Mapped || src != f.MapSource || o.Line+1 != f.Lookup.Line || o.Column+1 != f.Lookup.Column {
						t.Errorf("%s %d:%d (now line %d) maps to %s:%d:%d, want %s:%d:%d", sc.Name, f.Generated.Line, f.Generated.Column,
							f.Generated.Line+1, src, o.Line+1, o.Column+1, f.MapSource, f.Lookup.Line, f.Lookup.Column)
					}
				}
			}
			if n < 10 {
				t.Errorf("only %d frames checked", n)
			}
		})
	}

	// A second run changes no byte.
	injected := snapshot(t, dir)
	res2, err := InjectFiles([]string{dir}, InjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res2 {
		if r.Status != StatusAlreadyInjected || r.JSModified || r.MapModified || r.DebugID != res[i].DebugID {
			t.Errorf("second run: %+v", r)
		}
	}
	assertSameTree(t, injected, snapshot(t, dir))
}

var frameLine = regexp.MustCompile(`main\.min\.js:(\d+):(\d+)`)

// TestInjectedBundlesRunUnderNode runs each bundle before and after
// injection: the output is the same with every bundle frame one line
// lower, and the snippet has registered the debug ID under a stack that
// points into the bundle.
func TestInjectedBundlesRunUnderNode(t *testing.T) {
	node := nodeBinary(t)
	bundles := filepath.Join("testdata", "bundles")
	for _, bundler := range []string{"esbuild", "terser", "webpack"} {
		t.Run(bundler, func(t *testing.T) {
			plain, injected := t.TempDir(), t.TempDir()
			copyTree(t, filepath.Join(bundles, bundler), plain)
			copyTree(t, filepath.Join(bundles, bundler), injected)
			res, err := InjectFiles([]string{injected}, InjectOptions{})
			if err != nil || len(res) != 1 || res[0].Status != StatusInjected {
				t.Fatalf("%+v %v", res, err)
			}
			probe := filepath.Join(t.TempDir(), "probe.cjs")
			os.WriteFile(probe, []byte(`process.on("exit", () => process.stderr.write(JSON.stringify(globalThis._sentryDebugIds || null)));`+"\n"), 0o644)
			for _, scenario := range []string{"checkout", "refund", "ok"} {
				run := func(dir string) (string, string) {
					cmd := exec.Command(node, "-r", probe, filepath.Join(dir, "main.min.js"), scenario)
					var out, errOut bytes.Buffer
					cmd.Stdout, cmd.Stderr = &out, &errOut
					_ = cmd.Run() // the error scenarios exit 1
					return strings.ReplaceAll(out.String(), dir, "/app"), errOut.String()
				}
				before, ids0 := run(plain)
				after, ids := run(injected)
				if ids0 != "null" {
					t.Errorf("plain bundle registered ids: %s", ids0)
				}
				shifted := frameLine.ReplaceAllStringFunc(after, func(s string) string {
					m := frameLine.FindStringSubmatch(s)
					l, _ := strconv.Atoi(m[1])
					return fmt.Sprintf("main.min.js:%d:%s", l-1, m[2])
				})
				if shifted != before || (scenario != "ok" && !strings.Contains(after, "main.min.js:2:")) {
					t.Errorf("%s: output differs:\nbefore:\n%s\nafter:\n%s", scenario, before, after)
				}
				var reg map[string]string
				if err := json.Unmarshal([]byte(ids), &reg); err != nil || len(reg) != 1 {
					t.Fatalf("%s: _sentryDebugIds = %s (%v)", scenario, ids, err)
				}
				for stack, id := range reg {
					if id != res[0].DebugID || !strings.Contains(stack, filepath.Join(injected, "main.min.js")+":1:") {
						t.Errorf("%s: _sentryDebugIds = %s", scenario, ids)
					}
				}
			}
		})
	}
}

// ---- where the snippet goes ----

func TestInjectPlacement(t *testing.T) {
	const id = "00000000-0000-5000-8000-000000000000"
	snip := DebugIDSnippet(id)
	cases := []struct {
		name, js   string
		line, col  int // where the old code moved from (0-based), col 0: no split
		wantPrefix string
	}{
		{"plain", "var a=1;\n", 0, 0, snip + "\nvar a=1;\n"},
		{"empty", "", 0, 0, snip + "\n"},
		{"hashbang", "#!/usr/bin/env node\nvar a=1;\n", 1, 0, "#!/usr/bin/env node\n" + snip + "\nvar a=1;\n"},
		{"hashbang only", "#!/usr/bin/env node", 0, 19, "#!/usr/bin/env node\n" + snip + "\n"},
		{"directive and comments",
			"#!/usr/bin/env node\n/* license\n * MIT */\n// pragma\n\"use strict\";\n'use client';\n  var a=1;\n", 6, 0,
			"#!/usr/bin/env node\n/* license\n * MIT */\n// pragma\n\"use strict\";\n'use client';\n" + snip + "\n  var a=1;\n"},
		{"minified split", "\"use strict\";var a=1;", 0, 13, "\"use strict\";\n" + snip + "\nvar a=1;"},
		{"split after space", "\"use strict\"; var a=1;", 0, 14, "\"use strict\"; \n" + snip + "\nvar a=1;"},
		{"comment then code", "/*! banner */(()=>{})();\n", 0, 13, "/*! banner */\n" + snip + "\n(()=>{})();\n"},
		{"directives by ASI", "'use client'\n\"use strict\"\nexport const a=1\n", 2, 0, "'use client'\n\"use strict\"\n" + snip + "\nexport const a=1\n"},
		{"not a directive", "\"a\".length;\n", 0, 0, snip + "\n\"a\".length;\n"},
		{"string then call on next line", "\"use strict\"\n(f)()\n", 0, 0, snip + "\n\"use strict\"\n(f)()\n"},
		{"escaped quote", `"use \"x\"";var a;`, 0, 12, `"use \"x\"";` + "\n" + snip + "\nvar a;"},
		{"crlf", "\"use strict\";\r\nvar a=1;\r\n", 1, 0, "\"use strict\";\r\n" + snip + "\r\nvar a=1;\r\n"},
		{"bom", "\ufeffvar a=1;\n", 0, 0, "\ufeff" + snip + "\nvar a=1;\n"},
		{"non-ASCII comment", "/* é😀 */var a=1;", 0, 9, // é is 1 UTF-16 unit, 😀 2
			"/* é😀 */\n" + snip + "\nvar a=1;"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := regularMap("AAAA", 1, 0)
			switch {
			case c.col > 0:
				m = regularMap(strings.Repeat(";", c.line)+"AAAA,"+putVLQstr(c.col)+"AAC", 1, 0)
			case c.line > 0:
				m = regularMap(strings.Repeat(";", c.line)+"AAAA,EAAC", 1, 0)
			}
			m = bytes.Replace(m, []byte(`{`), []byte(`{"debugId":"`+id+`",`), 1)
			inj, err := InjectDebugID([]byte(c.js), m)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(inj.JS), c.wantPrefix) {
				t.Errorf("got\n%q\nwant prefix\n%q", inj.JS, c.wantPrefix)
			}
			wantLine := c.line
			if c.col > 0 {
				wantLine++
			}
			if inj.Placement != PlacedTop || inj.Line != wantLine || inj.Split != (c.col > 0) || inj.Column != c.col {
				t.Errorf("placement %+v", inj)
			}
			k := 1
			if c.col > 0 {
				k = 2
			}
			checkShifted(t, mustParse(t, m), mustParse(t, inj.Map), shift{c.line, c.col, k}, false)
			again, err := InjectDebugID(inj.JS, inj.Map)
			if err != nil || !again.AlreadyInjected || again.JS != nil || again.Map != nil {
				t.Errorf("second run: %+v %v", again, err)
			}
		})
	}
}

func putVLQstr(v int) string { return string(putVLQ(nil, int64(v))) }

func TestInjectPlacementRefusals(t *testing.T) {
	m := regularMap("AAAA", 1, 0)
	for name, js := range map[string]string{
		"unterminated comment":  "/* license\nvar a;",
		"unterminated string":   "\"use strict\nvar a;",
		"ambiguous after ASI":   "\"use strict\"\n@dec class A{}",
		"non-ASCII after ASI":   "\"use strict\"\nébc()",
		"not UTF-8":             "var a=\"\xff\";",
		"not UTF-8 in prologue": "/* \xfe */ var a;",
	} {
		_, err := InjectDebugID([]byte(js), m)
		var ie *InjectError
		if !errors.As(err, &ie) || ie.What != "js" {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// TestInjectStrictModeSurvives runs injected files under node: the
// directives still apply and the snippet registers the id.
func TestInjectStrictModeSurvives(t *testing.T) {
	node := nodeBinary(t)
	dir := t.TempDir()
	body := `var s=(function(){return this===undefined})();process.stdout.write(String(s)+" "+JSON.stringify(Object.values(globalThis._sentryDebugIds||{})));`
	writeFiles(t, dir, map[string]string{
		"a.cjs":     "#!/usr/bin/env node\n/*! license */\n\"use strict\";" + body + "\n//# sourceMappingURL=a.cjs.map\n",
		"a.cjs.map": string(regularMap(";AAAA,cAAC,CAAC", 1, 0)),
		"b.cjs":     "'use strict'\n// note\n" + body,
		"b.cjs.map": string(regularMap(";;AAAA", 1, 0)),
	})
	res, err := InjectFiles([]string{dir}, InjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != StatusInjected {
			t.Fatalf("%+v", r)
		}
		out, err := exec.Command(node, r.Path).Output()
		if err != nil {
			t.Fatal(err)
		}
		if want := `true ["` + r.DebugID + `"]`; string(out) != want {
			t.Errorf("%s printed %s, want %s", filepath.Base(r.Path), out, want)
		}
	}
}

// ---- shifting mappings ----

func TestShiftMappingsSplit(t *testing.T) {
	// A line "<prologue><code>" with segments before, at and after the
	// split, names on some, and later lines relying on relative fields.
	cases := []struct {
		name, mappings string
		col            int
		allowGap       bool
	}{
		{"segment at the split", "AAAA,cAAC,EAAEA,IAAIC;AACA,EAAE;;CAAA", 14, false},
		{"gap before first moved", "AAAA,gBAAC,EAAEA,IAAIC;AACA", 14, false},
		{"no moved segment", "AAAA,IAAC;AACA", 14, false},
		{"named last before split", "AAAAA,KAACC,mBAAC;AACA", 14, false},
		{"unmapped last before split", "AAAA,K,mBAAC;AACA", 14, false},
		{"equal columns before split", "AAAA,KAAC,AAAE,mBAAC;AACA", 14, true},
		{"split on a later line", "AAAA;AAAA,gBAAC;AACA", 14, false},
		{"nothing before split", "gBAAA,EAAC;AACA", 14, false},
		{"empty", "", 3, false},
		{"past the end", "AAAA", 3, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			line := 0
			if c.name == "split on a later line" {
				line = 1
			}
			old := regularMap(c.mappings, 2, 2)
			om := mustParse(t, old)
			sh := shift{line: line, col: c.col, k: 2}
			nm, err := shiftMappings(om.mappings, sh)
			if err != nil {
				t.Fatal(err)
			}
			checkShifted(t, om, mustParse(t, regularMap(string(nm), 2, 2)), sh, c.allowGap)
			// Only the first moved segment's column changes encoding.
			if strings.Count(string(nm), ";") != strings.Count(c.mappings, ";")+2 && len(bytes.Trim(om.mappings, ";")) > 0 && c.name != "past the end" {
				t.Errorf("%q -> %q", c.mappings, nm)
			}
		})
	}
	if _, err := shiftMappings([]byte("AAAA,gBAAC,fAAC"), shift{0, 14, 2}); !errors.Is(err, errUnsortedLine) {
		t.Errorf("unsorted line: err = %v", err)
	}
	// An unsorted line elsewhere is only moved, never split.
	if nm, err := shiftMappings([]byte("gBAAA,DAAC;AAAA"), shift{1, 0, 1}); err != nil || string(nm) != "gBAAA,DAAC;;AAAA" {
		t.Errorf("got %q %v", nm, err)
	}
}

func TestShiftMappingsExact(t *testing.T) {
	for _, c := range []struct {
		in   string
		sh   shift
		want string
	}{
		{"AAAA;AACA", shift{0, 0, 1}, ";AAAA;AACA"},
		{"AAAA;AACA", shift{1, 0, 1}, "AAAA;;AACA"},
		{"AAAA,cAAC,EAAE;AACA", shift{0, 14, 2}, "AAAA;;AAAC,EAAE;AACA"},       // c=14: the moved one is at the split
		{"AAAA,gBAAC,EAAE;AACA", shift{0, 14, 2}, "AAAA;;AAAA,EAAC,EAAE;AACA"}, // g=16: copy of AAAA at 0, then 2
		{"AAAA", shift{0, 14, 2}, "AAAA;;AAAA"},
		{"AAAA", shift{1, 0, 1}, "AAAA"},
		{"AAAA;;", shift{1, 0, 1}, "AAAA;;"},
	} {
		got, err := shiftMappings([]byte(c.in), c.sh)
		if err != nil || string(got) != c.want {
			t.Errorf("shiftMappings(%q, %+v) = %q, %v; want %q", c.in, c.sh, got, err, c.want)
		}
	}
}

func FuzzShiftMappings(f *testing.F) {
	for _, s := range []string{"AAAA,cAAC,EAAEA,IAAIC;AACA,EAAE;;CAAA", "AAAAA,KAACC,mBAAC;AACA", "AAAA,KAAC,AAAE,mBAAC;AACA", "A,C,E;gBAAA,K;;E", ""} {
		f.Add(s, uint16(0), uint16(14), uint8(1))
		f.Add(s, uint16(1), uint16(3), uint8(0))
	}
	f.Fuzz(func(t *testing.T, mappings string, line, col uint16, k uint8) {
		if strings.ContainsAny(mappings, "\"\\") {
			return
		}
		old, err := Parse(regularMap(mappings, 3, 2))
		if err != nil || old.Validate() != nil {
			return
		}
		sh := shift{line: int(line % 8), col: int(col % 64), k: 1 + int(k%3)}
		nm, err := shiftMappings(old.mappings, sh)
		if err != nil {
			if !errors.Is(err, errUnsortedLine) {
				t.Fatalf("valid mappings %q refused: %v", mappings, err)
			}
			return
		}
		m, err := Parse(regularMap(string(nm), 3, 2))
		if err == nil {
			err = m.Validate()
		}
		if err != nil {
			t.Fatalf("%q shifted by %+v gives %q, which does not decode: %v", mappings, sh, nm, err)
		}
		checkShifted(t, old, m, sh, true)
		if err := checkMapEdit(old, bytes.Replace(regularMap(string(nm), 3, 2), []byte("{"), []byte(`{"debugId":"x",`), 1), &sh, "x"); err != nil {
			t.Fatalf("the write guard rejects a correct shift: %v", err)
		}
	})
}

// ---- index maps ----

func TestInjectIndexMap(t *testing.T) {
	js := "\"use strict\";var a=1;var b=2;\nvar c=3;\nvar d=4;\n"
	idx := `{"version":3,"file":"x.js","sections":[` +
		`{"offset":{"line":0,"column":0},"map":{"version":3,"sources":["a.js"],"names":["a"],"mappings":"AAAA,aAAAA,IAAC"}},` +
		`{"offset":{"line":0,"column":21},"map":{"version":3,"sources":["b.js"],"names":[],"mappings":"AAAA;AACA"}},` +
		`{"offset":{"line":2,"column":0},"map":{"version":3,"sources":["d.js"],"names":[],"mappings":"AAAA"}}]}` + "\n"
	inj, err := InjectDebugID([]byte(js), []byte(idx))
	if err != nil {
		t.Fatal(err)
	}
	if !inj.Split || inj.Column != 13 || inj.Line != 1 {
		t.Errorf("placement: %+v", inj)
	}
	want := `{"debugId":"` + inj.DebugID + `","version":3,"file":"x.js","sections":[` +
		`{"offset":{"line":0,"column":0},"map":{"version":3,"sources":["a.js"],"names":["a"],"mappings":"AAAA;;AAAAA,IAAC"}},` +
		`{"offset":{"line":2,"column":8},"map":{"version":3,"sources":["b.js"],"names":[],"mappings":"AAAA;AACA"}},` +
		`{"offset":{"line":4,"column":0},"map":{"version":3,"sources":["d.js"],"names":[],"mappings":"AAAA"}}]}` + "\n"
	if string(inj.Map) != want {
		t.Errorf("got\n%s\nwant\n%s", inj.Map, want)
	}
	checkShifted(t, mustParse(t, []byte(idx)), mustParse(t, inj.Map), shift{0, 13, 2}, false)

	// Without a split, sections from the insertion line on move one line.
	js2 := "/* c */\nvar a=1;\n"
	idx2 := `{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3,"sources":["a.js"],"names":[],"mappings":"AAAA"}},` +
		`{"offset":{"line":1,"column":4},"map":{"version":3,"sources":["b.js"],"names":[],"mappings":"AAAA"}}]}`
	inj2, err := InjectDebugID([]byte(js2), []byte(idx2))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(inj2.Map), `"offset":{"line":2,"column":4}`) || !strings.Contains(string(inj2.Map), `"offset":{"line":0,"column":0}`) {
		t.Errorf("%s", inj2.Map)
	}
	checkShifted(t, mustParse(t, []byte(idx2)), mustParse(t, inj2.Map), shift{1, 0, 1}, false)
}

// ---- inline maps, no map, existing ids ----

func TestInjectInlineMap(t *testing.T) {
	m := regularMap("AAAA,cAAC;AACA", 1, 0)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
		js := "\"use strict\";var a=1;\nvar b;\n//# sourceMappingURL=data:application/json;charset=utf-8;base64," + enc.EncodeToString(m) + "\n"
		inj, err := InjectDebugID([]byte(js), nil)
		if err != nil {
			t.Fatal(err)
		}
		if !inj.InlineMap || !inj.MapChanged || inj.Map != nil || inj.JS == nil {
			t.Fatalf("%+v", inj)
		}
		tr := scanTrailer(inj.JS)
		d, err := parseDataURL(tr.smu)
		if err != nil || !strings.HasPrefix(tr.smu, "data:application/json;charset=utf-8;base64,") {
			t.Fatalf("new data URL %q: %v", tr.smu, err)
		}
		nm := mustParse(t, d.data)
		if nm.DebugID() != inj.DebugID || inj.DebugID != DebugIDFromContent([]byte(js), m) {
			t.Errorf("ids: %s %s", nm.DebugID(), inj.DebugID)
		}
		checkShifted(t, mustParse(t, m), nm, shift{0, 13, 2}, false)
		if !strings.HasSuffix(string(inj.JS), "\n//# debugId="+inj.DebugID+"\n") {
			t.Errorf("tail %q", inj.JS[len(inj.JS)-60:])
		}
		again, err := InjectDebugID(inj.JS, nil)
		if err != nil || !again.AlreadyInjected || again.JS != nil {
			t.Errorf("second run: %+v %v", again, err)
		}
	}
	for name, url := range map[string]string{
		"bad base64":  "data:application/json;base64,e30*",
		"not base64":  "data:application/json,%7B%7D",
		"bad map":     "data:application/json;base64," + base64.StdEncoding.EncodeToString([]byte(`{"version":3,"sources":[],"mappings":"A!"}`)),
		"not a map":   "data:application/json;base64," + base64.StdEncoding.EncodeToString([]byte(`[]`)),
		"no comma in": "data:application/json;base64",
	} {
		_, err := InjectDebugID([]byte("var a;\n//# sourceMappingURL="+url+"\n"), nil)
		var ie *InjectError
		if !errors.As(err, &ie) || ie.What != "map" {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestInjectNoMap(t *testing.T) {
	for _, c := range []struct{ js, want string }{
		{"console.log(1)\n//# sourceMappingURL=missing.js.map\n", "console.log(1)\n%s\n//# sourceMappingURL=missing.js.map\n%s\n"},
		{"console.log(1)\n//# sourceMappingURL=missing.js.map", "console.log(1)\n%s\n//# sourceMappingURL=missing.js.map\n%s"},
		{"console.log(1)", "console.log(1)\n%s\n%s"},
		{"console.log(1)\n", "console.log(1)\n%s\n%s\n"},
		{"console.log(1)\r\n", "console.log(1)\r\n%s\r\n%s\r\n"},
	} {
		inj, err := InjectDebugID([]byte(c.js), nil)
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(c.want, DebugIDSnippet(inj.DebugID), "//# debugId="+inj.DebugID)
		if string(inj.JS) != want || inj.Placement != PlacedEnd || inj.HasMap || inj.DebugID != DebugIDFromContent([]byte(c.js), nil) {
			t.Errorf("got\n%q\nwant\n%q", inj.JS, want)
		}
		if c := ParseComments(inj.JS); c.DebugID != inj.DebugID {
			t.Errorf("comments %+v", c)
		}
		again, err := InjectDebugID(inj.JS, nil)
		if err != nil || !again.AlreadyInjected || again.JS != nil {
			t.Errorf("second run: %+v %v", again, err)
		}
	}
}

func TestInjectExistingIDs(t *testing.T) {
	const id = "5C85D4E1-0000-4000-8000-000000000001"
	lower := strings.ToLower(id)
	js := []byte("var a;\n")
	base := regularMap("AAAA", 1, 0)

	// The map's id is adopted; the map is shifted but its debugId kept.
	withID := bytes.Replace(base, []byte("{"), []byte(`{"debugId":"`+id+`",`), 1)
	inj, err := InjectDebugID(js, withID)
	if err != nil || inj.DebugID != lower || !bytes.Contains(inj.Map, []byte(`"debugId":"`+id+`"`)) || !bytes.Contains(inj.Map, []byte(`";AAAA"`)) {
		t.Errorf("%+v %v\n%s", inj, err, inj.Map)
	}
	// A legacy debug_id is adopted and written as debugId too.
	legacy := bytes.Replace(base, []byte("{"), []byte(`{"debug_id":"`+lower+`",`), 1)
	inj, err = InjectDebugID(js, legacy)
	if err != nil || inj.DebugID != lower || !bytes.HasPrefix(inj.Map, []byte(`{"debugId":"`+lower+`","debug_id"`)) {
		t.Errorf("%+v %v\n%s", inj, err, inj.Map)
	}
	// A JS file that has the comment gives its id to a map without one,
	// and nothing else changes.
	injected := []byte("var a;\n//# debugId=" + lower + "\n")
	inj, err = InjectDebugID(injected, base)
	if err != nil || !inj.AlreadyInjected || inj.JS != nil || string(inj.Map) != `{"debugId":"`+lower+`",`+string(base[1:]) {
		t.Errorf("%+v %v\n%s", inj, err, inj.Map)
	}
	// A null debugId is replaced, not duplicated.
	null := bytes.Replace(base, []byte("{"), []byte(`{"debugId":null,`), 1)
	inj, err = InjectDebugID(injected, null)
	if err != nil || string(inj.Map) != `{"debugId":"`+lower+`",`+string(base[1:]) {
		t.Errorf("%+v %v\n%s", inj, err, inj.Map)
	}
	// Disagreeing or malformed ids are refused.
	other := bytes.Replace(base, []byte("{"), []byte(`{"debugId":"5c85d4e1-0000-4000-8000-000000000002",`), 1)
	for name, c := range map[string]struct{ js, m []byte }{
		"mismatch":       {injected, other},
		"map id invalid": {js, bytes.Replace(base, []byte("{"), []byte(`{"debugId":"this is not a UUID",`), 1)},
		"js id invalid":  {[]byte("var a;\n//# debugId=12345\n"), base},
	} {
		if _, err := InjectDebugID(c.js, c.m); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestInjectPrettyMap(t *testing.T) {
	m := "{\n  \"version\": 3,\n  \"sources\": [\"a.js\"],\n  \"names\": [],\n  \"mappings\": \"AAAA\"\n}\n"
	inj, err := InjectDebugID([]byte("var a;\n"), []byte(m))
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"debugId\": \"" + inj.DebugID + "\",\n  \"version\": 3,\n  \"sources\": [\"a.js\"],\n  \"names\": [],\n  \"mappings\": \";AAAA\"\n}\n"
	if string(inj.Map) != want {
		t.Errorf("got\n%s", inj.Map)
	}
	// A BOM and an XSSI guard line stay in front.
	guarded := ")]}'\n" + m
	inj, err = InjectDebugID([]byte("var a;\n"), []byte(guarded))
	if err != nil || !strings.HasPrefix(string(inj.Map), ")]}'\n{\n  \"debugId\"") {
		t.Errorf("%v\n%s", err, inj.Map)
	}
}

// ---- files ----

func TestInjectFilesRefusals(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"bad-map.js":       "var a;\n//# sourceMappingURL=bad-map.js.map\n",
		"bad-map.js.map":   `{"version":3,"sources":["a"],"names":[],"mappings":"AAAA,!"}`,
		"not-json.js":      "var a;\n",
		"not-json.js.map":  `{"version":3,`,
		"latin1.js":        "var a=\"caf\xe9\";\n",
		"comment.js":       "/* never closed\nvar a;\n",
		"comment.js.map":   string(regularMap("AAAA", 1, 0)),
		"inline.js":        "var a;\n//# sourceMappingURL=data:application/json;base64,@@@\n",
		"unsorted.js":      "\"use strict\";var a;",
		"unsorted.js.map":  string(regularMap("AAAA,gBAAC,fAAC", 1, 0)),
		"index-overlap.js": "var a;\n",
		"index-overlap.js.map": `{"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3,"sources":["a"],"names":[],"mappings":"AAAA,KAAC"}},` +
			`{"offset":{"line":0,"column":2},"map":{"version":3,"sources":["b"],"names":[],"mappings":"AAAA"}}]}`,
	})
	before := snapshot(t, dir)
	res, err := InjectFiles([]string{dir}, InjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 7 {
		t.Fatalf("%d results: %+v", len(res), res)
	}
	for _, r := range res {
		if r.Status != StatusRefused || r.Reason == "" || r.JSModified || r.MapModified || r.DebugID != "" {
			t.Errorf("%+v", r)
		}
		t.Logf("%s: %s", filepath.Base(r.Path), r.Reason)
	}
	assertSameTree(t, before, snapshot(t, dir))
}

func TestInjectFilesSelection(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.js":                      "var a;\n",
		"b.mjs":                     "var b;\n",
		"c.cjs":                     "var c;\n",
		"d.ts":                      "var d;\n",
		"a.js.map":                  string(regularMap("AAAA", 1, 0)),
		".next/static/chunk.js":     "var e;\n",
		"node_modules/lib/index.js": "var f;\n",
		"vendor/skip.js":            "var g;\n",
		"x.test.js":                 "var h;\n",
		"maps/m.js":                 "var i;\n//# sourceMappingURL=../sm/m.js.map\n",
		"sm/m.js.map":               string(regularMap("AAAA", 1, 0)),
		"url/u.js":                  "var j;\n//# sourceMappingURL=https://cdn.example.com/assets/u.js.map?v=1\n",
		"url/u.js.map":              string(regularMap("AAAA", 1, 0)),
	})
	res, err := InjectFiles([]string{dir, filepath.Join(dir, "a.js"), filepath.Join(dir, "d.ts")},
		InjectOptions{Ignore: []string{"vendor", "*.test.js"}, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]InjectedFile{}
	for _, r := range res {
		rel, _ := filepath.Rel(dir, r.Path)
		got[filepath.ToSlash(rel)] = r
	}
	if len(got) != 7 {
		t.Errorf("files: %v", got)
	}
	for _, name := range []string{"a.js", "b.mjs", "c.cjs", ".next/static/chunk.js", "maps/m.js", "url/u.js"} {
		if got[name].Status != StatusInjected {
			t.Errorf("%s: %+v", name, got[name])
		}
	}
	if r := got["d.ts"]; r.Status != StatusSkipped || !strings.Contains(r.Reason, "not a .js, .cjs, .mjs file") {
		t.Errorf("d.ts: %+v", r)
	}
	if got["a.js"].Map != filepath.Join(dir, "a.js.map") || got["a.js"].Placement != PlacedTop || got["b.mjs"].Placement != PlacedEnd {
		t.Errorf("maps: %+v %+v", got["a.js"], got["b.mjs"])
	}
	if got["maps/m.js"].Map != filepath.Join(dir, "sm", "m.js.map") || got["url/u.js"].Map != filepath.Join(dir, "url", "u.js.map") {
		t.Errorf("maps: %+v %+v", got["maps/m.js"], got["url/u.js"])
	}

	// --ext replaces the defaults.
	res, err = InjectFiles([]string{dir}, InjectOptions{Extensions: []string{".ts"}, DryRun: true})
	if err != nil || len(res) != 1 || filepath.Base(res[0].Path) != "d.ts" {
		t.Errorf("%+v %v", res, err)
	}
	if _, err := InjectFiles([]string{filepath.Join(dir, "nope")}, InjectOptions{}); err == nil {
		t.Error("a missing path is not an error")
	}
}

func TestInjectFilesDryRunAndModes(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.js":     "\"use strict\";var a;\n//# sourceMappingURL=a.js.map",
		"a.js.map": string(regularMap("AAAA,cAAC", 1, 0)),
		"b.js":     "var b;\n",
	})
	os.Chmod(filepath.Join(dir, "a.js"), 0o755)
	os.Chmod(filepath.Join(dir, "a.js.map"), 0o600)
	before := snapshot(t, dir)
	dry, err := InjectFiles([]string{dir}, InjectOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	assertSameTree(t, before, snapshot(t, dir))
	wet, err := InjectFiles([]string{dir}, InjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(dry) != fmt.Sprint(wet) {
		t.Errorf("dry run reported\n%+v\nthe run\n%+v", dry, wet)
	}
	for name, mode := range map[string]os.FileMode{"a.js": 0o755, "a.js.map": 0o600, "b.js": 0o644} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v (%v)", name, st.Mode().Perm(), mode, err)
		}
	}
	js, _ := os.ReadFile(filepath.Join(dir, "a.js"))
	if !strings.HasSuffix(string(js), "//# sourceMappingURL=a.js.map\n//# debugId="+wet[0].DebugID) {
		t.Errorf("a.js: %q", js)
	}
	after := snapshot(t, dir)
	again, _ := InjectFiles([]string{dir}, InjectOptions{})
	for _, r := range again {
		if r.Status != StatusAlreadyInjected {
			t.Errorf("%+v", r)
		}
	}
	assertSameTree(t, after, snapshot(t, dir))
}

func TestInjectFilesSharedMap(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.js":          "var a;\n//# sourceMappingURL=same.map\n",
		"b.js":          "var b;\n//# sourceMappingURL=same.map\n",
		"same.map":      string(regularMap("AAAA", 1, 0)),
		"empty1.js":     "console.log(1)\n//# sourceMappingURL=empty1.js.map\n",
		"empty2.js":     "console.log(22)\n//# sourceMappingURL=empty2.js.map\n",
		"empty1.js.map": `{"version":3,"sources":[],"names":[],"mappings":""}`,
		"empty2.js.map": `{"version":3,"sources":[],"names":[],"mappings":""}`,
	})
	res, err := InjectFiles([]string{dir}, InjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]InjectedFile{}
	for _, r := range res {
		byName[filepath.Base(r.Path)] = r
	}
	if byName["a.js"].Status != StatusInjected || byName["b.js"].Status != StatusRefused || !strings.Contains(byName["b.js"].Reason, "also belongs to") {
		t.Errorf("%+v", res)
	}
	if byName["empty1.js"].DebugID == byName["empty2.js"].DebugID || byName["empty1.js"].Status != StatusInjected {
		t.Errorf("identical empty maps: %+v %+v", byName["empty1.js"], byName["empty2.js"])
	}
}

// FuzzInjectDebugID feeds arbitrary JS text: injection either refuses or
// gives a file that a second run leaves alone, with a map that decodes.
func FuzzInjectDebugID(f *testing.F) {
	for _, s := range []string{"#!/x\n\"use strict\";var a=1;", "/* c */\n'a'\n'b'\nx", "\"a\"\n(b)", "\ufeff//x\r\n\"use client\";f()", "// only\n", "\"use strict\"/*\n*/x"} {
		f.Add(s)
	}
	m := regularMap("AAAA,CAAC,EAAE;AACA,aAAA;;C", 1, 0)
	f.Fuzz(func(t *testing.T, js string) {
		inj, err := InjectDebugID([]byte(js), m)
		if err != nil {
			var ie *InjectError
			if !errors.As(err, &ie) || ie.What != "js" {
				t.Fatalf("unexpected refusal: %v", err)
			}
			return
		}
		mustParse(t, inj.Map)
		again, err := InjectDebugID(inj.JS, inj.Map)
		if err != nil || !again.AlreadyInjected || again.JS != nil || again.Map != nil || again.DebugID != inj.DebugID {
			t.Fatalf("second run on %q: %+v %v", inj.JS, again, err)
		}
	})
}

func TestInjectNoMapLine(t *testing.T) {
	for js, want := range map[string]int{
		"a\nb\n":                           2,
		"a\nb":                             2,
		"a\nb\n//# sourceMappingURL=x.map": 2,
		"":                                 0,
	} {
		inj, err := InjectDebugID([]byte(js), nil)
		if err != nil {
			t.Fatal(err)
		}
		if inj.Line != want || strings.Split(string(inj.JS), "\n")[want] != DebugIDSnippet(inj.DebugID) {
			t.Errorf("%q: line %d, want %d:\n%s", js, inj.Line, want, inj.JS)
		}
	}
}
