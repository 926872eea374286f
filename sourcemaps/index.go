package sourcemaps

import (
	"fmt"
	"math"
	"sort"
)

// Index maps ("sections") are kept as a list of regular maps with their
// offsets rather than flattened into one mappings list: flattening would
// re-encode everything, while a lookup only needs to pick the section (see
// candidates in lookup.go). Sources, contents and ignore flags are
// flattened and names are numbered map-wide, so indexes in Original and
// Mapping are map-wide.

// sectionsArray consumes the "sections" array of an index map.
func (s *scanner) sectionsArray() ([]section, error) {
	if c := s.peek(); c != '[' {
		return nil, fmt.Errorf("%w: sections: want array, got %s", ErrInvalidMap, kindName(c))
	}
	var out []section
	err := s.array(func(i int) error {
		if c := s.peek(); c != '{' {
			return fmt.Errorf("%w: sections[%d]: want object, got %s", ErrInvalidMap, i, kindName(c))
		}
		var (
			sec               section
			hasOffset, hasMap bool
			hasURL            bool
			line, col         = -1, -1
		)
		err := s.object(func(key string) error {
			c := s.peek()
			switch key {
			case "offset":
				if c != '{' {
					return fmt.Errorf("%w: sections[%d].offset: want object, got %s", ErrInvalidMap, i, kindName(c))
				}
				hasOffset = true
				line, col = -1, -1
				return s.object(func(k string) error {
					switch k {
					case "line":
						v, err := s.offsetNumber(i, k)
						line = v
						return err
					case "column":
						v, err := s.offsetNumber(i, k)
						col = v
						return err
					}
					return s.skip()
				})
			case "map":
				if c != '{' {
					return fmt.Errorf("%w: sections[%d].map: want object, got %s", ErrInvalidMap, i, kindName(c))
				}
				hasMap = true
				sub := &Map{data: s.d}
				f, err := s.mapObject(sub, true)
				if err != nil {
					return prefixSection(err, i)
				}
				if err := sub.finishRegular(f); err != nil {
					return prefixSection(err, i)
				}
				sec.m = sub
				return nil
			case "url":
				hasURL = true
			}
			return s.skip()
		})
		if err != nil {
			return err
		}
		switch {
		case !hasOffset:
			return fmt.Errorf("%w: sections[%d]: offset: missing", ErrInvalidMap, i)
		case line < 0:
			return fmt.Errorf("%w: sections[%d].offset.line: missing", ErrInvalidMap, i)
		case col < 0:
			return fmt.Errorf("%w: sections[%d].offset.column: missing", ErrInvalidMap, i)
		case !hasMap && hasURL:
			// Older revisions allowed a URL to fetch; ECMA-426 dropped it
			// and this package never fetches.
			return fmt.Errorf("%w: sections[%d]: \"url\" sections are not supported, want \"map\"", ErrInvalidMap, i)
		case !hasMap:
			return fmt.Errorf("%w: sections[%d]: map: missing", ErrInvalidMap, i)
		}
		sec.line, sec.col = line, col
		out = append(out, sec)
		return nil
	})
	return out, err
}

// offsetNumber reads offset.line or offset.column: a non-negative integer
// that fits in 32 bits.
func (s *scanner) offsetNumber(sec int, key string) (int, error) {
	c := s.peek()
	if c == '"' || c == '{' || c == '[' || c == 't' || c == 'f' || c == 'n' {
		return 0, fmt.Errorf("%w: sections[%d].offset.%s: want integer, got %s", ErrInvalidMap, sec, key, kindName(c))
	}
	v, err := s.number()
	if err != nil {
		return 0, err
	}
	if v < 0 || v != math.Trunc(v) || v > math.MaxInt32 {
		return 0, fmt.Errorf("%w: sections[%d].offset.%s: want non-negative 32-bit integer, got %v", ErrInvalidMap, sec, key, v)
	}
	return int(v), nil
}

// sectionError prefixes a section's own field errors with its place.
type sectionError struct {
	i   int
	err error
}

func (e *sectionError) Error() string { return fmt.Sprintf("sections[%d].map: %v", e.i, e.err) }
func (e *sectionError) Unwrap() error { return e.err }

func prefixSection(err error, i int) error {
	if err == nil {
		return nil
	}
	return &sectionError{i, err}
}

func prefixSectionIf(index bool, i int, err error) error {
	if !index {
		return err
	}
	return prefixSection(err, i)
}

func (m *Map) finishIndex(f *fields) error {
	if err := f.checkVersion(); err != nil {
		return err
	}
	if f.hasMappings {
		return fmt.Errorf("%w: an index map must not have mappings next to sections", ErrInvalidMap)
	}
	m.isIndex = true
	m.sections = f.sectionsParsed
	// Only version, file and sections mean anything at the top of an index
	// map (sections inherit nothing); drop whatever else the skim kept.
	m.sourceRoot = ""
	m.sources, m.nullSource, m.contents = nil, nil, nil
	m.nNames, m.namesAt = 0, 0
	for k := range m.sections {
		s := &m.sections[k]
		if k > 0 {
			p := m.sections[k-1]
			if s.line < p.line || s.line == p.line && s.col < p.col {
				return fmt.Errorf("%w: sections[%d]: offset %d:%d is before the previous section's %d:%d",
					ErrInvalidMap, k, s.line, s.col, p.line, p.col)
			}
		}
		s.srcBase = len(m.sources)
		s.nameBase = m.nNames
		sub := s.m
		m.sources = append(m.sources, sub.sources...)
		m.nullSource = append(m.nullSource, sub.nullSource...)
		m.resolved = append(m.resolved, sub.resolved...)
		m.ignored = append(m.ignored, sub.ignored...)
		for _, v := range sub.ignoreList {
			m.ignoreList = append(m.ignoreList, s.srcBase+v)
		}
		// contents may be shorter than sources; pad so indexes line up.
		cs := sub.contents
		if len(cs) > len(sub.sources) {
			cs = cs[:len(sub.sources)]
		}
		m.contents = append(m.contents, cs...)
		for range len(sub.sources) - len(cs) {
			m.contents = append(m.contents, contentSpan{})
		}
		m.nNames += sub.nNames
	}
	return nil
}

// sectionFor returns the last section whose offset is at or before p, or -1.
func (m *Map) sectionFor(p Pos) int {
	n := sort.Search(len(m.sections), func(k int) bool {
		s := m.sections[k]
		return s.line > p.Line || s.line == p.Line && s.col > p.Column
	})
	return n - 1
}
