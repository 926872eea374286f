package inflate

import (
	"encoding/binary"
	"hash/adler32"
	"hash/crc32"
	"sync"
)

var decoders = sync.Pool{New: func() any { return new(decoder) }}

// run decodes with a pooled decoder: dst's content is kept and the output
// appended, at most limit bytes of it (limit < 0: no limit).
func run(dst, src []byte, limit int, fn func(d *decoder) error) ([]byte, error) {
	d := decoders.Get().(*decoder)
	defer decoders.Put(d)
	d.src, d.pos = src, 0
	d.out, d.o = dst[:cap(dst)], len(dst)
	d.limitEnd = len(dst) + limit
	if limit < 0 || d.limitEnd < 0 {
		d.limitEnd = int(^uint(0) >> 2)
	}
	err := fn(d)
	out := d.out[:d.o]
	d.src, d.out = nil, nil
	if err != nil {
		return dst, err
	}
	return out, nil
}

// Inflate appends the content of the raw DEFLATE stream src to dst.
// Bytes after the stream's end are ignored, as compress/flate does.
func Inflate(dst, src []byte, limit int) ([]byte, error) {
	return run(dst, src, limit, (*decoder).inflate)
}

// Gunzip appends the content of the gzip data src to dst: one member or
// several concatenated (compress/gzip's multistream mode). limit caps the
// bytes appended (ErrLimit past it; negative: no limit).
func Gunzip(dst, src []byte, limit int) ([]byte, error) {
	return run(dst, src, limit, func(d *decoder) error {
		if len(src) == 0 {
			return ErrTruncated
		}
		for d.pos < len(src) {
			if err := d.gzipMember(); err != nil {
				return err
			}
		}
		return nil
	})
}

const (
	gzipText = 1 << iota
	gzipHeaderCRC
	gzipExtra
	gzipName
	gzipComment
)

func (d *decoder) gzipMember() error {
	src := d.src
	h := src[d.pos:]
	if len(h) < 10 {
		return ErrTruncated
	}
	if h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 {
		return ErrHeader
	}
	flags := h[3]
	hstart := d.pos
	d.pos += 10
	if flags&gzipExtra != 0 {
		if d.pos+2 > len(src) {
			return ErrTruncated
		}
		n := int(binary.LittleEndian.Uint16(src[d.pos:]))
		d.pos += 2
		if d.pos+n > len(src) {
			return ErrTruncated
		}
		d.pos += n
	}
	for _, f := range [...]byte{gzipName, gzipComment} {
		if flags&f == 0 {
			continue
		}
		// compress/gzip reads these strings into a 512-byte buffer and
		// refuses longer ones.
		i := 0
		for ; d.pos+i < len(src) && src[d.pos+i] != 0; i++ {
			if i == 511 {
				return ErrHeader
			}
		}
		if d.pos+i >= len(src) {
			return ErrTruncated
		}
		d.pos += i + 1
	}
	if flags&gzipHeaderCRC != 0 {
		if d.pos+2 > len(src) {
			return ErrTruncated
		}
		if uint16(crc32.ChecksumIEEE(src[hstart:d.pos])) != binary.LittleEndian.Uint16(src[d.pos:]) {
			return ErrHeader
		}
		d.pos += 2
	}
	if err := d.inflate(); err != nil {
		return err
	}
	if d.pos+8 > len(src) {
		return ErrTruncated
	}
	body := d.out[d.start:d.o]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(src[d.pos:]) ||
		uint32(len(body)) != binary.LittleEndian.Uint32(src[d.pos+4:]) {
		return ErrChecksum
	}
	d.pos += 8
	return nil
}

// Zlib appends the content of the zlib stream src to dst, as Inflate.
// A stream that needs a preset dictionary is refused (ErrHeader) unless its
// dictionary is the empty one; bytes after the checksum are ignored. Both
// as compress/zlib does when given no dictionary.
func Zlib(dst, src []byte, limit int) ([]byte, error) {
	return run(dst, src, limit, func(d *decoder) error {
		if len(src) < 2 {
			return ErrTruncated
		}
		h := binary.BigEndian.Uint16(src)
		if src[0]&0x0f != 8 || src[0]>>4 > 7 || h%31 != 0 {
			return ErrHeader
		}
		d.pos = 2
		if src[1]&0x20 != 0 {
			if len(src) < 6 {
				return ErrTruncated
			}
			if binary.BigEndian.Uint32(src[2:]) != adler32.Checksum(nil) {
				return ErrHeader
			}
			d.pos = 6
		}
		if err := d.inflate(); err != nil {
			return err
		}
		if d.pos+4 > len(src) {
			return ErrTruncated
		}
		if adler32.Checksum(d.out[d.start:d.o]) != binary.BigEndian.Uint32(src[d.pos:]) {
			return ErrChecksum
		}
		return nil
	})
}
