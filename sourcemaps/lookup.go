package sourcemaps

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
)

// Pos is a position in generated code: 0-based line, 0-based column in
// UTF-16 code units.
type Pos struct {
	Line   int
	Column int
}

// FramePos converts the 1-based line and column that stack traces print
// into a Pos.
func FramePos(line, column int) Pos { return Pos{Line: line - 1, Column: column - 1} }

// Original is the answer to a lookup. It follows ECMA-426: the segment used
// is the last one at or before the column on the same generated line (no
// fallback to earlier lines); among segments at the same column the first
// one wins.
type Original struct {
	// Found is true when the line has a segment at or before the column.
	Found bool
	// Mapped is true when that segment has an original position; a 1-field
	// segment marks generated code with no original.
	Mapped bool
	// Generated is where the segment used starts (valid when Found).
	Generated Pos
	// SourceIndex indexes the map's sources, or is -1 when !Mapped.
	SourceIndex int
	// Source is the source with sourceRoot applied; "" for a null entry.
	Source string
	// Line and Column are the 0-based original position (valid when Mapped).
	Line, Column int
	// Name is the segment's name, if it has one (HasName).
	Name    string
	HasName bool
}

// Mapping is one decoded segment, as Walk reports it. Positions are 0-based
// and already include index-map section offsets; indexes are map-wide.
type Mapping struct {
	Generated      Pos
	SourceIndex    int // -1 for a 1-field segment
	OriginalLine   int
	OriginalColumn int
	NameIndex      int // -1 when the segment has no name
}

// segHit is what one section answers for one local position.
type segHit struct {
	found                 bool
	fields                int8
	col, src, oline, ocol int32
	name                  int32
	local                 int32 // local line, to undo the column offset
}

// seg is one decoded segment in the index: 20 bytes, no pointers, so the GC
// never scans the array.
type seg struct {
	col, src, oline, ocol, name int32 // src and name are -1 when absent
}

// segIndex is the indexed form of one regular map: segments sorted by
// column within each line, lines[l]:lines[l+1] being line l.
type segIndex struct {
	lines []uint32
	segs  []seg
}

// subQuery asks one section for the segment at a local position.
type subQuery struct {
	line, col int
	id        int // index into the hits slice
}

// cand is one place an answer can come from, in priority order.
type cand struct {
	sec       int
	line, col int
}

// candidates lists where the answer for p may come from. For a regular map
// that is the map itself. For an index map it is the section containing p
// and, while the line started in a later section, earlier sections whose
// mappings may reach the same line: the flattened map of ECMA-426 would
// find their segments by the same greatest-lower-bound rule.
func (m *Map) candidates(p Pos, out []cand) []cand {
	if !m.isIndex {
		return append(out, cand{0, p.Line, p.Column})
	}
	for k := m.sectionFor(p); k >= 0; k-- {
		s := m.sections[k]
		l, c := p.Line-s.line, p.Column
		if l == 0 {
			c -= s.col
		}
		out = append(out, cand{k, l, c})
		if s.line < p.Line {
			break
		}
	}
	return out
}

// original turns a section's hit into the public answer.
func (m *Map) original(k int, h segHit) Original {
	o := Original{SourceIndex: -1}
	if !h.found {
		return o
	}
	s := m.sections[k]
	o.Found = true
	o.Generated = Pos{Line: int(h.local) + s.line, Column: int(h.col)}
	if h.local == 0 {
		o.Generated.Column += s.col
	}
	if h.fields == 1 {
		return o
	}
	o.Mapped = true
	o.SourceIndex = s.srcBase + int(h.src)
	o.Source = m.resolved[o.SourceIndex]
	o.Line, o.Column = int(h.oline), int(h.ocol)
	if h.fields == 5 {
		o.Name, _ = s.m.Name(int(h.name))
		o.HasName = true
	}
	return o
}

// lastPos tracks the last mapping seen so far, to check that sections do
// not overlap.
type lastPos struct {
	has       bool
	line, col int
}

// checkSection checks section k's offset against the previous sections'
// last mapping and then records section k's own last mapping (local line
// and column; line < 0 when it has none).
func (m *Map) checkSection(k int, prev *lastPos, line, col int) error {
	if !m.isIndex {
		return nil
	}
	s := m.sections[k]
	if prev.has && (s.line < prev.line || s.line == prev.line && s.col <= prev.col) {
		return &MappingError{Section: k, Kind: SectionOverlap,
			Detail: fmt.Sprintf("section offset %d:%d overlaps the previous section, whose last mapping is at %d:%d", s.line, s.col, prev.line, prev.col)}
	}
	if line >= 0 {
		if line == 0 {
			col += s.col
		}
		*prev = lastPos{true, line + s.line, col}
	}
	return nil
}

func (m *Map) secIndex(k int) int {
	if m.isIndex {
		return k
	}
	return -1
}

// forEachSection streams through every section once, validating it and
// answering qs[k] (sorted by line, column) into hits. Both may be nil.
func (m *Map) forEachSection(qs [][]subQuery, hits []segHit) error {
	var prev lastPos
	for k, s := range m.sections {
		var q []subQuery
		if k < len(qs) {
			q = qs[k]
		}
		line, col, err := scanSection(s.m, m.secIndex(k), q, hits)
		if err != nil {
			return err
		}
		if err := m.checkSection(k, &prev, line, col); err != nil {
			return err
		}
	}
	return nil
}

// scanSection decodes one regular map's mappings in a single pass, without
// storing segments, and answers the sorted queries. For each query line it
// keeps one bucket per query: a segment at column c can only be the answer
// for queries at columns >= c, so it goes to the first such query's bucket
// (if it beats what is there), and a prefix maximum over the buckets at the
// end of the line gives every query its greatest lower bound. That is
// O(segments) however many queries share a minified line, and correct for
// unsorted lines too. It returns the last mapping's local position.
func scanSection(sm *Map, secIdx int, qs []subQuery, hits []segHit) (lastLine, lastCol int, err error) {
	if sm.closed {
		return -1, -1, ErrClosed
	}
	r := newSegReader(sm.mappings, len(sm.sources), sm.nNames, secIdx)
	var bucket []segHit
	if len(qs) > 0 {
		bucket = make([]segHit, len(qs))
	}
	finish := func(a, b int) {
		var best segHit
		for j := a; j < b; j++ {
			if h := bucket[j]; h.found && (!best.found || h.col > best.col) {
				best = h
			}
			hits[qs[j].id] = best
		}
	}
	cur, qi, qa, qb := -1, 0, 0, 0
	maxQ := -1
	lastLine, lastCol = -1, -1
	for r.next() {
		if r.line != cur {
			if qa < qb {
				finish(qa, qb)
			}
			cur = r.line
			for qi < len(qs) && qs[qi].line < cur {
				qi++
			}
			qa = qi
			for qi < len(qs) && qs[qi].line == cur {
				qi++
			}
			qb = qi
			maxQ = -1
			if qa < qb {
				maxQ = qs[qb-1].col
			}
			lastLine, lastCol = cur, -1
		}
		col := int(r.col)
		if col > lastCol {
			lastCol = col
		}
		if col <= maxQ {
			k := qa
			if qb-qa > 16 {
				k = qa + sort.Search(qb-qa, func(j int) bool { return qs[qa+j].col >= col })
			} else {
				for qs[k].col < col {
					k++
				}
			}
			if b := &bucket[k]; !b.found || int(b.col) < col {
				*b = r.hit()
			}
		}
	}
	if r.err != nil {
		return -1, -1, r.err
	}
	if qa < qb {
		finish(qa, qb)
	}
	return lastLine, lastCol, nil
}

func (r *segReader) hit() segHit {
	return segHit{found: true, fields: int8(r.fields), col: int32(r.col), src: int32(r.src),
		oline: int32(r.oline), ocol: int32(r.ocol), name: int32(r.name), local: int32(r.line)}
}

// BuildIndex decodes all mappings into a compact sorted index (about 20
// bytes per segment) so that later lookups are binary searches. It runs
// once; later calls return the first result. Lookup calls it on demand.
func (m *Map) BuildIndex() error {
	m.idxOnce.Do(func() {
		var prev lastPos
		idx := make([]*segIndex, len(m.sections))
		for k, s := range m.sections {
			if s.m.closed {
				m.idxErr = ErrClosed
				return
			}
			x, line, col, err := buildSection(s.m, m.secIndex(k))
			if err == nil {
				err = m.checkSection(k, &prev, line, col)
			}
			if err != nil {
				m.idxErr = err
				return
			}
			idx[k] = x
		}
		m.idx = idx
		m.idxReady.Store(true)
	})
	return m.idxErr
}

func buildSection(sm *Map, secIdx int) (x *segIndex, lastLine, lastCol int, err error) {
	mp := sm.mappings
	nLines := bytes.Count(mp, []byte{';'}) + 1
	// An upper bound on the segment count: one per comma plus one per line.
	x = &segIndex{
		lines: make([]uint32, nLines+1),
		segs:  make([]seg, 0, bytes.Count(mp, []byte{','})+nLines),
	}
	r := newSegReader(mp, len(sm.sources), sm.nNames, secIdx)
	cur, start := 0, 0
	sorted := true
	prevCol := int32(-1)
	endLine := func() {
		if !sorted {
			line := x.segs[start:]
			slices.SortStableFunc(line, func(a, b seg) int { return int(a.col - b.col) })
		}
	}
	for r.next() {
		if r.line != cur {
			endLine()
			for l := cur + 1; l <= r.line; l++ {
				x.lines[l] = uint32(len(x.segs))
			}
			cur, start, sorted, prevCol = r.line, len(x.segs), true, -1
		}
		s := seg{col: int32(r.col), src: -1, name: -1}
		if r.fields > 1 {
			s.src, s.oline, s.ocol = int32(r.src), int32(r.oline), int32(r.ocol)
			if r.fields == 5 {
				s.name = int32(r.name)
			}
		}
		if s.col < prevCol {
			sorted = false
		}
		prevCol = s.col
		x.segs = append(x.segs, s)
	}
	if r.err != nil {
		return nil, -1, -1, r.err
	}
	endLine()
	for l := cur + 1; l <= nLines; l++ {
		x.lines[l] = uint32(len(x.segs))
	}
	lastLine, lastCol = -1, -1
	for l := nLines - 1; l >= 0; l-- {
		if a, b := x.lines[l], x.lines[l+1]; a < b {
			lastLine, lastCol = l, int(x.segs[b-1].col)
			break
		}
	}
	return x, lastLine, lastCol, nil
}

// find answers one local position from the index.
func (x *segIndex) find(line, col int) segHit {
	if line < 0 || line+1 >= len(x.lines) || col < 0 {
		return segHit{}
	}
	a, b := int(x.lines[line]), int(x.lines[line+1])
	line32 := x.segs[a:b]
	i := sort.Search(len(line32), func(j int) bool { return int(line32[j].col) > col })
	if i == 0 {
		return segHit{}
	}
	i--
	for i > 0 && line32[i-1].col == line32[i].col {
		i--
	}
	s := line32[i]
	h := segHit{found: true, fields: 1, col: s.col, local: int32(line)}
	if s.src >= 0 {
		h.fields, h.src, h.oline, h.ocol = 4, s.src, s.oline, s.ocol
		if s.name >= 0 {
			h.fields, h.name = 5, s.name
		}
	}
	return h
}

// Lookup maps one generated position (0-based line and column) using the
// index, building it first if needed; the error is the index build's.
func (m *Map) Lookup(line, column int) (Original, error) {
	if err := m.BuildIndex(); err != nil {
		return Original{SourceIndex: -1}, err
	}
	return m.lookupIndexed(Pos{line, column}), nil
}

// LookupFrame is Lookup for the 1-based line and column a stack trace
// prints. The result is 0-based like every Original: print Line+1 and
// Column+1.
func (m *Map) LookupFrame(line, column int) (Original, error) {
	return m.Lookup(line-1, column-1)
}

func (m *Map) lookupIndexed(p Pos) Original {
	var buf [4]cand
	for _, c := range m.candidates(p, buf[:0]) {
		if h := m.idx[c.sec].find(c.line, c.col); h.found {
			return m.original(c.sec, h)
		}
	}
	return Original{SourceIndex: -1}
}

// LookupBatch answers many positions at once. Without an index it makes a
// single streaming pass over the mappings and stores no segments, which is
// the fastest way to answer a stack trace against a large map once; the
// whole mappings string is still validated. With an index (after
// BuildIndex or Lookup) it uses the index. Results are in the order of ps.
func (m *Map) LookupBatch(ps []Pos) ([]Original, error) {
	if m.idxReady.Load() {
		out := make([]Original, len(ps))
		for i, p := range ps {
			out[i] = m.lookupIndexed(p)
		}
		return out, nil
	}
	return m.streamBatch(ps)
}

func (m *Map) streamBatch(ps []Pos) ([]Original, error) {
	// Each position gets a run of candidates; hits are indexed by candidate.
	var cands []cand
	first := make([]int, len(ps)+1)
	for i, p := range ps {
		first[i] = len(cands)
		if p.Line < 0 || p.Column < 0 {
			continue
		}
		cands = m.candidates(p, cands)
	}
	first[len(ps)] = len(cands)
	qs := make([][]subQuery, len(m.sections))
	for id, c := range cands {
		qs[c.sec] = append(qs[c.sec], subQuery{c.line, c.col, id})
	}
	for _, q := range qs {
		slices.SortFunc(q, func(a, b subQuery) int {
			if a.line != b.line {
				return a.line - b.line
			}
			return a.col - b.col
		})
	}
	hits := make([]segHit, len(cands))
	if err := m.forEachSection(qs, hits); err != nil {
		return nil, err
	}
	out := make([]Original, len(ps))
	for i := range ps {
		out[i] = Original{SourceIndex: -1}
		for id := first[i]; id < first[i+1]; id++ {
			if hits[id].found {
				out[i] = m.original(cands[id].sec, hits[id])
				break
			}
		}
	}
	return out, nil
}

// Walk calls fn for every segment in mappings order (not sorted), section by
// section, validating as it goes. It stops at fn's first error and returns
// it, or the first validation error.
func (m *Map) Walk(fn func(Mapping) error) error {
	var prev lastPos
	for k, s := range m.sections {
		sm := s.m
		if sm.closed {
			return ErrClosed
		}
		r := newSegReader(sm.mappings, len(sm.sources), sm.nNames, m.secIndex(k))
		lastLine, lastCol := -1, -1
		for r.next() {
			if r.line != lastLine {
				lastLine, lastCol = r.line, -1
			}
			lastCol = max(lastCol, int(r.col))
			mp := Mapping{Generated: Pos{r.line + s.line, int(r.col)}, SourceIndex: -1, NameIndex: -1}
			if r.line == 0 {
				mp.Generated.Column += s.col
			}
			if r.fields > 1 {
				mp.SourceIndex = s.srcBase + int(r.src)
				mp.OriginalLine, mp.OriginalColumn = int(r.oline), int(r.ocol)
				if r.fields == 5 {
					mp.NameIndex = s.nameBase + int(r.name)
				}
			}
			if err := fn(mp); err != nil {
				return err
			}
		}
		if r.err != nil {
			return r.err
		}
		if err := m.checkSection(k, &prev, lastLine, lastCol); err != nil {
			return err
		}
	}
	return nil
}
