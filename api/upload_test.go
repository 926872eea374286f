package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snag-dev/snag/api/apitest"
)

const smallDir = "testdata/sentry-cli-upload/small/"

// part is what the server sees of one multipart part.
type part struct {
	name, filename, contentType, disposition string
	data                                     []byte // decompressed when gzipped
}

func readParts(t *testing.T, contentType string, body []byte) []part {
	t.Helper()
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("content type %q: %v", contentType, err)
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var parts []part
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return parts
		}
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(p)
		data := raw
		if p.FormName() == "file_gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("part %s is not gzip: %v", p.FileName(), err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		parts = append(parts, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), p.Header.Get("Content-Disposition"), data})
	}
}

// The whole of `sentry-cli sourcemaps upload --wait` for the small bundle,
// replayed from the recording: the same requests in the same order, and a
// chunk upload whose multipart matches sentry-cli's part for part.
func TestUploadArtifactBundleReplaysSentryCLI(t *testing.T) {
	reg, c, s := newTestClient(t)
	bundle, err := os.ReadFile(smallDir + "artifact-bundle.bin")
	if err != nil {
		t.Fatal(err)
	}
	opts := loadRecorded(t, smallDir+"01-GET-chunk-upload.json")
	// The options point chunk POSTs at the recorder; point them at the stub.
	optsBody := strings.Replace(string(opts.Response.Body), "http://127.0.0.1:43245", reg.URL(), 1)
	reg.Register(apitest.Req(opts.Method, opts.Path), apitest.JSON(opts.Response.Status, optsBody))

	for _, name := range []string{"02-POST-artifactbundle-assemble.json", "03-POST-chunk-upload.json", "04-POST-artifactbundle-assemble.json", "05-POST-artifactbundle-assemble.json"} {
		rec := loadRecorded(t, smallDir+name)
		m := apitest.Req(rec.Method, rec.Path).Header("Authorization", "Bearer "+testToken)
		if strings.Contains(name, "assemble") {
			m = m.JSONBody(string(rec.Body)).Header("Content-Type", "application/json")
		} else {
			wantRaw, err := os.ReadFile(smallDir + "03-POST-chunk-upload.multipart")
			if err != nil {
				t.Fatal(err)
			}
			want := readParts(t, rec.header("Content-Type"), wantRaw)
			m = m.Check("multipart like sentry-cli's", func(r *http.Request, body []byte) string {
				got := readParts(t, r.Header.Get("Content-Type"), body)
				if len(got) != len(want) {
					return fmt.Sprintf("%d parts, want %d", len(got), len(want))
				}
				for i := range got {
					g, w := got[i], want[i]
					if g.name != w.name || g.filename != w.filename || g.contentType != w.contentType || g.disposition != w.disposition {
						return fmt.Sprintf("part %d = %q %q %q %q, want %q %q %q %q", i, g.name, g.filename, g.contentType, g.disposition, w.name, w.filename, w.contentType, w.disposition)
					}
					if !bytes.Equal(g.data, w.data) || !bytes.Equal(g.data, bundle) {
						return fmt.Sprintf("part %d: the decompressed chunk differs from sentry-cli's", i)
					}
				}
				return ""
			})
		}
		body := string(rec.Response.Body)
		if body == "null" {
			body = ""
		}
		reg.Register(m, apitest.JSON(rec.Response.Status, body))
	}

	res, err := c.UploadArtifactBundle(t.Context(), "local", bundle, BundleTarget{Projects: []string{"default"}}, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if res.Checksum != "ed39087d5acc87775780c428d785e426bc5953e5" || res.Chunks != 1 || res.Uploaded != 1 || res.Assemble.State != AssembleOK {
		t.Fatalf("result = %+v", res)
	}
	// created, then one poll interval, then ok.
	if got := s.got(); !slices.Equal(got, []time.Duration{AssemblePollInterval}) {
		t.Fatalf("sleeps = %v", got)
	}
}

func TestUploadArtifactBundleNothingToUpload(t *testing.T) {
	reg, c, s := newTestClient(t)
	sum := sha1Hex([]byte("bundle"))
	reg.Register(apitest.GET("/api/0/organizations/acme/chunk-upload/"), apitest.JSON(200, `{"url":"","chunkSize":8388608,"hashAlgorithm":"sha1","compression":["gzip"]}`))
	reg.Register(apitest.POST("/api/0/organizations/acme/artifactbundle/assemble/").
		JSONBody(`{"checksum":"`+sum+`","chunks":["`+sum+`"],"projects":["web"],"version":"1.0","dist":"web"}`),
		apitest.JSON(200, `{"state":"ok","detail":null,"missingChunks":[]}`))
	res, err := c.UploadArtifactBundle(t.Context(), "acme", []byte("bundle"), BundleTarget{Projects: []string{"web"}, Version: "1.0", Dist: "web"}, time.Minute)
	if err != nil || res.Uploaded != 0 || res.Assemble.State != AssembleOK || len(s.got()) != 0 {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
}
func TestRetrySafePOSTResendsTheBody(t *testing.T) {
	reg, c, s := newTestClient(t)
	const body = `{"checksum":"aa","chunks":["aa"],"projects":["web"]}`
	reg.Register(apitest.POST("/api/0/organizations/acme/artifactbundle/assemble/").JSONBody(body), apitest.Status(502))
	reg.Register(apitest.POST("/api/0/organizations/acme/artifactbundle/assemble/").JSONBody(body), apitest.JSON(200, `{"state":"ok","missingChunks":[],"detail":null}`))
	resp, err := c.AssembleArtifactBundle(t.Context(), "acme", AssembleRequest{Checksum: "aa", Chunks: []string{"aa"}, Projects: []string{"web"}})
	if err != nil || resp.State != AssembleOK {
		t.Fatalf("resp = %+v, err = %v", resp, err)
	}
	if len(s.got()) != 1 {
		t.Fatalf("sleeps = %v", s.got())
	}
}

func TestSplitChunks(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 10) // 100 bytes
	sum, chunks := SplitChunks(data, 32)
	if sum != sha1Hex(data) || len(chunks) != 4 || len(chunks[3].Data) != 4 || chunks[0].Checksum != sha1Hex(data[:32]) {
		t.Fatalf("sum %s, chunks %d", sum, len(chunks))
	}
	if _, chunks := SplitChunks(nil, 0); len(chunks) != 0 {
		t.Fatal("empty data has no chunks")
	}
}

func TestBatchChunks(t *testing.T) {
	mk := func(sizes ...int) []Chunk {
		var cs []Chunk
		for i, n := range sizes {
			cs = append(cs, Chunk{Checksum: fmt.Sprint(i), Data: make([]byte, n)})
		}
		return cs
	}
	shape := func(bs [][]Chunk) string {
		var out []string
		for _, b := range bs {
			var ids []string
			for _, c := range b {
				ids = append(ids, c.Checksum)
			}
			out = append(out, strings.Join(ids, ","))
		}
		return strings.Join(out, " | ")
	}
	tests := []struct {
		chunks  []Chunk
		per     int
		maxSize int64
		spread  int
		want    string
	}{
		{mk(1, 1, 1, 1, 1), 2, 100, 1, "0,1 | 2,3 | 4"},
		{mk(60, 60, 30, 10), 10, 100, 1, "0 | 1,2,3"},
		{mk(500, 1), 10, 100, 1, "0 | 1"}, // an oversized chunk still goes, alone
		{mk(1, 1, 1), 0, 0, 0, "0,1,2"},   // server defaults
		// Spread over parallel requests: a 4-chunk bundle is 4 requests
		// with concurrency 8, not one.
		{mk(1, 1, 1, 1), 64, 100, 8, "0 | 1 | 2 | 3"},
		{mk(1, 1, 1, 1, 1), 64, 100, 2, "0,1,2 | 3,4"},
		{mk(1, 1, 1, 1, 1), 2, 100, 2, "0,1 | 2,3 | 4"}, // the limit still holds
		{mk(60, 60, 30, 10), 10, 100, 2, "0 | 1,2 | 3"},
	}
	for _, tt := range tests {
		if got := shape(batchChunks(tt.chunks, tt.per, tt.maxSize, tt.spread)); got != tt.want {
			t.Errorf("batches = %q, want %q", got, tt.want)
		}
	}
}

func TestUploadChunksBatchesConcurrently(t *testing.T) {
	reg, c, _ := newTestClient(t)
	var chunks []Chunk
	for i := range 5 {
		data := []byte(strings.Repeat(fmt.Sprint(i), 10))
		chunks = append(chunks, Chunk{Checksum: sha1Hex(data), Data: data})
	}
	var mu sync.Mutex
	seen := map[string][]byte{}
	stub := reg.Register(apitest.POST("/api/0/organizations/acme/chunk-upload/").Check("plain file parts", func(r *http.Request, body []byte) string {
		parts := readParts(t, r.Header.Get("Content-Type"), body)
		if len(parts) == 0 || len(parts) > 2 {
			return fmt.Sprintf("%d parts", len(parts))
		}
		mu.Lock()
		defer mu.Unlock()
		for _, p := range parts {
			if p.name != "file" || p.filename != sha1Hex(p.data) {
				return fmt.Sprintf("part %q %q", p.name, p.filename)
			}
			seen[p.filename] = p.data
		}
		return ""
	}), apitest.Status(200)).Times(3)
	// No "gzip" in compression: chunks go raw in "file" parts.
	opts := &ChunkOptions{ChunksPerRequest: 2, Concurrency: 3, Compression: nil}
	if err := c.UploadChunks(t.Context(), "acme", opts, chunks); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 5 || len(stub.Requests) != 3 {
		t.Fatalf("seen %d chunks in %d requests", len(seen), len(stub.Requests))
	}
}

func TestUploadChunksGoToTheRegionURL(t *testing.T) {
	reg, c, _ := newTestClient(t)
	region := apitest.New(t)
	region.Register(apitest.POST("/api/0/organizations/acme/chunk-upload/").Header("Authorization", "Bearer "+testToken),
		apitest.Status(200))
	opts := &ChunkOptions{URL: region.URL() + "/api/0/organizations/acme/chunk-upload/", Compression: []string{"gzip"}}
	if err := c.UploadChunks(t.Context(), "acme", opts, []Chunk{{Checksum: sha1Hex([]byte("x")), Data: []byte("x")}}); err != nil {
		t.Fatal(err)
	}

	// Servers before sentry-cli 2.30's time send a path relative to /api/0/.
	reg.Register(apitest.POST("/api/0/organizations/acme/chunk-upload/"), apitest.Status(200))
	opts.URL = "organizations/acme/chunk-upload/"
	if err := c.UploadChunks(t.Context(), "acme", opts, []Chunk{{Checksum: sha1Hex([]byte("x")), Data: []byte("x")}}); err != nil {
		t.Fatal(err)
	}
}

func TestChunkURLRefusesADowngrade(t *testing.T) {
	c, _ := New("https://sentry.example", testToken)
	if _, err := c.chunkURL("acme", "http://us.sentry.example/api/0/organizations/acme/chunk-upload/"); err == nil {
		t.Fatal("an http chunk URL for an https server must be refused")
	}
	if u, err := c.chunkURL("acme", "https://us.sentry.example/api/0/organizations/acme/chunk-upload/"); err != nil || !strings.HasPrefix(u, "https://us.") {
		t.Fatal(u, err)
	}
}

func TestUploadChunksErrors(t *testing.T) {
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.POST("/api/0/organizations/acme/chunk-upload/"), apitest.JSON(400, `{"error":"Chunk size too large"}`))
	err := c.UploadChunks(t.Context(), "acme", &ChunkOptions{}, []Chunk{{Checksum: "x", Data: []byte("x")}})
	var he *HTTPError
	if !errors.As(err, &he) || he.Detail != "Chunk size too large" {
		t.Fatalf("err = %v", err)
	}
	// Checked before anything is sent.
	if err := c.UploadChunks(t.Context(), "acme", &ChunkOptions{ChunkSize: 4}, []Chunk{{Checksum: "y", Data: []byte("12345")}}); err == nil {
		t.Fatal("an oversized chunk must be refused")
	}
}

func TestChunkUploadOptions(t *testing.T) {
	rec := loadRecorded(t, smallDir+"01-GET-chunk-upload.json")
	reg, c, _ := newTestClient(t)
	reg.Register(apitest.GET(rec.Path), apitest.JSON(200, string(rec.Response.Body)))
	o, err := c.ChunkUploadOptions(t.Context(), "local")
	if err != nil {
		t.Fatal(err)
	}
	if o.ChunkSize != 8<<20 || o.ChunksPerRequest != 64 || o.MaxRequestSize != 32<<20 || o.MaxFileSize != 1<<31 ||
		o.Concurrency != 1 || o.HashAlgorithm != "sha1" || !slices.Contains(o.Accept, "artifact_bundles_v2") ||
		o.URL != "http://127.0.0.1:43245/api/0/organizations/local/chunk-upload/" {
		t.Fatalf("options = %+v", o)
	}
	reg.Register(apitest.GET("/api/0/organizations/nope/chunk-upload/"), apitest.Status(404))
	if _, err := c.ChunkUploadOptions(t.Context(), "nope"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `organization "nope" not found`) {
		t.Fatalf("err = %v", err)
	}
}

func TestWaitForAssemble(t *testing.T) {
	const path = "/api/0/organizations/acme/artifactbundle/assemble/"
	state := func(s string) apitest.Responder {
		return apitest.JSON(200, `{"state":"`+s+`","missingChunks":[],"detail":null}`)
	}
	tests := []struct {
		name      string
		replies   []apitest.Responder
		wait      time.Duration
		wantState string
		wantErr   func(error) bool
		wantPolls int
	}{
		{"created, assembling, ok", []apitest.Responder{state("created"), state("assembling"), state("ok")}, time.Minute, AssembleOK, nil, 3},
		{"no wait: one ask, pending is fine", []apitest.Responder{state("created")}, 0, AssembleCreated, nil, 1},
		{"error with detail", []apitest.Responder{state("assembling"), apitest.JSON(200, `{"state":"error","missingChunks":[],"detail":"the bundle is invalid"}`)}, time.Minute, AssembleError,
			func(err error) bool {
				var ae *AssembleFailedError
				return errors.As(err, &ae) && ae.Detail == "the bundle is invalid" && strings.Contains(err.Error(), "the bundle is invalid")
			}, 2},
		{"not_found", []apitest.Responder{apitest.JSON(200, `{"state":"not_found","missingChunks":["aa","bb"]}`)}, time.Minute, AssembleNotFound,
			func(err error) bool { return err != nil && strings.Contains(err.Error(), "2 chunks are missing") }, 1},
		{"timeout", []apitest.Responder{state("assembling")}, 3 * time.Second, AssembleAssembling,
			func(err error) bool { return errors.Is(err, ErrAssembleTimeout) }, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, c, s := newTestClient(t)
			reg.Register(apitest.POST(path).JSONBody(`{"checksum":"aa","chunks":["aa"],"projects":["web"]}`), apitest.Sequence(tt.replies...)).Times(tt.wantPolls)
			resp, err := c.WaitForAssemble(t.Context(), "acme", AssembleRequest{Checksum: "aa", Chunks: []string{"aa"}, Projects: []string{"web"}}, tt.wait)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !tt.wantErr(err) {
				t.Fatalf("err = %v", err)
			}
			if resp == nil || resp.State != tt.wantState {
				t.Fatalf("resp = %+v", resp)
			}
			if got := len(s.got()); got != tt.wantPolls-1 {
				t.Fatalf("slept %d times, want %d", got, tt.wantPolls-1)
			}
		})
	}
}

func TestWaitForAssembleStopsWithTheContext(t *testing.T) {
	reg, c, _ := newTestClient(t)
	ctx, cancel := context.WithCancel(t.Context())
	c.retry.sleep = func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
	reg.Register(apitest.POST("/api/0/organizations/acme/artifactbundle/assemble/"), apitest.JSON(200, `{"state":"created","missingChunks":[]}`))
	if _, err := c.WaitForAssemble(ctx, "acme", AssembleRequest{Checksum: "aa", Chunks: []string{"aa"}}, time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// A proxy that refuses bodies over its own limit (413) gets the batch again
// in halves, down to one chunk per request; a single chunk it still refuses
// is an error that says why.
func TestUploadChunksSplitsOn413(t *testing.T) {
	reg, c, _ := newTestClient(t)
	var chunks []Chunk
	for i := range 4 {
		data := bytes.Repeat([]byte{byte('a' + i)}, 100)
		chunks = append(chunks, Chunk{Checksum: sha1Hex(data), Data: data})
	}
	parts := func(r *http.Request, body []byte) int { return len(readParts(t, r.Header.Get("Content-Type"), body)) }
	var mu sync.Mutex
	var sizes []int
	reg.Register(apitest.POST("/api/0/organizations/acme/chunk-upload/").Check("batch", func(r *http.Request, body []byte) string {
		mu.Lock()
		sizes = append(sizes, parts(r, body))
		mu.Unlock()
		return ""
	}), func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := sizes[len(sizes)-1]
		mu.Unlock()
		if n > 1 {
			http.Error(w, "<html>413 Request Entity Too Large</html>", http.StatusRequestEntityTooLarge)
			return
		}
	}).Times(7) // 4 → 2+2 → 1+1+1+1
	var last, total int64
	opts := &ChunkOptions{ChunksPerRequest: 64, Concurrency: 1, Compression: []string{"gzip"}}
	err := c.UploadChunks(t.Context(), "acme", opts, chunks, WithUploadProgress(func(sent, tot int64) {
		last, total = sent, tot
	}))
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{4, 2, 1, 1, 2, 1, 1}; !slices.Equal(sizes, want) {
		t.Fatalf("parts per request = %v, want %v", sizes, want)
	}
	if total != 400 || last != 400 {
		t.Fatalf("progress ended at %d of %d", last, total)
	}

	reg.Register(apitest.POST("/api/0/organizations/acme/chunk-upload/"), apitest.Status(http.StatusRequestEntityTooLarge))
	err = c.UploadChunks(t.Context(), "acme", opts, chunks[:1])
	if err == nil || !strings.Contains(err.Error(), "HTTP 413") || !strings.Contains(err.Error(), "proxy") {
		t.Fatalf("err = %v", err)
	}
}

// Progress counts chunk bytes (uncompressed) as request bodies go out,
// across parallel requests, and ends at the total; a retried request does
// not count twice.
func TestUploadProgress(t *testing.T) {
	reg, c, _ := newTestClient(t)
	var chunks []Chunk
	var want int64
	for i := range 6 {
		data := bytes.Repeat([]byte(fmt.Sprint(i)), 1000*(i+1))
		chunks = append(chunks, Chunk{Checksum: sha1Hex(data), Data: data})
		want += int64(len(data))
	}
	reg.Register(apitest.POST("/api/0/organizations/acme/chunk-upload/"), apitest.Status(503))
	reg.Register(apitest.POST("/api/0/organizations/acme/chunk-upload/"), apitest.Status(200)).Times(3)
	var mu sync.Mutex
	var calls int
	var sent, total int64
	opts := &ChunkOptions{ChunksPerRequest: 64, Concurrency: 3}
	err := c.UploadChunks(t.Context(), "acme", opts, chunks, WithUploadProgress(func(s, tot int64) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if s < 0 || s > tot {
			t.Errorf("progress %d of %d", s, tot)
		}
		sent, total = s, tot
	}))
	if err != nil {
		t.Fatal(err)
	}
	if total != want || sent != want || calls < 4 {
		t.Fatalf("progress %d of %d in %d calls, want %d", sent, total, calls, want)
	}
}

// What Sentry's assemble schema refuses is refused before any request
// (the stub registry fails on any).
func TestUploadArtifactBundleChecksTheTarget(t *testing.T) {
	_, c, _ := newTestClient(t)
	for _, to := range []BundleTarget{
		{},
		{Projects: []string{"web"}, Dist: "7"},
		{Projects: []string{"web"}, Version: "a/b"},
	} {
		if _, err := c.UploadArtifactBundle(t.Context(), "acme", []byte("x"), to, 0); err == nil {
			t.Errorf("%+v: no error", to)
		}
	}
}
