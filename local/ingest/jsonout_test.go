package ingest

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/valyala/fastjson"
)

func TestPlain8(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	word := func() []byte {
		b := make([]byte, 8)
		for i := range b {
			for {
				b[i] = byte(rng.IntN(256))
				if plainASCII[b[i]] {
					break
				}
			}
		}
		return b
	}
	for pos := 0; pos < 8; pos++ {
		for c := 0; c < 256; c++ {
			for k := 0; k < 4; k++ {
				b := word()
				b[pos] = byte(c)
				want := plainASCII[c]
				if got := plain8(binary.LittleEndian.Uint64(b)); got != want {
					t.Fatalf("plain8(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
	for k := 0; k < 100000; k++ {
		var b [8]byte
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		want := true
		for _, c := range b {
			want = want && plainASCII[c]
		}
		if got := plain8(binary.LittleEndian.Uint64(b[:])); got != want {
			t.Fatalf("plain8(%q) = %v, want %v", b, got, want)
		}
	}
}

// appendStringSlow is appendString one byte at a time: the reference.
func appendStringSlow(dst []byte, s []byte) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

func TestAppendString(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	pieces := []string{"a", "abcdefgh", "/srv/app/x.js", "\"", "\\", "\n", "\x00", "\x1f", "\x7f", "é", "\u2028", "\u2029", "😀", "\xff", "\xe2\x80", " "}
	for k := 0; k < 20000; k++ {
		var s []byte
		for n := rng.IntN(12); n > 0; n-- {
			s = append(s, pieces[rng.IntN(len(pieces))]...)
		}
		got, want := appendString([]byte("x"), s), appendStringSlow([]byte("x"), s)
		if !bytes.Equal(got, want) {
			t.Fatalf("appendString(%q) = %q, want %q", s, got, want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add([]byte("plain ascii text, long enough"))
	f.Add([]byte("q\"b\\c\n\x00é\u2028\xff"))
	f.Fuzz(func(t *testing.T, s []byte) {
		if got, want := appendString(nil, s), appendStringSlow(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendString(%q) = %q, want %q", s, got, want)
		}
	})
}

// smallInt must read what intOf reads whenever it reads anything.
func TestSmallInt(t *testing.T) {
	texts := []string{"0", "-0", "7", "-7", "42", "007", "-01", "123456789012345", "1234567890123456",
		"-999999999999999", "9007199254740993", "1.0", "1e2", "-", "", "1-", "12a"}
	rng := rand.New(rand.NewPCG(3, 3))
	for k := 0; k < 2000; k++ {
		texts = append(texts, strconv.FormatInt(rng.Int64N(1<<53)-1<<52, 10))
	}
	for _, s := range texts {
		got, ok := smallInt([]byte(s))
		if !ok {
			continue
		}
		v, err := fastjson.Parse(s)
		if err != nil {
			t.Fatalf("smallInt(%q) = %d, but it is no JSON", s, got)
		}
		if want, wok := intOf(v); !wok || want != got {
			t.Errorf("smallInt(%q) = %d, intOf = %d, %v", s, got, want, wok)
		}
	}
}
