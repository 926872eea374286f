package sourcemaps_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/snag-dev/snag/internal/sentrycli"

	"github.com/snag-dev/snag/local/store"
	sm "github.com/snag-dev/snag/sourcemaps"
)

// sentryCLI is the real sentry-cli 3, installed from npm once.
func sentryCLI(t *testing.T) string { return sentrycli.ForTest(t) }

// indexed is what a server keeps of one uploaded file: its index row and
// the headers events are unminified with.
type indexed struct {
	debugID, url, typ, release, dist, sourcemap string
}

func indexOf(t *testing.T, st *store.Store) []indexed {
	t.Helper()
	ctx := context.Background()
	refs, err := st.ProjectArtifacts(ctx, store.DefaultProjectID)
	if err != nil {
		t.Fatal(err)
	}
	archives := map[int64]*sm.BundleArchive{}
	var out []indexed
	for _, r := range refs {
		b, ok := archives[r.Bundle]
		if !ok {
			data, err := st.ArtifactBundleData(ctx, r.Bundle)
			if err != nil {
				t.Fatal(err)
			}
			if b, err = sm.ReadBundle(data, sm.BundleLimits{}); err != nil {
				t.Fatal(err)
			}
			archives[r.Bundle] = b
		}
		name, ok := b.FileByURL(r.URL, r.Type)
		if !ok {
			t.Fatalf("%s is indexed but not in its bundle", r.URL)
		}
		info, _ := b.Info(name)
		out = append(out, indexed{r.DebugID, r.URL, r.Type, r.Release, r.Dist, info.SourceMapRef()})
	}
	slices.SortFunc(out, func(a, b indexed) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	return out
}

// sentry-cli and snag upload the same injected build, with a release and
// dist, each to its own server: the servers index the files the same way
// (debug IDs, URLs, types, release, dist) with the same sourcemap headers.
func TestUploadIndexesLikeSentryCLI(t *testing.T) {
	bin := sentryCLI(t)
	dir := distFixture(t, true)
	viaCLI, viaSnag := newLocalAPI(t), newLocalAPI(t)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "sourcemaps", "upload", "--release", "shop@3.1", "--dist", "web", "--wait", "dist")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"SENTRY_URL=" + viaCLI.url, "SENTRY_AUTH_TOKEN=" + viaCLI.token, "SENTRY_ORG=local", "SENTRY_PROJECT=default",
		"SENTRY_LOAD_DOTENV=0", "SENTRY_DISABLE_UPDATE_CHECK=1", "SENTRY_NO_PROGRESS_BAR=1"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sentry-cli: %v\n%s", err, out)
	}

	r := runSnag(t, map[string]string{"SENTRY_URL": viaSnag.url, "SENTRY_AUTH_TOKEN": viaSnag.token, "SENTRY_ORG": "local", "SENTRY_PROJECT": "default"},
		dir, "sourcemaps", "upload", "dist", "--release", "shop@3.1", "--dist", "web", "--wait")
	if r.code != 0 {
		t.Fatalf("snag: exit %d\n%s", r.code, r.errOut)
	}

	want, got := indexOf(t, viaCLI.st), indexOf(t, viaSnag.st)
	if len(want) != 6 || !slices.Equal(got, want) {
		t.Errorf("snag's upload is indexed as\n%v\nsentry-cli's as\n%v", got, want)
	}
}
