package server

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/sourcemaps"
)

// apiEnv is the server on loopback in front of a real store, with its token
// and a client for it. Requests are counted by method and path.
type apiEnv struct {
	srv      *httptest.Server
	store    *store.Store
	url      string
	token    string
	client   *api.Client
	chunkDir string

	mu    sync.Mutex
	calls map[string]int
	total atomic.Int64
}

func newAPIEnv(t testing.TB, cfg Config) *apiEnv {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "snag.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return newAPIEnvWith(t, st, cfg)
}

// newAPIEnvWith serves st, which the caller closes.
func newAPIEnvWith(t testing.TB, st *store.Store, cfg Config) *apiEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	token, err := st.APIToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddProjectKey(ctx, store.DefaultProjectID, fixtureKey, "fixtures"); err != nil {
		t.Fatal(err)
	}
	if cfg.API.ChunkDir == "" {
		cfg.API.ChunkDir = filepath.Join(dir, "chunks")
	}
	e := &apiEnv{store: st, token: token, calls: map[string]int{}, chunkDir: cfg.API.ChunkDir}
	s := New(st, cfg)
	h := s.Handler()
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.calls[r.Method+" "+r.URL.Path]++
		e.mu.Unlock()
		e.total.Add(1)
		h.ServeHTTP(w, r)
	}))
	// Cleanups run last-registered first: the server stops, then the
	// assemblies, then (registered earlier) the store closes.
	t.Cleanup(func() { s.api.close() })
	t.Cleanup(e.srv.Close)
	e.url = e.srv.URL
	e.client, err = api.New(e.url, token, api.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *apiEnv) count(method, path string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[method+" "+path]
}

func (e *apiEnv) resetCounts() {
	e.mu.Lock()
	e.calls = map[string]int{}
	e.mu.Unlock()
}

// do sends a request with the token (unless header sets Authorization) and
// returns the status and body.
func (e *apiEnv) do(t *testing.T, method, path string, header http.Header, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if _, ok := header["Authorization"]; !ok {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// doJSON sends v as JSON and decodes the answer into out (when not nil),
// failing unless the status is want.
func (e *apiEnv) doJSON(t *testing.T, method, path string, v any, want int, out any) *http.Response {
	t.Helper()
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	resp, b := e.do(t, method, path, http.Header{"Content-Type": {"application/json"}}, body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decoding %s: %v", method, path, b, err)
		}
	}
	return resp
}

// bundleFile is one file of a test bundle.
type bundleFile struct {
	path, typ, url, debugID string
	data                    string
}

// makeBundle writes an artifact bundle as sentry-cli does: SYSB, version 2,
// then a ZIP of the files and manifest.json. extra entries are added as is
// (for malformed bundles).
func makeBundle(t *testing.T, bundleID, release string, files []bundleFile, extra map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("SYSB\x02\x00\x00\x00")
	zw := zip.NewWriter(&buf)
	manifest := map[string]any{}
	mfiles := map[string]any{}
	for _, f := range files {
		w, err := zw.Create(f.path)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f.data)
		headers := map[string]string{}
		if f.debugID != "" {
			headers["debug-id"] = f.debugID
		}
		mfiles[f.path] = map[string]any{"type": f.typ, "url": f.url, "headers": headers}
	}
	names := make([]string, 0, len(extra))
	for n := range extra {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, extra[n])
	}
	manifest["files"] = mfiles
	manifest["org"] = "local"
	if bundleID != "" {
		manifest["debug_id"] = bundleID
	}
	if release != "" {
		manifest["release"] = release
	}
	if _, ok := extra["manifest.json"]; !ok {
		w, err := zw.Create("manifest.json")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.NewEncoder(w).Encode(manifest); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha1Hex(b []byte) string {
	s := sha1.Sum(b)
	return hex.EncodeToString(s[:])
}

// chunkBody is a multipart chunk upload of parts, each gzipped (as
// file_gzip) under the given name.
func chunkBody(t *testing.T, parts ...[2][]byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		w, err := mw.CreateFormFile("file_gzip", string(p[0]))
		if err != nil {
			t.Fatal(err)
		}
		zw := gzip.NewWriter(w)
		zw.Write(p[1])
		zw.Close()
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// testBundle is a small valid bundle with one JS file and its map, as
// snag's own writer builds it.
func testBundle(t *testing.T, js string) []byte {
	t.Helper()
	const id = "a4e806a5-1f03-5d3e-bd90-a20021f5091c"
	var buf bytes.Buffer
	_, err := sourcemaps.WriteBundle(&buf, sourcemaps.BundleAttributes{Org: "local"}, []sourcemaps.BundleFile{
		{URL: "~/app.js", Type: sourcemaps.BundleMinifiedSource, Headers: map[string]string{"debug-id": id, "sourcemap": "app.js.map"},
			Content: []byte(js)},
		{URL: "~/app.js.map", Type: sourcemaps.BundleSourceMap, Headers: map[string]string{"debug-id": id},
			Content: []byte(`{"version":3,"sources":["a.ts"],"names":[],"mappings":"AAAA"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
