package store

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The ingest journal (and the ingest_queue table before it) stores each
// acknowledged batch as one blob: a version byte, then per event its fields
// as uvarints and length-prefixed strings, in the order below. It only ever
// has to be read back by the same store after a crash, so it is a compact
// private format rather than JSON.

const queueCodecVersion = 1

var errQueueCorrupt = errors.New("local store: corrupt ingest journal record")

func appendQueueBatch(b []byte, batch []*pending) []byte {
	b = append(b, queueCodecVersion)
	b = binary.AppendUvarint(b, uint64(len(batch)))
	for _, p := range batch {
		b = appendPending(b, p)
	}
	return b
}

func appendPending(b []byte, p *pending) []byte {
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	bytes := func(v []byte) {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	b = binary.AppendVarint(b, p.projectID)
	str(p.eventID)
	b = binary.AppendUvarint(b, uint64(len(p.hashes)))
	for _, h := range p.hashes {
		str(h)
	}
	b = binary.AppendVarint(b, p.ts)
	b = binary.AppendVarint(b, p.recv)
	for _, s := range [...]string{p.level, p.title, p.culprit, p.typ, p.metadata, p.message, p.platform,
		p.release, p.dist, p.environment, p.txn, p.userKey} {
		str(s)
	}
	b = binary.AppendUvarint(b, uint64(len(p.tags)))
	for _, t := range p.tags {
		str(t[0])
		str(t[1])
	}
	b = binary.AppendUvarint(b, uint64(p.bodySize))
	bytes(p.body)
	b = binary.AppendUvarint(b, uint64(len(p.attachments)))
	for _, a := range p.attachments {
		str(a.Name)
		str(a.ContentType)
		str(a.AttachmentType)
		bytes(a.Data)
	}
	return b
}

// queueReader decodes what appendQueueBatch wrote. The first error sticks.
type queueReader struct {
	b   []byte
	err error
}

func (r *queueReader) fail() {
	if r.err == nil {
		r.err = errQueueCorrupt
	}
	r.b = nil
}

func (r *queueReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *queueReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *queueReader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *queueReader) str() string { return string(r.bytes()) }

// count reads a length that must be plausible for the bytes left.
func (r *queueReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return 0
	}
	return int(n)
}

// decodeQueueBatch rebuilds the events of one queue row. The events share
// data's memory.
func decodeQueueBatch(data []byte) ([]*pending, error) {
	if len(data) == 0 || data[0] != queueCodecVersion {
		return nil, fmt.Errorf("%w: unknown version", errQueueCorrupt)
	}
	r := &queueReader{b: data[1:]}
	out := make([]*pending, 0, r.count())
	for n := cap(out); n > 0 && r.err == nil; n-- {
		p := &pending{projectID: r.varint(), eventID: r.str()}
		p.hashes = make([]string, r.count())
		for i := range p.hashes {
			p.hashes[i] = r.str()
		}
		p.ts, p.recv = r.varint(), r.varint()
		for _, s := range [...]*string{&p.level, &p.title, &p.culprit, &p.typ, &p.metadata, &p.message,
			&p.platform, &p.release, &p.dist, &p.environment, &p.txn, &p.userKey} {
			*s = r.str()
		}
		p.tags = make([][2]string, r.count())
		for i := range p.tags {
			p.tags[i] = [2]string{r.str(), r.str()}
		}
		p.bodySize = int(r.uvarint())
		p.body = r.bytes()
		if len(p.body) == 0 {
			p.body = nil
		}
		if n := r.count(); n > 0 {
			p.attachments = make([]Attachment, n)
			for i := range p.attachments {
				p.attachments[i] = Attachment{Name: r.str(), ContentType: r.str(), AttachmentType: r.str(), Data: r.bytes()}
			}
		}
		p.tagsJSON = encodeTags(p.tags)
		p.hashesJSON = encodeStrings(p.hashes)
		out = append(out, p)
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%w: trailing bytes", errQueueCorrupt)
	}
	return out, nil
}
