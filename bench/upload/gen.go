package main

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// The generated dist folder: files/2 minified JS files, each with a
// sourcemap whose named segments land on the identifiers of the JS (so the
// pairs pass validation), sourcesContent that reads like code (so it
// compresses like code), a debug ID in both, and map sizes spread from a few
// KB to several MB, adding up to about totalMaps bytes. The same seed gives
// the same bytes.

var words = strings.Fields(`account active add address admin after amount api apply array async
	auth batch before bind block body buffer build button cache call cancel card cart change check
	child class clear click client close code column commit compute config connect context count
	create current data date debug decode default delete detail diff dispatch document done draft
	edit element emit empty encode entry error event export fetch field file filter find first
	flush focus form format frame from handle hash header height hidden history hook icon index
	init input item key label last layout length limit line list load local lock log map match
	merge message meta mode model mount name next node notify number object offset open option
	order owner page panel params parse patch path payload pending price print profile prompt
	props query queue range read record reduce ref refresh region remove render request reset
	resolve response result retry route row save scroll search select send session set shape
	show size slice sort source start state status step store stream style submit sync table tag
	target task text theme time title toggle token total track update upload user value view
	visible wait width window worker write`)

type genFile struct {
	rel  string // slash path under the dist folder
	data []byte
}

// generateDist writes the folder and returns its total size and the size of
// its maps.
func generateDist(dir string, files int, totalMaps int64, seed uint64) (total, maps int64, err error) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	pairs := files / 2
	// Log-uniform weights: many small chunks, a few large ones, as bundlers
	// split apps.
	weights := make([]float64, pairs)
	var sum float64
	for i := range weights {
		weights[i] = pow2(rng.Float64() * 10)
		sum += weights[i]
	}
	for i := 0; i < pairs; i++ {
		target := int64(weights[i] / sum * float64(totalMaps))
		dirName := []string{"static/js", "static/chunks", "assets", "static/chunks/pages"}[i%4]
		name := fmt.Sprintf("%s/%s-%s.%08x.js", dirName, words[rng.IntN(len(words))], words[rng.IntN(len(words))], rng.Uint32())
		js, sm := generatePair(rng, name, max(target, 2<<10))
		for _, f := range []genFile{{name, js}, {name + ".map", sm}} {
			p := filepath.Join(dir, filepath.FromSlash(f.rel))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return 0, 0, err
			}
			if err := os.WriteFile(p, f.data, 0o644); err != nil {
				return 0, 0, err
			}
			total += int64(len(f.data))
		}
		maps += int64(len(sm))
	}
	return total, maps, nil
}

func pow2(x float64) float64 {
	r := 1.0
	for ; x >= 1; x-- {
		r *= 2
	}
	return r * (1 + x)
}

type segment struct {
	genCol, src, line, col, name int // name -1 for none
}

// generatePair builds one minified file and its map, the map about
// mapSize bytes.
func generatePair(rng *rand.Rand, name string, mapSize int64) (js, sm []byte) {
	var (
		sources  []string
		contents []string
		names    []string
		nameIdx  = map[string]int{}
		lines    [][]segment
		out      bytes.Buffer
		cur      []segment
		lineLen  int
		approx   int64
	)
	intern := func(n string) int {
		if i, ok := nameIdx[n]; ok {
			return i
		}
		nameIdx[n] = len(names)
		names = append(names, n)
		return len(names) - 1
	}
	short := func(i int) string { // a, b, ..., z, a0, b0, ...
		s := string(rune('a' + i%26))
		if i >= 26 {
			s += fmt.Sprint(i / 26)
		}
		return s
	}
	ident := func() string {
		w := words[rng.IntN(len(words))]
		return w + strings.ToUpper(words[rng.IntN(len(words))][:1]) + words[rng.IntN(len(words))][1:]
	}
	for approx < mapSize {
		src := len(sources)
		sources = append(sources, fmt.Sprintf("webpack://app/./src/%s/%s.ts", words[rng.IntN(len(words))], ident()))
		var text strings.Builder
		line := 0
		fns := 5 + rng.IntN(40)
		for f := 0; f < fns; f++ {
			fn := ident()
			params := []string{ident(), ident()}
			local := ident()
			// Original:
			//   export function fn(p0, p1) {
			//     const local = p0 * p1.length + N;
			//     if (local > M) { return local; }
			//     return p0;
			//   }
			fmt.Fprintf(&text, "/**\n * %s %s the %s.\n */\n", strings.ToUpper(fn[:1])+fn[1:], words[rng.IntN(len(words))], words[rng.IntN(len(words))])
			line += 3
			fnLine := line
			fmt.Fprintf(&text, "export function %s(%s, %s) {\n", fn, params[0], params[1])
			n, m := rng.IntN(1000), rng.IntN(5000)
			fmt.Fprintf(&text, "  const %s = %s * %s.length + %d;\n", local, params[0], params[1], n)
			fmt.Fprintf(&text, "  if (%s > %d) {\n    return %s;\n  }\n  return %s;\n}\n\n", local, m, local, params[0])
			line += 7

			// Minified: function a(b,c){const d=b*c.length+N;return d>M?d:b}
			k := len(cur)
			fnShort, p0, p1, l := short(k%700), short((k+1)%700), short((k+2)%700), short((k+3)%700)
			start := lineLen
			code := fmt.Sprintf("function %s(%s,%s){const %s=%s*%s.length+%d;return %s>%d?%s:%s}", fnShort, p0, p1, l, p0, p1, n, l, m, l, p0)
			col := func(s string, from int) int { return start + strings.Index(code[from:], s) + from }
			cur = append(cur,
				segment{start, src, fnLine, 0, -1},
				segment{col(fnShort+"(", 9), src, fnLine, 16, intern(fn)},
				segment{col(p0+",", 9), src, fnLine, 17 + len(fn), intern(params[0])},
				segment{col(","+p1, 9) + 1, src, fnLine, 19 + len(fn) + len(params[0]), intern(params[1])},
				segment{col("const ", 0) + 6, src, fnLine + 1, 8, intern(local)},
				segment{col("return ", 0), src, fnLine + 2, 4, -1},
			)
			out.WriteString(code)
			lineLen += len(code)
			if lineLen > 4000 {
				out.WriteByte('\n')
				lines = append(lines, cur)
				cur, lineLen = nil, 0
			} else {
				out.WriteByte(';')
				lineLen++
			}
		}
		contents = append(contents, text.String())
		approx += int64(text.Len()) + int64(text.Len()/8) + int64(fns*40)
	}
	if len(cur) > 0 {
		lines = append(lines, cur)
		out.WriteByte('\n')
	}
	// Debug IDs as inject derives them: from the content.
	sum := sha1.Sum(append(out.Bytes(), []byte(name)...))
	sum[6] = sum[6]&0x0f | 0x50
	sum[8] = sum[8]&0x3f | 0x80
	id := fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	base := name[strings.LastIndexByte(name, '/')+1:]
	fmt.Fprintf(&out, "//# debugId=%s\n//# sourceMappingURL=%s.map\n", id, base)

	m := map[string]any{
		"version":        3,
		"file":           base,
		"sources":        sources,
		"sourcesContent": contents,
		"names":          names,
		"mappings":       encodeMappings(lines),
		"debugId":        id,
	}
	sm, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return out.Bytes(), sm
}

func encodeMappings(lines [][]segment) string {
	var b strings.Builder
	var src, line, col, name int
	for i, segs := range lines {
		if i > 0 {
			b.WriteByte(';')
		}
		gen := 0
		for j, s := range segs {
			if j > 0 {
				b.WriteByte(',')
			}
			vlq(&b, s.genCol-gen)
			gen = s.genCol
			vlq(&b, s.src-src)
			src = s.src
			vlq(&b, s.line-line)
			line = s.line
			vlq(&b, s.col-col)
			col = s.col
			if s.name >= 0 {
				vlq(&b, s.name-name)
				name = s.name
			}
		}
	}
	return b.String()
}

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func vlq(b *strings.Builder, v int) {
	u := v << 1
	if v < 0 {
		u = -v<<1 | 1
	}
	for {
		d := u & 31
		u >>= 5
		if u > 0 {
			d |= 32
		}
		b.WriteByte(b64[d])
		if u == 0 {
			return
		}
	}
}
