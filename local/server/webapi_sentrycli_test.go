package server

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snag-dev/snag/internal/sentrycli"

	"github.com/snag-dev/snag/local/store"
)

// The real sentry-cli (3.x, from npm) against the local API. Skipped with
// -short, without npm, or when the package cannot be installed (offline).

// sentryCLI is the real sentry-cli 3, installed from npm once.
func sentryCLI(t *testing.T) string { return sentrycli.ForTest(t) }

// runSentryCLI runs sentry-cli against env with the usual environment and
// returns its combined output, failing the test unless it exits 0.
func runSentryCLI(t *testing.T, bin string, env *apiEnv, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	home := t.TempDir()
	cmd.Dir = home
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"SENTRY_URL=" + env.url, "SENTRY_AUTH_TOKEN=" + env.token,
		"SENTRY_ORG=local", "SENTRY_PROJECT=default",
		"SENTRY_LOAD_DOTENV=0", "SENTRY_DISABLE_UPDATE_CHECK=1", "SENTRY_NO_PROGRESS_BAR=1",
		"SENTRY_HTTP_MAX_RETRIES=0",
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sentry-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if strings.Contains(string(out), env.token) {
		t.Errorf("sentry-cli printed the token")
	}
	t.Logf("sentry-cli %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

func TestSentryCLISourcemapsUpload(t *testing.T) {
	bin := sentryCLI(t)
	env := newAPIEnv(t, Config{})
	ctx := context.Background()
	dir := t.TempDir()
	for _, f := range []string{"checkout.js", "checkout.js.map", "sync.js", "sync.js.map"} {
		b, err := os.ReadFile(filepath.Join(fixtureUploads, "small", "input", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := runSentryCLI(t, bin, env, "sourcemaps", "upload", "--wait", dir)
	if !strings.Contains(out, "File processing complete") {
		t.Errorf("upload did not complete")
	}
	refs, err := env.store.LookupArtifacts(ctx, store.ArtifactQuery{ProjectID: 1, DebugID: "a4e806a5-1f03-5d3e-bd90-a20021f5091c"})
	if err != nil || len(refs) != 2 {
		t.Fatalf("indexed after sentry-cli upload: %+v, %v", refs, err)
	}
	// The same files again: one assemble round trip, nothing sent.
	env.resetCounts()
	out = runSentryCLI(t, bin, env, "sourcemaps", "upload", "--wait", dir)
	if !strings.Contains(out, "Nothing to upload") {
		t.Errorf("the re-upload sent files again")
	}
	if n := env.count("POST", "/api/0/organizations/local/chunk-upload/"); n != 0 {
		t.Errorf("the re-upload sent %d chunk requests", n)
	}
	// With a release and dist, the files are indexed under them too.
	runSentryCLI(t, bin, env, "sourcemaps", "upload", "--release", "web@1.0.0", "--dist", "web", "--wait", dir)
	refs, err = env.store.LookupArtifacts(ctx, store.ArtifactQuery{ProjectID: 1, Release: "web@1.0.0", Dist: "web", URL: "~/sync.js"})
	if err != nil || len(refs) != 1 {
		t.Errorf("release index after sentry-cli upload: %+v, %v", refs, err)
	}
}

func TestSentryCLIReleasesAndIssues(t *testing.T) {
	bin := sentryCLI(t)
	env := triageEnv(t)
	ctx := context.Background()

	runSentryCLI(t, bin, env, "info")
	runSentryCLI(t, bin, env, "organizations", "list")
	runSentryCLI(t, bin, env, "projects", "list")

	runSentryCLI(t, bin, env, "releases", "new", "web@2.0.0")
	runSentryCLI(t, bin, env, "releases", "new", "web@2.0.0") // exists: fine
	runSentryCLI(t, bin, env, "releases", "finalize", "web@2.0.0")
	rel, err := env.store.GetRelease(ctx, "web@2.0.0")
	if err != nil || rel.DateReleased.IsZero() || len(rel.Projects) != 1 {
		t.Errorf("release after finalize: %+v, %v", rel, err)
	}
	if out := runSentryCLI(t, bin, env, "releases", "list"); !strings.Contains(out, "web@2.0.0") {
		t.Errorf("releases list lacks the release")
	}
	if out := runSentryCLI(t, bin, env, "releases", "info", "web@2.0.0"); !strings.Contains(out, "web@2.0.0") {
		t.Errorf("releases info lacks the release")
	}

	out := runSentryCLI(t, bin, env, "issues", "list")
	if !strings.Contains(out, "DEFAULT-1") || !strings.Contains(out, "DEFAULT-2") {
		t.Errorf("issues list lacks the issues")
	}
	runSentryCLI(t, bin, env, "issues", "resolve", "-i", "1")
	if is, _ := env.store.GetIssue(ctx, 1); is.Status != store.StatusResolved {
		t.Errorf("issue 1 is %s after sentry-cli issues resolve", is.Status)
	}
	runSentryCLI(t, bin, env, "issues", "mute", "-i", "2")
	if is, _ := env.store.GetIssue(ctx, 2); is.Status != store.StatusIgnored {
		t.Errorf("issue 2 is %s after sentry-cli issues mute", is.Status)
	}
	// --status selects by status (--all, like Sentry's default query,
	// selects the unresolved ones).
	runSentryCLI(t, bin, env, "issues", "unresolve", "--status", "resolved")
	if is, _ := env.store.GetIssue(ctx, 1); is.Status != store.StatusUnresolved {
		t.Errorf("issue 1 is %s after sentry-cli issues unresolve --status resolved", is.Status)
	}
	if is, _ := env.store.GetIssue(ctx, 2); is.Status != store.StatusIgnored {
		t.Errorf("issue 2 is %s after unresolving the resolved issues", is.Status)
	}
}
