package server

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/sourcemaps"
)

// fuzzAPI is a web API over a real store, for fuzz targets that call its
// handlers in process.
func fuzzAPI(f *testing.F) (http.Handler, string) {
	f.Helper()
	dir := f.TempDir()
	st, err := store.Open(context.Background(), filepath.Join(dir, "snag.db"), store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	token, err := st.APIToken(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	s := New(st, Config{API: APIConfig{ChunkDir: filepath.Join(dir, "chunks")}})
	f.Cleanup(s.api.close)
	return s.Handler(), token
}

// FuzzChunkUpload: any multipart body is stored, or refused with 400 or
// 413; nothing panics and nothing but chunks named by their SHA-1 lands in
// the chunk directory.
func FuzzChunkUpload(f *testing.F) {
	h, token := fuzzAPI(f)
	if raw, err := os.ReadFile(filepath.Join(fixtureUploads, "small", "03-POST-chunk-upload.multipart")); err == nil {
		f.Add(raw, "------------------------IrVY4uDtvdQ3NPDGysJVlP")
	}
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"da39a3ee5e6b4b0d3255bfef95601890afd80709\"\r\n\r\n\r\n--b--\r\n"), "b")
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"file_gzip\"; filename=\"../x\"\r\n\r\nxx\r\n--b--\r\n"), "b")
	f.Fuzz(func(t *testing.T, body []byte, boundary string) {
		req := httptest.NewRequest("POST", "/api/0/organizations/local/chunk-upload/", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 400, 413:
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}

// FuzzAssemble: any assemble body gets a JSON answer of 200 or 400.
func FuzzAssemble(f *testing.F) {
	h, token := fuzzAPI(f)
	const sum = "ed39087d5acc87775780c428d785e426bc5953e5"
	f.Add([]byte(`{"checksum":"` + sum + `","chunks":["` + sum + `"],"projects":["default"]}`))
	f.Add([]byte(`{"checksum":"` + sum + `","chunks":[],"projects":[1],"version":"1.0","dist":"web"}`))
	f.Add([]byte(`{"checksum":"` + sum + `","chunks":["` + sum + `"],"projects":["default"],"dist":"x"}`))
	f.Add([]byte(`{"projects":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/api/0/organizations/local/artifactbundle/assemble/", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 && rec.Code != 400 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
	})
}

// FuzzReadBundle: readBundle never panics, and a bundle it accepts has
// index entries with URLs and types.
func FuzzReadBundle(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join(fixtureUploads, "small", "artifact-bundle.bin")); err == nil {
		f.Add(b)
	}
	f.Add([]byte("SYSB\x02\x00\x00\x00PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	// Small caps, so inputs that claim huge sizes stay cheap.
	lim := sourcemaps.BundleLimits{MaxFileSize: 1 << 20, MaxTotalSize: 4 << 20, MaxFiles: 1000, MaxManifestSize: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, entries, err := readBundle(data, lim)
		if err != nil {
			return
		}
		for _, e := range entries {
			if e.URL == "" || e.Type == "" {
				t.Fatalf("entry without url or type: %+v", e)
			}
		}
	})
}
