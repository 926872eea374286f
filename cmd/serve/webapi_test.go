package serve

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/internal/config"
	"github.com/snag-dev/snag/sourcemaps"
)

// TestServeWebAPI: `snag serve` answers the web API with the token it
// prints, and keeps upload chunks beside its database until assembled.
func TestServeWebAPI(t *testing.T) {
	opts, errOut := options(t, "127.0.0.1:0")
	cfg, err := opts.Config()
	if err != nil {
		t.Fatal(err)
	}
	db := cfg.Value(config.DB)
	ready := make(chan string, 1)
	opts.Ready = func(addr string) { ready <- addr }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, opts) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	m := regexp.MustCompile(`API +(http://\S+)/api/0/ +token (sntryu_[0-9a-f]{64})`).FindStringSubmatch(errOut.String())
	if m == nil || m[1] != "http://"+addr {
		t.Fatalf("banner:\n%s", errOut.String())
	}
	c, err := api.New(m[1], m[2], api.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.OrganizationsPage(ctx, api.ListOptions{})
	if err != nil || len(page.Items) != 1 || page.Items[0].Slug != "local" {
		t.Fatalf("organizations = %+v, %v", page, err)
	}

	var bundle bytes.Buffer
	const id = "08a9a02f-f934-5b41-837d-cc5762af77a4"
	if _, err := sourcemaps.WriteBundle(&bundle, sourcemaps.BundleAttributes{Org: "local"}, []sourcemaps.BundleFile{
		{URL: "~/app.js", Type: sourcemaps.BundleMinifiedSource, Headers: map[string]string{"debug-id": id}, Content: []byte("x()")},
		{URL: "~/app.js.map", Type: sourcemaps.BundleSourceMap, Headers: map[string]string{"debug-id": id},
			Content: []byte(`{"version":3,"sources":["a.js"],"names":[],"mappings":"AAAA"}`)},
	}); err != nil {
		t.Fatal(err)
	}
	res, err := c.UploadArtifactBundle(ctx, "local", bundle.Bytes(), api.BundleTarget{Projects: []string{"default"}}, time.Minute)
	if err != nil || res.Assemble.State != api.AssembleOK || res.Uploaded != 1 {
		t.Fatalf("upload = %+v, %v", res, err)
	}
	st, err := os.Stat(db + ".chunks")
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("chunk directory: %v, %v", st, err)
	}
	if ents, _ := os.ReadDir(db + ".chunks"); len(ents) != 0 {
		t.Errorf("chunks left after assembly: %d", len(ents))
	}
}
