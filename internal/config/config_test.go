package config

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// world is a fake home, working directory and environment.
type world struct {
	home, work string
	env        map[string]string
	flags      map[Key]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	root := t.TempDir()
	w := &world{
		home:  filepath.Join(root, "home"),
		work:  filepath.Join(root, "src", "app", "web"),
		env:   map[string]string{"XDG_CONFIG_HOME": filepath.Join(root, "xdg-config"), "XDG_DATA_HOME": filepath.Join(root, "xdg-data")},
		flags: map[Key]string{},
	}
	for _, d := range []string{w.home, w.work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *world) write(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func (w *world) load(t *testing.T) *Config {
	t.Helper()
	c, err := Load(Options{Flags: w.flags, Getenv: func(k string) string { return w.env[k] }, WorkDir: w.work, HomeDir: w.home})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (w *world) snagFile() string {
	return filepath.Join(w.env["XDG_CONFIG_HOME"], "snag", "config.ini")
}
func (w *world) globalFile() string { return filepath.Join(w.home, ".sentryclirc") }
func (w *world) projectFile() string {
	return filepath.Join(filepath.Dir(filepath.Dir(w.work)), ".sentryclirc") // two levels up: walking up works
}

func TestDefaults(t *testing.T) {
	w := newWorld(t)
	c := w.load(t)
	want := map[Key]Setting{
		URL:       {DefaultURL, SourceDefault},
		Addr:      {DefaultAddr, SourceDefault},
		DB:        {filepath.Join(w.env["XDG_DATA_HOME"], "snag", "snag.db"), SourceDefault},
		AuthToken: {},
		Org:       {},
		Release:   {},
	}
	for k, s := range want {
		if got := c.Get(k); got != s {
			t.Errorf("%s = %+v, want %+v", k, got, s)
		}
	}
	if c.SnagFile != w.snagFile() {
		t.Errorf("SnagFile = %q, want %q", c.SnagFile, w.snagFile())
	}
}

func TestDataDirWithoutXDG(t *testing.T) {
	w := newWorld(t)
	delete(w.env, "XDG_DATA_HOME")
	delete(w.env, "XDG_CONFIG_HOME")
	c := w.load(t)
	if got, want := c.Value(DB), filepath.Join(w.home, ".local", "share", "snag", "snag.db"); got != want {
		t.Errorf("db = %q, want %q", got, want)
	}
	if got, want := c.SnagFile, filepath.Join(w.home, ".config", "snag", "config.ini"); got != want {
		t.Errorf("snag file = %q, want %q", got, want)
	}
}

// TestPrecedence stacks the layers one by one; each new layer must win.
func TestPrecedence(t *testing.T) {
	type layer struct {
		name  string
		apply func(t *testing.T, w *world)
		// source returns the expected Source for the winning layer.
		source func(w *world) string
	}
	layers := []layer{
		{"snag config file", func(t *testing.T, w *world) {
			w.write(t, w.snagFile(), "[defaults]\norg=from-snag\nproject=p-snag\nurl=https://snag.example/\n[auth]\ntoken=tok-snag\n[snag]\ndb=/snag.db\naddr=127.0.0.1:1\n")
		}, func(w *world) string { return w.snagFile() }},
		{"global ~/.sentryclirc", func(t *testing.T, w *world) {
			w.write(t, w.globalFile(), "[defaults]\norg=from-global\nproject=p-global\nurl=https://global.example/\n[auth]\ntoken=tok-global\n[snag]\ndb=/global.db\naddr=127.0.0.1:2\n")
		}, func(w *world) string { return w.globalFile() }},
		{"project .sentryclirc", func(t *testing.T, w *world) {
			w.write(t, w.projectFile(), "[defaults]\norg=from-project\nproject=p-project\nurl=https://project.example/\n[auth]\ntoken=tok-project\n[snag]\ndb=/project.db\naddr=127.0.0.1:3\n")
		}, func(w *world) string { return w.projectFile() }},
		{"environment", func(t *testing.T, w *world) {
			w.env["SENTRY_ORG"], w.env["SENTRY_PROJECT"], w.env["SENTRY_URL"] = "from-env", "p-env", "https://env.example/"
			w.env["SENTRY_AUTH_TOKEN"], w.env["SNAG_DB"], w.env["SNAG_ADDR"] = "tok-env", "/env.db", "127.0.0.1:4"
			w.env["SENTRY_RELEASE"], w.env["SENTRY_DIST"] = "r-env", "d-env"
		}, func(*world) string { return "env" }},
		{"flags", func(t *testing.T, w *world) {
			for _, k := range Keys {
				w.flags[k] = "flag-" + string(k)
			}
		}, func(*world) string { return "flag" }},
	}
	w := newWorld(t)
	for _, l := range layers {
		t.Run(l.name, func(t *testing.T) {
			l.apply(t, w)
			c := w.load(t)
			for _, k := range []Key{URL, AuthToken, Org, Project, DB, Addr} {
				got := c.Get(k)
				switch src := l.source(w); src {
				case "env":
					if got.Source != EnvVar[k] {
						t.Errorf("%s source = %q, want %q", k, got.Source, EnvVar[k])
					}
				case "flag":
					if got.Source != "--"+Flag[k]+" flag" || got.Value != "flag-"+string(k) {
						t.Errorf("%s = %+v, want the flag", k, got)
					}
				default:
					if got.Source != src {
						t.Errorf("%s source = %q, want %q", k, got.Source, src)
					}
				}
			}
		})
	}
}

func TestReleaseAndDistNotReadFromFiles(t *testing.T) {
	w := newWorld(t)
	w.write(t, w.globalFile(), "[defaults]\nrelease=nope\ndist=nope\n")
	c := w.load(t)
	if c.Get(Release).IsSet() || c.Get(Dist).IsSet() {
		t.Fatalf("release/dist came from a file: %+v %+v", c.Get(Release), c.Get(Dist))
	}
}

func TestProjectFileInsideHomeIsTheGlobalFile(t *testing.T) {
	w := newWorld(t)
	w.work = filepath.Join(w.home, "code", "app")
	if err := os.MkdirAll(w.work, 0o755); err != nil {
		t.Fatal(err)
	}
	w.write(t, w.globalFile(), "[defaults]\norg=g\n")
	c := w.load(t)
	for _, f := range c.Files {
		if f.Role == "project" {
			t.Fatalf("home .sentryclirc read as project file: %+v", c.Files)
		}
	}
	if got := c.Get(Org); got.Source != w.globalFile() {
		t.Fatalf("org = %+v", got)
	}
}

func TestGlobalFallsBackToSentrycliIni(t *testing.T) {
	w := newWorld(t)
	alt := w.write(t, filepath.Join(w.env["XDG_CONFIG_HOME"], "sentry", "sentrycli.ini"), "[defaults]\norg=from-ini\n")
	c := w.load(t)
	if got := c.Get(Org); got != (Setting{"from-ini", alt}) {
		t.Fatalf("org = %+v", got)
	}
	// ~/.sentryclirc, once it exists, replaces it.
	w.write(t, w.globalFile(), "[defaults]\nproject=p\n")
	c = w.load(t)
	if c.Get(Org).IsSet() {
		t.Fatalf("sentrycli.ini still read: %+v", c.Get(Org))
	}
}

func TestFilesListed(t *testing.T) {
	w := newWorld(t)
	w.write(t, w.projectFile(), "[defaults]\norg=x\n")
	c := w.load(t)
	want := []File{{w.projectFile(), "project", true}, {w.globalFile(), "global", false}, {w.snagFile(), "snag", false}}
	if len(c.Files) != len(want) {
		t.Fatalf("files = %+v", c.Files)
	}
	for i := range want {
		if c.Files[i] != want[i] {
			t.Errorf("file %d = %+v, want %+v", i, c.Files[i], want[i])
		}
	}
}

func TestBadIniNamesTheFile(t *testing.T) {
	w := newWorld(t)
	p := w.write(t, w.globalFile(), "[defaults\norg=x\n")
	_, err := Load(Options{Getenv: func(k string) string { return w.env[k] }, WorkDir: w.work, HomeDir: w.home})
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v, want it to name %s", err, p)
	}
}

func orgToken(t *testing.T, payload any) string {
	t.Helper()
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return "sntrys_" + base64.StdEncoding.EncodeToString(b) + "_" + strings.Repeat("s", 43)
}

func TestOrgTokenSuppliesURLAndOrg(t *testing.T) {
	w := newWorld(t)
	w.env["SENTRY_AUTH_TOKEN"] = orgToken(t, map[string]any{"iat": 1.7e9, "url": "https://sentry.acme.dev", "region_url": "https://us.sentry.io", "org": "acme"})
	c := w.load(t)
	if got := c.Get(URL); got != (Setting{"https://sentry.acme.dev", SourceOrgToken}) {
		t.Errorf("url = %+v", got)
	}
	if got := c.Get(Org); got != (Setting{"acme", SourceOrgToken}) {
		t.Errorf("org = %+v", got)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings = %q", c.Warnings)
	}

	// Explicit values stay, with a warning when they disagree.
	w.env["SENTRY_ORG"] = "other"
	w.flags[URL] = "https://sentry.acme.dev/" // same URL but for the slash: no warning
	c = w.load(t)
	if got := c.Get(Org); got != (Setting{"other", "SENTRY_ORG"}) {
		t.Errorf("org = %+v", got)
	}
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], `org "other" from SENTRY_ORG differs`) {
		t.Errorf("warnings = %q", c.Warnings)
	}
	for _, warn := range c.Warnings {
		if strings.Contains(warn, w.env["SENTRY_AUTH_TOKEN"]) {
			t.Fatal("warning prints the token")
		}
	}
}

func TestOrgTokenWithNullURL(t *testing.T) {
	w := newWorld(t)
	w.env["SENTRY_AUTH_TOKEN"] = orgToken(t, map[string]any{"iat": 1, "url": nil, "org": "acme"})
	c := w.load(t)
	if got := c.Get(URL); got.Source != SourceDefault {
		t.Errorf("url = %+v, want the default", got)
	}
	if c.Value(Org) != "acme" {
		t.Errorf("org = %+v", c.Get(Org))
	}
}

func TestParseOrgToken(t *testing.T) {
	payload := `{"iat":1700000000.5,"url":"https://sentry.io","region_url":"https://de.sentry.io","org":"acme"}`
	enc := base64.StdEncoding.EncodeToString([]byte(payload))
	tests := []struct {
		name    string
		token   string
		want    OrgToken
		wantErr bool
	}{
		{"valid", "sntrys_" + enc + "_abcDEF123", OrgToken{1700000000.5, "https://sentry.io", "https://de.sentry.io", "acme"}, false},
		{"unpadded payload", "sntrys_" + strings.TrimRight(enc, "=") + "_abc", OrgToken{1700000000.5, "https://sentry.io", "https://de.sentry.io", "acme"}, false},
		{"empty url", "sntrys_" + base64.StdEncoding.EncodeToString([]byte(`{"iat":1,"url":"","org":"o"}`)) + "_x", OrgToken{IssuedAt: 1, Org: "o"}, false},
		{"wrong prefix", "sntryu_" + enc + "_x", OrgToken{}, true},
		{"no secret", "sntrys_" + enc, OrgToken{}, true},
		{"trailing underscore", "sntrys_" + enc + "_", OrgToken{}, true},
		{"not base64", "sntrys_!!!!_x", OrgToken{}, true},
		{"not json", "sntrys_" + base64.StdEncoding.EncodeToString([]byte("hello")) + "_x", OrgToken{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOrgToken(tt.token)
			if tt.wantErr {
				if !errors.Is(err, ErrMalformedToken) {
					t.Fatalf("err = %v, want ErrMalformedToken", err)
				}
				if strings.Contains(err.Error(), "abc") {
					t.Fatalf("error leaks the secret: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestKindAndMask(t *testing.T) {
	tests := []struct {
		token string
		kind  TokenKind
		mask  string
	}{
		{"", TokenNone, ""},
		{"sntrys_eyJ9_secret", TokenOrg, "sntrys_****"},
		{"sntryu_" + strings.Repeat("a", 64), TokenUser, "sntryu_****"},
		{strings.Repeat("0f", 32), TokenUser, "****"},
		{"something", TokenUnknown, "****"},
	}
	for _, tt := range tests {
		if k := KindOf(tt.token); k != tt.kind {
			t.Errorf("KindOf(%q) = %s, want %s", tt.token, k, tt.kind)
		}
		if m := Mask(tt.token); m != tt.mask {
			t.Errorf("Mask(%q) = %q, want %q", tt.token, m, tt.mask)
		}
	}
}

func TestSaveCredentials(t *testing.T) {
	w := newWorld(t)
	w.write(t, w.snagFile(), "[defaults]\nproject=keep-me\n")
	tok := "sntryu_" + strings.Repeat("ab", 32)
	if err := SaveCredentials(w.snagFile(), tok, "http://127.0.0.1:8969/"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(w.snagFile())
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", st.Mode().Perm())
	}
	c := w.load(t)
	if got := c.Get(AuthToken); got != (Setting{tok, w.snagFile()}) {
		t.Errorf("token = %+v", got)
	}
	if c.Value(Project) != "keep-me" || c.Value(URL) != "http://127.0.0.1:8969/" {
		t.Errorf("project = %q, url = %q", c.Value(Project), c.Value(URL))
	}
}

func TestSaveCredentialsCreatesPrivateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "snag")
	p := filepath.Join(dir, "config.ini")
	if err := SaveCredentials(p, "tok", ""); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode = %v, want 0700", st.Mode().Perm())
	}
	if err := SaveCredentials(p, "", ""); err == nil {
		t.Fatal("saved an empty token")
	}
}
