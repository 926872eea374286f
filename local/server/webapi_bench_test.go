package server

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/sourcemaps"
)

// benchBundle is a bundle like a web app's build: files JS files and their
// maps, about mapBytes of maps in all, compressing about as real maps do.
func benchBundle(b *testing.B, files, mapBytes int, note string) []byte {
	b.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var list []sourcemaps.BundleFile
	for i := range files {
		id := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		var m strings.Builder
		m.WriteString(`{"version":3,"sources":["src/f` + fmt.Sprint(i) + `.ts"],"names":[],"mappings":"`)
		for m.Len() < mapBytes/files {
			for range 4 + r.IntN(4) {
				m.WriteByte(b64[r.IntN(64)])
			}
			m.WriteByte(",;"[r.IntN(2)])
		}
		m.WriteString(`"}`)
		url := fmt.Sprintf("~/static/js/chunk-%d.js", i)
		list = append(list,
			sourcemaps.BundleFile{URL: url, Type: sourcemaps.BundleMinifiedSource, Headers: map[string]string{"debug-id": id},
				Content: []byte(strings.Repeat("function f(){return 1}", 500))},
			sourcemaps.BundleFile{URL: url + ".map", Type: sourcemaps.BundleSourceMap, Headers: map[string]string{"debug-id": id},
				Content: []byte(m.String())})
	}
	var buf bytes.Buffer
	if _, err := sourcemaps.WriteBundle(&buf, sourcemaps.BundleAttributes{Org: "local", Note: note}, list); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkUploadAssemble is snag's client uploading a new bundle of 100
// files and 50 MB of maps, through assembly: what a CI upload costs on the
// server's side.
func BenchmarkUploadAssemble(b *testing.B) {
	env := newAPIEnv(b, Config{})
	n := 0
	for b.Loop() {
		b.StopTimer()
		n++
		bundle := benchBundle(b, 100, 50<<20, fmt.Sprint(n)) // a new checksum each time
		b.SetBytes(int64(len(bundle)))
		b.StartTimer()
		res, err := env.client.UploadArtifactBundle(b.Context(), "local", bundle, api.BundleTarget{Projects: []string{"default"}}, time.Minute)
		if err != nil || res.Assemble.State != api.AssembleOK {
			b.Fatalf("upload: %+v, %v", res, err)
		}
	}
}

// BenchmarkReupload is an unchanged bundle sent again: one assemble call.
func BenchmarkReupload(b *testing.B) {
	bundle := benchBundle(b, 100, 10<<20, "")
	env := newAPIEnv(b, Config{})
	ctx := b.Context()
	if _, err := env.client.UploadArtifactBundle(ctx, "local", bundle, api.BundleTarget{Projects: []string{"default"}}, time.Minute); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := env.client.UploadArtifactBundle(ctx, "local", bundle, api.BundleTarget{Projects: []string{"default"}}, time.Minute)
		if err != nil || res.Uploaded != 0 {
			b.Fatalf("re-upload: %+v, %v", res, err)
		}
	}
}
