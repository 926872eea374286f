package info

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/cmd/factory"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/local/store"
)

type world struct {
	home, work string
	env        map[string]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	dir := t.TempDir()
	w := &world{home: filepath.Join(dir, "home"), work: filepath.Join(dir, "work", "app"), env: map[string]string{
		"XDG_CONFIG_HOME": filepath.Join(dir, "config"),
		"XDG_DATA_HOME":   filepath.Join(dir, "data"),
	}}
	for _, d := range []string{w.home, w.work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *world) run(t *testing.T, tty bool, args ...string) (string, string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	ios.SetTerminalWidth(200)
	f := factory.NewWith(factory.Options{IO: ios, Getenv: func(k string) string { return w.env[k] }, WorkDir: w.work, HomeDir: w.home})
	cmd := NewCmdInfo(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String()
}

func orgToken(org, url string) string {
	payload := `{"iat":1700000000,"url":"` + url + `","region_url":"","org":"` + org + `"}`
	return "sntrys_" + base64.StdEncoding.EncodeToString([]byte(payload)) + "_Zm9vYmFyYmF6c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"
}

func TestInfoJSON(t *testing.T) {
	w := newWorld(t)
	token := orgToken("acme", "https://sentry.acme.dev")
	rc := filepath.Join(filepath.Dir(w.work), ".sentryclirc")
	if err := os.WriteFile(rc, []byte("[defaults]\nproject=web\n[auth]\ntoken="+token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env["SENTRY_RELEASE"] = "1.0.0"
	out, _ := w.run(t, false, "--json", "--dist", "42")
	if strings.Contains(out, token) || strings.Contains(out, "Zm9vYmFy") {
		t.Fatal("info --json printed the token")
	}
	var r Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := map[string][2]string{
		"url":        {"https://sentry.acme.dev", "org auth token"},
		"auth_token": {"sntrys_****", rc},
		"org":        {"acme", "org auth token"},
		"project":    {"web", rc},
		"release":    {"1.0.0", "SENTRY_RELEASE"},
		"dist":       {"42", "--dist flag"},
		"db":         {filepath.Join(w.env["XDG_DATA_HOME"], "snag", "snag.db"), "default"},
		"addr":       {"127.0.0.1:8969", "default"},
	}
	for k, v := range want {
		got := r.Config[k]
		if got.Value != v[0] || got.Source != v[1] {
			t.Errorf("config.%s = %+v, want value %q source %q", k, got, v[0], v[1])
		}
	}
	if len(r.Config) != len(want) {
		t.Errorf("config has %d keys, want %d", len(r.Config), len(want))
	}
	if r.Target != "sentry" || r.Auth.Type != "org" || r.Auth.Masked != "sntrys_****" {
		t.Errorf("target %q auth %+v", r.Target, r.Auth)
	}
	if len(r.Files) != 3 || r.Files[0].Path != rc || !r.Files[0].Found || r.Files[0].Role != "project" {
		t.Errorf("files = %+v", r.Files)
	}
	if r.Warnings == nil {
		t.Error("warnings must be [] not null")
	}

	// The raw document keeps its field names stable.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"target", "config", "auth", "files", "warnings"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("missing top-level field %q", k)
		}
	}
}

func TestInfoTextTerminalAndPiped(t *testing.T) {
	w := newWorld(t)
	w.env["SENTRY_ORG"] = "acme"
	db := filepath.Join(w.env["XDG_DATA_HOME"], "snag", "snag.db")

	tty, _ := w.run(t, true)
	for _, s := range []string{
		"Target: local store " + db + " (no auth token configured)",
		"SETTING     VALUE",
		"org         acme",
		"SENTRY_ORG",
		"auth_token  -",
		"not set",
		"Config files (highest precedence first):",
		"not found",
	} {
		if !strings.Contains(tty, s) {
			t.Errorf("terminal output lacks %q:\n%s", s, tty)
		}
	}
	if strings.Contains(tty, "\x1b[") {
		t.Error("colour without a colour-enabled stream")
	}

	piped, _ := w.run(t, false)
	wantPiped := "url\thttps://sentry.io/\tdefault\n" +
		"auth_token\t\t\n" +
		"org\tacme\tSENTRY_ORG\n" +
		"project\t\t\n" +
		"release\t\t\n" +
		"dist\t\t\n" +
		"db\t" + db + "\tdefault\n" +
		"addr\t127.0.0.1:8969\tdefault\n"
	if piped != wantPiped {
		t.Errorf("piped output:\n%q\nwant\n%q", piped, wantPiped)
	}
}

func TestInfoWarnsOnConflictingOrg(t *testing.T) {
	w := newWorld(t)
	w.env["SENTRY_AUTH_TOKEN"] = orgToken("acme", "https://sentry.io")
	w.env["SENTRY_ORG"] = "other"
	_, errOut := w.run(t, false)
	if !strings.Contains(errOut, `warning: org "other" from SENTRY_ORG differs from the org auth token's "acme"`) {
		t.Errorf("stderr = %q", errOut)
	}
}

func TestNewCmdInfoFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *Options
	cmd := NewCmdInfo(&cmdutil.Factory{IOStreams: ios}, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.JSON {
		t.Error("--json not parsed")
	}
	cmd = NewCmdInfo(&cmdutil.Factory{IOStreams: ios}, func(context.Context, *Options) error { return nil })
	cmd.SetArgs([]string{"extra"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	var fe *cmdutil.FlagError
	if err := cmd.Execute(); !errors.As(err, &fe) {
		t.Errorf("extra argument: err = %v, want a FlagError", err)
	}
}

func TestInfoLocalServer(t *testing.T) {
	w := newWorld(t)
	db := filepath.Join(w.env["XDG_DATA_HOME"], "snag", "snag.db")
	out, _ := w.run(t, false, "--json")
	var r Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Local.DB != db || r.Local.Exists || r.Local.DSN != "" || r.Local.APIURL != "http://127.0.0.1:8969/api/0/" {
		t.Errorf("before the database exists: %+v", r.Local)
	}
	if _, err := os.Stat(db); err == nil {
		t.Fatal("info created the database")
	}

	st, err := cmdutil.OpenStore(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := st.ProjectKeys(context.Background(), store.DefaultProjectID)
	token, _ := st.APIToken(context.Background())
	st.Close()
	out, _ = w.run(t, false, "--json", "--addr", "127.0.0.1:9000")
	if strings.Contains(out, token) {
		t.Fatal("info printed the local API token")
	}
	r = Report{}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	want := Local{DB: db, Exists: true, DSN: "http://" + keys[0].PublicKey + "@127.0.0.1:9000/1", APIURL: "http://127.0.0.1:9000/api/0/", APIToken: "sntryu_****"}
	if r.Local != want {
		t.Errorf("local = %+v, want %+v", r.Local, want)
	}
}
