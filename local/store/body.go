package store

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/klauspost/compress/s2"
)

// Event bodies are stored compressed. New bodies use S2 (a Snappy
// descendant): about a tenth of zstd's CPU on a 5-10 KB event, which the
// ingest path pays once per event, for a 25% lower ratio. Bodies written by
// earlier versions are zstd frames and stay readable. The two cannot be
// confused: a zstd frame starts with its magic number, and an S2 block
// cannot (its first element must be a literal, and the magic's second byte
// would be a copy).

var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// compressBody encodes a body for the events table. It encodes into a
// pooled buffer and returns an exact-size copy: a fresh worst-case buffer
// cost as much as the encoding (it has to be zeroed), and the result waits
// in the backlog until its digest, holding its capacity, which is about five
// times its length for an event.
func compressBody(b []byte) []byte {
	n := s2.MaxEncodedLen(len(b))
	if n < 0 || n > maxPooledEncode {
		return s2.Encode(nil, b)
	}
	bp := encodeBufs.Get().(*[]byte)
	if cap(*bp) < n {
		*bp = make([]byte, n)
	}
	out := bytes.Clone(s2.Encode((*bp)[:n], b))
	encodeBufs.Put(bp)
	return out
}

// maxPooledEncode keeps a rare huge body from pinning a pooled buffer.
const maxPooledEncode = 256 << 10

var encodeBufs = sync.Pool{New: func() any { return new([]byte) }}

// decompressBody decodes a stored body of size bytes.
func (s *Store) decompressBody(b []byte, size int) ([]byte, error) {
	if bytes.HasPrefix(b, zstdMagic) {
		return s.dec.DecodeAll(b, make([]byte, 0, size))
	}
	n, err := s2.DecodedLen(b)
	if err != nil {
		return nil, fmt.Errorf("decompress body: %w", err)
	}
	if n > maxBodySize {
		return nil, fmt.Errorf("decompress body: %d bytes is past the %d limit", n, maxBodySize)
	}
	return s2.Decode(make([]byte, n), b)
}

// maxBodySize bounds what decompressBody allocates for a damaged row.
const maxBodySize = 1 << 30
