// Package sourcemaps decodes JavaScript source maps (ECMA-426) and maps
// generated positions back to original ones.
//
// Positions inside this package are 0-based lines and 0-based columns, as in
// the source map format. Columns count UTF-16 code units of the generated
// line: converting from byte offsets or runes is the caller's concern.
// Stack traces print 1-based lines and columns; LookupFrame and FramePos
// take those directly.
//
// Decoding is lazy in two ways, because maps are large (tens of MB, mostly
// sourcesContent) and a one-shot lookup must stay cheap:
//
//   - Parse skims the JSON, decodes sources, and only records where each
//     sourcesContent string lies (SourceContent decodes one on demand) and
//     how many names there are (Name decodes one on demand). Large maps have
//     tens of thousands of names and a lookup needs a handful.
//   - Parse does not decode the mappings string. Validate, LookupBatch (one
//     streaming pass, no segment array) and BuildIndex (a compact segment
//     index for many lookups) each decode it with the same strict decoder.
package sourcemaps

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// ErrInvalidMap is wrapped by every error that says the input is not a
// valid source map (JSON syntax, field types, mappings).
var ErrInvalidMap = errors.New("invalid source map")

// ErrClosed is returned when a Map whose file was released by Close is used.
var ErrClosed = errors.New("source map is closed")

// Map is a decoded source map, regular or index. A Map is safe for
// concurrent use, except that Close must not race with other methods.
type Map struct {
	data []byte // the document; sourcesContent spans and mappings point into it

	prefix     string
	file       string
	sourceRoot string
	debugID    string

	// Flattened over all sections for index maps.
	sources    []string // raw entries, "" for null
	nullSource []bool
	resolved   []string // sourceRoot applied
	contents   []contentSpan
	lineIdx    sync.Map // source index -> *lineIndex, built by SourceLines
	ignored    []bool
	ignoreList []int
	nNames     int

	// Regular maps keep names undecoded: namesAt is the offset of the
	// names array, nameOff (built on first use) each name's offset in it.
	namesAt   int
	nameOnce  sync.Once
	nameOff   []uint32
	namesOnce sync.Once
	namesAll  []string

	// Regular maps only.
	mappings []byte

	// Index maps only.
	isIndex  bool
	sections []section

	idxOnce  sync.Once
	idx      []*segIndex // one per section; one for a regular map
	idxErr   error
	idxReady atomic.Bool // set once BuildIndex has succeeded

	release func() error
	closed  bool
}

// contentSpan locates one sourcesContent entry in the document.
type contentSpan struct {
	span
	present bool // false for null or missing entries
}

// section is one entry of an index map, with the bases its sources and
// names have in the flattened lists.
type section struct {
	line, col int
	m         *Map
	srcBase   int
	nameBase  int
}

// Section describes one section of an index map.
type Section struct {
	Offset Pos  // where the section starts in the generated file
	Map    *Map // the embedded regular map
}

// Parse reads a source map document. It validates the JSON and every field
// except the contents of the mappings string and of sourcesContent strings;
// Validate checks those. A leading UTF-8 byte order mark or a ")]}'" line
// (the XSSI guard some servers add) is stripped and reported by Prefix.
//
// The Map keeps data for lazy decoding: data must not be modified while the
// Map is in use.
func Parse(data []byte) (*Map, error) {
	m := &Map{data: data}
	start := 0
	if bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		start = 3
	}
	if bytes.HasPrefix(data[start:], []byte(")]}'")) {
		// The guard line runs to the first newline.
		nl := bytes.IndexByte(data[start:], '\n')
		if nl < 0 {
			nl = len(data) - start - 1
		}
		start += nl + 1
	}
	m.prefix = string(data[:start])
	s := &scanner{d: data, i: start}
	if c := s.peek(); c != '{' {
		return nil, fmt.Errorf("%w: top level is %s, want object", ErrInvalidMap, kindName(c))
	}
	f, err := s.mapObject(m, false)
	if err != nil {
		return nil, err
	}
	if s.peek() != 0 {
		return nil, s.errorf("unexpected %q after the top-level object", s.d[s.i])
	}
	if f.hasSections {
		err = m.finishIndex(f)
	} else {
		err = m.finishRegular(f)
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Decode parses data and builds the lookup index, so the Map is fully
// validated and ready for many fast lookups (the long-lived, cached use).
func Decode(data []byte) (*Map, error) {
	m, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if err := m.BuildIndex(); err != nil {
		return nil, err
	}
	return m, nil
}

// fields collects what the skim found in one map object before the
// cross-field checks run.
type fields struct {
	version        float64
	versionKind    byte // first byte of the version value, 0 if missing
	hasMappings    bool
	mappingsKind   byte
	mappings       span
	hasSources     bool
	hasSections    bool
	ignoreList     []int
	hasIgnoreList  bool
	googleIgnore   []int
	hasGoogle      bool
	googleInvalid  error
	sectionsParsed []section
}

// mapObject consumes a map object, filling m and returning the fields that
// need cross-checks. nested is set for the map of an index-map section.
func (s *scanner) mapObject(m *Map, nested bool) (*fields, error) {
	f := &fields{}
	err := s.object(func(key string) error {
		c := s.peek()
		switch key {
		case "version":
			f.versionKind = c
			if c == '"' || c == '{' || c == '[' || c == 't' || c == 'f' || c == 'n' {
				return s.skip()
			}
			v, err := s.number()
			f.version = v
			return err
		case "file":
			return s.optString(key, &m.file)
		case "sourceRoot":
			return s.optString(key, &m.sourceRoot)
		case "debugId", "debug_id":
			// debugId is the proposal's name; debug_id is Sentry's legacy one.
			var v string
			if err := s.optString(key, &v); err != nil {
				return err
			}
			if key == "debugId" || m.debugID == "" {
				m.debugID = v
			}
			return nil
		case "mappings":
			f.hasMappings = true
			f.mappingsKind = c
			if c != '"' {
				return s.skip()
			}
			sp, err := s.rawString()
			f.mappings = sp
			return err
		case "sources":
			f.hasSources = true
			return s.sourcesArray(m)
		case "sourcesContent":
			return s.contentArray(m)
		case "names":
			return s.namesArray(m)
		case "ignoreList":
			f.hasIgnoreList = true
			var err error
			f.ignoreList, err = s.indexArray(key)
			return err
		case "x_google_ignoreList":
			// Only consulted when ignoreList is absent, so a malformed one
			// is remembered rather than failing the parse straight away.
			f.hasGoogle = true
			var err error
			f.googleIgnore, f.googleInvalid, err = s.indexArrayLenient(key)
			return err
		case "sections":
			if nested {
				return fmt.Errorf("%w: nested index maps are not supported", ErrInvalidMap)
			}
			f.hasSections = true
			var err error
			f.sectionsParsed, err = s.sectionsArray()
			return err
		}
		return s.skip()
	})
	return f, err
}

// optString reads a string field; null counts as absent, other types fail.
func (s *scanner) optString(key string, dst *string) error {
	switch c := s.peek(); c {
	case '"':
		v, err := s.str()
		*dst = v
		return err
	case 'n':
		*dst = ""
		return s.literal("null")
	default:
		return fmt.Errorf("%w: %s: want string, got %s", ErrInvalidMap, key, kindName(c))
	}
}

func (s *scanner) sourcesArray(m *Map) error {
	if c := s.peek(); c != '[' {
		return fmt.Errorf("%w: sources: want array, got %s", ErrInvalidMap, kindName(c))
	}
	m.sources = m.sources[:0]
	m.nullSource = m.nullSource[:0]
	return s.array(func(i int) error {
		switch c := s.peek(); c {
		case '"':
			v, err := s.str()
			m.sources = append(m.sources, v)
			m.nullSource = append(m.nullSource, false)
			return err
		case 'n':
			m.sources = append(m.sources, "")
			m.nullSource = append(m.nullSource, true)
			return s.literal("null")
		default:
			return fmt.Errorf("%w: sources[%d]: want string or null, got %s", ErrInvalidMap, i, kindName(c))
		}
	})
}

func (s *scanner) contentArray(m *Map) error {
	c := s.peek()
	if c == 'n' {
		m.contents = nil
		return s.literal("null")
	}
	if c != '[' {
		return fmt.Errorf("%w: sourcesContent: want array, got %s", ErrInvalidMap, kindName(c))
	}
	m.contents = m.contents[:0]
	return s.array(func(i int) error {
		switch c := s.peek(); c {
		case '"':
			sp, err := s.rawString()
			m.contents = append(m.contents, contentSpan{sp, true})
			return err
		case 'n':
			m.contents = append(m.contents, contentSpan{})
			return s.literal("null")
		default:
			return fmt.Errorf("%w: sourcesContent[%d]: want string or null, got %s", ErrInvalidMap, i, kindName(c))
		}
	})
}

func (s *scanner) namesArray(m *Map) error {
	if c := s.peek(); c != '[' {
		return fmt.Errorf("%w: names: want array, got %s", ErrInvalidMap, kindName(c))
	}
	m.namesAt = s.i
	m.nNames = 0
	return s.array(func(i int) error {
		if c := s.peek(); c != '"' {
			return fmt.Errorf("%w: names[%d]: want string, got %s", ErrInvalidMap, i, kindName(c))
		}
		if s.i-m.namesAt > math.MaxUint32 {
			return fmt.Errorf("%w: names: array larger than 4 GiB", ErrInvalidMap)
		}
		m.nNames++
		_, err := s.rawString()
		return err
	})
}

// buildNameOffsets records where each name starts, for Name.
func (m *Map) buildNameOffsets() {
	off := make([]uint32, 0, m.nNames)
	s := &scanner{d: m.data, i: m.namesAt}
	// The array was fully checked by Parse, so errors cannot happen here.
	_ = s.array(func(int) error {
		s.ws()
		off = append(off, uint32(s.i-m.namesAt))
		_, err := s.rawString()
		return err
	})
	m.nameOff = off
}

// eachName calls fn with the raw contents of every name string.
func (m *Map) eachName(fn func(i int, raw []byte) error) error {
	if m.nNames == 0 {
		return nil
	}
	s := &scanner{d: m.data, i: m.namesAt}
	return s.array(func(i int) error {
		sp, err := s.rawString()
		if err != nil {
			return err
		}
		return fn(i, m.data[sp.start:sp.end])
	})
}

// indexArray reads a list of array indexes (ignoreList).
func (s *scanner) indexArray(key string) ([]int, error) {
	if c := s.peek(); c != '[' {
		return nil, fmt.Errorf("%w: %s: want array, got %s", ErrInvalidMap, key, kindName(c))
	}
	list := []int{}
	err := s.array(func(i int) error {
		c := s.peek()
		if c == '"' || c == '{' || c == '[' || c == 't' || c == 'f' || c == 'n' {
			return fmt.Errorf("%w: %s[%d]: want non-negative integer, got %s", ErrInvalidMap, key, i, kindName(c))
		}
		v, err := s.number()
		if err != nil {
			return err
		}
		if v < 0 || v != math.Trunc(v) || v > math.MaxInt32 {
			return fmt.Errorf("%w: %s[%d]: want non-negative integer, got %v", ErrInvalidMap, key, i, v)
		}
		list = append(list, int(v))
		return nil
	})
	return list, err
}

// indexArrayLenient reads a list like indexArray, but returns a malformed
// list as bad (not err), leaving the scanner after the value; err is only
// for broken JSON.
func (s *scanner) indexArrayLenient(key string) (list []int, bad, err error) {
	start := s.i
	list, bad = s.indexArray(key)
	if bad == nil {
		return list, nil, nil
	}
	// Rewind and skip the value to tell bad content from broken JSON.
	s.i = start
	if err := s.skip(); err != nil {
		return nil, nil, err
	}
	return nil, bad, nil
}

// checkVersion applies the spec's "version must be the number 3".
func (f *fields) checkVersion() error {
	switch {
	case f.versionKind == 0:
		return fmt.Errorf("%w: version: missing", ErrInvalidMap)
	case f.versionKind == '"' || f.versionKind == '{' || f.versionKind == '[' ||
		f.versionKind == 't' || f.versionKind == 'f' || f.versionKind == 'n':
		return fmt.Errorf("%w: version: want 3, got %s", ErrInvalidMap, kindName(f.versionKind))
	case f.version != 3:
		return fmt.Errorf("%w: version: want 3, got %v", ErrInvalidMap, f.version)
	}
	return nil
}

func (m *Map) finishRegular(f *fields) error {
	if err := f.checkVersion(); err != nil {
		return err
	}
	if !f.hasMappings {
		return fmt.Errorf("%w: mappings: missing", ErrInvalidMap)
	}
	if f.mappingsKind != '"' {
		return fmt.Errorf("%w: mappings: want string, got %s", ErrInvalidMap, kindName(f.mappingsKind))
	}
	if !f.hasSources {
		return fmt.Errorf("%w: sources: missing", ErrInvalidMap)
	}
	raw := m.data[f.mappings.start:f.mappings.end]
	if bytes.IndexByte(raw, '\\') >= 0 {
		// Escapes in mappings are legal JSON but rare: copy only then.
		u, err := appendUnescaped(nil, raw)
		if err != nil {
			return fmt.Errorf("%w: mappings: %v", ErrInvalidMap, err)
		}
		raw = u
	}
	m.mappings = raw

	list, hasList := f.ignoreList, f.hasIgnoreList
	if !hasList && f.hasGoogle {
		if f.googleInvalid != nil {
			return f.googleInvalid
		}
		list, hasList = f.googleIgnore, true
	}
	m.ignored = make([]bool, len(m.sources))
	for i, v := range list {
		if v >= len(m.sources) {
			return fmt.Errorf("%w: ignoreList[%d]: source index %d out of range (%d sources)", ErrInvalidMap, i, v, len(m.sources))
		}
		m.ignored[v] = true
	}
	if hasList {
		m.ignoreList = list
	}
	m.resolved = resolveSources(m.sourceRoot, m.sources, m.nullSource)
	// A regular map is handled as an index map with one section at 0:0.
	m.sections = []section{{m: m}}
	return nil
}

// resolveSources prefixes sources with sourceRoot as ECMA-426 does
// (inserting a '/' when the root lacks one). Two deliberate deviations
// follow every mainstream consumer: an empty sourceRoot adds nothing (the
// spec would prefix "/"), and sources that are already absolute URLs
// (with a scheme) are left alone. Resolving against the map's own URL is
// the caller's job, as Map does not know where it was loaded from.
func resolveSources(root string, sources []string, null []bool) []string {
	if root == "" {
		return sources
	}
	prefix := root
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	out := make([]string, len(sources))
	for i, s := range sources {
		switch {
		case null[i]:
		case hasScheme(s):
			out[i] = s
		default:
			out[i] = prefix + s
		}
	}
	return out
}

// hasScheme reports whether s starts with a URL scheme ("https:", "webpack:").
func hasScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case c == ':':
			// One letter before ':' is a Windows drive, not a scheme.
			return i > 1
		default:
			return false
		}
	}
	return false
}

// Prefix returns what Parse stripped before the JSON (a BOM or a ")]}'"
// line), or "".
func (m *Map) Prefix() string { return m.prefix }

// File returns the map's "file" field, or "".
func (m *Map) File() string { return m.file }

// SourceRoot returns the "sourceRoot" field, or "".
func (m *Map) SourceRoot() string { return m.sourceRoot }

// DebugID returns the "debugId" field (or the legacy "debug_id"), unchecked.
// For an index map it is the top-level one; sections carry their own.
func (m *Map) DebugID() string { return m.debugID }

// IsIndex reports whether the map is an index map (has "sections").
func (m *Map) IsIndex() bool { return m.isIndex }

// Sections returns the sections of an index map, or nil for a regular map.
func (m *Map) Sections() []Section {
	if !m.isIndex {
		return nil
	}
	out := make([]Section, len(m.sections))
	for i, s := range m.sections {
		out[i] = Section{Offset: Pos{Line: s.line, Column: s.col}, Map: s.m}
	}
	return out
}

// NumSources returns the number of sources. For an index map the sources of
// all sections are concatenated in section order; Original.SourceIndex
// indexes that list.
func (m *Map) NumSources() int { return len(m.sources) }

// Source returns the raw "sources" entry i; ok is false for a null entry or
// an index out of range.
func (m *Map) Source(i int) (src string, ok bool) {
	if i < 0 || i >= len(m.sources) || m.nullSource[i] {
		return "", false
	}
	return m.sources[i], true
}

// ResolvedSource returns source i with sourceRoot applied (see Original.Source).
func (m *Map) ResolvedSource(i int) (src string, ok bool) {
	if i < 0 || i >= len(m.sources) || m.nullSource[i] {
		return "", false
	}
	return m.resolved[i], true
}

// Ignored reports whether source i is in the ignore list ("ignoreList", or
// "x_google_ignoreList" when that is absent).
func (m *Map) Ignored(i int) bool {
	return i >= 0 && i < len(m.ignored) && m.ignored[i]
}

// IgnoreList returns the ignore list as given (flattened for index maps),
// or nil when the map has none.
func (m *Map) IgnoreList() []int { return m.ignoreList }

// NumNames returns the number of names (over all sections of an index map).
func (m *Map) NumNames() int { return m.nNames }

// Name decodes name i (a map-wide index, as in Mapping.NameIndex). ok is
// false when i is out of range, the string is malformed, or after Close.
func (m *Map) Name(i int) (name string, ok bool) {
	if m.closed || i < 0 || i >= m.nNames {
		return "", false
	}
	if m.isIndex {
		k := sort.Search(len(m.sections), func(k int) bool { return m.sections[k].nameBase > i }) - 1
		s := m.sections[k]
		return s.m.Name(i - s.nameBase)
	}
	m.nameOnce.Do(m.buildNameOffsets)
	s := &scanner{d: m.data, i: m.namesAt + int(m.nameOff[i])}
	sp, err := s.rawString()
	if err != nil {
		return "", false
	}
	v, err := decodeString(m.data[sp.start:sp.end])
	return v, err == nil
}

// Names decodes and returns all names (flattened over sections for index
// maps). The result is cached and shared: do not modify it. Malformed
// names (Validate reports them) come back as "".
func (m *Map) Names() []string {
	m.namesOnce.Do(func() {
		all := make([]string, m.nNames)
		for i := range all {
			all[i], _ = m.Name(i)
		}
		m.namesAll = all
	})
	return m.namesAll
}

// SourceContent decodes the sourcesContent entry of source i. ok is false
// when the entry is null or missing, when the JSON string is malformed
// (Validate reports that), or after Close.
func (m *Map) SourceContent(i int) (content string, ok bool) {
	if m.closed || i < 0 || i >= len(m.contents) || i >= len(m.sources) || !m.contents[i].present {
		return "", false
	}
	sp := m.contents[i].span
	v, err := decodeString(m.data[sp.start:sp.end])
	if err != nil {
		return "", false
	}
	return v, true
}

// HasSourceContent reports whether source i has a non-null sourcesContent
// entry, without decoding it.
func (m *Map) HasSourceContent(i int) bool {
	return i >= 0 && i < len(m.contents) && m.contents[i].present
}

// Validate checks what Parse leaves for later: the whole mappings string
// (a *MappingError on failure), index-map section overlap, and that every
// sourcesContent string is well-formed JSON. It allocates almost nothing.
func (m *Map) Validate() error {
	if m.closed {
		return ErrClosed
	}
	if err := m.forEachSection(nil, nil); err != nil {
		return err
	}
	for k, s := range m.sections {
		err := s.m.eachName(func(i int, raw []byte) error {
			if err := checkString(raw); err != nil {
				return fmt.Errorf("%w: names[%d]: %v", ErrInvalidMap, i, err)
			}
			return nil
		})
		if err != nil {
			return prefixSectionIf(m.isIndex, k, err)
		}
		for i, c := range s.m.contents {
			if !c.present {
				continue
			}
			if err := checkString(m.data[c.start:c.end]); err != nil {
				return prefixSectionIf(m.isIndex, k, fmt.Errorf("%w: sourcesContent[%d]: %v", ErrInvalidMap, i, err))
			}
		}
	}
	return nil
}

// checkString validates the contents of a JSON string without building it.
func checkString(raw []byte) error {
	for i := 0; i < len(raw); {
		k := bytes.IndexByte(raw[i:], '\\')
		end := len(raw)
		if k >= 0 {
			end = i + k
		}
		for _, c := range raw[i:end] {
			if c < 0x20 {
				return fmt.Errorf("control character %#x in string", c)
			}
		}
		if k < 0 {
			return nil
		}
		i = end
		if i+1 >= len(raw) {
			return fmt.Errorf("string ends in a backslash")
		}
		switch raw[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if _, ok := hex4(raw, i+2); !ok {
				return fmt.Errorf("bad \\u escape")
			}
			i += 6
		default:
			return fmt.Errorf("bad escape \\%c", raw[i+1])
		}
	}
	return nil
}

// Close releases the file behind a Map returned by Open. Afterwards only the
// decoded fields (File, sources, ignore list, names cached by an earlier
// Names call) and, if it was built, the lookup index remain usable: Name,
// SourceContent, Validate, Walk and streaming lookups need the file. On a
// Map from Parse, Close only marks it closed.
func (m *Map) Close() error {
	if m.closed {
		return nil
	}
	m.closed = true
	rel := m.release
	m.release = nil
	m.data = nil
	m.mappings = nil
	for _, s := range m.sections {
		s.m.closed = true
		s.m.data = nil
		s.m.mappings = nil
	}
	if rel != nil {
		return rel()
	}
	return nil
}
