// Package inflate decompresses DEFLATE (RFC 1951), gzip (RFC 1952) and
// zlib (RFC 1950) data held whole in memory.
//
// It exists for the ingest path: an SDK's request body is a few kilobytes
// of gzip, and a streaming decoder spends most of its time on the stream
// (reading a byte at a time, copying through a 32 KiB window). With the
// whole input and output in slices, the bit reader loads eight bytes at a
// time and matches copy straight from the output: a 5 KB event takes about
// 30 % less time than with klauspost/compress's streaming gzip. Large
// bodies are still better streamed (memory), so the caller decides.
//
// It accepts exactly the streams Go's compress/flate, compress/gzip and
// compress/zlib accept (a differential fuzz target holds it to that), and
// never writes more than the caller's limit.
package inflate

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// Errors. A corrupt stream's error wraps ErrCorrupt and names the byte
// offset in the input where decoding failed.
var (
	ErrCorrupt   = errors.New("corrupt input")
	ErrTruncated = errors.New("unexpected end of input")
	ErrChecksum  = errors.New("checksum mismatch")
	ErrHeader    = errors.New("invalid header")
	ErrLimit     = errors.New("output exceeds the limit")
)

// Table entries. A decoding table maps the next tableBits input bits to an
// entry: a leaf (a symbol, already turned into what it means) or a link to
// a subtable indexed by the bits that follow.
//
//	bits 0-4    bits the whole code takes (leaf), or unused (link)
//	bits 8-11   extra bits after the code (length, distance), or the
//	            subtable's index bits (link)
//	bit  12     link to a subtable
//	bit  13     literal byte
//	bit  14     end of block
//	bit  15     no code has these bits (invalid)
//	bits 16-31  literal byte, length base, distance base, or subtable offset
const (
	entLink    = 1 << 12
	entLiteral = 1 << 13
	entEOB     = 1 << 14
	entInvalid = 1 << 15

	litBits  = 10
	distBits = 8
	clBits   = 7

	maxCodeLen = 15
	numLit     = 286 // litlen symbols a block may use (286 and 287 are reserved)
	numDist    = 30
	endBlock   = 256
	maxMatch   = 258

	// Subtables are 2^(maxLen-tableBits) entries, one per prefix of a long
	// code: at most one per symbol.
	litTableSize  = 1<<litBits + 288<<(maxCodeLen-litBits)
	distTableSize = 1<<distBits + 32<<(maxCodeLen-distBits)
)

var (
	lengthBase  [29]uint16
	lengthExtra [29]uint8
	distBase    [30]uint16
	distExtra   [30]uint8
	// fixedLit and fixedDist are the tables of the fixed Huffman codes
	// (block type 1).
	fixedLit  [litTableSize]uint32
	fixedDist [distTableSize]uint32
	// clOrder is the order in which code length code lengths are sent.
	clOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// init computes the length and distance tables of RFC 1951 §3.2.5 and
// the fixed codes' decoding tables (§3.2.6).
func init() {
	base := uint16(3)
	for i := range 28 {
		e := uint8(0)
		if i >= 8 {
			e = uint8(i/4 - 1)
		}
		lengthBase[i], lengthExtra[i] = base, e
		base += 1 << e
	}
	lengthBase[28], lengthExtra[28] = 258, 0
	dbase := uint16(1)
	for i := range 30 {
		e := uint8(0)
		if i >= 2 {
			e = uint8(i/2 - 1)
		}
		distBase[i], distExtra[i] = dbase, e
		dbase += 1 << e
	}

	var lens [320]uint8
	for i := range 144 {
		lens[i] = 8
	}
	for i := 144; i < 256; i++ {
		lens[i] = 9
	}
	for i := 256; i < 280; i++ {
		lens[i] = 7
	}
	for i := 280; i < 288; i++ {
		lens[i] = 8
	}
	for i := 288; i < 320; i++ {
		lens[i] = 5
	}
	if !build(fixedLit[:], lens[:288], litBits, litEntry) || !build(fixedDist[:], lens[288:], distBits, distEntry) {
		panic("inflate: fixed Huffman tables")
	}
}

// litEntry is the leaf for a literal/length symbol.
func litEntry(sym int) uint32 {
	switch {
	case sym < 256:
		return entLiteral | uint32(sym)<<16
	case sym == endBlock:
		return entEOB
	case sym < numLit:
		i := sym - 257
		return uint32(lengthBase[i])<<16 | uint32(lengthExtra[i])<<8
	}
	return entInvalid // 286 and 287 exist in the fixed code but may not appear
}

func distEntry(sym int) uint32 {
	if sym < numDist {
		return uint32(distBase[sym])<<16 | uint32(distExtra[sym])<<8
	}
	return entInvalid // 30 and 31 exist in the fixed code but may not appear
}

func clEntry(sym int) uint32 { return uint32(sym) << 16 }

// build fills table for the canonical Huffman code with these code
// lengths. It fails on an over-subscribed or incomplete code, except the
// two incomplete codes RFC 1951 streams use and zlib accepts: no codes at
// all (a block without distances) and a single code of one bit.
func build(table []uint32, lens []uint8, tableBits uint, leaf func(sym int) uint32) bool {
	var count [maxCodeLen + 1]int
	maxLen := 0
	for _, l := range lens {
		count[l]++
		maxLen = max(maxLen, int(l))
	}
	// Cleared first: entries an incomplete code leaves unused must be
	// invalid, and a link left by the previous block's table must not be
	// taken for one of this table.
	primary := table[:1<<tableBits]
	for i := range primary {
		primary[i] = entInvalid
	}
	if maxLen == 0 {
		return true
	}
	var next [maxCodeLen + 1]int // first code of each length
	code := 0
	count[0] = 0 // unused symbols take no codes
	for l := 1; l <= maxLen; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	total := next[maxLen] + count[maxLen]
	if total > 1<<maxLen {
		return false // over-subscribed
	}
	if total < 1<<maxLen && !(total == 1 && maxLen == 1) {
		return false // incomplete
	}
	subBits := uint(0)
	if uint(maxLen) > tableBits {
		subBits = uint(maxLen) - tableBits
	}
	nextSub := 1 << tableBits
	for sym, l8 := range lens {
		l := uint(l8)
		if l == 0 {
			continue
		}
		c := next[l]
		next[l]++
		rev := int(bits.Reverse16(uint16(c)) >> (16 - l))
		e := leaf(sym) | uint32(l)
		if l <= tableBits {
			for i := rev; i < 1<<tableBits; i += 1 << l {
				primary[i] = e
			}
			continue
		}
		p := rev & (1<<tableBits - 1)
		if primary[p]&entLink == 0 {
			if nextSub+1<<subBits > len(table) {
				return false
			}
			primary[p] = entLink | uint32(subBits)<<8 | uint32(nextSub)<<16
			nextSub += 1 << subBits
		}
		sub := table[primary[p]>>16 : primary[p]>>16+1<<subBits]
		for i := rev >> tableBits; i < len(sub); i += 1 << (l - tableBits) {
			sub[i] = e
		}
	}
	return true
}

// decoder holds the state of one DEFLATE stream.
type decoder struct {
	src   []byte
	pos   int    // next byte of src to load (past len(src): zero padding)
	bits  uint64 // loaded bits, next one lowest
	nbits uint

	out      []byte // len(out) == cap(out); o is the length written
	o        int
	start    int // where this stream's output starts (matches may not reach before it)
	limitEnd int // o may not pass this

	lit  [litTableSize]uint32
	dist [distTableSize]uint32
	cl   [1 << clBits]uint32
}

// overread is how many zero bytes past the input the bit reader may load
// before the stream is declared truncated; a valid stream reads at most
// eight of them (one refill) and never uses them.
const overread = 16

func (d *decoder) refill() error {
	if d.pos+8 <= len(d.src) {
		d.bits |= binary.LittleEndian.Uint64(d.src[d.pos:]) << d.nbits
		d.pos += int(63-d.nbits) >> 3
		d.nbits |= 56
		return nil
	}
	for d.nbits <= 56 {
		if d.pos < len(d.src) {
			d.bits |= uint64(d.src[d.pos]) << d.nbits
		} else if d.pos-len(d.src) >= overread {
			return ErrTruncated
		}
		d.pos++
		d.nbits += 8
	}
	return nil
}

// consumed is the input offset of the next unread bit's byte, rounded up.
func (d *decoder) consumed() int { return d.pos - int(d.nbits)/8 }

// need makes sure n <= 56 bits are loaded.
func (d *decoder) need(n uint) error {
	if d.nbits < n {
		return d.refill()
	}
	return nil
}

func (d *decoder) take(n uint) uint32 {
	v := uint32(d.bits & (1<<n - 1))
	d.bits >>= n
	d.nbits -= n
	return v
}

func (d *decoder) corrupt(what string) error {
	return fmt.Errorf("%w at byte %d: %s", ErrCorrupt, min(d.consumed(), len(d.src)), what)
}

// reserve makes room for n more bytes of output. Past the limit it grows
// only by what one match can overshoot, which the decoder then reports.
func (d *decoder) reserve(n int) {
	if len(d.out)-d.o > n {
		return
	}
	size := max(2*len(d.out), d.o+n+1, 4096)
	size = min(size, max(d.limitEnd+maxMatch+1, d.o+n+1))
	out := make([]byte, size)
	copy(out, d.out[:d.o])
	d.out = out
}

// inflate decodes one DEFLATE stream starting at d.pos (on a byte
// boundary) and leaves d.pos at the byte after it.
func (d *decoder) inflate() error {
	d.bits, d.nbits = 0, 0
	d.start = d.o
	for {
		if err := d.need(3); err != nil {
			return err
		}
		final := d.take(1)
		switch d.take(2) {
		case 0:
			if err := d.stored(); err != nil {
				return err
			}
		case 1:
			if err := d.codes(&fixedLit, &fixedDist); err != nil {
				return err
			}
		case 2:
			if err := d.dynamic(); err != nil {
				return err
			}
			if err := d.codes(&d.lit, &d.dist); err != nil {
				return err
			}
		default:
			return d.corrupt("reserved block type")
		}
		if d.pos*8-int(d.nbits) > len(d.src)*8 {
			return ErrTruncated
		}
		if final == 1 {
			break
		}
	}
	// The stream ends at the next byte boundary; give back whole bytes
	// loaded past it.
	d.pos = d.consumed()
	d.bits, d.nbits = 0, 0
	return nil
}

func (d *decoder) stored() error {
	d.take(d.nbits % 8)
	d.pos = d.consumed()
	d.bits, d.nbits = 0, 0
	if d.pos+4 > len(d.src) {
		return ErrTruncated
	}
	n := int(binary.LittleEndian.Uint16(d.src[d.pos:]))
	if ^uint16(n) != binary.LittleEndian.Uint16(d.src[d.pos+2:]) {
		return d.corrupt("stored block length does not match its complement")
	}
	d.pos += 4
	if d.pos+n > len(d.src) {
		return ErrTruncated
	}
	if d.o+n > d.limitEnd {
		return ErrLimit
	}
	d.reserve(n)
	d.o += copy(d.out[d.o:], d.src[d.pos:d.pos+n])
	d.pos += n
	return nil
}

// dynamic reads a dynamic block's code lengths and builds its tables.
func (d *decoder) dynamic() error {
	if err := d.need(14); err != nil {
		return err
	}
	nlit := int(d.take(5)) + 257
	ndist := int(d.take(5)) + 1
	ncl := int(d.take(4)) + 4
	if nlit > numLit {
		return d.corrupt("too many literal/length codes")
	}
	if ndist > numDist {
		return d.corrupt("too many distance codes")
	}
	var clLens [19]uint8
	for i := range ncl {
		if err := d.need(3); err != nil {
			return err
		}
		clLens[clOrder[i]] = uint8(d.take(3))
	}
	if !build(d.cl[:], clLens[:], clBits, clEntry) {
		return d.corrupt("invalid code length code")
	}
	var lens [numLit + numDist]uint8
	for i := 0; i < nlit+ndist; {
		if err := d.need(clBits + 7); err != nil {
			return err
		}
		e := d.cl[d.bits&(1<<clBits-1)]
		if e&entInvalid != 0 {
			return d.corrupt("invalid code length")
		}
		d.take(uint(e & 31))
		sym := e >> 16
		if sym < 16 {
			lens[i] = uint8(sym)
			i++
			continue
		}
		var rep int
		var v uint8
		switch sym {
		case 16:
			if i == 0 {
				return d.corrupt("repeated code length with none before")
			}
			rep, v = 3+int(d.take(2)), lens[i-1]
		case 17:
			rep = 3 + int(d.take(3))
		default:
			rep = 11 + int(d.take(7))
		}
		if i+rep > nlit+ndist {
			return d.corrupt("code lengths overflow")
		}
		for range rep {
			lens[i] = v
			i++
		}
	}
	if !build(d.lit[:], lens[:nlit], litBits, litEntry) {
		return d.corrupt("invalid literal/length code")
	}
	if !build(d.dist[:], lens[nlit:nlit+ndist], distBits, distEntry) {
		return d.corrupt("invalid distance code")
	}
	return nil
}

// codes decodes a Huffman-coded block's data up to its end-of-block code.
func (d *decoder) codes(lit *[litTableSize]uint32, dist *[distTableSize]uint32) error {
	// Locals, so that the loop keeps them in registers.
	bitbuf, nbits := d.bits, d.nbits
	out, o := d.out, d.o
	for {
		if len(out)-o <= maxMatch+8 {
			d.o = o
			d.reserve(maxMatch + 8)
			out = d.out
		}
		// A symbol, its extra bits, a distance and its extra bits take at
		// most 15+5+15+13 = 48 bits.
		if nbits < 48 {
			if d.pos+8 <= len(d.src) {
				bitbuf |= binary.LittleEndian.Uint64(d.src[d.pos:]) << nbits
				d.pos += int(63-nbits) >> 3
				nbits |= 56
			} else {
				d.bits, d.nbits = bitbuf, nbits
				if err := d.refill(); err != nil {
					return err
				}
				bitbuf, nbits = d.bits, d.nbits
			}
		}
		e := lit[bitbuf&(1<<litBits-1)]
		if e&entLink != 0 {
			e = lit[(e>>16 + uint32(bitbuf>>litBits)&(1<<(e>>8&15)-1))]
		}
		n := uint(e & 31)
		bitbuf >>= n
		nbits -= n
		if e&entLiteral != 0 {
			out[o] = byte(e >> 16)
			o++
			// At least 41 bits are left, enough for another literal
			// without a refill; text is mostly runs of literals.
			e = lit[bitbuf&(1<<litBits-1)]
			if e&entLiteral != 0 {
				n = uint(e & 31)
				bitbuf >>= n
				nbits -= n
				out[o] = byte(e >> 16)
				o++
			}
			if o > d.limitEnd {
				d.o = o
				return ErrLimit
			}
			continue
		}
		if e&(entEOB|entInvalid) != 0 {
			d.bits, d.nbits, d.o = bitbuf, nbits, o
			if e&entEOB != 0 {
				return nil
			}
			return d.corrupt("invalid literal/length symbol")
		}
		xb := uint(e >> 8 & 15)
		length := int(e>>16) + int(bitbuf&(1<<xb-1))
		bitbuf >>= xb
		nbits -= xb

		e = dist[bitbuf&(1<<distBits-1)]
		if e&entLink != 0 {
			e = dist[(e>>16 + uint32(bitbuf>>distBits)&(1<<(e>>8&15)-1))]
		}
		if e&entInvalid != 0 {
			d.bits, d.nbits, d.o = bitbuf, nbits, o
			return d.corrupt("invalid distance symbol")
		}
		n = uint(e & 31)
		bitbuf >>= n
		nbits -= n
		xb = uint(e >> 8 & 15)
		dst := int(e>>16) + int(bitbuf&(1<<xb-1))
		bitbuf >>= xb
		nbits -= xb
		if dst > o-d.start {
			d.bits, d.nbits, d.o = bitbuf, nbits, o
			return d.corrupt("distance past the start of the output")
		}
		from := o - dst
		if dst >= 8 {
			// Eight bytes at a time, overshooting by up to seven into the
			// room reserve keeps; a distance of eight or more means each
			// load reads bytes already written.
			for i := 0; i < length; i += 8 {
				binary.LittleEndian.PutUint64(out[o+i:], binary.LittleEndian.Uint64(out[from+i:]))
			}
		} else {
			for i := range length {
				out[o+i] = out[from+i]
			}
		}
		o += length
		if o > d.limitEnd {
			d.o = o
			return ErrLimit
		}
	}
}
