package sourcemaps

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	gosourcemap "github.com/go-sourcemap/sourcemap"
)

// largeMapSpec shapes a synthetic map like the 43.7 MB esbuild bundle the
// performance target is about: ~2.1 M segments, ~13 MB of mappings and
// ~28 MB of sourcesContent over ~2,300 sources.
type largeMapSpec struct {
	sources     int
	contentSize int // bytes of original text per source
	names       int
	lines       int
	segments    int
}

var hugeSpec = largeMapSpec{sources: 2300, contentSize: 11500, names: 71000, lines: 6400, segments: 2_100_000}

// appendVLQ encodes v as a base64 VLQ (test helper; the package only decodes).
func appendVLQ(b []byte, v int64) []byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	u := uint64(v) << 1
	if v < 0 {
		u = uint64(-v)<<1 | 1
	}
	for {
		d := u & 31
		u >>= 5
		if u != 0 {
			d |= 32
		}
		b = append(b, alphabet[d])
		if u == 0 {
			return b
		}
	}
}

// writeLargeMap writes a deterministic synthetic map and returns the
// generated positions of a few segments (for realistic stack frames).
func writeLargeMap(w io.Writer, spec largeMapSpec) ([]Pos, error) {
	rng := rand.New(rand.NewPCG(42, 4242))
	bw := bufio.NewWriterSize(w, 1<<20)
	q := func(s string) string {
		b, _ := json.Marshal(s)
		return string(b)
	}
	fmt.Fprintf(bw, "{\"version\":3,\"file\":\"huge.min.js\",\"sources\":[")
	for i := range spec.sources {
		if i > 0 {
			bw.WriteByte(',')
		}
		fmt.Fprintf(bw, "%q", fmt.Sprintf("webpack://app/./src/pkg%d/module_%d.ts", i/40, i))
	}
	bw.WriteString("],\"sourcesContent\":[")
	words := []string{"const", "let", "function", "return", "if", "else", "await", "async", "this", "value",
		"\"str\"", "'x'", "=>", "{", "}", "(", ")", ";", "\n", "\n  ", "\t", "\\", "é", "→", "😀", "null", "undefined"}
	var sb strings.Builder
	for i := range spec.sources {
		if i > 0 {
			bw.WriteByte(',')
		}
		sb.Reset()
		for sb.Len() < spec.contentSize {
			sb.WriteString(words[rng.IntN(len(words))])
			sb.WriteByte(' ')
		}
		bw.WriteString(q(sb.String()))
	}
	bw.WriteString("],\"names\":[")
	for i := range spec.names {
		if i > 0 {
			bw.WriteByte(',')
		}
		fmt.Fprintf(bw, "\"n%s%d\"", string(rune('a'+i%26)), i)
	}
	bw.WriteString("],\"mappings\":\"")
	// Segments per line vary widely, as in bundles: most lines are short,
	// a few minified lines hold most segments.
	perLine := make([]int, spec.lines)
	left := spec.segments
	for l := range perLine {
		n := 1 + rng.IntN(40)
		if rng.IntN(100) == 0 {
			n = spec.segments / 100
		}
		perLine[l] = min(n, left)
		left -= perLine[l]
	}
	perLine[spec.lines/2] += left
	var (
		src, oline, ocol, name int64
		frames                 []Pos
		buf                    []byte
	)
	for l, n := range perLine {
		if l > 0 {
			buf = append(buf, ';')
		}
		col := int64(0)
		for s := range n {
			if s > 0 {
				buf = append(buf, ',')
			}
			d := int64(1 + rng.IntN(12))
			buf = appendVLQ(buf, d)
			col += d
			if rng.IntN(500) == 0 {
				continue // an unmapped 1-field segment
			}
			ds := int64(0)
			if rng.IntN(200) == 0 {
				ds = rng.Int64N(int64(spec.sources)) - src
			}
			src += ds
			dl := int64(rng.IntN(4))
			if rng.IntN(3) == 0 {
				dl = -min(oline, int64(rng.IntN(3)))
			}
			oline += dl
			dc := int64(rng.IntN(30)) - 12
			if ocol+dc < 0 {
				dc = -ocol
			}
			ocol += dc
			buf = appendVLQ(buf, ds)
			buf = appendVLQ(buf, dl)
			buf = appendVLQ(buf, dc)
			if rng.IntN(3) == 0 {
				dn := rng.Int64N(int64(spec.names)) - name
				name += dn
				buf = appendVLQ(buf, dn)
			}
			if len(frames) < 64 && rng.IntN(spec.segments/64+1) == 0 {
				frames = append(frames, Pos{l, int(col) + 1})
			}
		}
		if len(buf) > 1<<16 {
			bw.Write(buf)
			buf = buf[:0]
		}
	}
	bw.Write(buf)
	bw.WriteString("\"}\n")
	return frames, bw.Flush()
}

// TestWriteLargeMap writes the synthetic map to $SNAG_WRITE_LARGE_MAP, for
// measuring a one-shot program outside the test binary.
func TestWriteLargeMap(t *testing.T) {
	path := os.Getenv("SNAG_WRITE_LARGE_MAP")
	if path == "" {
		t.Skip("set SNAG_WRITE_LARGE_MAP=path to write the synthetic map")
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	frames, err := writeLargeMap(f, hugeSpec)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, p := range frames[:20] {
		fmt.Fprintf(&sb, "%d:%d\n", p.Line+1, p.Column+1)
	}
	if err := os.WriteFile(path+".frames", []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

var (
	largeOnce   sync.Once
	largePath   string
	largeFrames []Pos
	largeErr    error
)

// TestMain removes the synthetic map, which is shared by all benchmarks of
// one run (b.TempDir would regenerate it for each).
func TestMain(m *testing.M) {
	code := m.Run()
	if largePath != "" {
		os.RemoveAll(filepath.Dir(largePath))
	}
	os.Exit(code)
}

// largeMap generates the synthetic map once per test binary run.
func largeMap(b *testing.B) (string, []Pos) {
	b.Helper()
	largeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "snag-sourcemaps-bench")
		if err != nil {
			largeErr = err
			return
		}
		largePath = filepath.Join(dir, "huge.js.map")
		f, err := os.Create(largePath)
		if err != nil {
			largeErr = err
			return
		}
		largeFrames, largeErr = writeLargeMap(f, hugeSpec)
		if cerr := f.Close(); largeErr == nil {
			largeErr = cerr
		}
		largeFrames = largeFrames[:20]
	})
	if largeErr != nil {
		b.Fatal(largeErr)
	}
	return largePath, largeFrames
}

func readLarge(b *testing.B) ([]byte, []Pos) {
	path, frames := largeMap(b)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data, frames
}

// BenchmarkParse is the JSON skim alone: sources and names decoded,
// sourcesContent located but not decoded.
func BenchmarkParse(b *testing.B) {
	data, _ := readLarge(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOneShotStream is the one-shot path: parse plus one streaming
// pass answering 20 frames.
func BenchmarkOneShotStream(b *testing.B) {
	data, frames := readLarge(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		m, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.LookupBatch(frames); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIndexed is the long-lived path: parse, build the index, then 20
// lookups.
func BenchmarkIndexed(b *testing.B) {
	data, frames := readLarge(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		m, err := Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range frames {
			if _, err := m.Lookup(p.Line, p.Column); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkIndexedLookup is one lookup on an already built index.
func BenchmarkIndexedLookup(b *testing.B) {
	data, frames := readLarge(b)
	m, err := Decode(data)
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		p := frames[i%len(frames)]
		i++
		if o, _ := m.Lookup(p.Line, p.Column); !o.Found {
			b.Fatal("not found")
		}
	}
}

// BenchmarkOpenStream is the one-shot path from the file: mmap, parse,
// stream 20 frames, close.
func BenchmarkOpenStream(b *testing.B) {
	path, frames := largeMap(b)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	for b.Loop() {
		m, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.LookupBatch(frames); err != nil {
			b.Fatal(err)
		}
		m.Close()
	}
}

// BenchmarkGoSourcemap is go-sourcemap's Parse plus 20 Source calls on the
// same map, for comparison (it neither validates nor defers sourcesContent).
func BenchmarkGoSourcemap(b *testing.B) {
	data, frames := readLarge(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		c, err := gosourcemap.Parse("", data)
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range frames {
			c.Source(p.Line+1, p.Column)
		}
	}
}

// BenchmarkDecodeMappings is the strict VLQ decode alone (Validate's
// mappings pass); MB/s is over the mappings string only.
func BenchmarkDecodeMappings(b *testing.B) {
	data, _ := readLarge(b)
	m, err := Parse(data)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(m.mappings)))
	for b.Loop() {
		if _, _, err := scanSection(m, -1, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}
