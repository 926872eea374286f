package api

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Defaults for the chunk options a server leaves out; they are Sentry's.
const (
	DefaultChunkSize        = 8 << 20
	DefaultChunksPerRequest = 64
	DefaultMaxRequestSize   = 32 << 20
	// AssemblePollInterval is how often WaitForAssemble asks, like sentry-cli.
	AssemblePollInterval = time.Second
	// DefaultAssembleWait bounds --wait when the server sets no maxWait.
	DefaultAssembleWait = 5 * time.Minute
)

// ChunkOptions is the answer to GET /organizations/{org}/chunk-upload/: how
// this server wants chunks sent.
type ChunkOptions struct {
	// URL is where chunks are POSTed; Sentry points it at the region host,
	// bypassing the API proxy. Old servers send a path relative to /api/0/.
	URL              string   `json:"url"`
	ChunkSize        int64    `json:"chunkSize"`
	ChunksPerRequest int      `json:"chunksPerRequest"`
	MaxFileSize      int64    `json:"maxFileSize"`
	MaxRequestSize   int64    `json:"maxRequestSize"`
	Concurrency      int      `json:"concurrency"`
	HashAlgorithm    string   `json:"hashAlgorithm"`
	Compression      []string `json:"compression"`
	Accept           []string `json:"accept"`
	// MaxWait (seconds) caps how long a client should wait for assembly; 0
	// means no server cap.
	MaxWait int `json:"maxWait,omitempty"`
}

// ChunkUploadOptions asks the server how it takes chunk uploads.
func (c *Client) ChunkUploadOptions(ctx context.Context, org string) (*ChunkOptions, error) {
	var opts ChunkOptions
	if err := c.get(ctx, chunkUploadPath(org), &opts); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("organization %q not found, or the server does not take chunk uploads: %w", org, err)
		}
		return nil, err
	}
	return &opts, nil
}

func chunkUploadPath(org string) string {
	return "/organizations/" + pathEscape(org) + "/chunk-upload/"
}

// Chunk is a slice of a file, named by the lowercase hex SHA-1 of its bytes.
type Chunk struct {
	Checksum string
	Data     []byte
}

// SplitChunks cuts data into chunks of size bytes (DefaultChunkSize if
// size <= 0) and returns them with the SHA-1 of the whole of data.
func SplitChunks(data []byte, size int64) (checksum string, chunks []Chunk) {
	if size <= 0 {
		size = DefaultChunkSize
	}
	for part := range slices.Chunk(data, int(size)) {
		chunks = append(chunks, Chunk{Checksum: sha1Hex(part), Data: part})
	}
	return sha1Hex(data), chunks
}

func sha1Hex(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}

// UploadOption tunes UploadChunks and UploadArtifactBundle.
type UploadOption func(*uploadConfig)

type uploadConfig struct {
	progress func(sent, total int64)
}

// WithUploadProgress has fn called as chunks go out, with the bytes of
// chunk data sent so far (before compression) and the total to send. It is
// called from several goroutines, one at a time; sent can go down when a
// failed request is sent again.
func WithUploadProgress(fn func(sent, total int64)) UploadOption {
	return func(c *uploadConfig) { c.progress = fn }
}

// UploadChunks sends chunks to the server as opts describes: in batches of at
// most ChunksPerRequest chunks and MaxRequestSize uncompressed bytes, spread
// over up to Concurrency requests at a time, gzipped when the server takes
// gzip. Chunks are keyed by checksum, so a batch is retried like a GET; a
// batch a proxy refuses as too large (413) is sent again in halves.
func (c *Client) UploadChunks(ctx context.Context, org string, opts *ChunkOptions, chunks []Chunk, options ...UploadOption) error {
	var cfg uploadConfig
	for _, o := range options {
		o(&cfg)
	}
	target, err := c.chunkURL(org, opts.URL)
	if err != nil {
		return err
	}
	var total int64
	for _, ch := range chunks {
		if opts.ChunkSize > 0 && int64(len(ch.Data)) > opts.ChunkSize {
			return fmt.Errorf("chunk %s is %d bytes, over the server's chunk size of %d", ch.Checksum, len(ch.Data), opts.ChunkSize)
		}
		total += int64(len(ch.Data))
	}
	concurrency := max(opts.Concurrency, 1)
	batches := batchChunks(chunks, opts.ChunksPerRequest, opts.MaxRequestSize, concurrency)
	gz := slices.Contains(opts.Compression, "gzip")
	prog := newUploadProgress(cfg.progress, total)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for _, b := range batches {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := c.uploadBatch(ctx, target, b, gz, prog); err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return fmt.Errorf("uploading chunks: %w", err)
	}
	return nil
}

// uploadProgress adds up what the batches under way have sent.
type uploadProgress struct {
	fn    func(sent, total int64)
	total int64
	mu    sync.Mutex
	sent  int64
}

func newUploadProgress(fn func(sent, total int64), total int64) *uploadProgress {
	if fn == nil {
		return nil
	}
	fn(0, total)
	return &uploadProgress{fn: fn, total: total}
}

func (p *uploadProgress) add(n int64) {
	if p == nil || n == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent += n
	p.fn(p.sent, p.total)
}

// chunkURL resolves the options' upload URL. It refuses to send the token
// in clear text to a server reached over https.
func (c *Client) chunkURL(org, raw string) (string, error) {
	if raw == "" {
		return c.endpoint(chunkUploadPath(org)), nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("the server's chunk upload URL %q: %w", raw, err)
	}
	if !u.IsAbs() {
		return c.endpoint("/" + strings.TrimLeft(raw, "/")), nil
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("the server's chunk upload URL %q is not http(s)", raw)
	}
	if c.base.Scheme == "https" && u.Scheme == "http" {
		return "", fmt.Errorf("the server's chunk upload URL %q is plain http while the API is https; refusing to send the token there", redactURL(raw))
	}
	return u.String(), nil
}

// batchChunks groups chunks, in order, into batches under both limits; a
// batch holds at least one chunk whatever its size. It makes at least
// spread batches when there are that many chunks, so that a bundle of a few
// chunks still goes out over parallel requests.
func batchChunks(chunks []Chunk, perRequest int, maxBytes int64, spread int) [][]Chunk {
	if perRequest <= 0 {
		perRequest = DefaultChunksPerRequest
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxRequestSize
	}
	if spread > 1 {
		perRequest = min(perRequest, max(1, (len(chunks)+spread-1)/spread))
	}
	var out [][]Chunk
	var cur []Chunk
	var size int64
	for _, ch := range chunks {
		n := int64(len(ch.Data))
		if len(cur) > 0 && (len(cur) == perRequest || size+n > maxBytes) {
			out = append(out, cur)
			cur, size = nil, 0
		}
		cur = append(cur, ch)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// uploadBatch POSTs one multipart request: a part per chunk, named file_gzip
// (gzipped) or file, whose filename is the SHA-1 of the uncompressed chunk.
// A 413 (a proxy's body limit, lower than the server's) splits the batch.
func (c *Client) uploadBatch(ctx context.Context, target string, batch []Chunk, gz bool, prog *uploadProgress) error {
	body, contentType, err := chunkMultipart(batch, gz)
	if err != nil {
		return err
	}
	var raw int64
	for _, ch := range batch {
		raw += int64(len(ch.Data))
	}
	// Progress counts the body as it is read, scaled to the chunks'
	// uncompressed size; a retry starts the batch's share again.
	var mu sync.Mutex // an abandoned attempt's body may still be read
	var reported int64
	req := &request{
		method:      http.MethodPost,
		url:         target,
		body:        body,
		contentType: contentType,
		retryable:   true,
		timeout:     max(c.timeout, UploadTimeout),
	}
	if prog != nil {
		req.onSend = func(read int64) {
			mu.Lock()
			defer mu.Unlock()
			now := raw * read / int64(max(len(body), 1))
			prog.add(now - reported)
			reported = now
		}
	}
	_, err = c.send(ctx, req, nil)
	var he *HTTPError
	mu.Lock()
	defer mu.Unlock()
	if errors.As(err, &he) && he.StatusCode == http.StatusRequestEntityTooLarge {
		prog.add(-reported)
		reported = 0
		if len(batch) == 1 {
			return fmt.Errorf("%w (a %d-byte request; a proxy in front of the server may limit request bodies to less than the %d bytes it announced)",
				err, len(body), raw)
		}
		half := len(batch) / 2
		if err := c.uploadBatch(ctx, target, batch[:half], gz, prog); err != nil {
			return err
		}
		return c.uploadBatch(ctx, target, batch[half:], gz, prog)
	}
	if err == nil {
		prog.add(raw - reported)
	}
	return err
}

func chunkMultipart(batch []Chunk, gz bool) ([]byte, string, error) {
	var buf bytes.Buffer
	// One allocation of about the final size: grown by doubling, an 8 MiB
	// body would touch 16 MiB of fresh memory and copy it all twice.
	n := 0
	for _, ch := range batch {
		n += len(ch.Data) + len(ch.Data)/100 + 1024
	}
	buf.Grow(n)
	mw := multipart.NewWriter(&buf)
	field := "file"
	if gz {
		field = "file_gzip"
	}
	var zw *gzip.Writer
	for _, ch := range batch {
		part, err := mw.CreateFormFile(field, ch.Checksum)
		if err != nil {
			return nil, "", err
		}
		if !gz {
			if _, err := part.Write(ch.Data); err != nil {
				return nil, "", err
			}
			continue
		}
		// The fastest level: chunks of an artifact bundle are deflated
		// already, and this gzip only detects that and stores them.
		if zw == nil {
			if zw, err = gzip.NewWriterLevel(part, gzip.BestSpeed); err != nil {
				return nil, "", err
			}
		} else {
			zw.Reset(part)
		}
		if _, err := zw.Write(ch.Data); err != nil {
			return nil, "", err
		}
		if err := zw.Close(); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), mw.FormDataContentType(), nil
}

// Assembly states.
const (
	AssembleOK         = "ok"
	AssembleCreated    = "created"
	AssembleAssembling = "assembling"
	AssembleNotFound   = "not_found"
	AssembleError      = "error"
)

// AssembleRequest asks the server to assemble a file from uploaded chunks.
type AssembleRequest struct {
	Checksum string   `json:"checksum"` // SHA-1 of the whole file
	Chunks   []string `json:"chunks"`   // chunk checksums, in order
	Projects []string `json:"projects,omitempty"`
	Version  string   `json:"version,omitempty"` // release
	Dist     string   `json:"dist,omitempty"`    // needs Version
}

// AssembleResponse is where an assembly stands.
type AssembleResponse struct {
	State         string   `json:"state"`
	MissingChunks []string `json:"missingChunks"`
	Detail        *string  `json:"detail"`
}

// Done reports whether the server has finished, well (ok) or not (error).
func (r *AssembleResponse) Done() bool { return r.State == AssembleOK || r.State == AssembleError }

// Err is the failure an ended state stands for, or nil: not_found (chunks
// are missing) and error (assembly failed) are failures.
func (r *AssembleResponse) Err() error {
	if r.State != AssembleError && r.State != AssembleNotFound {
		return nil
	}
	e := &AssembleFailedError{State: r.State, MissingChunks: len(r.MissingChunks)}
	if r.Detail != nil {
		e.Detail = *r.Detail
	}
	return e
}

// AssembleFailedError is an assembly that ended in error or not_found.
type AssembleFailedError struct {
	State         string
	Detail        string
	MissingChunks int
}

func (e *AssembleFailedError) Error() string {
	msg := "the server could not assemble the upload (" + e.State + ")"
	if e.State == AssembleNotFound && e.MissingChunks > 0 {
		msg += fmt.Sprintf(": %d chunks are missing", e.MissingChunks)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// ErrAssembleTimeout is a wait for assembly that ran out before ok or error.
var ErrAssembleTimeout = errors.New("timed out waiting for the server to process the upload")

// AssembleArtifactBundle asks the server to assemble an artifact bundle. The
// first call tells which chunks it lacks; later calls tell the progress.
func (c *Client) AssembleArtifactBundle(ctx context.Context, org string, ar AssembleRequest) (*AssembleResponse, error) {
	req, err := c.newRequest(http.MethodPost, "/organizations/"+pathEscape(org)+"/artifactbundle/assemble/", nil).withJSON(ar)
	if err != nil {
		return nil, err
	}
	// Assembly is keyed by checksum: asking again only reports the state.
	req.retryable = true
	var out AssembleResponse
	if _, err := c.send(ctx, req, &out); err != nil {
		return nil, fmt.Errorf("assembling artifact bundle %s: %w", ar.Checksum, err)
	}
	return &out, nil
}

// WaitForAssemble polls assembly every AssemblePollInterval until the server
// is done or wait runs out. With wait 0 it asks once and returns whatever
// state it gets, as sentry-cli does without --wait. Error and not_found are
// returned as *AssembleFailedError, running out as ErrAssembleTimeout; the
// last response comes back either way.
func (c *Client) WaitForAssemble(ctx context.Context, org string, ar AssembleRequest, wait time.Duration) (*AssembleResponse, error) {
	deadline := time.Now().Add(wait)
	// Counting polls as well as watching the clock bounds the loop when the
	// sleep is not a real one (tests).
	maxPolls := 1 + int(wait/AssemblePollInterval)
	for poll := 1; ; poll++ {
		resp, err := c.AssembleArtifactBundle(ctx, org, ar)
		if err != nil {
			return nil, err
		}
		if err := resp.Err(); err != nil {
			return resp, err
		}
		if resp.Done() || wait <= 0 {
			return resp, nil
		}
		if poll >= maxPolls || !time.Now().Before(deadline) {
			return resp, fmt.Errorf("%w (still %s after %s)", ErrAssembleTimeout, resp.State, wait)
		}
		if err := c.retry.sleep(ctx, AssemblePollInterval); err != nil {
			return resp, err
		}
	}
}

// BundleTarget says where an artifact bundle belongs.
type BundleTarget struct {
	Projects []string // slugs; Sentry requires at least one
	Version  string   // release, optional with debug IDs
	Dist     string   // needs Version
}

// check refuses, before any request, what Sentry's assemble schema
// refuses.
func (t BundleTarget) check() error {
	switch {
	case len(t.Projects) == 0:
		return errors.New("an artifact bundle needs at least one project")
	case t.Dist != "" && t.Version == "":
		return fmt.Errorf("dist %q needs a release", t.Dist)
	case strings.Contains(t.Version, "/"):
		return fmt.Errorf("release %q: a release cannot contain \"/\"", t.Version)
	}
	return nil
}

// UploadResult tells what UploadArtifactBundle did.
type UploadResult struct {
	Checksum string
	Chunks   int // chunks the bundle was cut into
	Uploaded int // of those, how many the server lacked and got sent
	Assemble *AssembleResponse
}

// UploadArtifactBundle runs the whole upload protocol for one artifact
// bundle: chunk options, an assemble call to learn the missing chunks, the
// upload of only those, then assembly polled for up to wait (capped by the
// server's maxWait).
func (c *Client) UploadArtifactBundle(ctx context.Context, org string, bundle []byte, to BundleTarget, wait time.Duration, options ...UploadOption) (*UploadResult, error) {
	if err := to.check(); err != nil {
		return nil, err
	}
	opts, err := c.ChunkUploadOptions(ctx, org)
	if err != nil {
		return nil, err
	}
	if opts.HashAlgorithm != "" && opts.HashAlgorithm != "sha1" {
		return nil, fmt.Errorf("the server wants %s chunk checksums; snag only knows sha1", opts.HashAlgorithm)
	}
	if opts.MaxFileSize > 0 && int64(len(bundle)) > opts.MaxFileSize {
		return nil, fmt.Errorf("the bundle is %d bytes, over the server's limit of %d", len(bundle), opts.MaxFileSize)
	}
	if opts.MaxWait > 0 {
		wait = min(wait, time.Duration(opts.MaxWait)*time.Second)
	}
	checksum, chunks := SplitChunks(bundle, opts.ChunkSize)
	ar := AssembleRequest{Checksum: checksum, Projects: to.Projects, Version: to.Version, Dist: to.Dist}
	for _, ch := range chunks {
		ar.Chunks = append(ar.Chunks, ch.Checksum)
	}
	res := &UploadResult{Checksum: checksum, Chunks: len(chunks)}

	first, err := c.AssembleArtifactBundle(ctx, org, ar)
	if err != nil {
		return nil, err
	}
	res.Assemble = first
	missing := map[string]bool{}
	for _, sum := range first.MissingChunks {
		missing[sum] = true
	}
	var send []Chunk
	for _, ch := range chunks {
		if missing[ch.Checksum] {
			send = append(send, ch)
			delete(missing, ch.Checksum) // a repeated chunk goes once
		}
	}
	if len(send) == 0 {
		if first.State == AssembleError {
			return res, first.Err()
		}
		if first.Done() {
			return res, nil // already on the server
		}
	} else {
		if err := c.UploadChunks(ctx, org, opts, send, options...); err != nil {
			return res, err
		}
		res.Uploaded = len(send)
	}
	res.Assemble, err = c.WaitForAssemble(ctx, org, ar, wait)
	return res, err
}
