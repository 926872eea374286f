package inflate

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math/bits"
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
			b[i] = byte(bits.OnesCount32(r.Uint32()))
		}
		return b
	}
	envs, _ := loadgen.Envelopes(2, 50<<10, time.UnixMilli(1795551036908))
	zr, err := gzip.NewReader(bytes.NewReader(envs[0]))
	if err != nil {
		t.Fatal(err)
	}
	event, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
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

// format is one of the three stream formats: how Go's compress packages
// write and read it, and this package's decoder.
type format struct {
	name   string
	writer func(w io.Writer, level int) (io.WriteCloser, error)
	reader func(r io.Reader) (io.Reader, error)
	decode func(dst, src []byte, limit int) ([]byte, error)
}

var formats = map[string]format{
	"deflate": {"deflate",
		func(w io.Writer, level int) (io.WriteCloser, error) { return flate.NewWriter(w, level) },
		func(r io.Reader) (io.Reader, error) { return flate.NewReader(r), nil },
		Inflate},
	"gzip": {"gzip",
		func(w io.Writer, level int) (io.WriteCloser, error) {
			zw, err := gzip.NewWriterLevel(w, level)
			if err == nil { // every optional header field, to be skipped
				zw.Name, zw.Comment, zw.Extra = "event.json", "a comment", []byte("xx")
			}
			return zw, err
		},
		func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
		Gunzip},
	"zlib": {"zlib",
		func(w io.Writer, level int) (io.WriteCloser, error) { return zlib.NewWriterLevel(w, level) },
		func(r io.Reader) (io.Reader, error) { return zlib.NewReader(r) },
		Zlib},
}

// compress writes data in the named format with Go's compress packages.
func compress(t testing.TB, name string, data []byte, level int) []byte {
	var b bytes.Buffer
	w, err := formats[name].writer(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var levels = []int{flate.NoCompression, flate.BestSpeed, flate.DefaultCompression, flate.BestCompression, flate.HuffmanOnly}

func TestRoundTrip(t *testing.T) {
	for name, data := range corpus(t) {
		for _, level := range levels {
			t.Run(fmt.Sprintf("%s/level %d", name, level), func(t *testing.T) {
				prefix := []byte("kept:")
				for _, f := range formats {
					got, err := f.decode(bytes.Clone(prefix), compress(t, f.name, data, level), -1)
					if err != nil {
						t.Fatalf("%s: %v", f.name, err)
					}
					if !bytes.Equal(got, append(bytes.Clone(prefix), data...)) {
						t.Fatalf("%s: output differs (%d bytes, want %d)", f.name, len(got)-len(prefix), len(data))
					}
				}
			})
		}
	}
}

func TestGunzipMultistream(t *testing.T) {
	a, b := []byte(`{"a":1}`), bytes.Repeat([]byte("second member "), 50)
	src := append(compress(t, "gzip", a, 6), compress(t, "gzip", b, 1)...)
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
		src := compress(t, "gzip", data, level)
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
	src := compress(t, "gzip", make([]byte, 16<<20), flate.BestCompression)
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
	good := compress(t, "gzip", []byte(`{"event_id":"0123456789abcdef0123456789abcdef"}`), 6)
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
	data := corpus(t)["event"][:3000]
	for _, level := range levels {
		for name := range formats {
			src := compress(t, name, data, level)
			for n := range len(src) + 1 {
				checkSame(t, name, src[:n])
			}
		}
	}
}

// checkSame fails when this package and Go's compress packages disagree
// about src: one accepts and the other refuses, or they decode differently.
func checkSame(t testing.TB, name string, src []byte) {
	t.Helper()
	f := formats[name]
	var want []byte
	zr, werr := f.reader(bytes.NewReader(src))
	if werr == nil {
		want, werr = io.ReadAll(zr)
	}
	got, err := f.decode(nil, src, -1)
	if (err == nil) != (werr == nil) {
		t.Fatalf("%s %x: err = %v, compress/%s says %v", name, src, err, name, werr)
	}
	if err == nil && !bytes.Equal(got, want) {
		t.Fatalf("%s %x: decoded %d bytes, compress/%s %d bytes", name, src, len(got), name, len(want))
	}
}
