package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/sourcemaps"
)

const fixtureUploads = "../../../shared/fixtures/sentry-cli-upload"

type recordedAPIRequest struct {
	Method  string          `json:"method"`
	Path    string          `json:"path"`
	Query   string          `json:"query"`
	Headers [][2]string     `json:"headers"`
	Body    json.RawMessage `json:"body"`
	Resp    struct {
		Status int             `json:"status"`
		Body   json.RawMessage `json:"body"`
	} `json:"response"`
}

func loadRecorded(t *testing.T, dir string) []recordedAPIRequest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(fixtureUploads, dir, "[0-9][0-9]-*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded requests in %s (%v)", dir, err)
	}
	slices.Sort(files)
	var out []recordedAPIRequest
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var r recordedAPIRequest
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, r)
	}
	return out
}

// replay sends a recorded request as sentry-cli sent it (headers in their
// order, the token replaced by the server's), with body as given.
func (e *apiEnv) replay(t *testing.T, rec recordedAPIRequest, body []byte) (*http.Response, []byte) {
	t.Helper()
	h := http.Header{}
	for _, kv := range rec.Headers {
		switch strings.ToLower(kv[0]) {
		case "host", "content-length":
		case "authorization":
			h.Set("Authorization", "Bearer "+e.token)
		default:
			h.Add(kv[0], kv[1])
		}
	}
	path := rec.Path
	if rec.Query != "" {
		path += "?" + rec.Query
	}
	return e.do(t, rec.Method, path, h, body)
}

// acceptable checks an answer the way sentry-cli reads it: the recorded
// status, and for assemble a state that means the same to sentry-cli
// (created, assembling and ok all continue a --wait poll; ok ends it).
func checkReplayAnswer(t *testing.T, rec recordedAPIRequest, resp *http.Response, got []byte) {
	t.Helper()
	if resp.StatusCode != rec.Resp.Status {
		t.Fatalf("%s %s: status %d, recorded %d: %s", rec.Method, rec.Path, resp.StatusCode, rec.Resp.Status, got)
	}
	if !strings.HasSuffix(rec.Path, "/assemble/") {
		return
	}
	var want, have api.AssembleResponse
	json.Unmarshal(rec.Resp.Body, &want)
	if err := json.Unmarshal(got, &have); err != nil {
		t.Fatalf("assemble answer %s: %v", got, err)
	}
	switch want.State {
	case api.AssembleNotFound:
		if have.State != api.AssembleNotFound || !slices.Equal(have.MissingChunks, want.MissingChunks) {
			t.Errorf("assemble: %s, recorded %s", got, rec.Resp.Body)
		}
	case api.AssembleCreated, api.AssembleAssembling:
		if have.State == api.AssembleError || have.State == api.AssembleNotFound {
			t.Errorf("assemble: %s, recorded %s", got, rec.Resp.Body)
		}
	case api.AssembleOK:
		if have.State != api.AssembleOK {
			t.Errorf("assemble: %s, recorded %s", got, rec.Resp.Body)
		}
	}
	if have.MissingChunks == nil {
		t.Errorf("assemble: missingChunks must be a list: %s", got)
	}
}

// TestReplaySentryCLIUploadSmall replays `sentry-cli sourcemaps upload` of
// the small bundle byte for byte, and checks the bundle ends up stored and
// indexed by debug ID.
func TestReplaySentryCLIUploadSmall(t *testing.T) {
	env := newAPIEnv(t, Config{})
	recs := loadRecorded(t, "small")
	for i, rec := range recs {
		var body []byte
		if rec.Method == "POST" && strings.HasSuffix(rec.Path, "/chunk-upload/") {
			var mp struct {
				RawBodyFile string `json:"raw_body_file"`
			}
			json.Unmarshal(rec.Body, &mp)
			var err error
			if body, err = os.ReadFile(filepath.Join(fixtureUploads, "small", mp.RawBodyFile)); err != nil {
				t.Fatal(err)
			}
		} else if len(rec.Body) > 0 && string(rec.Body) != "null" {
			body = rec.Body
		}
		resp, got := env.replay(t, rec, body)
		checkReplayAnswer(t, rec, resp, got)
		if i == 0 {
			var opts api.ChunkOptions
			json.Unmarshal(got, &opts)
			if opts.URL != env.url+"/api/0/organizations/local/chunk-upload/" || opts.ChunkSize != 8<<20 ||
				opts.HashAlgorithm != "sha1" || !slices.Equal(opts.Compression, []string{"gzip"}) ||
				!slices.Contains(opts.Accept, "artifact_bundles_v2") || !slices.Contains(opts.Accept, "debug_files") {
				t.Errorf("chunk options = %s", got)
			}
		}
	}

	want, err := os.ReadFile(filepath.Join(fixtureUploads, "small", "artifact-bundle.bin"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, id := range []string{"a4e806a5-1f03-5d3e-bd90-a20021f5091c", "08a9a02f-f934-5b41-837d-cc5762af77a4"} {
		refs, err := env.store.LookupArtifacts(ctx, store.ArtifactQuery{ProjectID: 1, DebugID: id})
		if err != nil || len(refs) != 2 {
			t.Fatalf("debug id %s: %+v, %v", id, refs, err)
		}
		types := []string{refs[0].Type, refs[1].Type}
		slices.Sort(types)
		if !slices.Equal(types, []string{"minified_source", "source_map"}) || refs[0].BundleID != "242a996b-ffd5-5df4-842f-76b8515c1d66" {
			t.Errorf("debug id %s: %+v", id, refs)
		}
		data, err := env.store.ArtifactBundleData(ctx, refs[0].Bundle)
		if err != nil || !bytes.Equal(data, want) {
			t.Errorf("stored bundle differs from the uploaded one (%v)", err)
		}
	}
	// Assembled chunks are deleted.
	if ents, _ := os.ReadDir(env.chunkDir); len(ents) != 0 {
		names := []string{}
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("chunks left after assembly: %v", names)
	}
}

// TestReplaySentryCLIUploadApp replays the app upload and its unchanged
// re-upload. The recording kept the requests but not the chunk's bytes, so
// the chunk is a bundle built from the recorded manifest and every checksum
// in the later requests is rewritten to it.
func TestReplaySentryCLIUploadApp(t *testing.T) {
	env := newAPIEnv(t, Config{})
	recs := loadRecorded(t, "app")
	var manifest struct {
		Files map[string]struct {
			Type    string            `json:"type"`
			URL     string            `json:"url"`
			Headers map[string]string `json:"headers"`
		} `json:"files"`
		DebugID string `json:"debug_id"`
	}
	b, err := os.ReadFile(filepath.Join(fixtureUploads, "app", "bundle-manifest.json"))
	if err != nil || json.Unmarshal(b, &manifest) != nil {
		t.Fatalf("manifest: %v", err)
	}
	var files []bundleFile
	for path, f := range manifest.Files {
		files = append(files, bundleFile{path: path, typ: f.Type, url: f.URL, debugID: f.Headers["debug-id"], data: "// " + path})
	}
	slices.SortFunc(files, func(a, b bundleFile) int { return strings.Compare(a.path, b.path) })
	bundle := makeBundle(t, manifest.DebugID, "", files, nil)
	sum := sha1Hex(bundle)
	recorded := "1c2cd6b3a1a3648909dba67ee0d4e56432ce9c77"

	for i, rec := range recs {
		var body []byte
		switch {
		case rec.Method == "POST" && strings.HasSuffix(rec.Path, "/chunk-upload/"):
			var ct string
			body, ct = chunkBody(t, [2][]byte{[]byte(sum), bundle})
			rec.Headers = slices.DeleteFunc(rec.Headers, func(kv [2]string) bool { return strings.EqualFold(kv[0], "content-type") })
			rec.Headers = append(rec.Headers, [2]string{"Content-Type", ct})
		case len(rec.Body) > 0 && string(rec.Body) != "null":
			if i > 1 { // after the first, untouched, assemble
				rec.Body = json.RawMessage(strings.ReplaceAll(string(rec.Body), recorded, sum))
				rec.Resp.Body = json.RawMessage(strings.ReplaceAll(string(rec.Resp.Body), recorded, sum))
			}
			body = rec.Body
		}
		if i == 5 {
			env.resetCounts() // the re-upload starts here
		}
		resp, got := env.replay(t, rec, body)
		checkReplayAnswer(t, rec, resp, got)
	}
	// The re-upload sent no chunk.
	if n := env.count("POST", "/api/0/organizations/local/chunk-upload/"); n != 0 {
		t.Errorf("the unchanged re-upload sent %d chunk requests", n)
	}
	refs, err := env.store.LookupArtifacts(context.Background(), store.ArtifactQuery{ProjectID: 1, DebugID: "de3ffa73-97ef-59e5-8b7b-9951b6b12782"})
	if err != nil || len(refs) != 2 || refs[0].BundleID != "b7777bda-0969-5d6a-8395-bf0535e4b963" {
		t.Errorf("indexed: %+v, %v", refs, err)
	}
}

// TestWebAPIClientUpload runs snag's own client through the whole upload:
// options, missing chunks, concurrent gzipped chunk upload, assembly; then
// the same bundle again (one assemble round trip, nothing sent), then with a
// release for a second indexing.
func TestWebAPIClientUpload(t *testing.T) {
	env := newAPIEnv(t, Config{})
	ctx := context.Background()
	// Big enough for several 8 MiB chunks: random letters compress to
	// about 60% in the ZIP.
	js := randomText(20 << 20)
	bundle := testBundle(t, js)
	res, err := env.client.UploadArtifactBundle(ctx, "local", bundle, api.BundleTarget{Projects: []string{"default"}}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if res.Chunks < 2 || res.Uploaded != res.Chunks || res.Assemble.State != api.AssembleOK || res.Checksum != sha1Hex(bundle) {
		t.Errorf("upload result = %+v", res)
	}
	refs, err := env.store.LookupArtifacts(ctx, store.ArtifactQuery{ProjectID: 1, DebugID: "a4e806a5-1f03-5d3e-bd90-a20021f5091c", Type: "minified_source"})
	if err != nil || len(refs) != 1 || refs[0].URL != "~/app.js" {
		t.Fatalf("indexed: %+v, %v", refs, err)
	}

	env.resetCounts()
	res, err = env.client.UploadArtifactBundle(ctx, "local", bundle, api.BundleTarget{Projects: []string{"default"}}, time.Minute)
	if err != nil || res.Uploaded != 0 || res.Assemble.State != api.AssembleOK {
		t.Fatalf("re-upload: %+v, %v", res, err)
	}
	if n := env.count("POST", "/api/0/organizations/local/artifactbundle/assemble/"); n != 1 {
		t.Errorf("re-upload took %d assemble calls, want 1", n)
	}
	if n := env.count("POST", "/api/0/organizations/local/chunk-upload/"); n != 0 {
		t.Errorf("re-upload sent %d chunk requests", n)
	}

	// The same bytes for a release: indexed again, from the stored copy,
	// without chunks.
	env.resetCounts()
	res, err = env.client.UploadArtifactBundle(ctx, "local", bundle, api.BundleTarget{Projects: []string{"default"}, Version: "1.0", Dist: "web"}, time.Minute)
	if err != nil || res.Uploaded != 0 || res.Assemble.State != api.AssembleOK {
		t.Fatalf("upload for a release: %+v, %v", res, err)
	}
	refs, err = env.store.LookupArtifacts(ctx, store.ArtifactQuery{ProjectID: 1, Release: "1.0", Dist: "web", URL: "~/app.js.map"})
	if err != nil || len(refs) != 1 || refs[0].Type != "source_map" {
		t.Errorf("release index: %+v, %v", refs, err)
	}
	if n := env.count("POST", "/api/0/organizations/local/chunk-upload/"); n != 0 {
		t.Errorf("upload for a release sent %d chunk requests", n)
	}
}

// randomText is n bytes of incompressible letters.
func randomText(n int) string {
	b := make([]byte, n)
	x := uint64(0x9E3779B97F4A7C15)
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = 'a' + byte(x%26)
	}
	return string(b)
}

func TestWebAPIAssembleStates(t *testing.T) {
	env := newAPIEnv(t, Config{})
	bundle := testBundle(t, "console.log(1)")
	sum := sha1Hex(bundle)
	assemble := func(req map[string]any) (int, api.AssembleResponse, string) {
		t.Helper()
		resp, body := env.do(t, "POST", "/api/0/organizations/local/artifactbundle/assemble/", nil, mustJSON(t, req))
		var ar api.AssembleResponse
		json.Unmarshal(body, &ar)
		return resp.StatusCode, ar, string(body)
	}

	for _, tc := range []struct {
		name string
		req  map[string]any
	}{
		{"no projects", map[string]any{"checksum": sum, "chunks": []string{sum}}},
		{"empty projects", map[string]any{"checksum": sum, "chunks": []string{sum}, "projects": []string{}}},
		{"unknown project", map[string]any{"checksum": sum, "chunks": []string{sum}, "projects": []string{"nope"}}},
		{"bad checksum", map[string]any{"checksum": "xyz", "chunks": []string{sum}, "projects": []string{"default"}}},
		{"bad chunk", map[string]any{"checksum": sum, "chunks": []string{"xyz"}, "projects": []string{"default"}}},
		{"slash in version", map[string]any{"checksum": sum, "chunks": []string{sum}, "projects": []string{"default"}, "version": "a/b"}},
		{"empty version", map[string]any{"checksum": sum, "chunks": []string{sum}, "projects": []string{"default"}, "version": ""}},
		{"dist without version", map[string]any{"checksum": sum, "chunks": []string{sum}, "projects": []string{"default"}, "dist": "web"}},
		{"unknown field", map[string]any{"checksum": sum, "chunks": []string{sum}, "projects": []string{"default"}, "nope": 1}},
	} {
		status, _, body := assemble(tc.req)
		var e struct{ Error string }
		if status != 400 || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
			t.Errorf("%s: %d %s, want 400 with an error", tc.name, status, body)
		}
	}

	req := map[string]any{"checksum": sum, "chunks": []string{sum}, "projects": []string{"1"}}
	if status, ar, body := assemble(req); status != 200 || ar.State != api.AssembleNotFound || !slices.Equal(ar.MissingChunks, []string{sum}) {
		t.Fatalf("first assemble: %d %s", status, body)
	}
	if _, ar, body := assemble(map[string]any{"checksum": sum, "chunks": []string{}, "projects": []string{"default"}}); ar.State != api.AssembleNotFound || len(ar.MissingChunks) != 0 {
		t.Errorf("no chunks: %s", body)
	}
	mp, ct := chunkBody(t, [2][]byte{[]byte(sum), bundle})
	if resp, body := env.do(t, "POST", "/api/0/organizations/local/chunk-upload/", http.Header{"Content-Type": {ct}}, mp); resp.StatusCode != 200 {
		t.Fatalf("chunk upload: %d %s", resp.StatusCode, body)
	}
	if _, ar, body := assemble(req); ar.State != api.AssembleOK || ar.Detail != nil || ar.MissingChunks == nil {
		t.Errorf("assemble after upload: %s", body)
	}
	if _, ar, body := assemble(req); ar.State != api.AssembleOK {
		t.Errorf("poll: %s", body)
	}
}

// upload sends a bundle's single chunk and asks for its assembly, returning
// the final answer.
func (e *apiEnv) uploadOne(t *testing.T, bundle []byte) api.AssembleResponse {
	t.Helper()
	sum := sha1Hex(bundle)
	mp, ct := chunkBody(t, [2][]byte{[]byte(sum), bundle})
	if resp, body := e.do(t, "POST", "/api/0/organizations/local/chunk-upload/", http.Header{"Content-Type": {ct}}, mp); resp.StatusCode != 200 {
		t.Fatalf("chunk upload: %d %s", resp.StatusCode, body)
	}
	var ar api.AssembleResponse
	e.doJSON(t, "POST", "/api/0/organizations/local/artifactbundle/assemble/",
		map[string]any{"checksum": sum, "chunks": []string{sum}, "projects": []string{"default"}}, 200, &ar)
	return ar
}

func TestWebAPIChunkUploadRefusals(t *testing.T) {
	env := newAPIEnv(t, Config{})
	post := func(body []byte, ct string) (int, string) {
		resp, b := env.do(t, "POST", "/api/0/organizations/local/chunk-upload/", http.Header{"Content-Type": {ct}}, body)
		return resp.StatusCode, string(b)
	}
	data := []byte("some chunk")
	// A part whose name is not its SHA-1.
	mp, ct := chunkBody(t, [2][]byte{[]byte(sha1Hex([]byte("other"))), data})
	if status, body := post(mp, ct); status != 400 || !strings.Contains(body, "checksum mismatch") {
		t.Errorf("wrong SHA-1: %d %s", status, body)
	}
	mp, ct = chunkBody(t, [2][]byte{[]byte("../../etc/passwd"), data})
	if status, body := post(mp, ct); status != 400 {
		t.Errorf("path as name: %d %s", status, body)
	}
	// A gzip bomb: 64 MiB of zeros, a few KiB on the wire.
	bomb := make([]byte, 64<<20)
	mp, ct = chunkBody(t, [2][]byte{[]byte(sha1Hex(bomb)), bomb})
	if len(mp) > 1<<20 {
		t.Fatalf("the bomb is %d bytes on the wire", len(mp))
	}
	if status, body := post(mp, ct); status != http.StatusRequestEntityTooLarge {
		t.Errorf("gzip bomb: %d %s", status, body)
	}
	// Over the request cap in total: five chunks of 7 MiB.
	var parts [][2][]byte
	for i := range 5 {
		c := bytes.Repeat([]byte{byte('a' + i)}, 7<<20)
		parts = append(parts, [2][]byte{[]byte(sha1Hex(c)), c})
	}
	mp, ct = chunkBody(t, parts...)
	if status, body := post(mp, ct); status != http.StatusRequestEntityTooLarge {
		t.Errorf("over the request size: %d %s", status, body)
	}
	// More parts than chunksPerRequest.
	parts = nil
	for i := range chunksPerRequest + 1 {
		c := []byte{byte(i)}
		parts = append(parts, [2][]byte{[]byte(sha1Hex(c)), c})
	}
	mp, ct = chunkBody(t, parts...)
	if status, body := post(mp, ct); status != 400 || !strings.Contains(body, "Too many chunks") {
		t.Errorf("too many chunks: %d %s", status, body)
	}
	// Not gzip in a file_gzip part.
	mp, ct = rawPart(t, "file_gzip", sha1Hex(data), data)
	if status, body := post(mp, ct); status != 400 {
		t.Errorf("plain data as file_gzip: %d %s", status, body)
	}
	// A plain "file" part is taken.
	mp, ct = rawPart(t, "file", sha1Hex(data), data)
	if status, body := post(mp, ct); status != 200 {
		t.Errorf("plain file part: %d %s", status, body)
	}
	if status, body := post([]byte("x"), "application/json"); status != 400 {
		t.Errorf("not multipart: %d %s", status, body)
	}
	// Stored chunks are private to the user.
	dir := env.chunkDir
	st, err := os.Stat(filepath.Join(dir, sha1Hex(data)))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("chunk file: %v, %v", st, err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("chunk dir: %v, %v", st, err)
	}
}

func rawPart(t *testing.T, field, name string, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	boundary := "xXxXxXxXxX"
	buf.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\"" + name + "\"\r\nContent-Type: application/octet-stream\r\n\r\n")
	buf.Write(data)
	buf.WriteString("\r\n--" + boundary + "--\r\n")
	return buf.Bytes(), "multipart/form-data; boundary=" + boundary
}

// TestWebAPIBadBundles: a bundle that is malformed ends in state error with
// Sentry's detail, and nothing of it is stored.
func TestWebAPIBadBundles(t *testing.T) {
	js := bundleFile{path: "files/_/_/a.js", typ: "minified_source", url: "~/a.js", debugID: "a4e806a5-1f03-5d3e-bd90-a20021f5091c", data: "x"}
	for _, tc := range []struct {
		name   string
		bundle func(t *testing.T) []byte
		detail string
	}{
		{"dot-dot entry", func(t *testing.T) []byte {
			return makeBundle(t, "", "", []bundleFile{js}, map[string]string{"files/../../evil.js": "x"})
		}, `".." segment`},
		{"dot-dot manifest path", func(t *testing.T) []byte {
			return makeBundle(t, "", "", []bundleFile{js, {path: "../x.js", typ: "minified_source", url: "~/x.js", data: "x"}}, nil)
		}, `".." segment`},
		{"absolute entry", func(t *testing.T) []byte {
			return makeBundle(t, "", "", []bundleFile{js}, map[string]string{"/etc/passwd": "x"})
		}, "absolute path"},
		{"backslash entry", func(t *testing.T) []byte {
			return makeBundle(t, "", "", []bundleFile{js}, map[string]string{`files\..\x`: "x"})
		}, "backslash"},
		{"no manifest", func(t *testing.T) []byte {
			return makeBundle(t, "", "", []bundleFile{js}, map[string]string{"manifest.json": "{}"})
		}, "lists no files"},
		{"manifest names a missing file", func(t *testing.T) []byte {
			b := makeBundle(t, "", "", nil, map[string]string{"manifest.json": `{"files":{"files/_/_/x.js":{"type":"minified_source","url":"~/x.js"}}}`})
			return b
		}, "not in the archive"},
		{"unknown type", func(t *testing.T) []byte {
			return makeBundle(t, "", "", []bundleFile{{path: "files/a", typ: "exe", url: "~/a", debugID: js.debugID, data: "x"}}, nil)
		}, "unknown type"},
		{"bad debug id", func(t *testing.T) []byte {
			return makeBundle(t, "", "", []bundleFile{{path: "files/a", typ: "minified_source", url: "~/a", debugID: "nope", data: "x"}}, nil)
		}, "is not a UUID"},
		{"neither debug ids nor release", func(t *testing.T) []byte {
			return makeBundle(t, "", "", []bundleFile{{path: "files/a", typ: "minified_source", url: "~/a", data: "x"}}, nil)
		}, "without debug ids or release"},
		{"not a zip", func(t *testing.T) []byte { return []byte("SYSB\x02\x00\x00\x00not a zip") }, "not a ZIP"},
		{"wrong version", func(t *testing.T) []byte {
			b := makeBundle(t, "", "", []bundleFile{js}, nil)
			b[4] = 9
			return b
		}, "version 9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newAPIEnv(t, Config{})
			ar := env.uploadOne(t, tc.bundle(t))
			if ar.State != api.AssembleError || ar.Detail == nil || !strings.Contains(*ar.Detail, tc.detail) {
				t.Errorf("assemble = %+v (detail %v), want error with %q", ar, deref(ar.Detail), tc.detail)
			}
			refs, err := env.store.LookupArtifacts(context.Background(), store.ArtifactQuery{ProjectID: 1, DebugID: js.debugID})
			if err != nil || len(refs) != 0 {
				t.Errorf("stored anyway: %+v, %v", refs, err)
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestWebAPIBundleTooLarge: a bundle over the file size cap ends in error.
func TestWebAPIBundleTooLarge(t *testing.T) {
	env := newAPIEnv(t, Config{API: APIConfig{MaxFileSize: 1 << 20}})
	var opts api.ChunkOptions
	env.doJSON(t, "GET", "/api/0/organizations/local/chunk-upload/", nil, 200, &opts)
	if opts.MaxFileSize != 1<<20 {
		t.Errorf("maxFileSize = %d", opts.MaxFileSize)
	}
	ar := env.uploadOne(t, testBundle(t, randomText(2<<20)))
	if ar.State != api.AssembleError || ar.Detail == nil || !strings.Contains(*ar.Detail, "exceeds maximum size") {
		t.Errorf("assemble = %+v (%s)", ar, deref(ar.Detail))
	}
}

func TestReadBundleCaps(t *testing.T) {
	zeros := strings.Repeat("\x00", 4<<20)
	b := makeBundle(t, "", "", []bundleFile{{path: "files/a", typ: "minified_source", url: "~/a",
		debugID: "a4e806a5-1f03-5d3e-bd90-a20021f5091c", data: zeros}}, nil)
	if len(b) > 64<<10 {
		t.Fatalf("the test bundle is %d bytes", len(b))
	}
	lim := sourcemaps.DefaultBundleLimits()
	lim.MaxFileSize = 1 << 20
	if _, _, err := readBundle(b, lim); !errors.Is(err, errBadBundle) || !errors.Is(err, sourcemaps.ErrBundleTooLarge) {
		t.Errorf("entry over its cap: %v", err)
	}
	lim = sourcemaps.DefaultBundleLimits()
	lim.MaxTotalSize = 2 << 20
	if _, _, err := readBundle(b, lim); !errors.Is(err, errBadBundle) {
		t.Errorf("bundle over its total cap: %v", err)
	}
	if _, entries, err := readBundle(b, sourcemaps.DefaultBundleLimits()); err != nil || len(entries) != 1 {
		t.Errorf("within the caps: %v, %v", entries, err)
	}
}

// TestUploadThenUnminify: a bundle uploaded through the API unminifies the
// events that arrive afterwards, by debug ID and by release + URL.
func TestUploadThenUnminify(t *testing.T) {
	env := newAPIEnv(t, Config{})
	ingest := &testEnv{srv: env.srv, store: env.store, url: env.url}
	ctx := t.Context()
	const debugID = "5a1e0000-0000-4000-8000-00000000a11d"
	upload := func(attrs sourcemaps.BundleAttributes, to api.BundleTarget, files []sourcemaps.BundleFile) {
		t.Helper()
		var buf bytes.Buffer
		if _, err := sourcemaps.WriteBundle(&buf, attrs, files); err != nil {
			t.Fatal(err)
		}
		res, err := env.client.UploadArtifactBundle(ctx, "local", buf.Bytes(), to, time.Minute)
		if err != nil || res.Assemble.State != api.AssembleOK {
			t.Fatalf("upload = %+v, %v", res, err)
		}
	}
	topFrame := func(body map[string]any) map[string]any {
		frames, raw := exceptionFrames(t, body)
		if len(raw) == 0 {
			t.Fatalf("the event was not unminified: %v", frames)
		}
		return frames[len(frames)-1]
	}

	upload(sourcemaps.BundleAttributes{Org: "local"}, api.BundleTarget{Projects: []string{"default"}},
		builtFiles(t, "esbuild", "~/main.min.js", debugID, true))
	_, body := ingest.sendEvent(t, traceEvent(t, "esbuild", "checkout", func(u string) string { return u }, map[string]any{
		"debug_meta": map[string]any{"images": []any{map[string]any{"type": "sourcemap", "code_file": "/app/esbuild/main.min.js", "debug_id": debugID}}},
	}))
	if f := topFrame(body); f["filename"] != "src/pricing.js" || fmt.Sprint(f["lineno"]) != "21" {
		t.Errorf("by debug id: top frame %v:%v", f["filename"], f["lineno"])
	}

	// No debug ids: the release and the URL find the files.
	upload(sourcemaps.BundleAttributes{Org: "local"}, api.BundleTarget{Projects: []string{"default"}, Version: "shop@2.0.0"},
		builtFiles(t, "terser", "~/assets/main.min.js", "", true))
	_, body = ingest.sendEvent(t, traceEvent(t, "terser", "checkout", func(u string) string {
		return "https://shop.example/assets/main.min.js"
	}, map[string]any{"release": "shop@2.0.0"}))
	if f := topFrame(body); f["filename"] != "src/pricing.js" {
		t.Errorf("by release and URL: top frame %v:%v", f["filename"], f["lineno"])
	}
}
