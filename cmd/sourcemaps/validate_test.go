package sourcemaps

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/golden"
	"github.com/snag-dev/snag/internal/iostreams"
	sm "github.com/snag-dev/snag/sourcemaps"
)

var validateData = filepath.Join("..", "..", "sourcemaps", "testdata", "validate")

// runTTY runs the command with stdout and stderr as terminals or pipes.
func runTTY(t *testing.T, tty bool, args ...string) (string, string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetStdoutTTY(tty)
	ios.SetStderrTTY(tty)
	ios.SetColorEnabled(tty)
	cmd := NewCmdSourcemaps(&cmdutil.Factory{IOStreams: ios})
	cmd.SetArgs(args)
	cmd.SetOut(errOut)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestValidateText(t *testing.T) {
	broken := filepath.Join(validateData, "broken")
	for _, tty := range []bool{false, true} {
		name := "validate-broken"
		if tty {
			name += "-tty"
		}
		t.Run(name, func(t *testing.T) {
			out, stderr, err := runTTY(t, tty, "validate", broken)
			if !errors.Is(err, cmdutil.ErrSilent) {
				t.Errorf("err = %v, want ErrSilent (exit 1)", err)
			}
			golden.Assert(t, name, []byte(out))
			if !strings.Contains(stderr, "Checked 6 JS files and 6 maps: 5 errors, 2 warnings, 4 info") {
				t.Errorf("stderr = %q", stderr)
			}
		})
	}
}

func TestValidateBundles(t *testing.T) {
	var args []string
	for _, b := range []string{"esbuild", "terser", "webpack"} {
		args = append(args, filepath.Join(bundles, b))
	}
	out, stderr, err := runTTY(t, false, append([]string{"validate"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "validate-bundles", []byte(out))
	if stderr != "✓ Checked 3 JS files and 3 maps: 0 errors, 0 warnings, 3 info\n" {
		t.Errorf("stderr = %q", stderr)
	}

	out, _, err = runTTY(t, false, append([]string{"validate", "--json"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "validate-bundles-json", []byte(out))
	var r sm.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Files {
		if f.Kind == sm.KindJS && (f.IdentifierScore == nil || *f.IdentifierScore < 0.9) {
			t.Errorf("%s: identifier score %v", f.Path, f.IdentifierScore)
		}
	}
}

func TestValidateJSONAndStrict(t *testing.T) {
	out, stderr, err := runTTY(t, false, "validate", filepath.Join(validateData, "broken"), "--json")
	if !errors.Is(err, cmdutil.ErrSilent) || stderr != "" {
		t.Errorf("err = %v, stderr = %q", err, stderr)
	}
	golden.Assert(t, "validate-broken-json", []byte(out))

	// Warnings alone pass, unless --strict.
	nocontent := filepath.Join(validateData, "broken", "nocontent.js")
	if _, _, err := runTTY(t, false, "validate", nocontent); err != nil {
		t.Errorf("warnings only: %v", err)
	}
	if _, stderr, err := runTTY(t, false, "validate", nocontent, "--strict"); !errors.Is(err, cmdutil.ErrSilent) || !strings.HasPrefix(stderr, "X ") {
		t.Errorf("--strict: %v %q", err, stderr)
	}
}

func TestValidateShiftedBundle(t *testing.T) {
	// The esbuild bundle with a license banner added after the build.
	dir := t.TempDir()
	js, err := os.ReadFile(filepath.Join(bundles, "esbuild", "main.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := os.ReadFile(filepath.Join(bundles, "esbuild", "main.min.js.map"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.min.js"), append([]byte("/*! (c) example */\n"), js...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.min.js.map"), m, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runTTY(t, false, "validate", dir, "--json")
	if !errors.Is(err, cmdutil.ErrSilent) {
		t.Fatalf("err = %v", err)
	}
	var r sm.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	for _, p := range r.Files[0].Problems {
		codes[p.Code] = true
	}
	if !codes[sm.CodeForeignMap] || !codes[sm.CodePositionOutOfBounds] || r.Files[0].Path != filepath.Join(dir, "main.min.js") {
		t.Errorf("file %s: problems %+v", r.Files[0].Path, r.Files[0].Problems)
	}
}

func TestValidateUsage(t *testing.T) {
	var fe *cmdutil.FlagError
	if _, _, err := runTTY(t, false, "validate"); !errors.As(err, &fe) {
		t.Errorf("no paths: %v", err)
	}
	if _, _, err := runTTY(t, false, "validate", filepath.Join(validateData, "nonexistent")); !errors.Is(err, fs.ErrNotExist) ||
		!strings.Contains(err.Error(), "nonexistent: ") {
		t.Errorf("missing path: %v", err)
	}
}
