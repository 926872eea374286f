package sourcemaps

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// want describes an expected lookup answer compactly.
type want struct {
	found, mapped bool
	gen           Pos
	source        string
	line, col     int
	name          string // "" means no name
}

func (w want) String() string {
	return fmt.Sprintf("found=%v mapped=%v gen=%v %q %d:%d name=%q", w.found, w.mapped, w.gen, w.source, w.line, w.col, w.name)
}

func asWant(o Original) want {
	return want{o.Found, o.Mapped, o.Generated, o.Source, o.Line, o.Column, o.Name}
}

// checkLookups runs every position through both modes and compares.
func checkLookups(t *testing.T, m *Map, cases map[Pos]want) {
	t.Helper()
	var ps []Pos
	for p := range cases {
		ps = append(ps, p)
	}
	stream, err := m.streamBatch(ps)
	if err != nil {
		t.Fatalf("streamBatch: %v", err)
	}
	for i, p := range ps {
		o, err := m.Lookup(p.Line, p.Column)
		if err != nil {
			t.Fatalf("Lookup: %v", err)
		}
		if o != stream[i] {
			t.Errorf("%v: index %+v != stream %+v", p, o, stream[i])
		}
		if got, w := asWant(o), cases[p]; got != w {
			t.Errorf("%v:\n got %v\nwant %v", p, got, w)
		}
		if !o.Mapped && o.SourceIndex != -1 {
			t.Errorf("%v: unmapped with SourceIndex %d", p, o.SourceIndex)
		}
	}
	// After the index exists LookupBatch uses it; answers must not change.
	batch, err := m.LookupBatch(ps)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ps {
		if batch[i] != stream[i] {
			t.Errorf("%v: LookupBatch %+v != stream %+v", ps[i], batch[i], stream[i])
		}
	}
}

func TestLookupSemantics(t *testing.T) {
	t.Run("basic", func(t *testing.T) {
		m := mustDecode(t, readTestdata(t, "basic.js.map"))
		checkLookups(t, m, map[Pos]want{
			{0, 0}:   {true, true, Pos{0, 0}, "src/app.ts", 0, 0, ""},
			{0, 8}:   {true, true, Pos{0, 0}, "src/app.ts", 0, 0, ""},
			{0, 9}:   {true, true, Pos{0, 9}, "src/app.ts", 0, 9, "main"},
			{0, 500}: {true, true, Pos{0, 12}, "src/app.ts", 0, 12, ""},
			{1, 1}:   {true, true, Pos{1, 0}, "src/app.ts", 1, 12, ""},
			{1, 2}:   {true, true, Pos{1, 2}, "src/util.ts", 1, 13, ""},
			{1, 7}:   {true, true, Pos{1, 7}, "src/util.ts", 1, 15, ""},
			// A 1-field segment is generated code with no original.
			{2, 1}: {true, false, Pos{2, 0}, "", 0, 0, ""},
			{2, 2}: {true, true, Pos{2, 2}, "src/util.ts", 1, 15, ""},
			// A null source is still a mapped position, with no source name.
			{2, 3}: {true, true, Pos{2, 3}, "", 1, 15, "café"},
			// Past the last line and negative positions find nothing.
			{3, 0}:  {gen: Pos{}},
			{-1, 0}: {},
			{0, -1}: {},
		})
	})
	t.Run("no fallback to earlier lines", func(t *testing.T) {
		m := mustDecode(t, []byte(`{"version":3,"sources":["a.js"],"names":["foo"],"mappings":"AAAAA;UACA"}`))
		checkLookups(t, m, map[Pos]want{
			{1, 0}:  {},
			{1, 9}:  {},
			{1, 10}: {true, true, Pos{1, 10}, "a.js", 1, 0, ""},
		})
	})
	t.Run("unsorted segments", func(t *testing.T) {
		m := mustDecode(t, readTestdata(t, "unsorted.js.map"))
		checkLookups(t, m, map[Pos]want{
			{0, 0}: {},
			{0, 1}: {},
			// Two segments at column 2: the first in the input wins.
			{0, 2}:  {true, true, Pos{0, 2}, "u.js", 0, 2, "x"},
			{0, 9}:  {true, true, Pos{0, 2}, "u.js", 0, 2, "x"},
			{0, 10}: {true, true, Pos{0, 10}, "u.js", 0, 0, ""},
			{0, 99}: {true, true, Pos{0, 10}, "u.js", 0, 0, ""},
			{1, 5}:  {},
			{2, 1}:  {},
			{2, 2}:  {true, true, Pos{2, 2}, "u.js", 1, 4, ""},
			{2, 14}: {true, true, Pos{2, 2}, "u.js", 1, 4, ""},
			{2, 15}: {true, true, Pos{2, 15}, "u.js", 1, 6, ""},
		})
	})
	t.Run("one-field segments", func(t *testing.T) {
		m := mustDecode(t, readTestdata(t, "prefixed.js.map"))
		checkLookups(t, m, map[Pos]want{
			{0, 0}: {true, false, Pos{0, 0}, "", 0, 0, ""},
			{0, 3}: {true, true, Pos{0, 1}, "p.js", 0, 0, ""},
			{0, 6}: {true, false, Pos{0, 6}, "", 0, 0, ""},
		})
	})
	t.Run("many queries on one line", func(t *testing.T) {
		// 40 queries share a line, more than the linear bucket search handles.
		var sb strings.Builder
		cases := map[Pos]want{}
		for c := range 100 {
			if c > 0 {
				sb.WriteString(",")
			}
			sb.WriteString("EAAC") // +2 columns, +1 original column
		}
		m := mustDecode(t, []byte(`{"version":3,"sources":["s"],"mappings":"`+sb.String()+`"}`))
		for q := range 40 {
			col := q*5 + 1
			seg := (col - 2) / 2 // segment k sits at column 2(k+1)
			if col < 2 {
				cases[Pos{0, col}] = want{}
				continue
			}
			cases[Pos{0, col}] = want{true, true, Pos{0, 2 * (seg + 1)}, "s", 0, seg + 1, ""}
		}
		checkLookups(t, m, cases)
	})
}

func TestLookupFrame(t *testing.T) {
	m := mustDecode(t, readTestdata(t, "basic.js.map"))
	// A stack trace's "app.min.js:1:10" is line 0, column 9.
	o, err := m.LookupFrame(1, 10)
	if err != nil || o.Name != "main" || o.Line != 0 || o.Column != 9 {
		t.Errorf("LookupFrame(1, 10) = %+v, %v", o, err)
	}
	if FramePos(1, 10) != (Pos{0, 9}) {
		t.Errorf("FramePos(1, 10) = %v", FramePos(1, 10))
	}
}

func TestIndexMap(t *testing.T) {
	m := mustDecode(t, readTestdata(t, "index.js.map"))
	if !m.IsIndex() || len(m.Sections()) != 3 || m.Sections()[1].Offset != (Pos{1, 5}) {
		t.Fatalf("sections %+v", m.Sections())
	}
	if m.NumSources() != 2 || m.NumNames() != 2 {
		t.Fatalf("sources %d names %d", m.NumSources(), m.NumNames())
	}
	if n, _ := m.Name(1); n != "b" {
		t.Errorf("Name(1) = %q", n)
	}
	checkLookups(t, m, map[Pos]want{
		{0, 3}: {true, true, Pos{0, 0}, "one.js", 0, 0, "a"},
		// Before section 1's offset, line 1 still belongs to section 0.
		{1, 0}: {true, true, Pos{1, 0}, "one.js", 1, 0, ""},
		{1, 4}: {true, true, Pos{1, 0}, "one.js", 1, 0, ""},
		{1, 5}: {true, true, Pos{1, 5}, "two.js", 0, 0, "b"},
		{1, 7}: {true, true, Pos{1, 5}, "two.js", 0, 0, "b"},
		// The column offset applies to the section's first line only.
		{2, 0}: {true, true, Pos{2, 0}, "two.js", 1, 0, ""},
		{2, 3}: {true, true, Pos{2, 0}, "two.js", 1, 0, ""},
		{3, 1}: {},
		{3, 2}: {true, true, Pos{3, 2}, "two.js", 2, 0, ""},
		// Section 2 is empty; nothing maps past section 1.
		{10, 0}: {},
		{11, 0}: {},
	})
}

func TestIndexMapEarlierSectionOnSameLine(t *testing.T) {
	// Section 1 starts at 0:10 but its first segment is at 0:15. Between
	// them the flattened map's greatest lower bound is section 0's segment.
	m := mustDecode(t, []byte(`{"version":3,"sections":[
		{"offset":{"line":0,"column":0},"map":{"version":3,"sources":["a.js"],"mappings":"AAAA"}},
		{"offset":{"line":0,"column":10},"map":{"version":3,"sources":["b.js"],"mappings":"KAAA"}}]}`))
	checkLookups(t, m, map[Pos]want{
		{0, 12}: {true, true, Pos{0, 0}, "a.js", 0, 0, ""},
		{0, 15}: {true, true, Pos{0, 15}, "b.js", 0, 0, ""},
	})
}

func TestWalk(t *testing.T) {
	m := mustDecode(t, readTestdata(t, "index.js.map"))
	var got []string
	err := m.Walk(func(mp Mapping) error {
		got = append(got, fmt.Sprintf("%d:%d>%d@%d:%d#%d", mp.Generated.Line, mp.Generated.Column, mp.SourceIndex, mp.OriginalLine, mp.OriginalColumn, mp.NameIndex))
		return nil
	})
	want := "0:0>0@0:0#0 1:0>0@1:0#-1 1:5>1@0:0#1 2:0>1@1:0#-1 3:2>1@2:0#-1"
	if err != nil || strings.Join(got, " ") != want {
		t.Errorf("Walk = %v, %v\nwant %s", got, err, want)
	}
	stop := fmt.Errorf("stop")
	if err := m.Walk(func(Mapping) error { return stop }); err != stop {
		t.Errorf("Walk did not return fn's error: %v", err)
	}
}

// randomMappings builds a valid mappings string with unsorted lines, empty
// lines, 1-field segments and duplicate columns.
func randomMappings(rng *rand.Rand, sources, names int) string {
	var b []byte
	var src, line, col, name int64
	lines := 1 + rng.IntN(6)
	for l := range lines {
		if l > 0 {
			b = append(b, ';')
		}
		gen := int64(0)
		for s := range rng.IntN(8) {
			if s > 0 {
				b = append(b, ',')
			}
			next := int64(rng.IntN(20))
			b = appendVLQ(b, next-gen)
			gen = next
			if sources == 0 || rng.IntN(4) == 0 {
				continue
			}
			ns, nl, nc := int64(rng.IntN(sources)), int64(rng.IntN(5)), int64(rng.IntN(30))
			b = appendVLQ(b, ns-src)
			b = appendVLQ(b, nl-line)
			b = appendVLQ(b, nc-col)
			src, line, col = ns, nl, nc
			if names > 0 && rng.IntN(2) == 0 {
				nn := int64(rng.IntN(names))
				b = appendVLQ(b, nn-name)
				name = nn
			}
		}
	}
	return string(b)
}

// jsonList returns a JSON array of n strings prefix0, prefix1, ...
func jsonList(prefix string, n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf("%q", fmt.Sprint(prefix, i))
	}
	return "[" + strings.Join(items, ",") + "]"
}

// TestStreamMatchesIndex compares both lookup modes on random maps, over
// every position in and around the mapped area.
func TestStreamMatchesIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		sources, names := rng.IntN(3), rng.IntN(3)
		var doc string
		srcList, nameList := jsonList("s", sources), jsonList("n", names)
		if i%3 == 0 {
			// An index map of two to four sections built from random maps.
			var secs []string
			line, col := 0, 0
			for range 2 + rng.IntN(3) {
				secs = append(secs, fmt.Sprintf(`{"offset":{"line":%d,"column":%d},"map":{"version":3,"sources":%s,"names":%s,"mappings":%q}}`,
					line, col, srcList, nameList, randomMappings(rng, sources, names)))
				// Leave room for up to 6 lines of 20 columns.
				line += 6 + rng.IntN(2)
				col = rng.IntN(30)
			}
			doc = `{"version":3,"sections":[` + strings.Join(secs, ",") + `]}`
		} else {
			doc = fmt.Sprintf(`{"version":3,"sources":%s,"names":%s,"mappings":%q}`, srcList, nameList, randomMappings(rng, sources, names))
		}
		m, err := Decode([]byte(doc))
		if err != nil {
			t.Fatalf("map %d: %v\n%s", i, err, doc)
		}
		var ps []Pos
		for l := -1; l < 30; l++ {
			for c := -1; c < 55; c++ {
				ps = append(ps, Pos{l, c})
			}
		}
		stream, err := m.streamBatch(ps)
		if err != nil {
			t.Fatal(err)
		}
		for j, p := range ps {
			o, _ := m.Lookup(p.Line, p.Column)
			if o != stream[j] {
				t.Fatalf("map %d at %v: index %+v, stream %+v\n%s", i, p, o, stream[j], doc)
			}
		}
	}
}

func ExampleMap_LookupBatch() {
	m, err := Parse([]byte(`{"version":3,"sources":["src/app.ts"],"names":["main"],
		"sourcesContent":["export function main() {}\n"],"mappings":"AAAA,SAASA"}`))
	if err != nil {
		panic(err)
	}
	// A stack frame "app.min.js:1:12" (1-based, as engines print it).
	res, err := m.LookupBatch([]Pos{FramePos(1, 12)})
	if err != nil {
		panic(err)
	}
	o := res[0]
	content, _ := m.SourceContent(o.SourceIndex)
	fmt.Printf("%s:%d:%d %s\n%s", o.Source, o.Line+1, o.Column+1, o.Name, content)
	// Output:
	// src/app.ts:1:10 main
	// export function main() {}
}

func TestMappingErrorKindString(t *testing.T) {
	if BadFieldCount.String() != "bad-field-count" || MappingErrorKind(99).String() != "MappingErrorKind(99)" {
		t.Error(BadFieldCount.String())
	}
}
