package sourcemaps

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const cliFixtures = "../../shared/fixtures/sentry-cli-upload"

func sampleBundleFiles() []BundleFile {
	return []BundleFile{
		{URL: "~/static/js/app.min.js", Type: BundleMinifiedSource, Headers: map[string]string{"Debug-Id": "C1B3E2A0-1111-4222-8333-444455556666", "Sourcemap": "app.min.js.map"}, Content: []byte("function a(){throw new Error('x')}\n//# debugId=c1b3e2a0-1111-4222-8333-444455556666\n")},
		{URL: "~/static/js/app.min.js.map", Type: BundleSourceMap, Headers: map[string]string{"debug-id": "c1b3e2a0-1111-4222-8333-444455556666"}, Content: []byte(`{"version":3,"sources":["app.js"],"names":[],"mappings":"AAAA"}`)},
		{URL: "https://cdn.example.com/vendor.js?v=3", Type: BundleMinifiedSource, Content: []byte("var v=1;<>&")},
	}
}

func writeBundleBytes(t testing.TB, attrs BundleAttributes, files []BundleFile) ([]byte, *BundleManifest) {
	t.Helper()
	var buf bytes.Buffer
	m, err := WriteBundle(&buf, attrs, files)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), m
}

func TestBundleRoundTrip(t *testing.T) {
	files := sampleBundleFiles()
	data, written := writeBundleBytes(t, BundleAttributes{Org: "acme", Project: "web", Release: "1.0", Dist: "a", Note: "n"}, files)
	if !bytes.HasPrefix(data, []byte("SYSB\x02\x00\x00\x00PK")) {
		t.Fatalf("header: % x", data[:10])
	}
	b, err := ReadBundle(data, BundleLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Version != 2 {
		t.Errorf("version %d", b.Version)
	}
	m := b.Manifest
	if m.DebugID != written.DebugID || m.DebugID != BundleDebugID(files) {
		t.Errorf("debug_id %q, written %q, derived %q", m.DebugID, written.DebugID, BundleDebugID(files))
	}
	if m.Org != "acme" || m.Project != "web" || m.Release != "1.0" || m.Dist != "a" || m.Note != "n" {
		t.Errorf("attributes %+v", m.BundleAttributes)
	}
	wantPaths := []string{"files/_/_/static/js/app.min.js", "files/_/_/static/js/app.min.js.map", "files/https/cdn.example.com/vendor.js"}
	if got := b.Files(); strings.Join(got, " ") != strings.Join(wantPaths, " ") {
		t.Errorf("files %q", got)
	}
	js, _ := b.Info(wantPaths[0])
	if js.DebugID() != "c1b3e2a0-1111-4222-8333-444455556666" || js.SourceMapRef() != "app.min.js.map" || js.Type != BundleMinifiedSource {
		t.Errorf("minified file info %+v", js)
	}
	if _, ok := js.Headers["Debug-Id"]; ok {
		t.Error("header keys must be lowercased")
	}
	for i, p := range wantPaths {
		got, err := b.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		want := files[i].Content
		if !bytes.Equal(got, want) {
			t.Errorf("%s: %q, want %q", p, got, want)
		}
		rc, err := b.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		streamed, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(streamed, want) {
			t.Errorf("%s streamed: %q, %v", p, streamed, err)
		}
	}
	if p, ok := b.FileByDebugID("C1B3E2A0111142228333444455556666", BundleSourceMap); !ok || p != wantPaths[1] {
		t.Errorf("FileByDebugID: %q %v", p, ok)
	}
	if p, ok := b.FileByURL("https://cdn.example.com/vendor.js?v=3", ""); !ok || p != wantPaths[2] {
		t.Errorf("FileByURL: %q %v", p, ok)
	}
	if _, err := b.ReadFile("files/nope"); !errors.Is(err, ErrBundleFileNotFound) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := b.ReadFile(BundleManifestName); !errors.Is(err, ErrBundleFileNotFound) {
		t.Errorf("the manifest is not a file: %v", err)
	}
	entries := b.Entries()
	if len(entries) != 3 || entries[1].Size != int64(len(files[1].Content)) || entries[1].DebugID() == "" {
		t.Errorf("entries %+v", entries)
	}

	// The manifest is stored exactly as MarshalJSON writes it, last.
	zr, err := zip.NewReader(bytes.NewReader(data[8:]), int64(len(data)-8))
	if err != nil {
		t.Fatal(err)
	}
	last := zr.File[len(zr.File)-1]
	if last.Name != BundleManifestName {
		t.Errorf("last entry %q", last.Name)
	}
	for _, f := range zr.File {
		if !f.Modified.Equal(bundleTime) || f.Method != zip.Deflate {
			t.Errorf("%s: modified %v method %d", f.Name, f.Modified, f.Method)
		}
	}
}

func TestBundleDeterministic(t *testing.T) {
	files := sampleBundleFiles()
	attrs := BundleAttributes{Org: "acme", Release: "1.0"}
	a, _ := writeBundleBytes(t, attrs, files)
	reversed := []BundleFile{files[2], files[1], files[0]}
	b, _ := writeBundleBytes(t, attrs, reversed)
	if !bytes.Equal(a, b) {
		t.Fatal("the same files in another order gave different bytes")
	}
	again, _ := writeBundleBytes(t, attrs, sampleBundleFiles())
	if !bytes.Equal(a, again) {
		t.Fatal("a second run gave different bytes")
	}
	changed := sampleBundleFiles()
	changed[2].Content = []byte("var v=2;")
	if BundleDebugID(changed) == BundleDebugID(files) {
		t.Error("changed content kept the bundle id")
	}
	id := BundleDebugID(files)
	if id[14] != '5' || !strings.ContainsRune("89ab", rune(id[19])) {
		t.Errorf("bundle id %s lacks the UUIDv5 version and variant bits", id)
	}
	// An explicit id is used as given (normalized).
	_, m := writeBundleBytes(t, BundleAttributes{DebugID: "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE"}, files)
	if m.DebugID != "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee" {
		t.Errorf("explicit id became %q", m.DebugID)
	}
}

// The bundles in testdata/bundles, written with any concurrency and with
// WriteBundle, are the same bytes; another compressor gives other bytes, as
// readable, and again the same ones every time.
func TestWriteBundleWithIsDeterministic(t *testing.T) {
	var files []BundleFile
	for _, tool := range []string{"esbuild", "terser", "webpack"} {
		ents, err := os.ReadDir(filepath.Join("testdata", "bundles", tool))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			data, err := os.ReadFile(filepath.Join("testdata", "bundles", tool, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			typ := BundleMinifiedSource
			if strings.HasSuffix(e.Name(), ".map") {
				typ = BundleSourceMap
			}
			files = append(files, BundleFile{URL: "~/" + tool + "/" + e.Name(), Type: typ, Content: data})
		}
	}
	if len(files) < 6 {
		t.Fatalf("only %d files in testdata/bundles", len(files))
	}
	attrs := BundleAttributes{Org: "acme", Release: "1.0"}
	want, _ := writeBundleBytes(t, attrs, files)
	fast := func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) }
	var fastWant []byte
	for _, workers := range []int{1, 2, 7, 64} {
		var buf bytes.Buffer
		if _, err := WriteBundleWith(&buf, attrs, files, BundleWriteOptions{Concurrency: workers}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Fatalf("concurrency %d: different bytes", workers)
		}
		buf.Reset()
		if _, err := WriteBundleWith(&buf, attrs, files, BundleWriteOptions{Concurrency: workers, Compressor: fast}); err != nil {
			t.Fatal(err)
		}
		if fastWant == nil {
			fastWant = bytes.Clone(buf.Bytes())
		} else if !bytes.Equal(buf.Bytes(), fastWant) {
			t.Fatalf("concurrency %d, BestSpeed: different bytes", workers)
		}
	}
	if bytes.Equal(fastWant, want) {
		t.Fatal("BestSpeed wrote the same bytes as the default level")
	}
	b, err := ReadBundle(fastWant, BundleLimits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name, ok := b.FileByURL(f.URL, f.Type)
		if !ok {
			t.Fatalf("%s not in the bundle", f.URL)
		}
		got, err := b.ReadFile(name)
		if err != nil || !bytes.Equal(got, f.Content) {
			t.Fatalf("%s: %v", f.URL, err)
		}
	}
	// A compressor that fails fails the write, naming the entry.
	broken := func(io.Writer) (io.WriteCloser, error) { return nil, errors.New("no deflate today") }
	if _, err := WriteBundleWith(io.Discard, attrs, files, BundleWriteOptions{Compressor: broken}); err == nil || !strings.Contains(err.Error(), "no deflate today") {
		t.Fatalf("err = %v", err)
	}
}

func TestBundlePath(t *testing.T) {
	tests := []struct{ url, want string }{
		{"~/a/b.js", "files/_/_/a/b.js"},
		{"~/bar", "files/_/_/bar"},
		{"~/dist/js/bundle.js.map", "files/_/_/dist/js/bundle.js.map"},
		{"~/#/bar", "files/_/_/#/bar"},
		{"~/dist/#js/bundle.js.map", "files/_/_/dist/#js/bundle.js.map"},
		{"~/a.js?v=1", "files/_/_/a.js"},
		{"https://host/x.js", "files/https/host/x.js"},
		{"https://host:8443/x/y.js?q#f", "files/https/host/x/y.js#f"},
		{"app:///index.android.bundle", "files/app/_/index.android.bundle"},
		{"/static/app.js", "files/_/_/static/app.js"},
		{"static/app.js", "files/_/_/static/app.js"},
		{"~/../../etc/passwd", "files/_/_/etc/passwd"},
		{"https://h/../../x.js", "files/https/h/x.js"},
		{"~/a\\..\\..\\b.js", "files/_/_/b.js"},
		{"C:\\build\\app.js", "files/_/_/C:/build/app.js"},
		{"~/", "files/_/_/_"},
	}
	for _, tt := range tests {
		got := BundlePath(tt.url)
		if got != tt.want {
			t.Errorf("BundlePath(%q) = %q, want %q", tt.url, got, tt.want)
		}
		if err := CheckBundleEntryName(got); err != nil {
			t.Errorf("BundlePath(%q) = %q is not a safe entry: %v", tt.url, got, err)
		}
	}
}

func TestBundleDuplicatePaths(t *testing.T) {
	files := []BundleFile{
		{URL: "~/a.js?v=2", Type: BundleMinifiedSource, Content: []byte("2")},
		{URL: "~/a.js", Type: BundleMinifiedSource, Content: []byte("0")},
		{URL: "~/a.js?v=1", Type: BundleMinifiedSource, Content: []byte("1")},
	}
	data, m := writeBundleBytes(t, BundleAttributes{}, files)
	want := map[string]string{"files/_/_/a.js": "~/a.js", "files/_/_/a.js.1": "~/a.js?v=1", "files/_/_/a.js.2": "~/a.js?v=2"}
	if len(m.Files) != 3 {
		t.Fatalf("files %v", m.Files)
	}
	b, err := ReadBundle(data, BundleLimits{})
	if err != nil {
		t.Fatal(err)
	}
	for p, u := range want {
		if m.Files[p].URL != u {
			t.Errorf("%s: url %q, want %q", p, m.Files[p].URL, u)
		}
		got, _ := b.ReadFile(p)
		if string(got) != u[len(u)-1:] && !(u == "~/a.js" && string(got) == "0") {
			t.Errorf("%s: content %q", p, got)
		}
	}
}

func TestWriteBundleRejects(t *testing.T) {
	tests := []struct {
		name string
		file BundleFile
		want string
	}{
		{"empty url", BundleFile{Type: BundleSource}, "empty url"},
		{"no type", BundleFile{URL: "~/a.js"}, "missing type"},
		{"unknown type", BundleFile{URL: "~/a.js", Type: "binary"}, `unknown type "binary"`},
		{"bad debug id", BundleFile{URL: "~/a.js", Type: BundleSource, Headers: map[string]string{"debug-id": "nope"}}, `debug-id "nope"`},
		{"not utf-8", BundleFile{URL: "~/a.js", Type: BundleSource, Content: []byte{0xff, 0xfe}}, "not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := WriteBundle(io.Discard, BundleAttributes{}, []BundleFile{tt.file})
			if !errors.Is(err, ErrBundleInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := WriteBundle(io.Discard, BundleAttributes{DebugID: "x"}, nil); !errors.Is(err, ErrBundleInvalid) {
		t.Errorf("bad bundle id: %v", err)
	}
}

// rawEntry is one ZIP entry for handcrafted archives.
type rawEntry struct {
	name string
	data string
	// declared, when set, is the uncompressed size written in the headers
	// instead of the real one.
	declared uint64
}

func craftZip(t testing.TB, header bool, entries ...rawEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	if header {
		buf.WriteString("SYSB\x02\x00\x00\x00")
	}
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		if e.declared == 0 {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate})
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, e.data)
			continue
		}
		var comp bytes.Buffer
		fw, _ := flate.NewWriter(&comp, flate.BestCompression)
		io.WriteString(fw, e.data)
		fw.Close()
		w, err := zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE([]byte(e.data)),
			CompressedSize64: uint64(comp.Len()), UncompressedSize64: e.declared})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(comp.Bytes())
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func manifestJSON(files map[string]BundleFileInfo, extra string) string {
	b, _ := json.Marshal(files)
	return `{"files":` + string(b) + extra + `}`
}

func TestOpenBundleRejects(t *testing.T) {
	okFile := map[string]BundleFileInfo{"files/_/_/a.js": {Type: BundleMinifiedSource, URL: "~/a.js"}}
	good := manifestJSON(okFile, "")
	small := BundleLimits{MaxFileSize: 1 << 10, MaxTotalSize: 4 << 10, MaxFiles: 10}
	tests := []struct {
		name    string
		data    []byte
		limits  BundleLimits
		wantErr error
		want    string
	}{
		{"not a zip", []byte("SYSB\x02\x00\x00\x00garbage"), BundleLimits{}, ErrBundleInvalid, "not a ZIP"},
		{"future version", append([]byte("SYSB\x09\x00\x00\x00"), craftZip(t, false, rawEntry{name: "manifest.json", data: good})...), BundleLimits{}, ErrBundleInvalid, "version 9"},
		{"no manifest", craftZip(t, true, rawEntry{name: "files/_/_/a.js", data: "x"}), BundleLimits{}, ErrBundleInvalid, "no manifest.json"},
		{"absolute", craftZip(t, true, rawEntry{name: "/etc/passwd", data: "x"}, rawEntry{name: "manifest.json", data: good}), BundleLimits{}, ErrBundleUnsafePath, `"/etc/passwd": absolute`},
		{"dotdot", craftZip(t, true, rawEntry{name: "files/../../x", data: "x"}, rawEntry{name: "manifest.json", data: good}), BundleLimits{}, ErrBundleUnsafePath, `".." segment`},
		{"backslash", craftZip(t, true, rawEntry{name: "files\\..\\x", data: "x"}, rawEntry{name: "manifest.json", data: good}), BundleLimits{}, ErrBundleUnsafePath, "backslash"},
		{"drive letter", craftZip(t, true, rawEntry{name: "C:/x", data: "x"}, rawEntry{name: "manifest.json", data: good}), BundleLimits{}, ErrBundleUnsafePath, "drive letter"},
		{"nul", craftZip(t, true, rawEntry{name: "files/a\x00.js", data: "x"}, rawEntry{name: "manifest.json", data: good}), BundleLimits{}, ErrBundleUnsafePath, "control character"},
		{"duplicate entry", craftZip(t, true, rawEntry{name: "files/_/_/a.js", data: "x"}, rawEntry{name: "files/_/_/a.js", data: "y"}, rawEntry{name: "manifest.json", data: good}), BundleLimits{}, ErrBundleInvalid, "appears twice"},
		{"listed file missing", craftZip(t, true, rawEntry{name: "manifest.json", data: good}), BundleLimits{}, ErrBundleInvalid, `lists "files/_/_/a.js", which is not in the archive`},
		{"unknown type", craftZip(t, true, rawEntry{name: "files/_/_/a.js", data: "x"}, rawEntry{name: "manifest.json", data: manifestJSON(map[string]BundleFileInfo{"files/_/_/a.js": {Type: "exe", URL: "~/a.js"}}, "")}), BundleLimits{}, ErrBundleInvalid, `file "files/_/_/a.js": unknown type "exe"`},
		{"empty url", craftZip(t, true, rawEntry{name: "files/_/_/a.js", data: "x"}, rawEntry{name: "manifest.json", data: manifestJSON(map[string]BundleFileInfo{"files/_/_/a.js": {Type: BundleSource}}, "")}), BundleLimits{}, ErrBundleInvalid, "empty url"},
		{"bad file debug id", craftZip(t, true, rawEntry{name: "files/_/_/a.js", data: "x"}, rawEntry{name: "manifest.json", data: manifestJSON(map[string]BundleFileInfo{"files/_/_/a.js": {Type: BundleSource, URL: "~/a.js", Headers: map[string]string{"Debug-ID": "123"}}}, "")}), BundleLimits{}, ErrBundleInvalid, `debug-id "123"`},
		{"bad bundle debug id", craftZip(t, true, rawEntry{name: "files/_/_/a.js", data: "x"}, rawEntry{name: "manifest.json", data: manifestJSON(okFile, `,"debug_id":"zzz"`)}), BundleLimits{}, ErrBundleInvalid, `debug_id "zzz"`},
		{"manifest not json", craftZip(t, true, rawEntry{name: "manifest.json", data: "{"}), BundleLimits{}, ErrBundleInvalid, "manifest.json"},
		{"manifest not object", craftZip(t, true, rawEntry{name: "manifest.json", data: "null"}), BundleLimits{}, ErrBundleInvalid, "not a JSON object"},
		{"declared too large", craftZip(t, true, rawEntry{name: "files/_/_/a.js", data: "x", declared: 1 << 20}, rawEntry{name: "manifest.json", data: good}), small, ErrBundleTooLarge, `entry "files/_/_/a.js" is 1048576 bytes`},
		{"total too large", craftZip(t, true,
			rawEntry{name: "files/1", data: strings.Repeat("a", 1000)}, rawEntry{name: "files/2", data: strings.Repeat("a", 1000)},
			rawEntry{name: "files/3", data: strings.Repeat("a", 1000)}, rawEntry{name: "files/4", data: strings.Repeat("a", 1000)},
			rawEntry{name: "files/5", data: strings.Repeat("a", 1000)}, rawEntry{name: "manifest.json", data: good}), small, ErrBundleTooLarge, "in total"},
		{"too many files", craftZip(t, true, func() []rawEntry {
			var es []rawEntry
			for i := 0; i < 12; i++ {
				es = append(es, rawEntry{name: "files/" + string(rune('a'+i)), data: "x"})
			}
			return es
		}()...), small, ErrBundleTooLarge, "12 entries"},
		{"manifest lies about its size", craftZip(t, true, rawEntry{name: "files/_/_/a.js", data: "x"}, rawEntry{name: "manifest.json", data: good + strings.Repeat(" ", 5000), declared: 10}), BundleLimits{}, ErrBundleTooLarge, "larger than its declared size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadBundle(tt.data, tt.limits)
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %v containing %q", err, tt.wantErr, tt.want)
			}
		})
	}
}

func TestOpenBundleBareZipAndLyingEntry(t *testing.T) {
	manifest := manifestJSON(map[string]BundleFileInfo{
		"files/_/_/a.js":  {Type: BundleMinifiedSource, URL: "~/a.js"},
		"files/_/_/bomb":  {Type: BundleSource, URL: "~/bomb"},
		"files/_/_/untp":  {URL: "~/untyped"},
		"files/_/_/upper": {Type: BundleSourceMap, URL: "~/u.map", Headers: map[string]string{"Debug-Id": "ABCDEF00-0000-4000-8000-000000000001"}},
	}, `,"debug_id":"ABCDEF00000040008000000000000002","custom":"kept"`)
	data := craftZip(t, false,
		rawEntry{name: "files/"},
		rawEntry{name: "files/_/_/a.js", data: "ok"},
		rawEntry{name: "files/_/_/bomb", data: strings.Repeat("0", 1<<20), declared: 100},
		rawEntry{name: "files/_/_/untp", data: ""},
		rawEntry{name: "files/_/_/upper", data: "{}"},
		rawEntry{name: "manifest.json", data: manifest})
	b, err := ReadBundle(data, BundleLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Version != 0 {
		t.Errorf("bare zip version %d", b.Version)
	}
	if b.Manifest.DebugID != "abcdef00-0000-4000-8000-000000000002" || b.Manifest.Extra["custom"] != "kept" {
		t.Errorf("manifest %+v", b.Manifest)
	}
	if info, _ := b.Info("files/_/_/untp"); info.Type != BundleSource {
		t.Errorf("untyped file read as %q", info.Type)
	}
	if p, ok := b.FileByDebugID("abcdef00-0000-4000-8000-000000000001", BundleSourceMap); !ok || p != "files/_/_/upper" {
		t.Errorf("mixed-case header not found: %q", p)
	}
	if got, err := b.ReadFile("files/_/_/a.js"); err != nil || string(got) != "ok" {
		t.Errorf("a.js: %q %v", got, err)
	}
	// An entry that decompresses to more than it declares is cut off with
	// an error naming it, whichever way it is read.
	if _, err := b.ReadFile("files/_/_/bomb"); !errors.Is(err, ErrBundleTooLarge) || !strings.Contains(err.Error(), "files/_/_/bomb") {
		t.Errorf("ReadFile bomb: %v", err)
	}
	rc, err := b.Open("files/_/_/bomb")
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, rc)
	rc.Close()
	if !errors.Is(err, ErrBundleTooLarge) || n > 100 {
		t.Errorf("Open bomb: %d bytes, %v", n, err)
	}
}

// cliBundleFromChunks rebuilds the bundle sentry-cli uploaded from the
// recorded multipart chunk request: each file_gzip part is a gzip of one
// chunk, named by the chunk's SHA-1.
func cliBundleFromChunks(t *testing.T, dir string) []byte {
	t.Helper()
	var rec struct {
		Headers [][2]string `json:"headers"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "03-POST-chunk-upload.json"))
	if err != nil {
		t.Skipf("sentry-cli fixtures not present: %v", err)
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	var ctype string
	for _, h := range rec.Headers {
		if strings.EqualFold(h[0], "Content-Type") {
			ctype = h[1]
		}
	}
	_, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(filepath.Join(dir, "03-POST-chunk-upload.multipart"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var bundle []byte
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if part.FormName() != "file_gzip" {
			t.Fatalf("unexpected part %q", part.FormName())
		}
		zr, err := gzip.NewReader(part)
		if err != nil {
			t.Fatal(err)
		}
		chunk, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha1.Sum(chunk)
		if hex.EncodeToString(sum[:]) != part.FileName() {
			t.Fatalf("chunk SHA-1 %x does not match its name %s", sum, part.FileName())
		}
		bundle = append(bundle, chunk...)
	}
	return bundle
}

func TestReadSentryCLIBundle(t *testing.T) {
	dir := filepath.Join(cliFixtures, "small")
	data := cliBundleFromChunks(t, dir)
	if stored, err := os.ReadFile(filepath.Join(dir, "artifact-bundle.bin")); err == nil && !bytes.Equal(stored, data) {
		t.Fatal("the chunks do not add up to the recorded artifact-bundle.bin")
	}
	var want struct {
		BundleSHA1 string `json:"bundle_sha1"`
		Entries    []struct {
			Name  string `json:"name"`
			Bytes int64  `json:"bytes"`
			SHA1  string `json:"sha1"`
		} `json:"entries"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "bundle-entries.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if sum := sha1.Sum(data); hex.EncodeToString(sum[:]) != want.BundleSHA1 {
		t.Fatalf("bundle SHA-1 %x, want %s", sum, want.BundleSHA1)
	}

	b, err := ReadBundle(data, BundleLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Version != 2 || b.Manifest.DebugID != "242a996b-ffd5-5df4-842f-76b8515c1d66" || b.Manifest.Org != "local" || b.Manifest.Project != "default" {
		t.Errorf("manifest attributes: version %d %+v", b.Version, b.Manifest.BundleAttributes)
	}
	for _, e := range want.Entries {
		if e.Name == BundleManifestName {
			continue
		}
		got, err := b.ReadFile(e.Name)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha1.Sum(got)
		if int64(len(got)) != e.Bytes || hex.EncodeToString(sum[:]) != e.SHA1 {
			t.Errorf("%s: %d bytes sha1 %x, want %d %s", e.Name, len(got), sum, e.Bytes, e.SHA1)
		}
	}
	js, ok := b.FileByURL("~/checkout.js", BundleMinifiedSource)
	if !ok {
		t.Fatal("~/checkout.js not found")
	}
	info, _ := b.Info(js)
	mapPath, ok := b.FileByDebugID(info.DebugID(), BundleSourceMap)
	if !ok || mapPath != "files/_/_/checkout.js.map" {
		t.Fatalf("map by debug id: %q", mapPath)
	}
	if u := ResolveBundleURL(info.URL, info.SourceMapRef()); u != "~/checkout.js.map" {
		t.Errorf("sourcemap header resolves to %q", u)
	}
	mapData, err := b.ReadFile(mapPath)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := Parse(mapData); err != nil {
		t.Errorf("map from the bundle: %v", err)
	} else if m.DebugID() != info.DebugID() {
		t.Errorf("map debug id %q, header %q", m.DebugID(), info.DebugID())
	}

	// Our manifest encoding of sentry-cli's manifest is byte-identical.
	manifest, err := os.ReadFile(filepath.Join(dir, "bundle-manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := b.Manifest.MarshalJSON()
	if !bytes.Equal(out, bytes.TrimSpace(manifest)) {
		t.Errorf("manifest re-encoded:\n%s\nsentry-cli wrote:\n%s", out, manifest)
	}
}

func TestParseSentryCLIAppManifest(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(cliFixtures, "app", "bundle-manifest.json"))
	if err != nil {
		t.Skipf("sentry-cli fixtures not present: %v", err)
	}
	var m BundleManifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Files) == 0 || m.DebugID == "" {
		t.Fatalf("manifest %+v", m)
	}
	for p, f := range m.Files {
		if err := CheckBundleEntryName(p); err != nil {
			t.Error(err)
		}
		if err := checkBundleFile(f.URL, f.Type, f.Headers); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	out, _ := m.MarshalJSON()
	if !bytes.Equal(out, bytes.TrimSpace(raw)) {
		t.Errorf("manifest re-encoded differs:\n%s\n%s", out, raw)
	}
}

func TestResolveBundleURL(t *testing.T) {
	tests := []struct{ base, ref, want string }{
		{"~/static/js/app.js", "app.js.map", "~/static/js/app.js.map"},
		{"~/static/js/app.js", "../maps/app.js.map", "~/static/maps/app.js.map"},
		{"~/static/js/app.js", "/maps/app.js.map", "~/maps/app.js.map"},
		{"~/app.js", "~/other.map", "~/other.map"},
		{"https://cdn.example.com/js/app.js", "app.js.map", "https://cdn.example.com/js/app.js.map"},
		{"https://cdn.example.com/js/app.js", "https://maps.example.com/x.map", "https://maps.example.com/x.map"},
	}
	for _, tt := range tests {
		if got := ResolveBundleURL(tt.base, tt.ref); got != tt.want {
			t.Errorf("ResolveBundleURL(%q, %q) = %q, want %q", tt.base, tt.ref, got, tt.want)
		}
	}
}

// FuzzOpenBundle: no input may panic the reader, everything it accepts
// must be consistent (every listed file readable or cleanly refused within
// the limits), and a re-encoded manifest must read back the same.
func FuzzOpenBundle(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join(cliFixtures, "small", "artifact-bundle.bin")); err == nil {
		f.Add(data)
	}
	var buf bytes.Buffer
	if _, err := WriteBundle(&buf, BundleAttributes{Org: "o", Release: "r"}, sampleBundleFiles()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[8:])
	f.Add([]byte("SYSB\x02\x00\x00\x00PK\x05\x06" + strings.Repeat("\x00", 18)))
	limits := BundleLimits{MaxFileSize: 1 << 20, MaxTotalSize: 4 << 20, MaxFiles: 1000, MaxManifestSize: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ReadBundle(data, limits)
		if err != nil {
			if !errors.Is(err, ErrBundleInvalid) && !errors.Is(err, ErrBundleUnsafePath) && !errors.Is(err, ErrBundleTooLarge) {
				t.Fatalf("error outside the sentinels: %v", err)
			}
			return
		}
		for _, e := range b.Entries() {
			if err := CheckBundleEntryName(e.Name); err != nil {
				t.Fatalf("accepted unsafe entry: %v", err)
			}
			if e.URL == "" || e.Type == "" {
				t.Fatalf("accepted %+v", e)
			}
			got, err := b.ReadFile(e.Name)
			if err == nil && int64(len(got)) > limits.MaxFileSize {
				t.Fatalf("%s: %d bytes past the cap", e.Name, len(got))
			}
			b.FileByDebugID(e.DebugID(), e.Type)
			b.FileByURL(e.URL, e.Type)
		}
		out, err := b.Manifest.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var back BundleManifest
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("re-encoded manifest does not parse: %v\n%s", err, out)
		}
		again, _ := back.MarshalJSON()
		if !bytes.Equal(out, again) {
			t.Fatalf("manifest encoding is not stable:\n%s\n%s", out, again)
		}
	})
}

// FuzzBundlePath: whatever the URL, the entry name stays under files/ and
// passes the reader's checks, and the candidate URLs start with the URL.
func FuzzBundlePath(f *testing.F) {
	for _, u := range []string{"~/a/b.js", "https://host:1/x.js?q#f", "app:///x", "/abs/x.js", "C:\\x\\y.js", "~/../../e", "\x00", "https://[::1]/a.js", "file:///a%2F..%2Fb.js"} {
		f.Add(u)
	}
	f.Fuzz(func(t *testing.T, u string) {
		p := BundlePath(u)
		if !strings.HasPrefix(p, "files/") {
			t.Fatalf("BundlePath(%q) = %q", u, p)
		}
		if err := CheckBundleEntryName(p); err != nil {
			t.Fatalf("BundlePath(%q) = %q: %v", u, p, err)
		}
		c := ReleaseCandidateURLs(u)
		if base, _, _ := strings.Cut(u, "#"); base != "" && (len(c) == 0 || c[0] != base) {
			t.Fatalf("ReleaseCandidateURLs(%q) = %q", u, c)
		}
	})
}
