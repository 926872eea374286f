package unminify

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

var bundles = filepath.Join("..", "..", "sourcemaps", "testdata", "bundles")

func runCmd(t *testing.T, stdin string, tty bool, args ...string) (string, string, error) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	ios.SetStdoutTTY(tty)
	ios.SetStderrTTY(tty)
	cmd := NewCmdUnminify(&cmdutil.Factory{IOStreams: ios}, nil)
	cmd.SetArgs(args)
	cmd.SetOut(errOut)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestUnminifyText(t *testing.T) {
	for _, bundler := range []string{"esbuild", "terser", "webpack"} {
		for _, scenario := range []string{"checkout", "refund"} {
			t.Run(bundler+"/"+scenario, func(t *testing.T) {
				trace := filepath.Join(bundles, bundler, "trace-"+scenario+".txt")
				out, stderr, err := runCmd(t, "", false, trace, "--maps", bundles, "--context", "1")
				if err != nil {
					t.Fatal(err)
				}
				// terser and webpack wrap the bundle in a function whose call has
				// no original position; that frame is reported, not mapped.
				if stderr != "" && stderr != "! Mapped 7 of 8 frames\n" {
					t.Errorf("stderr = %q", stderr)
				}
				golden.Assert(t, bundler+"-"+scenario, []byte(out))
			})
		}
	}
}

func TestUnminifyFromStdinOnATerminal(t *testing.T) {
	trace, err := os.ReadFile(filepath.Join(bundles, "esbuild", "trace-checkout.txt"))
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runCmd(t, string(trace), true, "-", "--maps", bundles, "-C", "0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "    at priceLine (src/pricing.js:21:11)\n") || strings.Contains(out, "\x1b[") {
		t.Errorf("stdout:\n%s", out)
	}
	if stderr != "✓ Mapped 7 of 7 frames\n" {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestUnminifyJSON(t *testing.T) {
	out, _, err := runCmd(t, "", false, filepath.Join(bundles, "webpack", "trace-refund.txt"), "--maps", bundles, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Frames []map[string]any `json:"frames"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Frames) != 6 {
		t.Fatalf("%d frames", len(doc.Frames))
	}
	first := doc.Frames[0]
	for _, k := range []string{"function", "filename", "abs_path", "lineno", "colno", "in_app", "context_line", "pre_context", "post_context", "mapped", "raw"} {
		if _, ok := first[k]; !ok {
			t.Errorf("frame lacks %q: %v", k, first)
		}
	}
	if first["function"] != "invariant" || first["filename"] != "src/errors.js" || first["lineno"] != 26.0 || first["raw"] != "at o (/app/webpack/main.min.js:1:304)" {
		t.Errorf("first frame = %v", first)
	}
}

func TestUnminifyEventJSON(t *testing.T) {
	event := `{"event_id":"0123456789abcdef0123456789abcdef","exception":{"values":[{"type":"FormatError","stacktrace":{"frames":[
		{"abs_path":"https://shop.example/app/esbuild/main.min.js","function":"f","lineno":1,"colno":966},
		{"abs_path":"https://shop.example/app/esbuild/main.min.js","function":"s","lineno":1,"colno":288}]}}]}}`
	out, _, err := runCmd(t, event, false, "--maps", bundles, "--json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"raw_stacktrace"`) || !strings.Contains(out, `"function": "invariant"`) {
		t.Errorf("event:\n%s", out)
	}
	text, _, err := runCmd(t, event, false, "--maps", bundles, "-C", "0")
	if err != nil {
		t.Fatal(err)
	}
	want := "Frames, oldest call first:\n  at formatMoney (src/format.js:9:3)\n  at invariant (src/errors.js:26:15)\n"
	if text != want {
		t.Errorf("text:\n%q\nwant\n%q", text, want)
	}
}

func TestUnminifyUnmappedFramesAreMarked(t *testing.T) {
	trace := "Error: boom\n    at a (https://cdn.example/missing.min.js:1:10)\n    at Array.map (<anonymous>)\n"
	out, stderr, err := runCmd(t, trace, false, "--maps", bundles)
	if err != nil {
		t.Fatal(err)
	}
	want := "Error: boom\n    at a (https://cdn.example/missing.min.js:1:10)  (not mapped: no sourcemap found)\n    at Array.map (<anonymous>)\n"
	if out != want {
		t.Errorf("stdout:\n%q\nwant\n%q", out, want)
	}
	if stderr != "! Mapped 0 of 1 frames\n" {
		t.Errorf("stderr = %q", stderr)
	}
}

func TestUnminifyErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.txt")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
		usage bool
		msg   string
	}{
		{"no frames", "just text\n", nil, false, "no stack frames found"},
		{"missing file", "", []string{filepath.Join(dir, "nope.txt")}, false, "no such file"},
		{"maps is a file", "at a (x.js:1:1)\n", []string{"--maps", file}, true, "not a directory"},
		{"maps missing", "at a (x.js:1:1)\n", []string{"--maps", filepath.Join(dir, "none")}, true, "no such file"},
		{"negative context", "", []string{"-C", "-1"}, true, "--context"},
		{"two inputs", "", []string{"a", "b"}, true, "accepts between 0 and 1"},
		{"bad event", "{not json", nil, false, "reading event JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCmd(t, tt.stdin, false, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("err = %v, want %q", err, tt.msg)
			}
			var fe *cmdutil.FlagError
			if errors.As(err, &fe) != tt.usage {
				t.Errorf("usage error = %v, want %v", !tt.usage, tt.usage)
			}
		})
	}
}
