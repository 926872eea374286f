package sourcemaps

import (
	"bytes"
	"fmt"
	"math"
)

// MappingErrorKind classifies what is wrong with a mappings string, so that
// a validator can group or explain errors without parsing messages.
type MappingErrorKind int

// The kinds of mapping errors. Each one makes a map invalid under ECMA-426
// and the tc39 conformance suite.
const (
	BadCharacter     MappingErrorKind = iota + 1 // not a base64 digit, ',' or ';'
	TruncatedVLQ                                 // a continuation digit with nothing after it
	BadFieldCount                                // a segment with 0, 2, 3 or 6+ fields
	NegativeValue                                // an absolute column, index or line below zero
	ValueTooLarge                                // a VLQ or absolute value beyond 32 bits
	SourceOutOfRange                             // source index >= len(sources)
	NameOutOfRange                               // name index >= len(names)
	SectionOverlap                               // index map: a section starts before the previous one's last mapping
)

var kindNames = [...]string{
	BadCharacter:     "bad-character",
	TruncatedVLQ:     "truncated-vlq",
	BadFieldCount:    "bad-field-count",
	NegativeValue:    "negative-value",
	ValueTooLarge:    "value-too-large",
	SourceOutOfRange: "source-out-of-range",
	NameOutOfRange:   "name-out-of-range",
	SectionOverlap:   "section-overlap",
}

// String returns a stable, machine-friendly name such as "bad-field-count".
func (k MappingErrorKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("MappingErrorKind(%d)", int(k))
}

// MappingError reports an invalid mappings string and where the problem is.
// Line and Segment are 1-based, as an editor shows them (the map's own
// generated lines are 0-based, so Line is that index + 1). Offset is the
// 0-based byte offset in the mappings string (after JSON unescaping).
// Section is the index-map section the mappings belong to, or -1.
type MappingError struct {
	Section int
	Line    int
	Segment int
	Offset  int
	Kind    MappingErrorKind
	Detail  string
}

func (e *MappingError) Error() string {
	field := "mappings"
	if e.Section >= 0 {
		field = fmt.Sprintf("sections[%d].map.mappings", e.Section)
	}
	if e.Kind == SectionOverlap {
		return fmt.Sprintf("%s: %s", field, e.Detail)
	}
	return fmt.Sprintf("%s: line %d, segment %d (offset %d): %s", field, e.Line, e.Segment, e.Offset, e.Detail)
}

// Unwrap makes errors.Is(err, ErrInvalidMap) hold for mapping errors.
func (e *MappingError) Unwrap() error { return ErrInvalidMap }

// vlqDigit maps a byte to its base64 value (0..63), or to one of the marks
// below. One table lookup both validates and decodes a digit.
var vlqDigit = func() (t [256]uint8) {
	for i := range t {
		t[i] = badDigit
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = uint8(i)
	}
	t[','] = commaDigit
	t[';'] = semiDigit
	return t
}()

const (
	commaDigit = 64
	semiDigit  = 65
	badDigit   = 255
)

// minInt32 is what a lone "negative zero" digit decodes to: ECMA-426 gives
// that bit pattern the value -2^31 rather than 0, so it can never produce a
// valid absolute value.
const minInt32 = math.MinInt32

// DecodeVLQ decodes one base64 VLQ value at the start of s and returns it
// with the number of bytes it used. It applies the spec's 32-bit limit
// (sign bit included) and reads "B" (negative zero) as -2^31, as ECMA-426
// does.
func DecodeVLQ(s []byte) (value int64, n int, err error) {
	if len(s) == 0 {
		return 0, 0, fmt.Errorf("%w: empty VLQ", ErrInvalidMap)
	}
	v, j, kind := readVLQSlow(s, 0)
	if kind != 0 {
		return 0, j, fmt.Errorf("%w: %s", ErrInvalidMap, vlqKindText(kind, s, j))
	}
	return v, j, nil
}

// readVLQSlow decodes the VLQ at m[i], any length. On success kind is 0
// and j is the index after the value; otherwise j is the offset of the
// offending byte.
func readVLQSlow(m []byte, i int) (int64, int, MappingErrorKind) {
	var u uint64
	shift := uint(0)
	for {
		if i >= len(m) {
			return 0, i, TruncatedVLQ
		}
		d := vlqDigit[m[i]]
		if d >= 64 {
			if d == badDigit {
				return 0, i, BadCharacter
			}
			// ',' or ';' where a digit must follow a continuation.
			return 0, i, TruncatedVLQ
		}
		val := uint64(d & 31)
		if val != 0 {
			// Zero digits may run on forever (the suite has such a value);
			// only set bits past 32 overflow.
			if shift >= 32 {
				return 0, i, ValueTooLarge
			}
			u |= val << shift
		}
		i++
		if d < 32 {
			break
		}
		shift += 5
	}
	if u >= 1<<32 {
		return 0, i - 1, ValueTooLarge
	}
	v := int64(u >> 1)
	if u&1 != 0 {
		v = -v
		if v == 0 {
			v = minInt32
		}
	}
	return v, i, 0
}

func vlqKindText(kind MappingErrorKind, m []byte, j int) string {
	switch kind {
	case BadCharacter:
		return fmt.Sprintf("invalid base64 VLQ character %q", m[j])
	case TruncatedVLQ:
		return "VLQ value ends inside a continuation"
	case ValueTooLarge:
		return "VLQ value exceeds 32 bits"
	}
	return "invalid VLQ"
}

// segReader walks a mappings string one segment at a time, validating it
// strictly. It is the single decoder behind validation, the index build and
// the streaming lookup, so all three agree by construction.
type segReader struct {
	m         []byte
	i         int
	line      int // 0-based generated line of the current segment
	lineStart int // offset where that line begins
	segStart  int // offset where the current segment begins

	// Absolute state after the current segment. 64-bit so that adding a
	// 32-bit delta can be range-checked before it wraps.
	col, src, oline, ocol, name int64
	fields                      int // 1, 4 or 5

	nSources, nNames int64
	section          int
	err              *MappingError
}

func newSegReader(mappings []byte, nSources, nNames, section int) segReader {
	return segReader{m: mappings, nSources: int64(nSources), nNames: int64(nNames), section: section}
}

func (r *segReader) fail(kind MappingErrorKind, at int, detail string) bool {
	// Segment numbers are counted only on this slow path.
	seg := 1 + bytes.Count(r.m[r.lineStart:r.segStart], []byte{','})
	r.err = &MappingError{Section: r.section, Line: r.line + 1, Segment: seg, Offset: at, Kind: kind, Detail: detail}
	return false
}

func (r *segReader) vlqFail(kind MappingErrorKind, j int) bool {
	return r.fail(kind, j, vlqKindText(kind, r.m, j))
}

// digit1 decodes a single terminal digit (d < 32): about 80% of values in
// real maps. Written to inline into next.
func digit1(d uint8) int64 {
	sign := int64(d & 1)
	v := (int64(d>>1) ^ -sign) + sign
	if d == 1 {
		v = minInt32 // "B", negative zero
	}
	return v
}

// vlq2 decodes a two-digit value at m[i] whose first digit is d; ok is
// false for any other shape, which then takes the general path. Small
// enough to inline, like digit1.
func vlq2(m []byte, i int, d uint8) (v int64, ok bool) {
	if d >= 64 || i+1 >= len(m) {
		return 0, false
	}
	d2 := vlqDigit[m[i+1]]
	if d2 >= 32 {
		return 0, false
	}
	u := int64(d&31) | int64(d2)<<5
	sign := u & 1
	v = ((u >> 1) ^ -sign) + sign
	if u == 1 {
		v = minInt32 // "hA", negative zero
	}
	return v, true
}

// next decodes the next segment. It returns false at the end of the string
// or on error (r.err is then set). The fast paths are spelled out inline:
// this loop is most of the cost of a one-shot lookup.
func (r *segReader) next() bool {
	m := r.m
	i := r.i
	for i < len(m) && m[i] == ';' {
		i++
		r.line++
		r.col = 0
		r.lineStart = i
	}
	if i >= len(m) {
		r.i = i
		return false
	}
	r.segStart = i

	// Field 1: generated column, relative within the line.
	var (
		v int64
		k MappingErrorKind
	)
	if d := vlqDigit[m[i]]; d < 32 {
		v = digit1(d)
		i++
	} else if d == commaDigit {
		return r.fail(BadFieldCount, i, "empty segment (0 fields)")
	} else if w, ok := vlq2(m, i, d); ok {
		v = w
		i += 2
	} else if v, i, k = readVLQSlow(m, i); k != 0 {
		return r.vlqFail(k, i)
	}
	col := r.col + v
	if uint64(col) > math.MaxInt32 {
		return r.rangeFail("generated column", col)
	}
	r.col = col
	r.fields = 1
	if i >= len(m) {
		r.i = i
		return true
	}
	d := vlqDigit[m[i]]
	if d < 64 {
		// Fields 2 to 4 must all be present.
		var src, oline, ocol int64
		if d < 32 {
			src = digit1(d)
			i++
		} else if w, ok := vlq2(m, i, d); ok {
			src = w
			i += 2
		} else if src, i, k = readVLQSlow(m, i); k != 0 {
			return r.vlqFail(k, i)
		}
		if i >= len(m) || vlqDigit[m[i]] >= 64 {
			return r.countFail(i, 2)
		}
		if d = vlqDigit[m[i]]; d < 32 {
			oline = digit1(d)
			i++
		} else if w, ok := vlq2(m, i, d); ok {
			oline = w
			i += 2
		} else if oline, i, k = readVLQSlow(m, i); k != 0 {
			return r.vlqFail(k, i)
		}
		if i >= len(m) || vlqDigit[m[i]] >= 64 {
			return r.countFail(i, 3)
		}
		if d = vlqDigit[m[i]]; d < 32 {
			ocol = digit1(d)
			i++
		} else if w, ok := vlq2(m, i, d); ok {
			ocol = w
			i += 2
		} else if ocol, i, k = readVLQSlow(m, i); k != 0 {
			return r.vlqFail(k, i)
		}
		src += r.src
		oline += r.oline
		ocol += r.ocol
		// One unsigned compare per value catches both negative and too large.
		if uint64(src) >= uint64(r.nSources) || uint64(oline) > math.MaxInt32 || uint64(ocol) > math.MaxInt32 {
			return r.originalFail(src, oline, ocol)
		}
		r.src, r.oline, r.ocol = src, oline, ocol
		r.fields = 4
		if i >= len(m) {
			r.i = i
			return true
		}
		if d = vlqDigit[m[i]]; d < 64 {
			if d < 32 {
				v = digit1(d)
				i++
			} else if w, ok := vlq2(m, i, d); ok {
				v = w
				i += 2
			} else if v, i, k = readVLQSlow(m, i); k != 0 {
				return r.vlqFail(k, i)
			}
			name := r.name + v
			if uint64(name) >= uint64(r.nNames) {
				if name < 0 {
					return r.fail(NegativeValue, r.segStart, fmt.Sprintf("name index %d is negative", name))
				}
				return r.fail(NameOutOfRange, r.segStart, fmt.Sprintf("name index %d out of range (%d names)", name, r.nNames))
			}
			r.name = name
			r.fields = 5
			if i >= len(m) {
				r.i = i
				return true
			}
			d = vlqDigit[m[i]]
		}
	}
	// The segment ends here: a ',' must be followed by another segment.
	switch d {
	case semiDigit:
	case commaDigit:
		i++
		if i >= len(m) || m[i] == ',' || m[i] == ';' {
			r.segStart = i
			return r.fail(BadFieldCount, i, "empty segment (0 fields)")
		}
	case badDigit:
		return r.vlqFail(BadCharacter, i)
	default:
		return r.fail(BadFieldCount, r.segStart, "segment has more than 5 fields (want 1, 4 or 5)")
	}
	r.i = i
	return true
}

// countFail reports a segment cut short after n fields, or the bad
// character that cut it.
func (r *segReader) countFail(i, n int) bool {
	if i < len(r.m) && vlqDigit[r.m[i]] == badDigit {
		return r.vlqFail(BadCharacter, i)
	}
	return r.fail(BadFieldCount, r.segStart, fmt.Sprintf("segment has %d fields (want 1, 4 or 5)", n))
}

func (r *segReader) originalFail(src, oline, ocol int64) bool {
	switch {
	case src < 0:
		return r.fail(NegativeValue, r.segStart, fmt.Sprintf("source index %d is negative", src))
	case src >= r.nSources:
		return r.fail(SourceOutOfRange, r.segStart, fmt.Sprintf("source index %d out of range (%d sources)", src, r.nSources))
	case uint64(oline) > math.MaxInt32:
		return r.rangeFail("original line", oline)
	}
	return r.rangeFail("original column", ocol)
}

func (r *segReader) rangeFail(what string, v int64) bool {
	if v < 0 {
		return r.fail(NegativeValue, r.segStart, fmt.Sprintf("%s %d is negative", what, v))
	}
	return r.fail(ValueTooLarge, r.segStart, fmt.Sprintf("%s %d exceeds 32 bits", what, v))
}
