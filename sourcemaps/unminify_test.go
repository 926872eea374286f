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

func TestUnminifyEvent(t *testing.T) {
	root := filepath.Join("testdata", "bundles")
	dirs, err := NewDirs(OSDir(root))
	if err != nil {
		t.Fatal(err)
	}
	u := &Unminifier{Dirs: dirs, Context: 1}
	defer u.Close()
	// The esbuild checkout trace as a browser SDK would send it: oldest
	// frame first, plus a native frame and a debug ID image that matches no map.
	event := `{"event_id":"0123456789abcdef0123456789abcdef","platform":"javascript","extra":{"n":12345678901234567890},
	 "debug_meta":{"images":[{"type":"sourcemap","code_file":"https://x/other.js","debug_id":"00000000-0000-0000-0000-000000000000"}]},
	 "exception":{"values":[{"type":"PricingError","value":"discount BROKEN exceeds 50%","stacktrace":{"frames":[
	   {"filename":"https://x/other.js","function":"q","lineno":1,"colno":1},
	   {"filename":"https://example.com/app/esbuild/main.min.js","function":"h","lineno":3,"colno":94,"in_app":true},
	   {"filename":"https://example.com/app/esbuild/main.min.js","function":"c.checkout","lineno":2,"colno":548,"in_app":true},
	   {"filename":"https://example.com/app/esbuild/main.min.js","function":"d","lineno":1,"colno":765,"in_app":true},
	   {"filename":"<anonymous>","function":"Array.map"},
	   {"filename":"https://example.com/app/esbuild/main.min.js","lineno":1,"colno":772,"in_app":true},
	   {"filename":"https://example.com/app/esbuild/main.min.js","function":"$","lineno":1,"colno":577,"in_app":true}
	 ]}}]}}`
	out, results, err := UnminifyEvent(u, []byte(event))
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Extra     map[string]json.Number `json:"extra"`
		Exception struct {
			Values []struct {
				Stacktrace    struct{ Frames []map[string]any } `json:"stacktrace"`
				RawStacktrace struct{ Frames []map[string]any } `json:"raw_stacktrace"`
			} `json:"values"`
		} `json:"exception"`
	}
	if err := json.Unmarshal(out, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Extra["n"].String() != "12345678901234567890" {
		t.Errorf("number changed: %s", ev.Extra["n"])
	}
	ex := ev.Exception.Values[0]
	if len(ex.RawStacktrace.Frames) != 7 || ex.RawStacktrace.Frames[6]["function"] != "$" {
		t.Fatalf("raw_stacktrace: %+v", ex.RawStacktrace.Frames)
	}
	want := []struct {
		function, filename string
		line               float64
	}{
		{"q", "https://x/other.js", 1},
		{"runCheckout", "src/main.js", 11}, // no caller: the enclosing definition
		{"checkout", "src/cart.js", 32},
		{"priceLines", "src/pricing.js", 31},
		{"Array.map", "<anonymous>", 0},
		{"", "src/pricing.js", 31},
		{"priceLine", "src/pricing.js", 21},
	}
	for i, w := range want {
		f := ex.Stacktrace.Frames[i]
		fn, _ := f["function"].(string)
		line, _ := f["lineno"].(float64)
		if fn != w.function || f["filename"] != w.filename || line != w.line {
			t.Errorf("frame %d = %v %v %v, want %+v", i, f["function"], f["filename"], f["lineno"], w)
		}
	}
	if cl, _ := ex.Stacktrace.Frames[6]["context_line"].(string); !strings.Contains(cl, "throw") {
		t.Errorf("context_line = %q", cl)
	}
	if len(results) != 7 || results[0].Mapped.Mapped {
		t.Errorf("results = %+v", results)
	}
	if a := results[0].Mapped.Attempts; len(a) == 0 || a[0].Method != "debug-id" {
		t.Errorf("attempts for the unknown debug ID = %+v", a)
	}
}
