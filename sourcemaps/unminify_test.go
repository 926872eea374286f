package sourcemaps

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bundleExpectation is the part of testdata/bundles/*/expected.json the
// tests read: for each minified frame, the original file, line and
// function of the unbundled run, or why there is none.
type bundleExpectation struct {
	Scenarios []struct {
		Name   string `json:"name"`
		Trace  string `json:"trace"`
		Frames []struct {
			Raw      string `json:"raw"`
			Skip     string `json:"skip"`
			Original *struct {
				File     string  `json:"file"`
				Line     int     `json:"line"`
				Function *string `json:"function"`
			} `json:"original"`
		} `json:"frames"`
	} `json:"scenarios"`
}

// TestUnminifyBundles maps the traces that esbuild, terser and webpack
// bundles printed and checks every frame against the unbundled run.
func TestUnminifyBundles(t *testing.T) {
	root := filepath.Join("testdata", "bundles")
	dirs, err := NewDirs(OSDir(root))
	if err != nil {
		t.Fatal(err)
	}
	u := &Unminifier{Dirs: dirs, Context: 2}
	defer u.Close()
	for _, bundler := range []string{"esbuild", "terser", "webpack"} {
		data, err := os.ReadFile(filepath.Join(root, bundler, "expected.json"))
		if err != nil {
			t.Fatal(err)
		}
		var exp bundleExpectation
		if err := json.Unmarshal(data, &exp); err != nil {
			t.Fatal(err)
		}
		for _, sc := range exp.Scenarios {
			t.Run(bundler+"/"+sc.Name, func(t *testing.T) {
				text, err := os.ReadFile(filepath.Join(root, sc.Trace))
				if err != nil {
					t.Fatal(err)
				}
				frames := ParseStack(string(text)).Frames()
				if len(frames) != len(sc.Frames) {
					t.Fatalf("%d frames parsed, expected.json has %d", len(frames), len(sc.Frames))
				}
				refs := make([]FrameRef, len(frames))
				for i, f := range frames {
					refs[i] = FrameRef{URL: f.URL, Function: f.Name(), Line: f.Line, Column: f.Column, Native: f.Native, Async: f.Async}
				}
				got := u.Unminify(refs)
				names := 0
				for i, want := range sc.Frames {
					g := got[i]
					if want.Original == nil {
						if g.Mapped && !strings.Contains(want.Skip, "no counterpart") {
							t.Errorf("frame %d (%s) mapped to %s:%d, want unmapped (%s)", i, want.Raw, g.Filename, g.Line, want.Skip)
						}
						continue
					}
					if !g.Mapped {
						t.Errorf("frame %d (%s) not mapped: %s %+v", i, want.Raw, g.Reason, g.Attempts)
						continue
					}
					if !strings.HasSuffix(g.Filename, want.Original.File) || g.Line != want.Original.Line {
						t.Errorf("frame %d (%s) = %s:%d, want %s:%d", i, want.Raw, g.Filename, g.Line, want.Original.File, want.Original.Line)
					}
					if g.ContextLine == "" || len(g.PreContext) > 2 || len(g.PostContext) > 2 || len(g.PreContext)+len(g.PostContext) < 2 {
						t.Errorf("frame %d: context %q %q %q", i, g.PreContext, g.ContextLine, g.PostContext)
					}
					wantName := ""
					if want.Original.Function != nil {
						wantName = *want.Original.Function
					}
					// "Cart.checkout" is printed from the receiver's class;
					// the call site gives "checkout".
					// Module top-level code keeps the engine's "Object.<anonymous>".
					if g.Function == wantName || (g.Function != "" && strings.HasSuffix(wantName, "."+g.Function)) ||
						(wantName == "" && strings.Contains(g.Function, "<anonymous>")) {
						names++
					} else {
						t.Errorf("frame %d (%s): function %q, want %q", i, want.Raw, g.Function, wantName)
					}
				}
				t.Logf("%d frames, %d original names recovered", len(sc.Frames), names)
			})
		}
	}
}
