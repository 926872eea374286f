// Package config resolves snag's settings and credentials and remembers where
// each value came from.
//
// Precedence, highest first: command-line flags; environment variables
// (SENTRY_URL, SENTRY_AUTH_TOKEN, SENTRY_ORG, SENTRY_PROJECT, SENTRY_RELEASE,
// SENTRY_DIST, SNAG_DB, SNAG_ADDR); the first .sentryclirc found walking up
// from the working directory; the global sentry-cli file (~/.sentryclirc, or
// sentry/sentrycli.ini in the config directory when that does not exist);
// snag's own config file (snag/config.ini in the XDG config directory). An
// org auth token supplies the URL and org when nothing else does.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"gopkg.in/ini.v1"
)

// Key names one setting.
type Key string

const (
	URL       Key = "url"
	AuthToken Key = "auth_token"
	Org       Key = "org"
	Project   Key = "project"
	Release   Key = "release"
	Dist      Key = "dist"
	DB        Key = "db"
	Addr      Key = "addr"
)

// Keys lists every setting in display order.
var Keys = []Key{URL, AuthToken, Org, Project, Release, Dist, DB, Addr}

// Defaults for settings that always have a value.
const (
	DefaultURL  = "https://sentry.io/"
	DefaultAddr = "127.0.0.1:8969"
)

// Sources that are not files.
const (
	SourceDefault  = "default"
	SourceOrgToken = "org auth token"
)

// EnvVar is the environment variable for each key.
var EnvVar = map[Key]string{
	URL:       "SENTRY_URL",
	AuthToken: "SENTRY_AUTH_TOKEN",
	Org:       "SENTRY_ORG",
	Project:   "SENTRY_PROJECT",
	Release:   "SENTRY_RELEASE",
	Dist:      "SENTRY_DIST",
	DB:        "SNAG_DB",
	Addr:      "SNAG_ADDR",
}

// Flag is the command-line flag for each key.
var Flag = map[Key]string{
	URL:       "url",
	AuthToken: "auth-token",
	Org:       "org",
	Project:   "project",
	Release:   "release",
	Dist:      "dist",
	DB:        "db",
	Addr:      "addr",
}

// iniKey is where each key lives in an ini file (section, name). Release and
// dist are per-build values, so like sentry-cli they are not read from files.
var iniKey = map[Key][2]string{
	URL:       {"defaults", "url"},
	AuthToken: {"auth", "token"},
	Org:       {"defaults", "org"},
	Project:   {"defaults", "project"},
	DB:        {"snag", "db"},
	Addr:      {"snag", "addr"},
}

// Setting is an effective value and where it came from: "--org flag",
// "SENTRY_ORG", a file path, "org auth token" or "default". An unset setting
// has an empty Source.
type Setting struct {
	Value  string `json:"value"`
	Source string `json:"source"`
}

// IsSet reports whether any source supplied the setting.
func (s Setting) IsSet() bool { return s.Source != "" }

// File is one config file snag looked at.
type File struct {
	Path  string `json:"path"`
	Role  string `json:"role"` // "project", "global" or "snag"
	Found bool   `json:"found"`
}

// Config is the resolved configuration.
type Config struct {
	values   map[Key]Setting
	Files    []File
	Warnings []string
	// SnagFile is snag's own config file, where `snag login` stores a token.
	SnagFile string
}

// Get returns the setting for k.
func (c *Config) Get(k Key) Setting { return c.values[k] }

// Value returns the value of k, or "" when unset.
func (c *Config) Value(k Key) string { return c.values[k].Value }

// Options are the inputs to Load. Zero fields fall back to the process's.
type Options struct {
	// Flags holds only the flags the user set, by key.
	Flags   map[Key]string
	Getenv  func(string) string
	WorkDir string
	HomeDir string
}

// Load resolves every setting.
func Load(opts Options) (*Config, error) {
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	if opts.WorkDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("config: working directory: %w", err)
		}
		opts.WorkDir = wd
	}
	if opts.HomeDir == "" {
		opts.HomeDir, _ = os.UserHomeDir()
	}
	c := &Config{values: map[Key]Setting{}}
	c.SnagFile = filepath.Join(ConfigDir(opts.Getenv, opts.HomeDir), "snag", "config.ini")

	// Lowest first, so that each layer overwrites the one below it.
	files := c.candidateFiles(opts)
	for i := len(files) - 1; i >= 0; i-- {
		if err := c.loadFile(&files[i]); err != nil {
			return nil, err
		}
	}
	c.Files = files
	for _, k := range Keys {
		if v := opts.Getenv(EnvVar[k]); v != "" {
			c.values[k] = Setting{Value: v, Source: EnvVar[k]}
		}
	}
	for _, k := range Keys {
		if v, ok := opts.Flags[k]; ok {
			c.values[k] = Setting{Value: v, Source: "--" + Flag[k] + " flag"}
		}
	}
	c.applyOrgToken()
	c.setDefault(URL, DefaultURL)
	c.setDefault(Addr, DefaultAddr)
	c.setDefault(DB, filepath.Join(DataDir(opts.Getenv, opts.HomeDir), "snag", "snag.db"))
	return c, nil
}

func (c *Config) setDefault(k Key, v string) {
	if !c.values[k].IsSet() {
		c.values[k] = Setting{Value: v, Source: SourceDefault}
	}
}

// applyOrgToken fills url and org from an org token when nothing else set
// them, and warns when something else set them differently.
func (c *Config) applyOrgToken() {
	tok := c.values[AuthToken]
	if KindOf(tok.Value) != TokenOrg {
		return
	}
	ot, err := ParseOrgToken(tok.Value)
	if err != nil {
		c.Warnings = append(c.Warnings, fmt.Sprintf("the auth token from %s looks like an org token but cannot be read: %v", tok.Source, err))
		return
	}
	for _, kv := range []struct {
		k Key
		v string
	}{{URL, ot.URL}, {Org, ot.Org}} {
		if kv.v == "" {
			continue
		}
		cur := c.values[kv.k]
		switch {
		case !cur.IsSet():
			c.values[kv.k] = Setting{Value: kv.v, Source: SourceOrgToken}
		case !sameSetting(kv.k, cur.Value, kv.v):
			c.Warnings = append(c.Warnings, fmt.Sprintf("%s %q from %s differs from the org auth token's %q; Sentry may refuse the token", kv.k, cur.Value, cur.Source, kv.v))
		}
	}
}

func sameSetting(k Key, a, b string) bool {
	if k == URL {
		return trimSlash(a) == trimSlash(b)
	}
	return a == b
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

// candidateFiles lists the files to read, highest precedence first.
func (c *Config) candidateFiles(opts Options) []File {
	var files []File
	globalRC := ""
	if opts.HomeDir != "" {
		globalRC = filepath.Join(opts.HomeDir, ".sentryclirc")
	}
	if p := findUp(opts.WorkDir, ".sentryclirc"); p != "" && p != globalRC {
		files = append(files, File{Path: p, Role: "project"})
	}
	if globalRC != "" {
		global := globalRC
		if !exists(globalRC) {
			if alt := filepath.Join(ConfigDir(opts.Getenv, opts.HomeDir), "sentry", "sentrycli.ini"); exists(alt) {
				global = alt
			}
		}
		files = append(files, File{Path: global, Role: "global"})
	}
	files = append(files, File{Path: c.SnagFile, Role: "snag"})
	return files
}

func (c *Config) loadFile(f *File) error {
	data, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	f.Found = true
	file, err := ini.LoadSources(ini.LoadOptions{Insensitive: true}, data)
	if err != nil {
		return fmt.Errorf("config: %s: %w", f.Path, err)
	}
	for _, k := range Keys {
		loc, ok := iniKey[k]
		if !ok {
			continue
		}
		if v := file.Section(loc[0]).Key(loc[1]).String(); v != "" {
			c.values[k] = Setting{Value: v, Source: f.Path}
		}
	}
	return nil
}

// findUp returns the first file called name in dir or one of its parents.
func findUp(dir, name string) string {
	for {
		p := filepath.Join(dir, name)
		if exists(p) {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func exists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// ConfigDir is $XDG_CONFIG_HOME, else ~/.config (%AppData% on Windows).
func ConfigDir(getenv func(string) string, home string) string {
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		return d
	}
	if runtime.GOOS == "windows" {
		if d := getenv("AppData"); d != "" {
			return d
		}
	}
	return filepath.Join(home, ".config")
}

// DataDir is $XDG_DATA_HOME, else ~/.local/share (%LocalAppData% on Windows).
func DataDir(getenv func(string) string, home string) string {
	if d := getenv("XDG_DATA_HOME"); d != "" {
		return d
	}
	if runtime.GOOS == "windows" {
		if d := getenv("LocalAppData"); d != "" {
			return d
		}
	}
	return filepath.Join(home, ".local", "share")
}
