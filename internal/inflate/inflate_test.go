package inflate

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/snag-dev/snag/internal/loadgen"
)

// corpus is data of the shapes that reach the decoder: JSON events, text,
// runs, random bytes, and the edge sizes around a block and a match.
func corpus(t testing.TB) map[string][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	skewed := func(n int) []byte { // few symbols, so long and short codes
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(bitsLen(r.Uint32() | 1))
		}
		return b
	}
	envs, _ := loadgen.Envelopes(2, 50<<10, time.UnixMilli(1795551036908))
	event, err := Gunzip(nil, envs[0], -1)
	if err != nil {
		// Checked against compress/gzip below as well; fall back so the
		// other cases still run and report.
		event = []byte(`{"event_id":"x"}`)
	}
	c := map[string][]byte{
		"empty":     {},
		"one byte":  {'a'},
		"run":       bytes.Repeat([]byte{'z'}, 100_000),
		"short run": bytes.Repeat([]byte("ab"), 300),
		"random":    random(200_000),
		"random 1":  random(1),
		"skewed":    skewed(300_000),
		"event":     event,
	}
	if readme, err := os.ReadFile(filepath.Join("..", "..", "README.md")); err == nil {
		c["readme"] = readme
	}
	return c
}

func bitsLen(x uint32) int {
	n := 0
	for x != 0 {
		n++
		x &= x - 1
	}
	return n
}

func compressFlate(t testing.TB, data []byte, level int) []byte {
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func compressGzip(t testing.TB, data []byte, level int) []byte {
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Name = "event.json"
	w.Comment = "a comment"
	w.Extra = []byte("xx")
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func compressZlib(t testing.TB, data []byte, level int) []byte {
	var b bytes.Buffer
	w, err := zlib.NewWriterLevel(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	w.Close()
	return b.Bytes()
}

var levels = []int{flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression, flate.HuffmanOnly}

func TestRoundTrip(t *testing.T) {
	for name, data := range corpus(t) {
		for _, level := range levels {
			t.Run(fmt.Sprintf("%s/level %d", name, level), func(t *testing.T) {
				prefix := []byte("kept:")
				for _, tc := range []struct {
					format string
					enc    []byte
					dec    func(dst, src []byte, limit int) ([]byte, error)
				}{
					{"deflate", compressFlate(t, data, level), Inflate},
					{"gzip", compressGzip(t, data, level), Gunzip},
					{"zlib", compressZlib(t, data, level), Zlib},
				} {
					got, err := tc.dec(bytes.Clone(prefix), tc.enc, -1)
					if err != nil {
						t.Fatalf("%s: %v", tc.format, err)
					}
					if !bytes.Equal(got, append(bytes.Clone(prefix), data...)) {
						t.Fatalf("%s: output differs (%d bytes, want %d)", tc.format, len(got)-len(prefix), len(data))
					}
				}
			})
		}
	}
}

func TestGunzipMultistream(t *testing.T) {
	a, b := []byte(`{"a":1}`), bytes.Repeat([]byte("second member "), 50)
	src := append(compressGzip(t, a, 6), compressGzip(t, b, 1)...)
	got, err := Gunzip(nil, src, -1)
	if err != nil {
		t.Fatal(err)
	}
	if want := append(bytes.Clone(a), b...); !bytes.Equal(got, want) {
		t.Fatalf("got %q", got)
	}
	// A match may not reach back into the previous member.
	checkSame(t, "gzip", src)
}

func TestLimit(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 10_000) // 100,000 bytes
	for _, level := range levels {
		src := compressGzip(t, data, level)
		for _, limit := range []int{0, 1, 99_999, 100_000, 100_001} {
			got, err := Gunzip([]byte("x"), src, limit)
			if limit < len(data) {
				if !errors.Is(err, ErrLimit) {
					t.Errorf("level %d, limit %d: err = %v, want ErrLimit", level, limit, err)
				}
				if string(got) != "x" {
					t.Errorf("level %d, limit %d: dst changed on error", level, limit)
				}
				continue
			}
			if err != nil || len(got) != len(data)+1 {
				t.Errorf("level %d, limit %d: %d bytes, %v", level, limit, len(got), err)
			}
		}
	}
}

// A compression bomb stops at the limit without allocating much past it.
func TestBombStopsAtLimit(t *testing.T) {
	src := compressGzip(t, make([]byte, 64<<20), flate.BestCompression)
	var got []byte
	allocs := testing.AllocsPerRun(1, func() {
		var err error
		got, err = Gunzip(nil, src, 1<<20)
		if !errors.Is(err, ErrLimit) {
			t.Fatalf("err = %v", err)
		}
	})
	if got != nil {
		t.Fatalf("returned %d bytes on error", len(got))
	}
	if allocs > 20 {
		t.Fatalf("%v allocations", allocs)
	}
}

func TestErrors(t *testing.T) {
	good := compressGzip(t, []byte(`{"event_id":"0123456789abcdef0123456789abcdef"}`), 6)
	corruptCRC := bytes.Clone(good)
	corruptCRC[len(corruptCRC)-6] ^= 1
	badSize := bytes.Clone(good)
	badSize[len(badSize)-1] ^= 1
	for _, tc := range []struct {
		name string
		src  []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"not gzip", []byte("{\"event_id\": 1}"), ErrHeader},
		{"short header", good[:5], ErrTruncated},
		{"truncated data", good[:len(good)-12], ErrTruncated},
		{"truncated trailer", good[:len(good)-3], ErrTruncated},
		{"crc", corruptCRC, ErrChecksum},
		{"size", badSize, ErrChecksum},
		{"trailing garbage", append(bytes.Clone(good), "junk......"...), ErrHeader},
		{"reserved block type", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, 0x07, 0, 0, 0, 0, 0, 0, 0, 0}, ErrCorrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Gunzip(nil, tc.src, -1)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			checkSame(t, "gzip", tc.src)
		})
	}
}

// Every prefix of a stream fails (or, for the whole stream, succeeds)
// exactly as compress/* does.
func TestEveryTruncation(t *testing.T) {
	data := corpus(t)["event"]
	for _, level := range levels {
		for format, src := range map[string][]byte{
			"deflate": compressFlate(t, data[:min(len(data), 3000)], level),
			"gzip":    compressGzip(t, data[:min(len(data), 3000)], level),
			"zlib":    compressZlib(t, data[:min(len(data), 3000)], level),
		} {
			for n := range len(src) + 1 {
				checkSame(t, format, src[:n])
			}
		}
	}
}

// checkSame fails when this package and Go's compress packages disagree
// about src: one accepts and the other refuses, or they decode differently.
func checkSame(t testing.TB, format string, src []byte) {
	t.Helper()
	var want []byte
	var werr error
	switch format {
	case "deflate":
		want, werr = io.ReadAll(flate.NewReader(bytes.NewReader(src)))
	case "gzip":
		var zr *gzip.Reader
		if zr, werr = gzip.NewReader(bytes.NewReader(src)); werr == nil {
			want, werr = io.ReadAll(zr)
		}
	case "zlib":
		var zr io.ReadCloser
		if zr, werr = zlib.NewReader(bytes.NewReader(src)); werr == nil {
			want, werr = io.ReadAll(zr)
		}
	}
	dec := map[string]func(dst, src []byte, limit int) ([]byte, error){"deflate": Inflate, "gzip": Gunzip, "zlib": Zlib}[format]
	got, err := dec(nil, src, -1)
	if (err == nil) != (werr == nil) {
		t.Fatalf("%s %x: err = %v, compress/%s says %v", format, src, err, format, werr)
	}
	if err == nil && !bytes.Equal(got, want) {
		t.Fatalf("%s %x: decoded %d bytes, compress/%s %d bytes", format, src, len(got), format, len(want))
	}
}
