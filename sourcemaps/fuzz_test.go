package sourcemaps

import (
	"os"
	"path/filepath"
	"testing"

	gosourcemap "github.com/go-sourcemap/sourcemap"
)

// addSeeds seeds a fuzz corpus with the handcrafted maps in testdata.
func addSeeds(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.map"))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"version":3,"sources":["a"],"names":["n"],"mappings":"AAAAA,CAAC;;gBAAgB,A"}`))
}

// probePositions picks positions worth looking up: around every segment
// Walk reports (bounded), plus a few fixed ones.
func probePositions(m *Map) []Pos {
	ps := []Pos{{0, 0}, {0, 1 << 20}, {1, 0}, {-1, 0}, {3, 7}}
	_ = m.Walk(func(mp Mapping) error {
		g := mp.Generated
		ps = append(ps, g, Pos{g.Line, g.Column + 1}, Pos{g.Line, g.Column - 1}, Pos{g.Line + 1, g.Column})
		if len(ps) > 400 {
			return errStop
		}
		return nil
	})
	return ps
}

var errStop = os.ErrDeadlineExceeded // any sentinel; only used to end Walk early

// FuzzDecode feeds arbitrary bytes through every entry point: nothing may
// panic, validation by streaming and by indexing must agree, and so must
// lookups in both modes.
func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		for i := -1; i <= m.NumSources(); i++ {
			m.Source(i)
			m.ResolvedSource(i)
			m.SourceContent(i)
			m.Ignored(i)
		}
		for i := -1; i <= m.NumNames() && i < 100; i++ {
			m.Name(i)
		}
		m.Names()
		m.Sections()
		verr := m.Validate()
		ps := probePositions(m)
		stream, serr := m.streamBatch(ps)
		ierr := m.BuildIndex()
		if (serr == nil) != (ierr == nil) {
			t.Fatalf("stream error %v, index error %v", serr, ierr)
		}
		if ierr != nil {
			if verr == nil {
				t.Fatalf("Validate passed but the index build failed: %v", ierr)
			}
			return
		}
		for i, p := range ps {
			o, err := m.Lookup(p.Line, p.Column)
			if err != nil {
				t.Fatal(err)
			}
			if o != stream[i] {
				t.Fatalf("at %v: index %+v, stream %+v", p, o, stream[i])
			}
			if o.Mapped && (o.SourceIndex < 0 || o.SourceIndex >= m.NumSources()) {
				t.Fatalf("at %v: source index %d of %d", p, o.SourceIndex, m.NumSources())
			}
		}
	})
}

// FuzzCompareGoSourcemap checks this engine against go-sourcemap on maps
// both accept, only where their semantics agree: regular maps, positions
// whose greatest lower bound on the same line is a 4- or 5-field segment,
// in lines that are sorted and have no duplicate columns. Elsewhere
// go-sourcemap knowingly differs (earlier-line fallback, 1-field segments
// reported as mapped, no sorting, index-map column offsets).
func FuzzCompareGoSourcemap(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil || m.IsIndex() || m.Validate() != nil {
			return
		}
		c, ok := parseGoSourcemap(data)
		if !ok {
			return
		}
		// Lines where go-sourcemap's order can differ from the sorted one.
		unusual := map[int]bool{}
		lastCol := map[int]int{}
		_ = m.Walk(func(mp Mapping) error {
			g := mp.Generated
			if prev, seen := lastCol[g.Line]; seen && g.Column <= prev {
				unusual[g.Line] = true
			}
			lastCol[g.Line] = g.Column
			return nil
		})
		for _, p := range probePositions(m) {
			o, _ := m.Lookup(p.Line, p.Column)
			if !o.Mapped || unusual[p.Line] || p.Column < 0 {
				continue
			}
			src, name, line, col, ok := goSource(c, p)
			if !ok {
				t.Fatalf("at %v: go-sourcemap unmapped, this engine %+v", p, o)
			}
			if line-1 != o.Line || col != o.Column || name != o.Name {
				t.Fatalf("at %v: go-sourcemap %q %d:%d %q, this engine %+v", p, src, line-1, col, name, o)
			}
			if raw, ok := m.Source(o.SourceIndex); ok && m.SourceRoot() == "" && filepath.Clean(raw) == raw && src != raw {
				t.Fatalf("at %v: go-sourcemap source %q, this engine %q", p, src, raw)
			}
		}
	})
}

// parseGoSourcemap parses with go-sourcemap, turning its panics into a
// rejection.
func parseGoSourcemap(data []byte) (c *gosourcemap.Consumer, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	c, err := gosourcemap.Parse("", data)
	return c, err == nil
}

func goSource(c *gosourcemap.Consumer, p Pos) (src, name string, line, col int, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return c.Source(p.Line+1, p.Column)
}
