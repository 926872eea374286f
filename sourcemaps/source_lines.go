package sourcemaps

import (
	"bytes"
	"strings"
	"sync"
)

// lineMarkEvery is how often a source's line index remembers an offset. A
// sparse index keeps memory tiny for megabyte sources while later lookups
// in the same source skip straight to a nearby line.
const lineMarkEvery = 128

// lineIndex finds line starts in one source's raw (still JSON-escaped)
// sourcesContent, scanning only as far as it has been asked to.
type lineIndex struct {
	mu    sync.Mutex
	marks []int // marks[k] is where line k*lineMarkEvery starts
	lines int   // the number of lines, once the whole source is scanned
}

// SourceLines returns lines [from, to) (0-based) of source i's
// sourcesContent, decoding only those lines: a bundle's sources can be
// megabytes each and a stack frame needs a handful of lines. It returns
// false when the source has no content; a range past the end is cut short.
func (m *Map) SourceLines(i, from, to int) ([]string, bool) {
	raw, ix, ok := m.sourceRaw(i)
	if !ok {
		return nil, false
	}
	from = max(from, 0)
	if from >= to {
		return nil, true
	}
	start, end, n := ix.span(raw, from, to)
	if n == 0 {
		return nil, true
	}
	text, err := decodeString(raw[start:end])
	if err != nil {
		return nil, false
	}
	lines := strings.Split(text, "\n")
	lines = lines[:min(len(lines), n)]
	for k, l := range lines {
		lines[k] = strings.TrimSuffix(l, "\r")
	}
	return lines, true
}

// NumSourceLines is the number of lines in source i's sourcesContent, 0
// when it has none.
func (m *Map) NumSourceLines(i int) int {
	raw, ix, ok := m.sourceRaw(i)
	if !ok {
		return 0
	}
	_, _, n := ix.span(raw, 0, int(^uint(0)>>1))
	return n
}

func (m *Map) sourceRaw(i int) ([]byte, *lineIndex, bool) {
	if m.closed || i < 0 || i >= len(m.contents) || i >= len(m.sources) || !m.contents[i].present {
		return nil, nil, false
	}
	sp := m.contents[i].span
	v, _ := m.lineIdx.LoadOrStore(i, &lineIndex{marks: []int{0}})
	return m.data[sp.start:sp.end], v.(*lineIndex), true
}

// span returns the raw offsets of lines [from, to) and how many lines that
// is (fewer when the source ends first).
func (ix *lineIndex) span(raw []byte, from, to int) (start, end, n int) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	k := min(from/lineMarkEvery, len(ix.marks)-1)
	line, off := k*lineMarkEvery, ix.marks[k]
	start = -1
	for {
		if line == from {
			start = off
		}
		if line == to {
			return start, off, to - from
		}
		next := nextLine(raw, off)
		if next < 0 {
			// off starts the last line.
			ix.lines = line + 1
			if start < 0 {
				return 0, 0, 0
			}
			return start, len(raw), line + 1 - from
		}
		line, off = line+1, next
		if line%lineMarkEvery == 0 && line/lineMarkEvery == len(ix.marks) {
			ix.marks = append(ix.marks, off)
		}
	}
}

// nextLine returns where the line after the one starting at off begins, or
// -1 at the end. In raw JSON a newline can only appear escaped, as \n or
// \u000a.
func nextLine(raw []byte, off int) int {
	for i := off; ; {
		j := bytes.IndexByte(raw[i:], '\\')
		if j < 0 || i+j+1 >= len(raw) {
			return -1
		}
		i += j
		switch raw[i+1] {
		case 'n':
			return i + 2
		case 'u':
			if i+6 <= len(raw) && bytes.EqualFold(raw[i+2:i+6], []byte("000a")) {
				return i + 6
			}
		}
		i += 2 // \\, \", \/ and the rest: skip the escaped byte
	}
}
