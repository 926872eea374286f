package sourcemaps_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/api/apitest"
	"github.com/snag-dev/snag/cmd/factory"
	"github.com/snag-dev/snag/cmd/root"
	cmdsm "github.com/snag-dev/snag/cmd/sourcemaps"
	"github.com/snag-dev/snag/internal/golden"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/local/server"
	"github.com/snag-dev/snag/local/store"
	sm "github.com/snag-dev/snag/sourcemaps"
)

var bundlesDir = filepath.Join("..", "..", "sourcemaps", "testdata", "bundles")

// distFixture copies the real esbuild, terser and webpack outputs into
// dir/dist/<tool>/ and, when inject is set, gives them debug IDs.
func distFixture(t *testing.T, inject bool) string {
	t.Helper()
	dir := t.TempDir()
	for _, tool := range []string{"esbuild", "terser", "webpack"} {
		for _, name := range []string{"main.min.js", "main.min.js.map"} {
			data, err := os.ReadFile(filepath.Join(bundlesDir, tool, name))
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(dir, "dist", tool, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if inject {
		files, err := sm.InjectFiles([]string{filepath.Join(dir, "dist")}, sm.InjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if f.Status != sm.StatusInjected {
				t.Fatalf("inject %s: %s %s", f.Path, f.Status, f.Reason)
			}
		}
	}
	return dir
}

type result struct {
	out, errOut string
	code        root.ExitCode
}

// runSnag runs one command line as main does, from dir (so paths print
// relative), with only env as the environment.
func runSnag(t *testing.T, env map[string]string, dir string, args ...string) result {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd) // golden files are under the package's testdata
	ios, _, out, errOut := iostreams.Test()
	f := factory.NewWith(factory.Options{IO: ios, Getenv: func(k string) string { return env[k] },
		WorkDir: dir, HomeDir: t.TempDir()})
	code := root.Run(context.Background(), f, args)
	return result{out.String(), errOut.String(), code}
}

// localAPI is the local server on a real store, counting requests.
type localAPI struct {
	st    *store.Store
	db    string
	url   string
	addr  string
	token string

	mu    sync.Mutex
	calls map[string]int
}

func newLocalAPI(t *testing.T) *localAPI {
	t.Helper()
	db := filepath.Join(t.TempDir(), "snag.db")
	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	token, err := st.APIToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	e := &localAPI{st: st, db: db, token: token, calls: map[string]int{}}
	h := server.New(st, server.Config{}).Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.calls[r.Method+" "+r.URL.Path]++
		e.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	e.url = ts.URL
	e.addr = strings.TrimPrefix(ts.URL, "http://")
	return e
}

func (e *localAPI) counts() map[string]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string]int{}
	for k, v := range e.calls {
		out[k] = v
	}
	e.calls = map[string]int{}
	return out
}

// env is the environment of a client with no token: snag's defaults point
// at this server and its database.
func (e *localAPI) env() map[string]string {
	return map[string]string{"SNAG_DB": e.db, "SNAG_ADDR": e.addr}
}

func decodeReport(t *testing.T, out string) cmdsm.UploadReport {
	t.Helper()
	var rep cmdsm.UploadReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return rep
}

const (
	chunkUpload = "/api/0/organizations/local/chunk-upload/"
	assemble    = "/api/0/organizations/local/artifactbundle/assemble/"
)

// Without a token the upload goes to the snag serve running at SNAG_ADDR,
// with the token of SNAG_DB; the files are indexed by debug ID; an
// unchanged re-upload is one chunk-options and one assemble request, and
// sends nothing.
func TestUploadToLocalServer(t *testing.T) {
	srv := newLocalAPI(t)
	dir := distFixture(t, true)

	r := runSnag(t, srv.env(), dir, "sourcemaps", "upload", "dist")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	golden.Assert(t, "upload-local-server", []byte(r.out))
	if !strings.Contains(r.errOut, "Uploaded 6 files (3 minified sources, 3 sourcemaps)") || !strings.Contains(r.errOut, "to snag serve at "+srv.url+" (local/default)") {
		t.Errorf("stderr:\n%s", r.errOut)
	}
	c := srv.counts()
	if c["GET "+chunkUpload] != 1 || c["POST "+assemble] != 2 || c["POST "+chunkUpload] != 1 {
		t.Errorf("requests: %v", c)
	}

	r = runSnag(t, srv.env(), dir, "sourcemaps", "upload", "dist", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	rep := decodeReport(t, r.out)
	if !rep.Bundle.AlreadyUploaded || rep.Bundle.ChunksUploaded != 0 || rep.Bundle.State != api.AssembleOK || !strings.Contains(r.errOut, "Nothing to upload") {
		t.Errorf("re-upload: %+v\n%s", rep.Bundle, r.errOut)
	}
	if c := srv.counts(); len(c) != 3 || c["GET /healthz"] != 1 || c["GET "+chunkUpload] != 1 || c["POST "+assemble] != 1 {
		t.Errorf("re-upload requests: %v, want one health check, chunk options and one assemble", c)
	}
	if rep.Target.Kind != "local_server" || rep.Target.Org != "local" || rep.Target.Projects[0] != "default" || len(rep.Files) != 6 {
		t.Errorf("report: %+v", rep)
	}
	for _, f := range rep.Files {
		refs, err := srv.st.LookupArtifacts(context.Background(), store.ArtifactQuery{ProjectID: 1, DebugID: f.DebugID, Type: f.Type})
		if err != nil || len(refs) != 1 || refs[0].URL != f.URL {
			t.Errorf("%s (%s): indexed as %+v, %v", f.URL, f.DebugID, refs, err)
		}
	}
}

// The same files give the same bundle, byte for byte, whatever the order
// or spelling of the paths.
func TestUploadBundleIsDeterministic(t *testing.T) {
	dir := distFixture(t, true)
	env := map[string]string{"SENTRY_AUTH_TOKEN": "sntryu_" + strings.Repeat("ab", 32), "SENTRY_ORG": "acme", "SENTRY_PROJECT": "web"}
	var sums []string
	for _, args := range [][]string{
		{"dist"},
		{"./dist/"},
		{"dist/webpack", "dist/esbuild", "dist/terser", "--url-prefix", "~/"},
	} {
		r := runSnag(t, env, dir, append([]string{"sourcemaps", "upload", "--dry-run", "--json"}, args...)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.errOut)
		}
		rep := decodeReport(t, r.out)
		if !rep.DryRun || rep.Bundle.State != "" {
			t.Errorf("dry run: %+v", rep.Bundle)
		}
		sums = append(sums, rep.Bundle.Checksum+" "+rep.Bundle.DebugID)
	}
	if sums[0] != sums[1] {
		t.Errorf("same files, different bundles: %q", sums)
	}
	// Given one by one, the tool directories are the URL roots: other URLs,
	// another bundle.
	if sums[2] == sums[0] {
		t.Errorf("other URLs gave the same bundle")
	}
}

// --local writes into the database with no server; the files are indexed
// under the release too, and a second run finds them there.
func TestUploadLocal(t *testing.T) {
	dir := distFixture(t, true)
	db := filepath.Join(t.TempDir(), "data", "snag.db")
	env := map[string]string{"SNAG_DB": db, "SNAG_ADDR": "127.0.0.1:1"}
	r := runSnag(t, env, dir, "sourcemaps", "upload", "dist", "--local", "--release", "shop@1.2", "--dist", "web", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	rep := decodeReport(t, r.out)
	if rep.Target.Kind != "local_store" || rep.Target.Database != db || rep.Bundle.State != api.AssembleOK || rep.Bundle.AlreadyUploaded {
		t.Errorf("report: %+v %+v", rep.Target, rep.Bundle)
	}
	r = runSnag(t, env, dir, "sourcemaps", "upload", "dist", "--local", "--release", "shop@1.2", "--dist", "web")
	if r.code != 0 || !strings.Contains(r.errOut, "Nothing to upload: the local database") {
		t.Errorf("second run: exit %d\n%s", r.code, r.errOut)
	}
	r = runSnag(t, env, dir, "sourcemaps", "upload", "dist", "--local", "--project", "nope")
	if r.code != 1 || !strings.Contains(r.errOut, `no project "nope"`) || !strings.Contains(r.errOut, "Its projects: default.") {
		t.Errorf("unknown project: exit %d\n%s", r.code, r.errOut)
	}

	st, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, f := range rep.Files {
		refs, err := st.LookupArtifacts(context.Background(), store.ArtifactQuery{ProjectID: 1, Release: "shop@1.2", Dist: "web", URL: f.URL})
		if err != nil || len(refs) != 1 || refs[0].DebugID != f.DebugID {
			t.Errorf("%s: %+v, %v", f.URL, refs, err)
		}
	}
}

// multipartChunks decodes a chunk upload: name → data, checking that each
// part is gzipped and named by the SHA-1 of its data.
func multipartChunks(r *http.Request, body []byte) (map[string][]byte, string) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, err.Error()
	}
	out := map[string][]byte{}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return out, ""
		}
		if err != nil {
			return nil, err.Error()
		}
		if p.FormName() != "file_gzip" {
			return nil, "part " + p.FormName()
		}
		zr, err := gzip.NewReader(p)
		if err != nil {
			return nil, err.Error()
		}
		data, err := io.ReadAll(zr)
		if err != nil {
			return nil, err.Error()
		}
		sum := sha1.Sum(data)
		if hex.EncodeToString(sum[:]) != p.FileName() {
			return nil, "part named " + p.FileName() + " is not its SHA-1"
		}
		out[p.FileName()] = data
	}
}

// Against Sentry (a stub that fails on any request it does not expect):
// chunk options, an assemble call that learns the missing chunk, the chunk
// gzipped to the region URL the options name, and assemble again; the
// request carries the projects, release and dist; the chunk is the bundle.
func TestUploadToSentry(t *testing.T) {
	dir := distFixture(t, true)
	reg := apitest.New(t)
	region := apitest.New(t)
	const token = "sntryu_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	auth := "Bearer " + token

	reg.Register(apitest.GET("/api/0/organizations/acme/chunk-upload/").Header("Authorization", auth),
		apitest.JSON(200, `{"url":"`+region.URL()+`/api/0/organizations/acme/chunk-upload/","chunkSize":8388608,"chunksPerRequest":64,
			"maxFileSize":2147483648,"maxRequestSize":33554432,"concurrency":8,"hashAlgorithm":"sha1","compression":["gzip"],
			"accept":["release_files","artifact_bundles","artifact_bundles_v2"]}`))
	var mu sync.Mutex
	var asked api.AssembleRequest
	checkAssemble := func(_ *http.Request, body []byte) string {
		var ar api.AssembleRequest
		if err := json.Unmarshal(body, &ar); err != nil {
			return err.Error()
		}
		if len(ar.Chunks) != 1 || ar.Chunks[0] != ar.Checksum || strings.Join(ar.Projects, ",") != "web,admin" || ar.Version != "1.0" || ar.Dist != "7" {
			return "body " + string(body)
		}
		mu.Lock()
		asked = ar
		mu.Unlock()
		return ""
	}
	reg.Register(apitest.POST("/api/0/organizations/acme/artifactbundle/assemble/").Header("Authorization", auth).Check("first assemble", checkAssemble),
		func(w http.ResponseWriter, _ *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			apitest.JSON(200, `{"state":"not_found","missingChunks":["`+asked.Chunks[0]+`"],"detail":null}`)(w, nil)
		})
	var got map[string][]byte
	region.Register(apitest.POST("/api/0/organizations/acme/chunk-upload/").Header("Authorization", auth).Check("gzipped chunks", func(r *http.Request, body []byte) string {
		chunks, why := multipartChunks(r, body)
		mu.Lock()
		got = chunks
		mu.Unlock()
		return why
	}), apitest.Status(200))
	reg.Register(apitest.POST("/api/0/organizations/acme/artifactbundle/assemble/").Check("second assemble", checkAssemble),
		apitest.JSON(200, `{"state":"ok","missingChunks":[],"detail":null}`))

	env := map[string]string{"SENTRY_URL": reg.URL(), "SENTRY_AUTH_TOKEN": token, "SENTRY_ORG": "acme"}
	r := runSnag(t, env, dir, "sourcemaps", "upload", "dist", "-p", "web,admin", "-r", "1.0", "-d", "7", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	rep := decodeReport(t, r.out)
	if rep.Target.Kind != "sentry" || rep.Target.URL != reg.URL() || rep.Bundle.ChunksUploaded != 1 || rep.Bundle.State != api.AssembleOK {
		t.Errorf("report: %+v %+v", rep.Target, rep.Bundle)
	}
	bundle := got[rep.Bundle.Checksum]
	b, err := sm.ReadBundle(bundle, sm.BundleLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Manifest.Org != "acme" || b.Manifest.Release != "1.0" || b.Manifest.Dist != "7" || b.Manifest.Project != "" || len(b.Files()) != 6 {
		t.Errorf("manifest: %+v, %d files", b.Manifest.BundleAttributes, len(b.Files()))
	}
	if strings.Contains(r.out+r.errOut, token) {
		t.Error("the token was printed")
	}
}

// A Sentry that refuses the token is exit 4; one that refuses the bundle
// says so with a hint.
func TestUploadToSentryFailures(t *testing.T) {
	dir := distFixture(t, true)
	reg := apitest.New(t)
	reg.Register(apitest.GET("/api/0/organizations/acme/chunk-upload/"), apitest.JSON(401, `{"detail":"Invalid token"}`))
	env := map[string]string{"SENTRY_URL": reg.URL(), "SENTRY_AUTH_TOKEN": "sntryu_" + strings.Repeat("0", 64), "SENTRY_ORG": "acme", "SENTRY_PROJECT": "web"}
	r := runSnag(t, env, dir, "sourcemaps", "upload", "dist")
	if r.code != 4 || !strings.Contains(r.errOut, "Invalid token") {
		t.Errorf("401: exit %d\n%s", r.code, r.errOut)
	}

	reg.Register(apitest.GET("/api/0/organizations/acme/chunk-upload/"), apitest.JSON(200, `{"chunkSize":8388608,"compression":["gzip"]}`))
	reg.Register(apitest.POST("/api/0/organizations/acme/artifactbundle/assemble/"),
		apitest.JSON(200, `{"state":"error","missingChunks":[],"detail":"the bundle is invalid"}`))
	r = runSnag(t, env, dir, "sourcemaps", "upload", "dist")
	if r.code != 1 || !strings.Contains(r.errOut, "the bundle is invalid") || !strings.Contains(r.errOut, "snag sourcemaps validate") {
		t.Errorf("assemble error: exit %d\n%s", r.code, r.errOut)
	}
}

// freeAddr is a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestUploadErrors(t *testing.T) {
	dir := distFixture(t, true)
	plain := distFixture(t, false)
	empty := t.TempDir()
	noServer := map[string]string{"SNAG_DB": filepath.Join(t.TempDir(), "snag.db"), "SNAG_ADDR": freeAddr(t)}
	tests := []struct {
		name string
		dir  string
		env  map[string]string
		args []string
		code root.ExitCode
		want []string
	}{
		{"no token and no server", dir, noServer, []string{"dist"}, 4,
			[]string{"no auth token configured, and no snag server is running", "SENTRY_AUTH_TOKEN", "snag serve", "--local"}},
		{"dist without release", dir, noServer, []string{"dist", "--dist", "7"}, 2, []string{"--dist needs --release"}},
		{"release with a slash", dir, noServer, []string{"dist", "--release", "a/b"}, 2, []string{`a release cannot contain "/"`}},
		{"relative url prefix", dir, noServer, []string{"dist", "--url-prefix", "static/js"}, 2, []string{`did you mean "~/static/js"`}},
		{"bad ext", dir, noServer, []string{"dist", "--ext", "*"}, 2, []string{"--ext"}},
		{"bad ignore", dir, noServer, []string{"dist", "--ignore", "a/[b"}, 2, []string{"--ignore"}},
		{"missing ignore file", dir, noServer, []string{"dist", "--ignore-file", "nope"}, 2, []string{"--ignore-file"}},
		{"missing path", dir, noServer, []string{"nope", "--local"}, 1, []string{"nope"}},
		{"nothing to upload", empty, noServer, []string{".", "--local"}, 1, []string{"no JS files or sourcemaps to upload"}},
		{"no debug IDs, no release", plain, noServer, []string{"dist", "--dry-run"}, 1, []string{"no debug IDs and no release", "snag sourcemaps inject"}},
		{"sentry without org", dir, map[string]string{"SENTRY_AUTH_TOKEN": "sntryu_" + strings.Repeat("0", 64)}, []string{"dist"}, 2, []string{"no organization"}},
		{"sentry without project", dir, map[string]string{"SENTRY_AUTH_TOKEN": "sntryu_" + strings.Repeat("0", 64), "SENTRY_ORG": "acme"}, []string{"dist"}, 2, []string{"no project"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runSnag(t, tt.env, tt.dir, append([]string{"sourcemaps", "upload"}, tt.args...)...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\n%s", r.code, tt.code, r.errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.errOut)
				}
			}
		})
	}
	// The release makes files without debug IDs findable.
	if r := runSnag(t, noServer, plain, "sourcemaps", "upload", "dist", "--dry-run", "--release", "1.0"); r.code != 0 || !strings.Contains(r.errOut, "3 JS files have no debug ID") {
		t.Errorf("with a release: exit %d\n%s", r.code, r.errOut)
	}
}

// A server that does not take the token of SNAG_DB (it uses another
// database) is exit 4 with what to do.
func TestUploadLocalServerOtherDatabase(t *testing.T) {
	srv := newLocalAPI(t)
	dir := distFixture(t, true)
	other := filepath.Join(t.TempDir(), "other.db")
	st, err := store.Open(context.Background(), other, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	r := runSnag(t, map[string]string{"SNAG_DB": other, "SNAG_ADDR": srv.addr}, dir, "sourcemaps", "upload", "dist")
	if r.code != 4 || !strings.Contains(r.errOut, "refused the API token of "+other) || !strings.Contains(r.errOut, "uses another database") {
		t.Errorf("exit %d\n%s", r.code, r.errOut)
	}
	r = runSnag(t, map[string]string{"SNAG_DB": filepath.Join(t.TempDir(), "none.db"), "SNAG_ADDR": srv.addr}, dir, "sourcemaps", "upload", "dist")
	if r.code != 1 || !strings.Contains(r.errOut, "no local database at") {
		t.Errorf("no database: exit %d\n%s", r.code, r.errOut)
	}
}

// Validation errors stop the upload before anything is sent, unless
// --no-validate; warnings do not.
func TestUploadValidation(t *testing.T) {
	srv := newLocalAPI(t)
	dir := distFixture(t, true)
	bad := filepath.Join(dir, "dist", "broken")
	os.MkdirAll(bad, 0o755)
	os.WriteFile(filepath.Join(bad, "app.js"), []byte("a()\n//# debugId=11111111-2222-5333-8444-555555555555\n//# sourceMappingURL=app.js.map\n"), 0o644)
	os.WriteFile(filepath.Join(bad, "app.js.map"), []byte(`{"version":3,"debugId":"11111111-2222-5333-8444-555555555555","sources":["a.js"],"names":[],"mappings":"AAAA,!"}`), 0o644)

	r := runSnag(t, srv.env(), dir, "sourcemaps", "upload", "dist")
	if r.code != 1 || !strings.Contains(r.errOut, "invalid-mappings") || !strings.Contains(r.errOut, "nothing was uploaded") || !strings.Contains(r.errOut, "--no-validate") {
		t.Errorf("exit %d\n%s", r.code, r.errOut)
	}
	if c := srv.counts(); len(c) != 0 {
		t.Errorf("requests after a failed validation: %v", c)
	}
	r = runSnag(t, srv.env(), dir, "sourcemaps", "upload", "dist", "--json")
	if rep := decodeReport(t, r.out); r.code != 1 || rep.Validation == nil || rep.Validation.Errors != 1 || rep.Validation.Problems[0].Code != "invalid-mappings" {
		t.Errorf("--json: exit %d %+v", r.code, rep.Validation)
	}
	r = runSnag(t, srv.env(), dir, "sourcemaps", "upload", "dist", "--no-validate")
	if r.code != 0 || !strings.Contains(r.errOut, "Uploaded 8 files") {
		t.Errorf("--no-validate: exit %d\n%s", r.code, r.errOut)
	}
}

// Ignore rules, an ignore file and --ext choose the files; hidden
// directories are searched.
func TestUploadChoosesFiles(t *testing.T) {
	dir := distFixture(t, true)
	if err := os.Rename(filepath.Join(dir, "dist", "terser"), filepath.Join(dir, "dist", ".next")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, ".sentryignore"), []byte("# not this one\nwebpack/\n"), 0o644)
	env := map[string]string{"SNAG_DB": filepath.Join(t.TempDir(), "snag.db")}
	r := runSnag(t, env, dir, "sourcemaps", "upload", "dist", "--local", "--dry-run", "--json", "--ignore-file", ".sentryignore", "-u", "~/assets", "--url-suffix", "?v=3")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	var urls []string
	for _, f := range decodeReport(t, r.out).Files {
		urls = append(urls, f.URL)
	}
	want := "~/assets/.next/main.min.js?v=3 ~/assets/.next/main.min.js.map?v=3 ~/assets/esbuild/main.min.js?v=3 ~/assets/esbuild/main.min.js.map?v=3"
	if strings.Join(urls, " ") != want {
		t.Errorf("urls %q\nwant %q", urls, want)
	}
	r = runSnag(t, env, dir, "sourcemaps", "upload", "dist", "--local", "--dry-run", "--json", "-x", "map", "-i", "esbuild")
	if rep := decodeReport(t, r.out); r.code != 0 || len(rep.Files) != 2 || rep.Files[0].Type != "source_map" {
		t.Errorf("--ext map: exit %d %+v", r.code, rep.Files)
	}
}

// The health check is bounded: an address that accepts connections and
// never answers does not hang the command (the test's own timeout would
// catch that).
func TestUploadProbeTimesOut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accept, never answer
		}
	}()
	dir := distFixture(t, true)
	r := runSnag(t, map[string]string{"SNAG_DB": filepath.Join(t.TempDir(), "x.db"), "SNAG_ADDR": ln.Addr().String()}, dir, "sourcemaps", "upload", "dist")
	if r.code != 4 {
		t.Errorf("exit %d\n%s", r.code, r.errOut)
	}
}

// On a terminal, stderr shows the stages and a progress bar, redrawn in
// place and erased before the summary; stdout gets only the report.
func TestUploadProgressOnATerminal(t *testing.T) {
	srv := newLocalAPI(t)
	dir := distFixture(t, true)
	ios, _, out, errOut := iostreams.Test()
	ios.SetStderrTTY(true)
	ios.SetTerminalWidth(100)
	env := srv.env()
	f := factory.NewWith(factory.Options{IO: ios, Getenv: func(k string) string { return env[k] }, WorkDir: dir, HomeDir: t.TempDir()})
	if code := root.Run(context.Background(), f, []string{"sourcemaps", "upload", filepath.Join(dir, "dist")}); code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	e := errOut.String()
	for _, want := range []string{"\r\x1b[KCollecting files…", "Validating and bundling 6 files", "Uploading to snag serve at " + srv.url, "100% ", "\r\x1b[K✓ Uploaded 6 files"} {
		if !strings.Contains(e, want) {
			t.Errorf("stderr lacks %q:\n%q", want, e)
		}
	}
	if strings.Contains(out.String(), "\r") {
		t.Errorf("progress on stdout: %q", out.String())
	}
}
