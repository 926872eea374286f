package sourcemaps

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/golden"
	"github.com/snag-dev/snag/internal/iostreams"
)

// injectFixture copies the three real bundles into a temp dir and adds a
// JS file without a map, one with a broken map and a non-JS file.
func injectFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, b := range []string{"esbuild", "terser", "webpack"} {
		for _, name := range []string{"main.min.js", "main.min.js.map"} {
			data, err := os.ReadFile(filepath.Join(bundles, b, name))
			if err != nil {
				t.Fatal(err)
			}
			os.MkdirAll(filepath.Join(dir, b), 0o755)
			if err := os.WriteFile(filepath.Join(dir, b, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, content := range map[string]string{
		"plain/nomap.js":      "console.log('no map')\n",
		"broken/app.js":       "var a;\n//# sourceMappingURL=app.js.map\n",
		"broken/app.js.map":   `{"version":3,"sources":["a.js"],"names":[],"mappings":"AAAA,!"}`,
		"node_modules/x/x.js": "var x;\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runIn runs `snag sourcemaps <args>` from dir, so paths print relative.
func runIn(t *testing.T, dir string, args ...string) (string, string, error) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd) // golden files live under the package's testdata
	ios, _, out, errOut := iostreams.Test()
	cmd := NewCmdSourcemaps(&cmdutil.Factory{IOStreams: ios})
	cmd.SetArgs(args)
	cmd.SetOut(errOut)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			b, _ := os.ReadFile(p)
			m[p] = string(b)
		}
		return err
	})
	return m
}

func TestInjectText(t *testing.T) {
	dir := injectFixture(t)
	before := readTree(t, dir)

	out, stderr, err := runIn(t, dir, "inject", ".", "--dry-run")
	if !errors.Is(err, cmdutil.ErrSilent) {
		t.Fatalf("err = %v", err)
	}
	golden.Assert(t, "inject-dry-run", []byte(out+"--- stderr\n"+stderr))
	if after := readTree(t, dir); len(after) != len(before) {
		t.Fatal("dry run wrote files")
	} else {
		for p, b := range before {
			if after[p] != b {
				t.Errorf("dry run changed %s", p)
			}
		}
	}

	out, stderr, err = runIn(t, dir, "inject", ".")
	if !errors.Is(err, cmdutil.ErrSilent) {
		t.Fatalf("err = %v", err)
	}
	golden.Assert(t, "inject", []byte(out+"--- stderr\n"+stderr))
	after := readTree(t, dir)
	for _, p := range []string{"broken/app.js", "broken/app.js.map", "node_modules/x/x.js"} {
		p = filepath.Join(dir, filepath.FromSlash(p))
		if after[p] != before[p] {
			t.Errorf("%s changed", p)
		}
	}

	out, stderr, err = runIn(t, dir, "inject", "esbuild", "terser", "webpack", "plain")
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "inject-again", []byte(out+"--- stderr\n"+stderr))
	for p, b := range readTree(t, dir) {
		if after[p] != b {
			t.Errorf("second run changed %s", p)
		}
	}
}

func TestInjectJSON(t *testing.T) {
	dir := injectFixture(t)
	out, _, err := runIn(t, dir, "inject", ".", "--json", "--ignore", "broken")
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "inject-json", []byte(out))
	var rep InjectReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.DryRun || len(rep.Files) != 4 || rep.Summary != (InjectSummary{ModifiedSources: 4, ModifiedMaps: 3}) {
		t.Errorf("%+v", rep)
	}
	for _, f := range rep.Files {
		js, _ := os.ReadFile(filepath.Join(dir, f.Path))
		if !strings.Contains(string(js), "//# debugId="+f.DebugID) || f.Status != "injected" {
			t.Errorf("%+v", f)
		}
	}
}

func TestInjectNothingFound(t *testing.T) {
	dir := t.TempDir()
	out, stderr, err := runIn(t, dir, "inject", ".")
	if err != nil || out != "" || !strings.Contains(stderr, "No JS files found under .") {
		t.Errorf("%q %q %v", out, stderr, err)
	}
}

func TestInjectUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"inject"},
		{"inject", ".", "--ext", ""},
		{"inject", ".", "--ext", "*.js"},
	} {
		_, _, err := runIn(t, dir, args...)
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) {
			t.Errorf("%q: err = %v, want a usage error", args, err)
		}
	}
	if _, _, err := runIn(t, dir, "inject", "missing"); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing path: %v", err)
	}
	var got *InjectOptions
	ios, _, _, _ := iostreams.Test()
	cmd := NewCmdInject(&cmdutil.Factory{IOStreams: ios}, func(_ context.Context, o *InjectOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"a", "b", "-x", "js", "--ext", ".jsbundle", "-i", "*.map", "--dry-run", "--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Paths, ",") != "a,b" || strings.Join(got.Extensions, ",") != "js,.jsbundle" ||
		strings.Join(got.Ignore, ",") != "*.map" || !got.DryRun || !got.JSON {
		t.Errorf("%+v", got)
	}
	if cmdutil.ExampleCount(cmd.Example) < 2 {
		t.Error("fewer than two examples")
	}
}
