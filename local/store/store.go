// Package store is snag's local event store: one SQLite file (WAL) opened
// with modernc.org/sqlite, a single writer goroutine that commits ingested
// events in groups, and a pool of readers for the web API and the TUI.
//
// Ingest is staged (see digest.go): Accept returns once an event is in the
// ingest journal beside the database (journal.go); the writer digests
// accepted events into issues, events and counters meanwhile, in large
// batches. Readers see
// an event once it is digested; Flush waits for that, and Submit is Accept
// plus waiting for the event's digest.
//
// Writes (events, status changes, merges, deletes, retention) all run on the
// writer goroutine, each in a BEGIN IMMEDIATE transaction on the one writer
// connection; reads use a separate pool of connections. Every connection gets
// its pragmas from the DSN, so pooled connections cannot miss one.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/snag-dev/snag/api"
)

// Sentinel errors. Errors from SQLite are wrapped with %w beside them, so
// errors.As still finds the driver's *sqlite.Error.
var (
	// ErrNotFound also matches api.ErrNotFound, so callers that handle both
	// the Sentry API and the local store test one sentinel.
	ErrNotFound = fmt.Errorf("local store: %w", api.ErrNotFound)
	// ErrQueueFull is returned by Accept and Submit when the backlog of
	// undigested events is at its bound; the server answers 503 so the SDK
	// retries later.
	ErrQueueFull = errors.New("local store: write queue full")
	// ErrClosed is returned by every call after Close.
	ErrClosed = errors.New("local store: closed")
	// ErrSchemaTooNew is returned by Open for a database written by a newer snag.
	ErrSchemaTooNew = errors.New("local store: database schema is newer than this snag")
	// ErrInvalid reports an argument the store cannot accept.
	ErrInvalid = errors.New("local store: invalid argument")
)

// Defaults for Options fields left zero.
const (
	DefaultQueueSize         = 10_000
	DefaultMaxQueueBytes     = 128 << 20
	DefaultMaxBatch          = 512
	DefaultBatchWindow       = 0 // take what is queued, do not wait for more
	DefaultDigestBatch       = 1000
	DefaultDigestDelay       = 250 * time.Millisecond
	DefaultMaxEventsPerIssue = 100
	DefaultMaxEvents         = 100_000
	DefaultMaxAge            = 90 * 24 * time.Hour
	DefaultMaxTagsPerEvent   = 100
	DefaultRetentionStep     = 1000
	DefaultReaders           = 4
)

// The org every local project belongs to, and the project that exists from
// the start.
const (
	OrgSlug            = "local"
	DefaultProjectID   = 1
	DefaultProjectSlug = "default"
)

// Options tune a Store. The zero value means the documented defaults; a
// negative retention limit switches that limit off.
type Options struct {
	// QueueSize bounds the events accepted and not yet digested, waiting
	// for the writer or in the journal (ErrQueueFull past it).
	QueueSize int
	// MaxQueueBytes bounds the same backlog by compressed size (bodies and
	// attachments are held in memory until digested).
	MaxQueueBytes int64
	// MaxBatch is the most events acknowledged by one journal write.
	MaxBatch int
	// BatchWindow is how long the writer may wait for more events after the
	// first one of a batch. Zero takes only what is already queued, which
	// batches well under load and adds no latency when idle.
	BatchWindow time.Duration
	// DigestBatch is the most events digested in one transaction; the
	// digest also runs as soon as this many wait.
	DigestBatch int
	// DigestDelay is how long an acknowledged event may wait for its digest
	// (and so be invisible to readers) when fewer than DigestBatch wait.
	DigestDelay time.Duration

	// Retention. Issue counters are never reduced by retention.
	MaxEventsPerIssue int           // stored events per issue (default 100)
	MaxEvents         int           // stored events in total (default 100,000)
	MaxAge            time.Duration // by received time (default 90 days)
	// RetentionStep is the most events one retention transaction deletes, so
	// retention never holds the writer for long.
	RetentionStep int

	// MaxTagsPerEvent caps the tags kept per event (default 100).
	MaxTagsPerEvent int

	// Readers is the size of the reader pool (default max(4, GOMAXPROCS)).
	Readers int

	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.QueueSize, DefaultQueueSize)
	def(&o.MaxBatch, DefaultMaxBatch)
	def(&o.DigestBatch, DefaultDigestBatch)
	def(&o.MaxEventsPerIssue, DefaultMaxEventsPerIssue)
	def(&o.MaxEvents, DefaultMaxEvents)
	def(&o.RetentionStep, DefaultRetentionStep)
	def(&o.MaxTagsPerEvent, DefaultMaxTagsPerEvent)
	def(&o.Readers, max(DefaultReaders, runtime.GOMAXPROCS(0)))
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.QueueSize < 1 {
		o.QueueSize = 1
	}
	if o.MaxQueueBytes == 0 {
		o.MaxQueueBytes = DefaultMaxQueueBytes
	}
	if o.DigestBatch < 1 {
		o.DigestBatch = 1
	}
	if o.DigestDelay <= 0 {
		o.DigestDelay = DefaultDigestDelay
	}
	if o.MaxBatch < 1 {
		o.MaxBatch = 1
	}
	if o.RetentionStep < 1 {
		o.RetentionStep = DefaultRetentionStep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Store is an open local database. It is safe for concurrent use.
type Store struct {
	path string
	opts Options
	wdb  *sql.DB // one connection, BEGIN IMMEDIATE; used only by the writer goroutine
	rdb  *sql.DB // readers
	cdb  *sql.DB // one connection for WAL checkpoints

	dec *zstd.Decoder // for bodies older versions wrote; DecodeAll is safe for concurrent use

	mu     sync.RWMutex // guards closed against the sends to queue and ops
	closed bool
	queue  chan *pending // to the acker
	ops    chan *op
	// batches carries acknowledged batches from the acker to the writer;
	// digestedSeq is the journal sequence of the last batch digested.
	batches     chan queuedRow
	digestedSeq atomic.Uint64
	journal     *journal      // the acker's while it runs
	done        chan struct{} // closed when the writer goroutine has returned

	// Events accepted and not yet digested (in queue or in the writer's
	// backlog), and their size; Accept checks them against the bounds.
	backlog, backlogBytes atomic.Int64

	stats writerStats

	stopCheckpoints chan struct{}
	checkpointsDone chan struct{}

	keysMu sync.RWMutex
	keys   map[string]Project // public key → project (positive lookups only)
}

// Connection roles.
const (
	roleReader = iota
	roleWriter
	roleCheckpointer
)

// dsn builds the connection string. busy_timeout comes first so that a
// connection waits while another one switches the file to WAL.
func dsn(path string, role int) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Add("_pragma", "cache_size(-32000)") // 32 MB per connection
	q.Add("_pragma", "journal_size_limit(67108864)")
	switch role {
	case roleWriter:
		q.Add("_txlock", "immediate")
		// Checkpoints (and their fsyncs) run on their own connection, off
		// the writer's path; see checkpointer.
		q.Add("_pragma", "wal_autocheckpoint(0)")
	case roleReader:
		q.Add("_pragma", "query_only(ON)")
	}
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// Open opens (creating if needed) the database at path, migrates it, and
// starts the writer. A new database gets project "default" (id 1) with a DSN
// key, and an API token. The file is created with mode 0600.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	opts = opts.withDefaults()
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open local store: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("open local store: %w", err)
	}
	// Create the file ourselves so it is 0600; SQLite gives the -wal and -shm
	// files the mode of the database file.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open local store: %w", err)
	}
	fi, err := f.Stat()
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("open local store: %w", err)
	}
	if fi.Size() == 0 {
		if err := initFile(ctx, abs); err != nil {
			return nil, err
		}
	}

	s := &Store{
		path:    abs,
		opts:    opts,
		queue:   make(chan *pending, opts.QueueSize),
		batches: make(chan queuedRow, opts.QueueSize),
		ops:     make(chan *op),
		done:    make(chan struct{}),
		keys:    map[string]Project{},
	}
	if s.wdb, err = sql.Open("sqlite", dsn(abs, roleWriter)); err != nil {
		return nil, fmt.Errorf("open local store: %w", err)
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	s.wdb.SetConnMaxIdleTime(0)
	s.wdb.SetConnMaxLifetime(0)
	fail := func(err error) (*Store, error) {
		s.wdb.Close()
		if s.rdb != nil {
			s.rdb.Close()
		}
		if s.cdb != nil {
			s.cdb.Close()
		}
		return nil, err
	}
	if err := migrate(ctx, s.wdb); err != nil {
		return fail(err)
	}
	if err := bootstrap(ctx, s.wdb, opts.Now()); err != nil {
		return fail(err)
	}
	if s.rdb, err = sql.Open("sqlite", dsn(abs, roleReader)); err != nil {
		return fail(fmt.Errorf("open local store: %w", err))
	}
	s.rdb.SetMaxOpenConns(opts.Readers)
	s.rdb.SetMaxIdleConns(opts.Readers)
	if err := s.rdb.PingContext(ctx); err != nil {
		return fail(fmt.Errorf("open local store: %w", err))
	}
	if s.dec, err = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0)); err != nil {
		return fail(fmt.Errorf("open local store: %w", err))
	}
	if s.cdb, err = sql.Open("sqlite", dsn(abs, roleCheckpointer)); err != nil {
		return fail(fmt.Errorf("open local store: %w", err))
	}
	s.cdb.SetMaxOpenConns(1)
	id, digested, err := journalState(ctx, s.wdb)
	if err != nil {
		return fail(err)
	}
	j, recovered, err := openJournal(abs, id, digested)
	if err != nil {
		return fail(err)
	}
	s.digestedSeq.Store(digested)
	w, err := newWriter(ctx, s, recovered)
	if err != nil {
		j.close(0)
		return fail(err)
	}
	// Sequences continue after the newest batch any segment holds.
	seq := s.digestedSeq.Load()
	for _, sg := range j.segs {
		seq = max(seq, sg.lastSeq)
	}
	j.release(s.digestedSeq.Load())
	s.journal = j
	s.stopCheckpoints = make(chan struct{})
	s.checkpointsDone = make(chan struct{})
	go s.checkpointer()
	go s.acker(j, seq)
	go w.run()
	return s, nil
}

// pageSize is the page size of new databases. Every WAL frame costs two
// write calls whatever its size, and a commit writes each page it dirtied:
// with pages larger than SQLite's 4 KiB default, a digest's scattered index
// updates take several times fewer calls, and a 50 KB event's compressed
// body fits in a page without an overflow chain.
const pageSize = 16384

// initFile sets up a new, empty database file: its page size (which only
// applies before the first page is written, and which the DSN pragmas,
// applied in lexical order after journal_mode, cannot set) and WAL mode.
func initFile(ctx context.Context, path string) error {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return fmt.Errorf("open local store: %w", err)
	}
	defer db.Close()
	for _, p := range []string{fmt.Sprintf("PRAGMA page_size = %d", pageSize), "PRAGMA journal_mode = WAL"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			return wrap("open local store: initialize", err)
		}
	}
	return wrap("open local store: initialize", db.Close())
}

// Path is the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// Close stops accepting writes, lets the writer commit everything already
// queued, and closes the database. It is safe to call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.closed = true
	close(s.queue)
	s.mu.Unlock()
	<-s.done // the writer returns after the acker
	jerr := s.journal.close(s.digestedSeq.Load())
	close(s.stopCheckpoints)
	<-s.checkpointsDone
	s.dec.Close()
	// The last connection to close checkpoints the WAL into the file.
	return errors.Join(jerr, s.cdb.Close(), s.rdb.Close(), s.wdb.Close())
}

// checkpointer copies the WAL back into the database file, continuously and
// on its own connection, so that neither the copy nor its fsyncs hold up the
// writer. PASSIVE checkpoints never block the writer or readers.
func (s *Store) checkpointer() {
	defer close(s.checkpointsDone)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stopCheckpoints:
			return
		case <-t.C:
		}
		var busy, logFrames, done int
		err := s.cdb.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &done)
		if err != nil {
			slog.Warn("local store checkpoint", "err", err)
		}
	}
}

const checkpointInterval = 200 * time.Millisecond

// wrap turns driver errors into the store's errors, keeping the cause.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if errors.Is(err, sql.ErrConnDone) {
		return fmt.Errorf("%s: %w: %w", what, ErrClosed, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY {
		return fmt.Errorf("%s: database is locked by another process: %w", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }
