package ingest

import (
	"encoding/binary"
	"encoding/json"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

// appendValue writes v as compact JSON. Unlike fastjson's own writer it
// escapes strings the JSON way (control characters as \u00XX, invalid UTF-8
// as U+FFFD) and writes null for non-JSON numbers (NaN, Infinity).
func appendValue(dst []byte, v *fastjson.Value) []byte {
	switch v.Type() {
	case fastjson.TypeObject:
		o, _ := v.Object()
		dst = append(dst, '{')
		first := true
		o.Visit(func(k []byte, v *fastjson.Value) {
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = appendValue(dst, v)
		})
		return append(dst, '}')
	case fastjson.TypeArray:
		a, _ := v.Array()
		dst = append(dst, '[')
		for i, x := range a {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendValue(dst, x)
		}
		return append(dst, ']')
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		return appendString(dst, b)
	case fastjson.TypeNumber:
		start := len(dst)
		dst = v.MarshalTo(dst)
		if !validNumber(dst[start:]) {
			return append(dst[:start], "null"...)
		}
		return dst
	case fastjson.TypeTrue:
		return append(dst, "true"...)
	case fastjson.TypeFalse:
		return append(dst, "false"...)
	}
	return append(dst, "null"...)
}

// rawValue returns v as a fresh json.RawMessage.
func rawValue(v *fastjson.Value) json.RawMessage {
	return appendValue(nil, v)
}

const hexDigits = "0123456789abcdef"

// plainASCII marks the bytes a JSON string holds without escaping or
// UTF-8 checks.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainRun is the length of the prefix of s that is plainASCII, looked at
// eight bytes at a time.
func plainRun(s []byte) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if !plain8(binary.LittleEndian.Uint64(s[i:])) {
			break
		}
	}
	for i < len(s) && plainASCII[s[i]] {
		i++
	}
	return i
}

// plain8 reports whether the eight bytes of x are all plainASCII: none is
// a control character, '"', '\\' or ≥ 0x80. A byte ≥ 0x80 sets its top bit
// in x; for bytes below it, subtracting 0x20 (or 1 from the byte XOR '"'
// or '\\') sets the top bit exactly of the bytes below 0x20 (equal to '"',
// '\\'). A borrow into the next byte may set its top bit too, but only
// after a byte that was special: "any" stays exact.
func plain8(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	return (x|(x-lo*0x20)|((x^(lo*'"'))-lo)|((x^(lo*'\\'))-lo))&hi == 0
}

// appendString writes s as a JSON string.
func appendString(dst []byte, s []byte) []byte {
	dst = append(dst, '"')
	i := plainRun(s)
	if i == len(s) {
		dst = append(dst, s...)
		return append(dst, '"')
	}
	start := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				i += plainRun(s[i:])
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// validNumber reports whether b is a JSON number.
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return false
	}
	if b[i] == '0' {
		i++
	} else if b[i] >= '1' && b[i] <= '9' {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	} else {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	return i == len(b)
}

// numberString returns a JSON number's text, or "" if v is not a valid one.
func numberString(v *fastjson.Value) string {
	b := v.MarshalTo(nil)
	if !validNumber(b) {
		return ""
	}
	return string(b)
}
