package ingest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"

	"github.com/snag-dev/snag/internal/inflate"
)

// Encoding is a Content-Encoding the server decodes.
type Encoding int

// The supported encodings.
const (
	Identity Encoding = iota
	Gzip              // gzip, x-gzip
	Deflate           // deflate: zlib-wrapped (RFC 1950), as Relay reads it
	Brotli            // br
	Zstd              // zstd
)

func (e Encoding) String() string {
	return [...]string{"identity", "gzip", "deflate", "br", "zstd"}[e]
}

// ParseEncoding reads a Content-Encoding value. Empty, "identity" and
// "UTF-8" (an SDK quirk) mean no encoding. Anything else unknown is
// ErrUnsupportedEncoding (415).
func ParseEncoding(v string) (Encoding, error) {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "", "identity", "utf-8", "utf8":
		return Identity, nil
	case "gzip", "x-gzip":
		return Gzip, nil
	case "deflate":
		return Deflate, nil
	case "br":
		return Brotli, nil
	case "zstd":
		return Zstd, nil
	}
	return Identity, newError(ErrUnsupportedEncoding, http.StatusUnsupportedMediaType,
		ErrUnsupportedEncoding.Error(), "unsupported content encoding "+strconv.Quote(v))
}

// ReadBody reads r to EOF, undoing contentEncoding, and appends the
// decoded bytes to dst. limit caps the decoded size (0: no limit); past it
// ReadBody stops reading at once and fails with ErrTooLarge (413), so a
// compression bomb costs at most limit bytes of memory. An empty decoded
// body is ErrEmptyBody (400); a corrupt stream ErrDecompress (400).
func ReadBody(dst []byte, r io.Reader, contentEncoding string, limit int64) ([]byte, error) {
	enc, err := ParseEncoding(contentEncoding)
	if err != nil {
		return dst, err
	}
	start := len(dst)
	dst, err = decode(dst, r, enc, limit)
	if err != nil {
		return dst, err
	}
	if len(dst) == start {
		return dst, newError(ErrEmptyBody, http.StatusBadRequest, ErrEmptyBody.Error())
	}
	return dst, nil
}

func tooLarge(what string, limit int64) *Error {
	return newError(ErrTooLarge, http.StatusRequestEntityTooLarge, what+" exceeded size limit",
		"limit is "+strconv.FormatInt(limit, 10)+" bytes")
}

func decompressError(enc Encoding, err error) *Error {
	return newError(ErrDecompress, http.StatusBadRequest, ErrDecompress.Error(),
		"failed to decode "+enc.String()+" payload", err.Error())
}

var (
	gzipPool   sync.Pool // *gzip.Reader
	zlibPool   sync.Pool // io.ReadCloser implementing zlib.Resetter
	brotliPool = sync.Pool{New: func() any { return brotli.NewReader(nil) }}
	zstdPool   sync.Pool // *zstd.Decoder
	bufrPool   = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 32<<10) }}
)

// wholeSize is how much of a gzip or deflate body is read before decoding
// it in one piece; a longer body (an envelope with attachments) is
// streamed. It is small next to the decoded limit: deflate expands at most
// 1032:1, so a compression bomb is refused after reading what could decode
// to about eight times the limit, as quickly as when streamed.
func wholeSize(limit int64) int {
	if limit <= 0 {
		return wholeMax
	}
	return int(min(max(limit/128, 8<<10), wholeMax))
}

const wholeMax = 1 << 20

// compressedBufs holds the compressed bodies decoded whole.
var compressedBufs = sync.Pool{New: func() any { return new([]byte) }}

// decode appends the decoded content of r to dst.
func decode(dst []byte, r io.Reader, enc Encoding, limit int64) ([]byte, error) {
	if enc == Gzip || enc == Deflate {
		// An SDK's body is a few kilobytes: read it whole and inflate it
		// in one call, about a third cheaper than streaming it.
		cb := compressedBufs.Get().(*[]byte)
		defer func() {
			if cap(*cb) <= wholeMax+1 {
				*cb = (*cb)[:0]
				compressedBufs.Put(cb)
			}
		}()
		buf, whole, err := readUpTo((*cb)[:0], r, wholeSize(limit))
		*cb = buf
		if err != nil {
			return dst, decompressError(enc, err)
		}
		if whole {
			return inflateWhole(dst, buf, enc, limit)
		}
		r = io.MultiReader(bytes.NewReader(buf), r)
	}
	var dec io.Reader
	switch enc {
	case Identity:
		dec = r
	case Gzip:
		br := bufrPool.Get().(*bufio.Reader)
		br.Reset(r)
		defer func() { br.Reset(nil); bufrPool.Put(br) }()
		var zr *gzip.Reader
		if v := gzipPool.Get(); v != nil {
			zr = v.(*gzip.Reader)
			if err := zr.Reset(br); err != nil {
				gzipPool.Put(zr)
				return dst, decompressError(enc, err)
			}
		} else {
			var err error
			if zr, err = gzip.NewReader(br); err != nil {
				return dst, decompressError(enc, err)
			}
		}
		defer gzipPool.Put(zr)
		dec = zr
	case Deflate:
		br := bufrPool.Get().(*bufio.Reader)
		br.Reset(r)
		defer func() { br.Reset(nil); bufrPool.Put(br) }()
		var zr io.ReadCloser
		if v := zlibPool.Get(); v != nil {
			zr = v.(io.ReadCloser)
			if err := zr.(zlib.Resetter).Reset(br, nil); err != nil {
				zlibPool.Put(zr)
				return dst, decompressError(enc, err)
			}
		} else {
			var err error
			if zr, err = zlib.NewReader(br); err != nil {
				return dst, decompressError(enc, err)
			}
		}
		defer zlibPool.Put(zr)
		dec = zr
	case Brotli:
		bz := brotliPool.Get().(*brotli.Reader)
		if err := bz.Reset(r); err != nil {
			brotliPool.Put(bz)
			return dst, decompressError(enc, err)
		}
		defer func() { _ = bz.Reset(eofReader{}); brotliPool.Put(bz) }()
		dec = bz
	case Zstd:
		var zd *zstd.Decoder
		if v := zstdPool.Get(); v != nil {
			zd = v.(*zstd.Decoder)
		} else {
			var err error
			zd, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
				zstd.WithDecoderMaxWindow(64<<20))
			if err != nil {
				return dst, decompressError(enc, err)
			}
		}
		if err := zd.Reset(r); err != nil {
			zstdPool.Put(zd)
			return dst, decompressError(enc, err)
		}
		defer func() { _ = zd.Reset(nil); zstdPool.Put(zd) }()
		dec = zd
	}
	return readLimited(dst, dec, enc, limit)
}

// readUpTo appends r's content to buf until EOF (whole) or until more than
// limit bytes are read.
func readUpTo(buf []byte, r io.Reader, limit int) (_ []byte, whole bool, _ error) {
	for len(buf) <= limit {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(max(cap(buf), 4<<10), limit+1-len(buf)))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit+1)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, true, nil
		}
		if err != nil {
			return buf, false, err
		}
	}
	return buf, false, nil
}

// inflateWhole decodes a gzip or deflate (zlib) body held in memory.
func inflateWhole(dst, src []byte, enc Encoding, limit int64) ([]byte, error) {
	lim := -1 // none
	if limit > 0 {
		lim = int(min(limit, math.MaxInt32)) // int may be 32 bits
	}
	var out []byte
	var err error
	if enc == Gzip {
		out, err = inflate.Gunzip(dst, src, lim)
	} else {
		out, err = inflate.Zlib(dst, src, lim)
	}
	if errors.Is(err, inflate.ErrLimit) {
		return dst, tooLarge("request body", limit)
	}
	if err != nil {
		return dst, decompressError(enc, err)
	}
	return out, nil
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// readLimited appends r's content to dst, failing as soon as more than
// limit bytes arrive.
func readLimited(dst []byte, r io.Reader, enc Encoding, limit int64) ([]byte, error) {
	start := len(dst)
	for {
		if len(dst) == cap(dst) {
			// Double (append grows large slices by only 1.25x).
			grow := max(cap(dst), 16<<10)
			if limit > 0 {
				grow = int(min(int64(grow), limit+1-int64(len(dst)-start)))
			}
			dst = slices.Grow(dst, grow)
		}
		room := dst[len(dst):cap(dst)]
		if limit > 0 {
			// Read at most one byte past the limit.
			if left := limit + 1 - int64(len(dst)-start); int64(len(room)) > left {
				room = room[:left]
			}
		}
		n, err := r.Read(room)
		dst = dst[:len(dst)+n]
		if limit > 0 && int64(len(dst)-start) > limit {
			return dst[:start], tooLarge("request body", limit)
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			if enc == Identity {
				return dst, newError(ErrDecompress, http.StatusBadRequest, ErrDecompress.Error(), err.Error())
			}
			return dst, decompressError(enc, err)
		}
	}
}

// IsEnvelopeContentType reports whether a /store/ request with this
// Content-Type carries an envelope rather than an event JSON.
func IsEnvelopeContentType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/x-sentry-envelope")
}

// DecodeStoreBody reads a legacy /store/ body: plain event JSON, or the old
// raven form, base64 of (optionally zlib-compressed) JSON. limit caps the
// decoded JSON size (ErrTooLarge, 413). Anything else is ErrInvalidJSON (400).
func DecodeStoreBody(body []byte, limit int64) ([]byte, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, newError(ErrEmptyBody, http.StatusBadRequest, ErrEmptyBody.Error())
	}
	if trimmed[0] == '{' {
		if limit > 0 && int64(len(body)) > limit {
			return nil, tooLarge("event", limit)
		}
		return body, nil
	}
	compact := bytes.TrimRight(trimmed, " \t\r\n")
	decoded, err := decodeBase64(compact)
	if err != nil {
		return nil, newError(ErrInvalidJSON, http.StatusBadRequest, "invalid store body",
			"not JSON and not base64: "+err.Error())
	}
	if t := bytes.TrimLeft(decoded, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		if limit > 0 && int64(len(decoded)) > limit {
			return nil, tooLarge("event", limit)
		}
		return decoded, nil
	}
	out, err := ReadBody(nil, bytes.NewReader(decoded), "deflate", limit)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Kind == ErrDecompress {
			e.Kind, e.Detail = ErrInvalidJSON, "invalid store body"
		}
		return nil, err
	}
	return out, nil
}

func decodeBase64(b []byte) ([]byte, error) {
	var firstErr error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		out := make([]byte, enc.DecodedLen(len(b)))
		n, err := enc.Decode(out, b)
		if err == nil {
			return out[:n], nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}
