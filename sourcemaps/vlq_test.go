package sourcemaps

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestDecodeVLQ(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  int64
		n     int
		error string
	}{
		{name: "zero", in: "A", want: 0, n: 1},
		{name: "one", in: "C", want: 1, n: 1},
		{name: "minus one", in: "D", want: -1, n: 1},
		{name: "largest single digit", in: "e", want: 15, n: 1},
		{name: "two digits", in: "iB", want: 17, n: 2},
		{name: "negative ten", in: "V", want: -10, n: 1},
		{name: "stops at separator", in: "C,A", want: 1, n: 1},
		{name: "max int32", in: "+/////D", want: math.MaxInt32, n: 7},
		{name: "min int32 plus one", in: "//////D", want: -math.MaxInt32, n: 7},
		// ECMA-426 reads negative zero as -2^31, so it never forms a valid value.
		{name: "negative zero", in: "B", want: math.MinInt32, n: 1},
		{name: "negative zero long form", in: "hA", want: math.MinInt32, n: 2},
		{name: "long run of zero continuations", in: strings.Repeat("g", 100) + "A", want: 0, n: 101},
		{name: "overflow unsigned 2^32", in: "gggggggE", error: "exceeds 32 bits"},
		{name: "overflow high bits", in: "+/////H", error: "exceeds 32 bits"},
		{name: "overflow past 35 bits", in: "ggggggggB", error: "exceeds 32 bits"},
		{name: "continuation at end", in: "g", error: "ends inside a continuation"},
		{name: "continuation before comma", in: "g,", error: "ends inside a continuation"},
		{name: "padding", in: "=", error: "invalid base64"},
		{name: "non base64", in: "$", error: "invalid base64"},
		{name: "empty", in: "", error: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := DecodeVLQ([]byte(tt.in))
			if tt.error != "" {
				if err == nil || !strings.Contains(err.Error(), tt.error) {
					t.Fatalf("DecodeVLQ(%q) = %d, %v; want error containing %q", tt.in, got, err, tt.error)
				}
				if !errors.Is(err, ErrInvalidMap) {
					t.Errorf("error %v does not wrap ErrInvalidMap", err)
				}
				return
			}
			if err != nil || got != tt.want || n != tt.n {
				t.Fatalf("DecodeVLQ(%q) = %d, %d, %v; want %d, %d", tt.in, got, n, err, tt.want, tt.n)
			}
			// The round trip through the test encoder agrees for
			// representable values.
			if tt.want != math.MinInt32 && !strings.Contains(tt.name, "long") && string(appendVLQ(nil, tt.want)) != tt.in[:tt.n] {
				t.Errorf("appendVLQ(%d) = %q, want %q", tt.want, appendVLQ(nil, tt.want), tt.in[:tt.n])
			}
		})
	}
}

// decodeAll runs the segment reader over a whole mappings string.
func decodeAll(mappings string, sources, names int) (int, error) {
	r := newSegReader([]byte(mappings), sources, names, -1)
	n := 0
	for r.next() {
		n++
	}
	if r.err != nil {
		return n, r.err
	}
	return n, nil
}

func TestSegmentReaderValid(t *testing.T) {
	tests := []struct {
		name     string
		mappings string
		sources  int
		names    int
		segments int
	}{
		{"empty string", "", 0, 0, 0},
		{"empty lines", ";;;", 0, 0, 0},
		{"one field", "A", 0, 0, 1},
		{"four fields", "AAAA", 1, 0, 1},
		{"five fields", "AAAAA", 1, 1, 1},
		{"mixed", "A,AAAA,CAAAA;;GACA", 1, 1, 4},
		{"32-bit boundaries", "+/////DA+/////D+/////DA", 1, 1, 1},
		{"trailing semicolon", "AAAA;", 1, 0, 1},
		{"relative back to zero", "AAAA,CCCC,DDDD", 2, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := decodeAll(tt.mappings, tt.sources, tt.names)
			if err != nil || n != tt.segments {
				t.Fatalf("got %d segments, %v; want %d", n, err, tt.segments)
			}
		})
	}
}

func TestSegmentReaderErrors(t *testing.T) {
	tests := []struct {
		name     string
		mappings string
		sources  int
		names    int
		kind     MappingErrorKind
		want     string // the whole message
	}{
		{"empty segment", ",", 1, 0, BadFieldCount, "mappings: line 1, segment 1 (offset 0): empty segment (0 fields)"},
		{"trailing comma", "A,", 1, 0, BadFieldCount, "mappings: line 1, segment 2 (offset 2): empty segment (0 fields)"},
		{"double comma", "A,,A", 1, 0, BadFieldCount, "mappings: line 1, segment 2 (offset 2): empty segment (0 fields)"},
		{"comma before semicolon", "A,;A", 1, 0, BadFieldCount, "mappings: line 1, segment 2 (offset 2): empty segment (0 fields)"},
		{"two fields", "AA", 1, 0, BadFieldCount, "mappings: line 1, segment 1 (offset 0): segment has 2 fields (want 1, 4 or 5)"},
		{"three fields", "A;AAA", 1, 0, BadFieldCount, "mappings: line 2, segment 1 (offset 2): segment has 3 fields (want 1, 4 or 5)"},
		{"six fields", "AAAAAA", 1, 1, BadFieldCount, "mappings: line 1, segment 1 (offset 0): segment has more than 5 fields (want 1, 4 or 5)"},
		{"bad character", "AAAA,A!AA", 1, 0, BadCharacter, "mappings: line 1, segment 2 (offset 6): invalid base64 VLQ character '!'"},
		{"bad character after one field", "A=", 1, 0, BadCharacter, "mappings: line 1, segment 1 (offset 1): invalid base64 VLQ character '='"},
		{"bad separator", "AAAA.AAAA", 1, 0, BadCharacter, "mappings: line 1, segment 1 (offset 4): invalid base64 VLQ character '.'"},
		{"truncated", "AAAg", 1, 0, TruncatedVLQ, "mappings: line 1, segment 1 (offset 4): VLQ value ends inside a continuation"},
		{"truncated by comma", "Ag,A", 1, 0, TruncatedVLQ, "mappings: line 1, segment 1 (offset 2): VLQ value ends inside a continuation"},
		{"negative generated column", "D", 1, 0, NegativeValue, "mappings: line 1, segment 1 (offset 0): generated column -1 is negative"},
		{"negative relative column", "C,F", 1, 0, NegativeValue, "mappings: line 1, segment 2 (offset 2): generated column -1 is negative"},
		{"negative zero column", "B", 1, 0, NegativeValue, "mappings: line 1, segment 1 (offset 0): generated column -2147483648 is negative"},
		{"negative source index", "ADAA", 1, 0, NegativeValue, "mappings: line 1, segment 1 (offset 0): source index -1 is negative"},
		{"negative original line", "AADA", 1, 0, NegativeValue, "mappings: line 1, segment 1 (offset 0): original line -1 is negative"},
		{"negative original column", "AAAD", 1, 0, NegativeValue, "mappings: line 1, segment 1 (offset 0): original column -1 is negative"},
		{"negative name index", "AAAAD", 1, 1, NegativeValue, "mappings: line 1, segment 1 (offset 0): name index -1 is negative"},
		{"source out of range", "ACAA", 1, 0, SourceOutOfRange, "mappings: line 1, segment 1 (offset 0): source index 1 out of range (1 sources)"},
		{"name out of range", "AAAAC", 1, 1, NameOutOfRange, "mappings: line 1, segment 1 (offset 0): name index 1 out of range (1 names)"},
		{"no sources at all", "AAAA", 0, 0, SourceOutOfRange, "mappings: line 1, segment 1 (offset 0): source index 0 out of range (0 sources)"},
		{"absolute column past 32 bits", "+/////D,C", 1, 0, ValueTooLarge, "mappings: line 1, segment 2 (offset 8): generated column 2147483648 exceeds 32 bits"},
		{"absolute original line past 32 bits", "AA+/////DA,AACA", 1, 0, ValueTooLarge, "mappings: line 1, segment 2 (offset 11): original line 2147483648 exceeds 32 bits"},
		{"vlq too large", "AAAAgggggggE", 1, 1, ValueTooLarge, "mappings: line 1, segment 1 (offset 11): VLQ value exceeds 32 bits"},
		{"position deep in the map", "A;A;A,C,C,C,C,C,ACAA", 1, 0, SourceOutOfRange, "mappings: line 3, segment 7 (offset 16): source index 1 out of range (1 sources)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeAll(tt.mappings, tt.sources, tt.names)
			var me *MappingError
			if !errors.As(err, &me) {
				t.Fatalf("got %v, want a *MappingError", err)
			}
			if me.Kind != tt.kind {
				t.Errorf("kind = %d, want %d", me.Kind, tt.kind)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err.Error(), tt.want)
			}
			if !errors.Is(err, ErrInvalidMap) {
				t.Errorf("%v does not wrap ErrInvalidMap", err)
			}
		})
	}
}
