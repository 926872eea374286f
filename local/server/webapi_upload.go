package server

import (
	"compress/gzip"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/sourcemaps"
)

// Sourcemap upload, as Sentry's chunk-upload and artifactbundle/assemble
// endpoints do it: the client asks for the chunk options, asks assemble
// which chunks of its bundle are missing, POSTs those (gzipped multipart
// parts named by their SHA-1), and asks assemble again until the state is
// ok. Chunks wait in files beside the database until their bundle is
// assembled, or until ChunkTTL passes.

// Limits the chunk options announce, Sentry's own except where noted.
const (
	chunkSize         = 8 << 20
	chunksPerRequest  = 64
	maxRequestSize    = 32 << 20
	uploadConcurrency = 8
	// DefaultMaxBundleSize caps an artifact bundle: it is assembled in
	// memory (Sentry allows 2 GiB; a local bundle of maps is far smaller).
	DefaultMaxBundleSize = 512 << 20
	// DefaultChunkTTL is how long a chunk waits for its assembly.
	DefaultChunkTTL = time.Hour
	// DefaultAssembleWait is how long an assemble request waits for the
	// assembly it started; a bundle of a few MB is done well within it, so
	// the client gets ok at once instead of polling.
	DefaultAssembleWait = 10 * time.Second
	// Finished assemblies are remembered this long (Sentry: 10 minutes);
	// failures only briefly, so that a fixed upload is not refused.
	assembleOKTTL    = 10 * time.Minute
	assembleErrorTTL = time.Minute
)

// chunkAccept is Sentry's CHUNK_UPLOAD_ACCEPT: sentry-cli 2.x needs
// release_files and artifact_bundles(_v2) to take the modern upload path.
var chunkAccept = []string{"debug_files", "release_files", "pdbs", "sources", "bcsymbolmaps",
	"il2cpp", "portablepdbs", "artifact_bundles", "artifact_bundles_v2", "proguard"}

func (a *webAPI) uploadRoutes(handle func(string, apiHandler)) {
	handle("GET /api/0/organizations/{org}/chunk-upload/{$}", a.handleChunkOptions)
	handle("POST /api/0/organizations/{org}/chunk-upload/{$}", a.handleChunkUpload)
	handle("POST /api/0/organizations/{org}/artifactbundle/assemble/{$}", a.handleAssemble)
}

// uploads holds the chunk directory and the assemblies under way.
type uploads struct {
	a        *webAPI
	maxFile  int64
	ttl      time.Duration
	wait     time.Duration
	limits   sourcemaps.BundleLimits
	dirOnce  sync.Once
	dir      string
	dirErr   error
	ctx      context.Context // ends at close, stopping assemblies
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	mu       sync.Mutex
	jobs     map[string]*assembleJob
	lastScan time.Time
}

func newUploads(a *webAPI) *uploads {
	u := &uploads{a: a, maxFile: a.cfg.MaxFileSize, ttl: a.cfg.ChunkTTL, wait: a.cfg.AssembleWait,
		limits: sourcemaps.DefaultBundleLimits(), jobs: map[string]*assembleJob{}}
	if u.maxFile <= 0 {
		u.maxFile = DefaultMaxBundleSize
	}
	if u.ttl <= 0 {
		u.ttl = DefaultChunkTTL
	}
	if u.wait <= 0 {
		u.wait = DefaultAssembleWait
	}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	return u
}

func (u *uploads) close() {
	u.cancel()
	u.wg.Wait()
}

// chunkDir creates the chunk directory on first use, readable by the owner
// only (uploads may carry source code).
func (u *uploads) chunkDir() (string, error) {
	u.dirOnce.Do(func() {
		u.dir = u.a.cfg.ChunkDir
		if u.dir == "" {
			u.dir = u.a.st.Path() + ".chunks"
		}
		if err := os.MkdirAll(u.dir, 0o700); err != nil {
			u.dirErr = fmt.Errorf("creating the chunk directory: %w", err)
			return
		}
		// MkdirAll keeps an existing directory's mode; tighten it.
		u.dirErr = os.Chmod(u.dir, 0o700)
	})
	return u.dir, u.dirErr
}

func (a *webAPI) handleChunkOptions(w http.ResponseWriter, r *http.Request) error {
	if err := checkOrg(r); err != nil {
		return err
	}
	// An absolute URL, as Sentry sends to every client but old sentry-cli.
	apiJSON(w, http.StatusOK, api.ChunkOptions{
		URL:              baseURL(r) + "/api/0/organizations/" + store.OrgSlug + "/chunk-upload/",
		ChunkSize:        chunkSize,
		ChunksPerRequest: chunksPerRequest,
		MaxFileSize:      a.uploads.maxFile,
		MaxRequestSize:   maxRequestSize,
		Concurrency:      uploadConcurrency,
		HashAlgorithm:    "sha1",
		Compression:      []string{"gzip"},
		Accept:           chunkAccept,
	})
	return nil
}

func tooLarge(format string, args ...any) error {
	return &apiError{status: http.StatusRequestEntityTooLarge, detail: fmt.Sprintf(format, args...), key: "error"}
}

func uploadError(format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, detail: fmt.Sprintf(format, args...), key: "error"}
}

// handleChunkUpload stores the parts of a multipart POST: "file_gzip"
// parts are gzipped chunks, "file" parts plain ones, each named by the
// SHA-1 of its uncompressed bytes, which is checked. Sizes are checked after
// decompression.
func (a *webAPI) handleChunkUpload(w http.ResponseWriter, r *http.Request) error {
	if err := checkOrg(r); err != nil {
		return err
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return uploadError("Unsupported Content-Encoding %q; send gzipped chunks as file_gzip parts", ce)
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		if r.ContentLength == 0 {
			w.WriteHeader(http.StatusOK) // an empty POST is fine, as on Sentry
			return nil
		}
		return uploadError("Expected a multipart/form-data body, got %q", mt)
	}
	dir, err := a.uploads.chunkDir()
	if err != nil {
		return err
	}
	a.uploads.sweep(dir)
	// Gzip of incompressible data is a little larger than the data, and
	// the multipart framing adds a little more.
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestSize+maxRequestSize/64+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return uploadError("Invalid multipart body: %v", err)
	}
	var count int
	var total int64
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return tooLarge("Request too large")
			}
			return uploadError("Invalid multipart body: %v", err)
		}
		field := part.FormName()
		if field != "file" && field != "file_gzip" {
			part.Close()
			continue // Sentry ignores other fields too
		}
		if count++; count > chunksPerRequest {
			return uploadError("Too many chunks (at most %d per request)", chunksPerRequest)
		}
		n, err := a.uploads.storeChunk(dir, part.FileName(), part, field == "file_gzip", min(chunkSize, maxRequestSize-total))
		part.Close()
		if err != nil {
			return err
		}
		total += n
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// storeChunk writes one part to the chunk directory under its checksum,
// after checking the checksum and, decompressed, the size.
func (u *uploads) storeChunk(dir, name string, part io.Reader, gz bool, limit int64) (int64, error) {
	name = strings.ToLower(name)
	if !isSHA1(name) {
		return 0, uploadError("Chunk file name %q is not a SHA-1 checksum", name)
	}
	var src io.Reader = &sourceReader{part}
	if gz {
		zr, err := gzip.NewReader(src)
		if err != nil {
			return 0, chunkReadError(name, err)
		}
		defer zr.Close()
		src = &sourceReader{zr}
	}
	tmp, err := os.CreateTemp(dir, ".upload-*") // mode 0600
	if err != nil {
		return 0, fmt.Errorf("storing chunk %s: %w", name, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha1.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(src, limit+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		return 0, chunkReadError(name, err)
	case n > limit && limit < chunkSize:
		return 0, tooLarge("Request too large (more than %d bytes of chunks)", maxRequestSize)
	case n > limit:
		return 0, tooLarge("Chunk size too large (chunk %s is over %d bytes)", name, chunkSize)
	}
	if got := hexSum(h); got != name {
		return 0, uploadError("Chunk checksum mismatch: part named %s has SHA-1 %s", name, got)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return 0, fmt.Errorf("storing chunk %s: %w", name, err)
	}
	return n, nil
}

// sourceReader marks the errors of reading a part, which are the client's
// (a cut or corrupt body: 400; too long: 413), apart from those of writing
// the chunk file, which are the server's.
type sourceReader struct{ r io.Reader }

type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		var se *sourceError
		if !errors.As(err, &se) {
			err = &sourceError{err}
		}
	}
	return n, err
}

func chunkReadError(name string, err error) error {
	var mbe *http.MaxBytesError
	var se *sourceError
	switch {
	case errors.As(err, &mbe):
		return tooLarge("Request too large")
	case errors.As(err, &se), errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.Is(err, io.ErrUnexpectedEOF):
		return uploadError("Chunk %s: corrupt or cut off data: %v", name, err)
	}
	return fmt.Errorf("storing chunk %s: %w", name, err)
}

func isSHA1(s string) bool {
	if len(s) != 40 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// sweep deletes chunks (and half-written temporary files) older than the
// TTL, at most every TTL/4.
func (u *uploads) sweep(dir string) {
	u.mu.Lock()
	now := u.a.now()
	if now.Sub(u.lastScan) < u.ttl/4 {
		u.mu.Unlock()
		return
	}
	u.lastScan = now
	for k, j := range u.jobs {
		if j.expired(now) {
			delete(u.jobs, k)
		}
	}
	u.mu.Unlock()
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() && now.Sub(info.ModTime()) > u.ttl {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// assembleRequest is Sentry's ChunkedArtifactRequest.
type assembleRequest struct {
	Checksum string      `json:"checksum"`
	Chunks   []string    `json:"chunks"`
	Projects projectRefs `json:"projects"`
	Version  *string     `json:"version"`
	Dist     *string     `json:"dist"`
}

type assembleResponse struct {
	State         string   `json:"state"`
	MissingChunks []string `json:"missingChunks"`
	Detail        *string  `json:"detail"`
}

// assembleJob is one assembly: a bundle for some projects, release and dist.
type assembleJob struct {
	done     chan struct{}
	mu       sync.Mutex
	state    string
	detail   string
	finished time.Time
}

func (j *assembleJob) get() (state, detail string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.state, j.detail
}

func (j *assembleJob) set(state, detail string, now time.Time) {
	j.mu.Lock()
	j.state, j.detail = state, detail
	if state == api.AssembleOK || state == api.AssembleError {
		j.finished = now
	}
	j.mu.Unlock()
}

func (j *assembleJob) expired(now time.Time) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	switch j.state {
	case api.AssembleOK:
		return now.Sub(j.finished) > assembleOKTTL
	case api.AssembleError:
		return now.Sub(j.finished) > assembleErrorTTL
	}
	return false
}

// assembleTarget is a validated assemble request.
type assembleTarget struct {
	checksum string
	chunks   []string
	projects []int64 // sorted, distinct
	version  string
	dist     string
}

func (t *assembleTarget) key() string {
	var b strings.Builder
	b.WriteString(t.checksum)
	for _, p := range t.projects {
		b.WriteString("|" + strconv.FormatInt(p, 10))
	}
	b.WriteString("|" + t.version + "|" + t.dist)
	return b.String()
}

// parseAssemble validates a request as Sentry's schema does, with its
// messages.
func (a *webAPI) parseAssemble(w http.ResponseWriter, r *http.Request) (*assembleTarget, error) {
	var req assembleRequest
	if err := readJSON(w, r, &req, true); err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			ae.key = "error"
		}
		return nil, err
	}
	t := &assembleTarget{checksum: strings.ToLower(req.Checksum)}
	if !isSHA1(t.checksum) {
		return nil, uploadError("The checksum field must be a SHA-1 checksum (40 hex digits).")
	}
	for _, c := range req.Chunks {
		c = strings.ToLower(c)
		if !isSHA1(c) {
			return nil, uploadError("The chunks field must be a list of SHA-1 checksums; %q is not one.", c)
		}
		t.chunks = append(t.chunks, c)
	}
	if req.Projects == nil {
		return nil, uploadError("The projects field is required and must be provided as an array of strings.")
	}
	if len(req.Projects) == 0 {
		return nil, uploadError("You need to specify at least one project")
	}
	for _, ref := range req.Projects {
		p, err := a.project(r.Context(), ref)
		if isNotFound(err) {
			return nil, uploadError("One or more projects are invalid")
		}
		if err != nil {
			return nil, err
		}
		t.projects = append(t.projects, p.ID)
	}
	slices.Sort(t.projects)
	t.projects = slices.Compact(t.projects)
	if req.Version != nil {
		if *req.Version == "" || strings.Contains(*req.Version, "/") {
			return nil, uploadError(`The version field cannot be empty and cannot contain any "/" characters.`)
		}
		if err := store.ValidateReleaseVersion(*req.Version); err != nil {
			return nil, uploadError("The version field is not a valid release: %s", strings.TrimPrefix(err.Error(), "local store: invalid argument: "))
		}
		t.version = *req.Version
	}
	if req.Dist != nil {
		if t.version == "" {
			return nil, uploadError("You need to specify a release together with a dist")
		}
		t.dist = *req.Dist
	}
	return t, nil
}

// handleAssemble answers where an artifact bundle stands: ok if it is
// stored (an unchanged re-upload is answered from the database, without its
// chunks), not_found with the chunks still to send, or the state of the
// assembly it starts or finds under way.
func (a *webAPI) handleAssemble(w http.ResponseWriter, r *http.Request) error {
	if err := checkOrg(r); err != nil {
		return err
	}
	t, err := a.parseAssemble(w, r)
	if err != nil {
		return err
	}
	u := a.uploads
	key := t.key()
	u.mu.Lock()
	job := u.jobs[key]
	if job != nil && job.expired(a.now()) {
		delete(u.jobs, key)
		job = nil
	}
	u.mu.Unlock()
	if job != nil {
		return writeAssemble(w, job, nil)
	}

	stored, err := a.st.ArtifactBundlesByChecksum(r.Context(), t.checksum)
	if err != nil {
		return err
	}
	if storedFor(stored, t) {
		return writeAssemble(w, nil, nil)
	}
	var fromStore int64 // a bundle row holding the same bytes, if any
	if len(stored) > 0 {
		fromStore = stored[0].ID
	} else {
		if len(t.chunks) == 0 {
			return writeAssemble(w, nil, []string{})
		}
		dir, err := u.chunkDir()
		if err != nil {
			return err
		}
		if missing := missingChunks(dir, t.chunks); len(missing) > 0 {
			return writeAssemble(w, nil, missing)
		}
	}

	job, started := u.start(key, func(ctx context.Context, job *assembleJob) {
		a.assemble(ctx, job, t, fromStore)
	})
	if started {
		select {
		case <-job.done:
		case <-time.After(u.wait):
		case <-r.Context().Done():
		}
	}
	return writeAssemble(w, job, nil)
}

// storedFor reports whether every project of t already has this bundle,
// indexed under t's release and dist when t names one.
func storedFor(stored []store.StoredBundle, t *assembleTarget) bool {
	if len(stored) == 0 {
		return false
	}
	for _, p := range t.projects {
		found := false
		for _, b := range stored {
			if b.ProjectID == p && (t.version == "" || slices.Contains(b.Releases, [2]string{t.version, t.dist})) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// missingChunks lists the chunks not in dir, each once, in request order.
// A chunk found is touched, so the sweep keeps it until its assembly.
func missingChunks(dir string, chunks []string) []string {
	missing := []string{}
	seen := map[string]bool{}
	now := time.Now()
	for _, c := range chunks {
		if seen[c] {
			continue
		}
		seen[c] = true
		if err := os.Chtimes(filepath.Join(dir, c), now, now); err != nil {
			missing = append(missing, c)
		}
	}
	return missing
}

// start runs fn as the job for key, unless one is already under way; it
// returns the job and whether it was started here.
func (u *uploads) start(key string, fn func(context.Context, *assembleJob)) (*assembleJob, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if j := u.jobs[key]; j != nil {
		return j, false
	}
	j := &assembleJob{done: make(chan struct{}), state: api.AssembleCreated}
	u.jobs[key] = j
	u.wg.Go(func() {
		defer close(j.done)
		fn(u.ctx, j)
	})
	return j, true
}

func writeAssemble(w http.ResponseWriter, job *assembleJob, missing []string) error {
	resp := assembleResponse{State: api.AssembleOK, MissingChunks: []string{}}
	switch {
	case missing != nil:
		resp.State, resp.MissingChunks = api.AssembleNotFound, missing
	case job != nil:
		state, detail := job.get()
		resp.State = state
		if detail != "" {
			resp.Detail = &detail
		}
	}
	apiJSON(w, http.StatusOK, resp)
	return nil
}

// assemble builds the bundle from its chunks (or from the stored copy of
// the same bytes), checks it, and stores and indexes it for every project.
func (a *webAPI) assemble(ctx context.Context, job *assembleJob, t *assembleTarget, fromStore int64) {
	u := a.uploads
	job.set(api.AssembleAssembling, "", a.now())
	var data []byte
	var err error
	if fromStore != 0 {
		data, err = a.st.ArtifactBundleData(ctx, fromStore)
	} else {
		data, err = u.readChunks(t)
	}
	if err == nil {
		err = a.storeBundle(ctx, t, data)
	}
	var fail *assembleFailure
	switch {
	case err == nil:
		job.set(api.AssembleOK, "", a.now())
	case errors.As(err, &fail):
		job.set(api.AssembleError, fail.detail, a.now())
	default:
		a.log.Error("assembling artifact bundle", "checksum", t.checksum, "err", err)
		job.set(api.AssembleError, "the server could not store the bundle: "+err.Error(), a.now())
		return // the chunks stay, for a retry
	}
	if fromStore == 0 {
		u.removeChunks(job, t.chunks)
	}
}

// removeChunks deletes an assembled bundle's chunks, except those another
// assembly under way still needs (the same bundle for other projects).
func (u *uploads) removeChunks(done *assembleJob, chunks []string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	busy := false
	for _, j := range u.jobs {
		if j == done {
			continue
		}
		if st, _ := j.get(); st == api.AssembleCreated || st == api.AssembleAssembling {
			busy = true
			break
		}
	}
	if busy {
		return // the TTL sweep takes them later
	}
	for _, c := range chunks {
		os.Remove(filepath.Join(u.dir, c))
	}
}

// assembleFailure is a bundle the server refuses, with Sentry's detail.
type assembleFailure struct{ detail string }

func (e *assembleFailure) Error() string { return e.detail }

func failed(format string, args ...any) error {
	return &assembleFailure{detail: fmt.Sprintf(format, args...)}
}

// readChunks concatenates t's chunks, checking the size cap and checksum.
func (u *uploads) readChunks(t *assembleTarget) ([]byte, error) {
	var size int64
	for _, c := range t.chunks {
		st, err := os.Stat(filepath.Join(u.dir, c))
		if err != nil {
			return nil, failed("Not all chunks available for assembling")
		}
		size += st.Size()
	}
	if size > u.maxFile {
		return nil, failed("File %s exceeds maximum size (%d > %d)", t.checksum, size, u.maxFile)
	}
	// One buffer, read into in place: the bundle is the largest thing the
	// server holds, so it is not copied on the way.
	data := make([]byte, size)
	off := 0
	for _, c := range t.chunks {
		f, err := os.Open(filepath.Join(u.dir, c))
		if err != nil {
			return nil, failed("Not all chunks available for assembling")
		}
		n, err := io.ReadFull(f, data[off:])
		f.Close()
		off += n
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("reading chunk %s: %w", c, err)
		}
	}
	data = data[:off]
	if sum := sha1.Sum(data); hex.EncodeToString(sum[:]) != t.checksum {
		return nil, failed("Reported checksum mismatch")
	}
	return data, nil
}

// storeBundle checks a bundle and stores it with its index in each project.
func (a *webAPI) storeBundle(ctx context.Context, t *assembleTarget, data []byte) error {
	_, err := StoreBundle(ctx, a.st, data, BundleDest{
		Checksum: t.checksum, Projects: t.projects, Release: t.version, Dist: t.dist, Limits: a.uploads.limits,
	})
	var refused *BundleRefusedError
	if errors.As(err, &refused) {
		return failed("%s", refused.Detail)
	}
	return err
}
