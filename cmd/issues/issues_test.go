package issues_test

import (
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/api/apitest"
	"github.com/snag-dev/snag/cmd/factory"
	"github.com/snag-dev/snag/cmd/root"
	"github.com/snag-dev/snag/internal/golden"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/local/store/storetest"
)

type result struct {
	out, errOut string
	code        root.ExitCode
}

type run struct {
	env   map[string]string
	tty   bool
	stdin string
}

// snag runs one command line the way main does, with the clock at
// storetest.Now.
func (r run) snag(t *testing.T, args ...string) result {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(r.stdin)
	if r.tty {
		ios.SetStdinTTY(true)
		ios.SetStdoutTTY(true)
		ios.SetTerminalWidth(120)
	}
	f := factory.NewWith(factory.Options{IO: ios, Getenv: func(k string) string { return r.env[k] },
		WorkDir: t.TempDir(), HomeDir: t.TempDir()})
	f.Now = func() time.Time { return storetest.Now }
	code := root.Run(context.Background(), f, args)
	return result{out.String(), errOut.String(), code}
}

// seeded returns a run against a local store holding the triage data set.
func seeded(t *testing.T) run {
	t.Helper()
	db := filepath.Join(t.TempDir(), "data", "snag.db")
	storetest.SeedFile(t, db)
	return run{env: map[string]string{"SNAG_DB": db}}
}

func TestListGolden(t *testing.T) {
	r := seeded(t)
	tests := []struct {
		name string
		tty  bool
		args []string
	}{
		{"list-tty", true, nil},
		{"list-piped", false, nil},
		{"list-freq-warning", true, []string{"--sort", "freq", "--query", "level:warning"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.tty = tt.tty
			res := r.snag(t, append([]string{"issues", "list"}, tt.args...)...)
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.errOut)
			}
			golden.Assert(t, tt.name, []byte(res.out))
		})
	}
}

func TestListJSON(t *testing.T) {
	r := seeded(t)
	res := r.snag(t, "issues", "list", "--json", "--query", "", "--limit", "1")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.errOut)
	}
	var issues []api.Issue
	if err := json.Unmarshal([]byte(res.out), &issues); err != nil {
		t.Fatal(err)
	}
	if len(issues) != 1 || issues[0].ShortID != "DEFAULT-1" || issues[0].Count != "2" || issues[0].Stats != nil {
		t.Errorf("issues = %+v", issues)
	}
	// An empty list is [] rather than null.
	if res := r.snag(t, "issues", "list", "--json", "--query", "is:ignored"); strings.TrimSpace(res.out) != "[]" {
		t.Errorf("empty list = %q", res.out)
	}
}

func TestViewGolden(t *testing.T) {
	r := seeded(t)
	for name, args := range map[string][]string{
		"view":         {"issues", "view", "DEFAULT-1"},
		"view-oldest":  {"issues", "view", "1", "--event", "oldest"},
		"view-message": {"issues", "view", "DEFAULT-2"},
	} {
		t.Run(name, func(t *testing.T) {
			res := r.snag(t, args...)
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.errOut)
			}
			golden.Assert(t, name, []byte(res.out))
		})
	}
}

func TestViewJSON(t *testing.T) {
	r := seeded(t)
	res := r.snag(t, "issues", "view", "default-1", "--json", "--event", storetest.TypeErrorFirst)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.errOut)
	}
	var v struct {
		Issue api.Issue      `json:"issue"`
		Tags  []api.IssueTag `json:"tags"`
		Event api.IssueEvent `json:"event"`
	}
	if err := json.Unmarshal([]byte(res.out), &v); err != nil {
		t.Fatal(err)
	}
	if v.Issue.ShortID != "DEFAULT-1" || len(v.Tags) == 0 || v.Event.EventID != storetest.TypeErrorFirst ||
		v.Event.NextEventID == nil || len(v.Event.Entries) != 3 {
		t.Errorf("view = %+v", v)
	}
}

func TestActions(t *testing.T) {
	r := seeded(t)
	status := func() string {
		t.Helper()
		res := r.snag(t, "issues", "list", "--query", "")
		var rows []string
		for _, l := range strings.Split(res.out, "\n") {
			f := strings.Split(l, "\t")
			if len(f) < 3 {
				continue
			}
			rows = append(rows, f[0]+"="+f[2])
		}
		return strings.Join(rows, " ")
	}
	steps := []struct {
		args   []string
		stderr string
		status string
	}{
		{[]string{"resolve", "DEFAULT-1"}, "✓ Resolved DEFAULT-1  TypeError", "DEFAULT-1=resolved DEFAULT-2=unresolved"},
		{[]string{"unresolve", "1"}, "✓ Reopened DEFAULT-1", "DEFAULT-1=unresolved DEFAULT-2=unresolved"},
		{[]string{"ignore", "DEFAULT-2", "--for", "2h", "--count", "10"}, "✓ Ignored (for 2h0m0s or for 10 events) DEFAULT-2", "DEFAULT-1=unresolved DEFAULT-2=ignored"},
		{[]string{"resolve", "DEFAULT-1", "DEFAULT-2", "--in-next-release"}, "✓ Resolved in next release DEFAULT-2", "DEFAULT-1=resolved DEFAULT-2=resolved"},
		{[]string{"merge", "DEFAULT-2", "DEFAULT-1", "1"}, "✓ Merged 2 issues into DEFAULT-1", "DEFAULT-1=resolved"},
		{[]string{"delete", "DEFAULT-1", "--yes"}, "✓ Deleted DEFAULT-1", ""},
	}
	for _, s := range steps {
		res := r.snag(t, append([]string{"issues"}, s.args...)...)
		if res.code != 0 {
			t.Fatalf("%v: exit %d: %s", s.args, res.code, res.errOut)
		}
		if !strings.Contains(res.errOut, s.stderr) || res.out != "" {
			t.Errorf("%v: stdout %q stderr %q, want %q", s.args, res.out, res.errOut, s.stderr)
		}
		if got := status(); got != s.status {
			t.Errorf("%v: status %q, want %q", s.args, got, s.status)
		}
	}
}

func TestActionsJSON(t *testing.T) {
	r := seeded(t)
	res := r.snag(t, "issues", "ignore", "DEFAULT-2", "--for", "1d", "--json")
	var doc struct {
		IDs           []string `json:"ids"`
		Status        string   `json:"status"`
		StatusDetails struct {
			IgnoreUntil time.Time `json:"ignoreUntil"`
		} `json:"statusDetails"`
	}
	if err := json.Unmarshal([]byte(res.out), &doc); err != nil {
		t.Fatalf("%v: %q", err, res.out)
	}
	if doc.Status != "ignored" || len(doc.IDs) != 1 || doc.IDs[0] != "2" || !doc.StatusDetails.IgnoreUntil.Equal(storetest.Now.Add(24*time.Hour)) {
		t.Errorf("ignore --json = %+v", doc)
	}
	res = r.snag(t, "issues", "merge", "1", "2", "--json")
	if strings.TrimSpace(res.out) != "{\n  \"parent\": \"1\",\n  \"children\": [\n    \"2\"\n  ]\n}" {
		t.Errorf("merge --json = %s", res.out)
	}
}

func TestDeleteAsks(t *testing.T) {
	r := seeded(t)
	r.tty = true
	r.stdin = "n\n"
	if res := r.snag(t, "issues", "delete", "DEFAULT-1"); res.code != root.ExitInterrupted || !strings.Contains(res.errOut, "Delete 1 issue (DEFAULT-1) and all their events? [y/N]") {
		t.Errorf("declined: exit %d, %q", res.code, res.errOut)
	}
	r.stdin = "y\n"
	if res := r.snag(t, "issues", "delete", "DEFAULT-1"); res.code != 0 {
		t.Errorf("confirmed: exit %d, %q", res.code, res.errOut)
	}
	r.tty = false
	if res := r.snag(t, "issues", "view", "DEFAULT-1"); res.code != 1 {
		t.Errorf("deleted issue: exit %d", res.code)
	}
}

func TestExitCodes(t *testing.T) {
	r := seeded(t)
	tests := []struct {
		args []string
		code root.ExitCode
		msg  string
	}{
		{[]string{"issues", "view", "DEFAULT-9"}, 1, "issue DEFAULT-9 not found (local store "},
		{[]string{"issues", "view", "DEFAULT-1", "--event", "ffffffffffffffffffffffffffffffff"}, 1, "event ffffffffffffffffffffffffffffffff of issue DEFAULT-1 not found"},
		{[]string{"issues", "resolve", "DEFAULT-1", "404"}, 1, "issue 404 not found"},
		{[]string{"issues", "list", "--query", "assigned:me"}, 1, "assigned: is not supported by the local store"},
		{[]string{"issues", "view"}, 2, "accepts 1 arg(s), received 0"},
		{[]string{"issues", "list", "--sort", "size"}, 2, "--sort must be one of date, new, freq, user"},
		{[]string{"issues", "list", "--limit", "0"}, 2, "--limit must be between 1 and"},
		{[]string{"issues", "list", "--period", "3x"}, 2, "--period: stats period \"3x\""},
		{[]string{"issues", "ignore", "DEFAULT-1", "--for", "10s"}, 2, "whole number of minutes"},
		{[]string{"issues", "ignore", "DEFAULT-1", "--for", "soon"}, 2, `"soon" is not a duration`},
		{[]string{"issues", "merge", "DEFAULT-1"}, 2, "requires at least 2 arg(s)"},
		{[]string{"issues", "merge", "DEFAULT-1", "1"}, 2, "merging needs two different issues"},
		{[]string{"issues", "delete", "DEFAULT-1"}, 2, "needs --yes"},
		{[]string{"issues", "resolve", "--bogus", "1"}, 2, "unknown flag: --bogus"},
		{[]string{"issues"}, 2, "To list issues from a script, run 'snag issues list'"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			res := r.snag(t, tt.args...)
			if res.code != tt.code || !strings.Contains(res.errOut, tt.msg) {
				t.Errorf("exit %d, stderr %q; want %d and %q", res.code, res.errOut, tt.code, tt.msg)
			}
		})
	}
}

func TestTarget(t *testing.T) {
	reg := apitest.New(t)
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/").ExactQuery(url.Values{
		"query": {"is:unresolved"}, "sort": {"date"}, "limit": {"25"}, "shortIdLookup": {"1"}, "collapse": {"stats"},
	}).Header("Authorization", "Bearer sntryu_"+strings.Repeat("0", 64)), apitest.JSONFile(200, "../../api/testdata/issues.json"))
	r := seeded(t)
	r.env["SENTRY_AUTH_TOKEN"] = "sntryu_" + strings.Repeat("0", 64)
	r.env["SENTRY_URL"] = reg.URL()
	r.env["SENTRY_ORG"] = "acme"

	res := r.snag(t, "issues", "list", "--verbose")
	if res.code != 0 || !strings.HasPrefix(res.errOut, "Target: Sentry "+reg.URL()+" (org acme) (auth token from SENTRY_AUTH_TOKEN)\n") ||
		!strings.HasPrefix(res.out, "WEB-1A\terror\tunresolved\t1523\t87\t") {
		t.Errorf("sentry: exit %d\n%s%s", res.code, res.errOut, res.out)
	}
	res = r.snag(t, "issues", "list", "--verbose", "--local")
	if res.code != 0 || !strings.Contains(res.errOut, "Target: local store ") || !strings.Contains(res.errOut, "(--local)") ||
		!strings.HasPrefix(res.out, "DEFAULT-1\t") {
		t.Errorf("local: exit %d\n%s%s", res.code, res.errOut, res.out)
	}
	delete(r.env, "SENTRY_ORG")
	res = r.snag(t, "issues", "list")
	if res.code != 1 || !strings.Contains(res.errOut, "no organization configured") || !strings.Contains(res.errOut, "--org or SENTRY_ORG") {
		t.Errorf("no org: exit %d %q", res.code, res.errOut)
	}
	delete(r.env, "SENTRY_AUTH_TOKEN")
	res = r.snag(t, "issues", "list", "--verbose")
	if res.code != 0 || !strings.Contains(res.errOut, "(no auth token configured)") {
		t.Errorf("no token: exit %d %q", res.code, res.errOut)
	}
}

func TestRemoteAuthError(t *testing.T) {
	reg := apitest.New(t)
	reg.Register(apitest.GET("/api/0/organizations/acme/issues/WEB-1A/"), apitest.JSON(401, `{"detail":"Invalid token"}`))
	r := run{env: map[string]string{"SENTRY_AUTH_TOKEN": "sntryu_" + strings.Repeat("1", 64), "SENTRY_URL": reg.URL(), "SENTRY_ORG": "acme"}}
	res := r.snag(t, "issues", "resolve", "WEB-1A")
	if res.code != root.ExitAuth || !strings.Contains(res.errOut, "Invalid token") {
		t.Errorf("exit %d %q", res.code, res.errOut)
	}
}

func TestViewMaps(t *testing.T) {
	r := seeded(t)
	st, err := store.Open(context.Background(), r.env["SNAG_DB"], store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Submit(t, st, storetest.Now, `{"event_id":"e1000000000000000000000000000001","platform":"javascript",
	  "exception":{"values":[{"type":"a","value":"discount BROKEN exceeds 50%","stacktrace":{"frames":[
	    {"abs_path":"https://shop.example/assets/main.min.js","function":"c.checkout","lineno":2,"colno":548},
	    {"abs_path":"https://shop.example/assets/main.min.js","function":"$","lineno":1,"colno":577}]}}]}}`)
	st.Close()
	esbuild := filepath.Join("..", "..", "sourcemaps", "testdata", "bundles", "esbuild")

	res := r.snag(t, "issues", "view", "DEFAULT-3")
	if res.code != 0 || !strings.Contains(res.out, "at $ (/assets/main.min.js:1:577)") {
		t.Fatalf("minified: exit %d %s%s", res.code, res.errOut, res.out)
	}
	res = r.snag(t, "issues", "view", "DEFAULT-3", "--maps", esbuild)
	if res.code != 0 || !strings.Contains(res.out, "(src/pricing.js:21:11)") || !strings.Contains(res.out, "> 21 |") {
		t.Errorf("mapped: exit %d %s%s", res.code, res.errOut, res.out)
	}
	res = r.snag(t, "issues", "view", "DEFAULT-3", "--maps", esbuild, "--json")
	var v struct {
		Event api.IssueEvent `json:"event"`
	}
	if err := json.Unmarshal([]byte(res.out), &v); err != nil {
		t.Fatal(err)
	}
	ex, err := v.Event.MainException()
	if err != nil || ex.RawStacktrace == nil || ex.RawStacktrace.Frames[1].Function != "$" || ex.Stacktrace.Frames[1].Filename != "src/pricing.js" {
		t.Errorf("json: %+v, %v", ex, err)
	}
	if res := r.snag(t, "issues", "view", "DEFAULT-3", "--maps", "/nonexistent"); res.code != 2 {
		t.Errorf("bad --maps: exit %d", res.code)
	}
}
