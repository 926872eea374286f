package ingest

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func compress(t testing.TB, enc string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch enc {
	case "gzip", "x-gzip":
		w = gzip.NewWriter(&buf)
	case "deflate":
		w = zlib.NewWriter(&buf)
	case "raw-deflate":
		w, _ = flate.NewWriter(&buf, 5)
	case "br":
		w = brotli.NewWriter(&buf)
	case "zstd":
		w, _ = zstd.NewWriter(&buf)
	default:
		return data
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadBodyEncodings(t *testing.T) {
	data := bytes.Repeat([]byte(`{"type":"event"}`+"\n"), 1000)
	for _, enc := range []string{"", "identity", "UTF-8", "utf-8", "gzip", "GZIP", " x-gzip ", "deflate", "br", "zstd"} {
		t.Run(enc, func(t *testing.T) {
			for range 3 { // pooled decoders are reused
				got, err := ReadBody(nil, bytes.NewReader(compress(t, strings.ToLower(strings.TrimSpace(enc)), data)), enc, 0)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, data) {
					t.Fatalf("got %d bytes, want %d", len(got), len(data))
				}
			}
		})
	}
}

// A short gzip or deflate body is decoded in one piece and a longer one
// streamed; both give the same bytes, appended to what dst holds.
func TestReadBodyWholeAndStreamed(t *testing.T) {
	const limit = 1 << 20 // read whole up to 8 KiB of compressed input
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{100, 8<<10 - 40, 8<<10 - 10, 8 << 10, 8<<10 + 100, 200 << 10} {
		data := make([]byte, n) // random, so the compressed size is about n
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		for _, enc := range []string{"gzip", "deflate"} {
			body := compress(t, enc, data)
			got, err := ReadBody([]byte("kept"), bytes.NewReader(body), enc, limit)
			if err != nil {
				t.Fatalf("%s, %d compressed bytes: %v", enc, len(body), err)
			}
			if !bytes.Equal(got, append([]byte("kept"), data...)) {
				t.Fatalf("%s, %d compressed bytes: wrong output", enc, len(body))
			}
			if _, err := ReadBody(nil, bytes.NewReader(body), enc, int64(n-1)); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("%s, %d compressed bytes, limit %d: err = %v", enc, len(body), n-1, err)
			}
		}
	}
}

func TestReadBodyErrors(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 2000)
	tests := []struct {
		name   string
		body   []byte
		enc    string
		limit  int64
		kind   error
		status int
	}{
		{"unknown encoding", data, "compress", 0, ErrUnsupportedEncoding, 415},
		{"list of encodings", data, "gzip, br", 0, ErrUnsupportedEncoding, 415},
		{"corrupt gzip", []byte("not gzip at all"), "gzip", 0, ErrDecompress, 400},
		{"truncated gzip", compress(t, "gzip", data)[:20], "gzip", 0, ErrDecompress, 400},
		{"raw deflate is not zlib", compress(t, "raw-deflate", data), "deflate", 0, ErrDecompress, 400},
		{"corrupt br", []byte("\xff\xff\xff\xff"), "br", 0, ErrDecompress, 400},
		{"corrupt zstd", []byte("nope nope"), "zstd", 0, ErrDecompress, 400},
		{"empty", nil, "", 0, ErrEmptyBody, 400},
		{"empty gzip", compress(t, "gzip", nil), "gzip", 0, ErrEmptyBody, 400},
		{"identity over limit", data, "", 1999, ErrTooLarge, 413},
		{"gzip over limit", compress(t, "gzip", data), "gzip", 1999, ErrTooLarge, 413},
		{"zstd over limit", compress(t, "zstd", data), "zstd", 1000, ErrTooLarge, 413},
		{"br over limit", compress(t, "br", data), "br", 1000, ErrTooLarge, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadBody(nil, bytes.NewReader(tt.body), tt.enc, tt.limit)
			if !errors.Is(err, tt.kind) || StatusOf(err) != tt.status {
				t.Fatalf("err = %v (status %d), want %v (%d)", err, StatusOf(err), tt.kind, tt.status)
			}
		})
	}
	if got, err := ReadBody(nil, bytes.NewReader(data), "", 2000); err != nil || len(got) != 2000 {
		t.Errorf("body at exactly the limit: %v", err)
	}
}

// bombReader streams a gzip body of about n zero bytes without holding it:
// one gzip member of 16 MiB of zeros, repeated (readers accept
// concatenated members).
func bombReader(n int64) io.Reader {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(make([]byte, 16<<20))
	_ = zw.Close()
	return &repeatReader{b: buf.Bytes(), left: n / (16 << 20)}
}

type repeatReader struct {
	b    []byte
	off  int
	left int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b[r.off:])
	r.off += n
	if r.off == len(r.b) {
		r.off, r.left = 0, r.left-1
	}
	return n, nil
}

func TestGzipBomb(t *testing.T) {
	// 10 GiB of zeros behind a few MB of gzip: refused after the limit.
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	r := bombReader(10 << 30)
	members := r.(*repeatReader).left
	_, err := ReadBody(nil, r, "gzip", DefaultLimits().Event)
	if !errors.Is(err, ErrTooLarge) || StatusOf(err) != 413 {
		t.Fatalf("err = %v", err)
	}
	// Refused early: it stopped within the first 16 MiB member, not after
	// decompressing the stream (a timing would be flaky on a busy machine).
	if read := members - r.(*repeatReader).left; read > 1 {
		t.Errorf("read %d gzip members of 16 MiB before refusing a 1 MiB body", read)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
		t.Errorf("allocated %d MiB to refuse a bomb with a 1 MiB limit", grew>>20)
	}
}

func TestDecodeStoreBody(t *testing.T) {
	event := []byte(`{"message":"hi"}`)
	z := compress(t, "deflate", event)
	tests := []struct {
		name string
		body []byte
		kind error
	}{
		{"json", event, nil},
		{"json with leading space", append([]byte("\n "), event...), nil},
		{"base64 json", []byte(base64.StdEncoding.EncodeToString(event)), nil},
		{"base64 zlib json", []byte(base64.StdEncoding.EncodeToString(z)), nil},
		{"unpadded url-safe base64 zlib", []byte(base64.RawURLEncoding.EncodeToString(z)), nil},
		{"garbage", []byte("%%% not base64 %%%"), ErrInvalidJSON},
		{"base64 of garbage", []byte(base64.StdEncoding.EncodeToString([]byte("garbage"))), ErrInvalidJSON},
		{"empty", []byte("  "), ErrEmptyBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeStoreBody(tt.body, 1<<20)
			if tt.kind != nil {
				if !errors.Is(err, tt.kind) || StatusOf(err) != 400 {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(bytes.TrimSpace(got), event) {
				t.Errorf("got %q", got)
			}
		})
	}
	if _, err := DecodeStoreBody(event, 5); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over limit: %v", err)
	}
	if !IsEnvelopeContentType("application/x-sentry-envelope; charset=utf-8") || IsEnvelopeContentType("application/json") {
		t.Error("IsEnvelopeContentType")
	}
}

func TestGzipBombEnvelopeLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("decompresses 100 MiB")
	}
	start := time.Now()
	r := bombReader(10 << 30)
	_, err := ReadBody(nil, r, "gzip", DefaultLimits().Envelope)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
	t.Logf("refused a 10 GiB bomb at the 100 MiB envelope limit in %v", time.Since(start))
}
