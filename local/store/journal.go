package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The ingest journal makes accepted events durable before they reach the
// database. Each acknowledged batch is appended to a segment file beside the
// database as one record, with a single write call: an acknowledgement costs
// a system call and a copy instead of a SQLite commit, whose 16 KiB WAL
// frames cost several times more, and it runs on its own goroutine, in
// parallel with the writer's digests.
//
// Like SQLite with synchronous=NORMAL in WAL mode, the journal is not
// fsynced: an acknowledged event survives the process being killed, not the
// machine losing power.
//
// Every batch carries a sequence number. A digest records the last sequence
// it stored in the database, in the same transaction, so recovery skips
// what was digested already: each journal record is digested exactly once
// even if the process dies between a digest and the removal of its segment.
//
// A segment file starts with a 16-byte header (magic, journal id); each
// record is a 4-byte length and a 4-byte CRC-32C of the payload, then the
// payload: the batch's sequence as a uvarint and the batch (queuecodec.go).
// The journal id is random per database, so segments left beside a database
// that was deleted and created anew are recognized and removed.

const (
	journalMagic = "SNAGJRN1"
	// journalRotate is the size past which a fully digested segment is
	// replaced by a new one, and journalMaxSegment the size past which a new
	// segment starts even if the current one still holds undigested batches.
	journalRotate     = 4 << 20
	journalMaxSegment = 64 << 20
	journalHeaderLen  = 16
	journalRecordHead = 8
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// journal is the write side; it is used only by the acker goroutine (and by
// Open and Close, when that goroutine is not running).
type journal struct {
	base string // segment n is base + "-ingest." + n
	id   uint64
	f    *os.File
	cur  int64 // number of the open segment
	size int64
	segs []segment // segments on disk, oldest first; the last is cur
	buf  []byte
}

type segment struct {
	n       int64
	lastSeq uint64 // newest batch in it
}

// journalBatch is one acknowledged batch: its events and sequence.
type journalBatch struct {
	seq    uint64
	events []*pending
}

// segmentName is the file name of segment n.
func (j *journal) segmentName(n int64) string {
	return j.base + "-ingest." + strconv.FormatInt(n, 10)
}

// listSegments finds the segment files of the database at base, oldest first.
func listSegments(base string) ([]int64, error) {
	dir, prefix := filepath.Dir(base), filepath.Base(base)+"-ingest."
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || e.IsDir() {
			continue
		}
		if n, err := strconv.ParseInt(rest, 10, 64); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out, nil
}

// openJournal reads the segments left by a previous process, returning the
// batches in them that are newer than digested, and starts a new segment.
// The old segments stay until those batches are digested (see release).
func openJournal(base string, id, digested uint64) (*journal, []journalBatch, error) {
	j := &journal{base: base, id: id}
	nums, err := listSegments(base)
	if err != nil {
		return nil, nil, fmt.Errorf("open ingest journal: %w", err)
	}
	var batches []journalBatch
	for _, n := range nums {
		name := j.segmentName(n)
		got, err := readSegment(name, id)
		if errors.Is(err, errForeignSegment) {
			slog.Warn("local store: removing an ingest journal segment of another database", "file", name)
			if err := os.Remove(name); err != nil {
				return nil, nil, fmt.Errorf("open ingest journal: %w", err)
			}
			continue
		}
		if err != nil {
			// What was read before the damage is kept; a torn record can
			// only be one whose write never completed, so never acknowledged.
			slog.Warn("local store: ingest journal segment is damaged after its last complete batch", "file", name, "err", err)
		}
		var last uint64
		for _, b := range got {
			last = max(last, b.seq)
			if b.seq > digested {
				batches = append(batches, b)
			}
		}
		j.segs = append(j.segs, segment{n: n, lastSeq: last})
		j.cur = n
	}
	if err := j.startSegment(); err != nil {
		return nil, nil, err
	}
	return j, batches, nil
}

var errForeignSegment = errors.New("segment belongs to another database")

// readSegment decodes the batches of one segment file, stopping at the end
// or at the first damaged record (returning what came before and an error).
func readSegment(name string, id uint64) ([]journalBatch, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return decodeSegment(data, id)
}

// decodeSegment decodes a segment file's contents.
func decodeSegment(data []byte, id uint64) ([]journalBatch, error) {
	if len(data) < journalHeaderLen || string(data[:8]) != journalMagic {
		if len(data) == 0 {
			return nil, nil // created, never written
		}
		return nil, errForeignSegment
	}
	if binary.LittleEndian.Uint64(data[8:16]) != id {
		return nil, errForeignSegment
	}
	var out []journalBatch
	rest := data[journalHeaderLen:]
	for len(rest) > 0 {
		if len(rest) < journalRecordHead {
			return out, fmt.Errorf("%w: truncated record header", errQueueCorrupt)
		}
		n := binary.LittleEndian.Uint32(rest)
		sum := binary.LittleEndian.Uint32(rest[4:])
		if uint64(n) > uint64(len(rest)-journalRecordHead) {
			return out, fmt.Errorf("%w: truncated record", errQueueCorrupt)
		}
		payload := rest[journalRecordHead : journalRecordHead+int(n)]
		if crc32.Checksum(payload, crcTable) != sum {
			return out, fmt.Errorf("%w: checksum mismatch", errQueueCorrupt)
		}
		seq, k := binary.Uvarint(payload)
		if k <= 0 {
			return out, fmt.Errorf("%w: bad sequence", errQueueCorrupt)
		}
		events, err := decodeQueueBatch(payload[k:])
		if err != nil {
			return out, err
		}
		out = append(out, journalBatch{seq: seq, events: events})
		rest = rest[journalRecordHead+int(n):]
	}
	return out, nil
}

// startSegment opens a new, empty segment after the newest one.
func (j *journal) startSegment() error {
	if j.f != nil {
		if err := j.f.Close(); err != nil {
			slog.Warn("local store: closing an ingest journal segment", "err", err)
		}
		j.f = nil
	}
	n := j.cur + 1
	f, err := os.OpenFile(j.segmentName(n), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("ingest journal: %w", err)
	}
	var head [journalHeaderLen]byte
	copy(head[:], journalMagic)
	binary.LittleEndian.PutUint64(head[8:], j.id)
	if _, err := f.Write(head[:]); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("ingest journal: %w", err)
	}
	j.f, j.cur, j.size = f, n, journalHeaderLen
	j.segs = append(j.segs, segment{n: n})
	return nil
}

// append writes one batch as one record. When the write fails the segment
// may end in a partial record, so the journal moves to a new segment: the
// damaged tail is then the last thing in its file, where recovery stops.
func (j *journal) append(seq uint64, batch []*pending) error {
	if j.size > journalMaxSegment {
		if err := j.startSegment(); err != nil {
			return err
		}
	}
	b := append(j.buf[:0], make([]byte, journalRecordHead)...)
	b = binary.AppendUvarint(b, seq)
	b = appendQueueBatch(b, batch)
	payload := b[journalRecordHead:]
	binary.LittleEndian.PutUint32(b, uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[4:], crc32.Checksum(payload, crcTable))
	_, err := j.f.Write(b)
	if cap(b) <= maxKeptBuffer {
		j.buf = b
	} else {
		j.buf = nil
	}
	if err != nil {
		if serr := j.startSegment(); serr != nil {
			slog.Error("local store: ingest journal", "err", serr)
		}
		return fmt.Errorf("ingest journal: %w", err)
	}
	j.size += int64(len(b))
	last := &j.segs[len(j.segs)-1]
	last.lastSeq = max(last.lastSeq, seq)
	return nil
}

// release removes the segments whose batches are all digested, and replaces
// the open one when it is large and fully digested.
func (j *journal) release(digested uint64) {
	keep := j.segs[:0]
	for _, s := range j.segs {
		if s.n != j.cur && s.lastSeq <= digested {
			if err := os.Remove(j.segmentName(s.n)); err != nil && !errors.Is(err, os.ErrNotExist) {
				slog.Warn("local store: removing a digested ingest journal segment", "err", err)
				keep = append(keep, s)
			}
			continue
		}
		keep = append(keep, s)
	}
	j.segs = keep
	if last := j.segs[len(j.segs)-1]; j.size > journalRotate && last.lastSeq <= digested {
		if err := j.startSegment(); err != nil {
			slog.Error("local store: ingest journal", "err", err)
			return
		}
		j.release(digested)
	}
}

// close closes the open segment and, when everything was digested, removes
// every segment.
func (j *journal) close(digested uint64) error {
	var err error
	if j.f != nil {
		err = j.f.Close()
		j.f = nil
	}
	for _, s := range j.segs {
		if s.lastSeq <= digested {
			if rerr := os.Remove(j.segmentName(s.n)); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
				err = errors.Join(err, rerr)
			}
		}
	}
	return err
}

// journalState reads the journal id and the last digested sequence from the
// database, creating them on first use. The id is random so that segments
// of a database that was deleted and recreated are told apart.
func journalState(ctx context.Context, db *sql.DB) (id, digested uint64, err error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, 0, fmt.Errorf("open ingest journal: %w", err)
	}
	// counters holds signed integers; the id only needs to be stable.
	fresh := int64(binary.LittleEndian.Uint64(b[:]) >> 1)
	if _, err := db.ExecContext(ctx, `INSERT OR IGNORE INTO counters(name, value) VALUES ('ingest_journal', ?), ('ingest_seq', 0)`, fresh); err != nil {
		return 0, 0, wrap("open ingest journal", err)
	}
	var idv, seq int64
	err = db.QueryRowContext(ctx, `SELECT (SELECT value FROM counters WHERE name = 'ingest_journal'),
		(SELECT value FROM counters WHERE name = 'ingest_seq')`).Scan(&idv, &seq)
	if err != nil {
		return 0, 0, wrap("open ingest journal", err)
	}
	return uint64(idv), uint64(seq), nil
}
