package sourcemaps

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// This file is a small strict JSON reader specialised for source maps. It
// walks the document once, finds string ends with bytes.IndexByte (SIMD in
// the standard library) and never decodes a value the caller did not ask
// for: sourcesContent strings are only located, so a 30 MB map costs a few
// milliseconds to structure instead of a full encoding/json decode.

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 1000

// span is a byte range [start, end) in the input.
type span struct{ start, end int }

type scanner struct {
	d     []byte
	i     int
	depth int
}

func (s *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: JSON offset %d: %s", ErrInvalidMap, s.i, fmt.Sprintf(format, args...))
}

func (s *scanner) ws() {
	for s.i < len(s.d) {
		switch s.d[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end of input.
func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.d) {
		return 0
	}
	return s.d[s.i]
}

func (s *scanner) expect(c byte) error {
	if s.peek() != c {
		return s.unexpected(fmt.Sprintf("%q", c))
	}
	s.i++
	return nil
}

func (s *scanner) unexpected(want string) error {
	if s.i >= len(s.d) {
		return s.errorf("unexpected end of input, want %s", want)
	}
	return s.errorf("unexpected %q, want %s", s.d[s.i], want)
}

// kindName names the JSON type starting with c, for error messages.
func kindName(c byte) string {
	switch c {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case 0:
		return "nothing"
	}
	return "number"
}

// rawString consumes a string and returns the span of its contents, without
// quotes and still escaped. Control characters and escapes are checked only
// when the string is decoded (decodeString), which keeps skipping cheap.
func (s *scanner) rawString() (span, error) {
	if s.peek() != '"' {
		return span{}, s.unexpected("string")
	}
	start := s.i + 1
	i := start
	for {
		k := bytes.IndexByte(s.d[i:], '"')
		if k < 0 {
			s.i = len(s.d)
			return span{}, s.errorf("unterminated string starting at offset %d", start-1)
		}
		j := i + k
		// The quote is escaped when an odd number of backslashes precede it.
		n := 0
		for p := j - 1; p >= start && s.d[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			s.i = j + 1
			return span{start, j}, nil
		}
		i = j + 1
	}
}

// str consumes and decodes a string.
func (s *scanner) str() (string, error) {
	sp, err := s.rawString()
	if err != nil {
		return "", err
	}
	v, err := decodeString(s.d[sp.start:sp.end])
	if err != nil {
		return "", fmt.Errorf("%w: JSON offset %d: %v", ErrInvalidMap, sp.start, err)
	}
	return v, nil
}

// number consumes a JSON number and returns its value.
func (s *scanner) number() (float64, error) {
	s.ws()
	start := s.i
	d := s.d
	i := start
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		s.i = i
		return 0, s.unexpected("value")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			s.i = i
			return 0, s.unexpected("digit")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			s.i = i
			return 0, s.unexpected("digit")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	s.i = i
	// The grammar above is stricter than ParseFloat's, so this only fails
	// on range, where JSON.parse gives ±Infinity.
	f, err := strconv.ParseFloat(string(d[start:i]), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, nil
		}
		return 0, s.errorf("bad number")
	}
	return f, nil
}

func (s *scanner) literal(word string) error {
	if !bytes.HasPrefix(s.d[s.i:], []byte(word)) {
		return s.unexpected("value")
	}
	s.i += len(word)
	return nil
}

// skip consumes any JSON value.
func (s *scanner) skip() error {
	switch c := s.peek(); c {
	case '"':
		_, err := s.rawString()
		return err
	case '{':
		return s.object(func(string) error { return s.skip() })
	case '[':
		return s.array(func(int) error { return s.skip() })
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		_, err := s.number()
		return err
	}
}

// object consumes an object, calling member for each key with the scanner
// positioned at the value; member must consume the value.
func (s *scanner) object(member func(key string) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	s.depth++
	if s.depth > maxDepth {
		return s.errorf("nesting deeper than %d", maxDepth)
	}
	defer func() { s.depth-- }()
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		key, err := s.key()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := member(key); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return nil
		default:
			return s.unexpected("',' or '}'")
		}
	}
}

// key reads an object key; keys without escapes avoid the decoder.
func (s *scanner) key() (string, error) {
	sp, err := s.rawString()
	if err != nil {
		return "", err
	}
	raw := s.d[sp.start:sp.end]
	if bytes.IndexByte(raw, '\\') < 0 && len(raw) < 32 {
		// Known keys are short ASCII; unknown ones are compared, never kept,
		// so the copy here is small.
		if validPlain(raw) {
			return string(raw), nil
		}
	}
	v, err := decodeString(raw)
	if err != nil {
		return "", fmt.Errorf("%w: JSON offset %d: %v", ErrInvalidMap, sp.start, err)
	}
	return v, nil
}

// array consumes an array, calling elem with the scanner at each element.
func (s *scanner) array(elem func(i int) error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	s.depth++
	if s.depth > maxDepth {
		return s.errorf("nesting deeper than %d", maxDepth)
	}
	defer func() { s.depth-- }()
	if s.peek() == ']' {
		s.i++
		return nil
	}
	for n := 0; ; n++ {
		if err := elem(n); err != nil {
			return err
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return nil
		default:
			return s.unexpected("',' or ']'")
		}
	}
}

// validPlain reports whether raw string contents need no decoding: no
// control characters and valid UTF-8 (backslashes are checked by callers).
func validPlain(raw []byte) bool {
	for _, c := range raw {
		if c < 0x20 || c >= utf8.RuneSelf {
			if c < 0x20 {
				return false
			}
			return utf8.Valid(raw)
		}
	}
	return true
}

// decodeString turns the contents of a JSON string into a Go string.
// Invalid UTF-8 and lone surrogates become U+FFFD, as encoding/json does:
// a Go string cannot hold a lone UTF-16 surrogate.
func decodeString(raw []byte) (string, error) {
	if bytes.IndexByte(raw, '\\') < 0 {
		for _, c := range raw {
			if c < 0x20 {
				return "", fmt.Errorf("control character %#x in string", c)
			}
		}
		if utf8.Valid(raw) {
			return string(raw), nil
		}
		// Fall through: appendUnescaped replaces each invalid byte.
	}
	b, err := appendUnescaped(make([]byte, 0, len(raw)), raw)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func appendUnescaped(out, raw []byte) ([]byte, error) {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\':
			if i+1 >= len(raw) {
				return nil, fmt.Errorf("string ends in a backslash")
			}
			e := raw[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := hex4(raw, i)
				if !ok {
					return nil, fmt.Errorf("bad \\u escape")
				}
				i += 4
				if utf16.IsSurrogate(r) {
					// A high surrogate followed by a low one is one code point.
					if r < 0xDC00 && i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
						if r2, ok := hex4(raw, i+2); ok && r2 >= 0xDC00 && r2 <= 0xDFFF {
							r = utf16.DecodeRune(r, r2)
							i += 6
						} else {
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				return nil, fmt.Errorf("bad escape \\%c", e)
			}
		case c < 0x20:
			return nil, fmt.Errorf("control character %#x in string", c)
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, n := utf8.DecodeRune(raw[i:])
			out = utf8.AppendRune(out, r) // RuneError for invalid bytes
			i += n
		}
	}
	return out, nil
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
