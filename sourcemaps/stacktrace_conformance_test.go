package sourcemaps

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The public parser suites' cases in /work/shared/conformance/js-stacks.
// Their README describes the fields; frames are innermost first and null
// where the suite expects no value.

type stackCase struct {
	ID     string           `json:"id"`
	Engine string           `json:"engine"`
	Stack  string           `json:"stack"`
	Frames []stackConfFrame `json:"frames"`
	Note   string           `json:"note"`
}

type stackConfFrame struct {
	Function *string `json:"function"`
	File     *string `json:"file"`
	Line     *int    `json:"line"`
	Column   *int    `json:"column"`
}

func (c stackConfFrame) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// stackConfProject reduces a frame to the suites' four fields. The function is
// the name as V8 prints it with "new " and " [as x]" (what all three suites
// report) but without "async ", which the suites that keep it say is their
// own convention.
func stackConfProject(f StackFrame) stackConfFrame {
	var c stackConfFrame
	if n := f.Name(); n != "" {
		c.Function = &n
	}
	if f.URL != "" {
		u := f.URL
		c.File = &u
	}
	if f.Line != 0 {
		l := f.Line
		c.Line = &l
	}
	if f.Column != 0 {
		col := f.Column
		c.Column = &col
	}
	return c
}

func stackConfStr(s string) *string { return &s }

// stackDeviation is a case where this parser knowingly differs from what the
// suite asserts: fix turns the suite's frames into what we produce instead.
type stackDeviation struct {
	reason string
	fix    func([]stackConfFrame) []stackConfFrame
}

func stackConfSetFile(i int, file *string) func([]stackConfFrame) []stackConfFrame {
	return func(fs []stackConfFrame) []stackConfFrame { fs[i].File = file; return fs }
}

func stackConfStripAsync(fs []stackConfFrame) []stackConfFrame {
	for i, f := range fs {
		if f.Function != nil && len(*f.Function) > 6 && (*f.Function)[:6] == "async " {
			fs[i].Function = stackConfStr((*f.Function)[6:])
		}
	}
	return fs
}

func stackConfUnnameEval(fs []stackConfFrame) []stackConfFrame {
	for i, f := range fs {
		if f.Function != nil && *f.Function == "eval" && f.Column == nil {
			fs[i].Function = nil
		}
	}
	return fs
}

// stackConfInsertEvalCode adds the frame for JSC's bare "eval code" line above
// the "eval@[native code]" frame.
func stackConfInsertEvalCode(fs []stackConfFrame) []stackConfFrame {
	for i, f := range fs {
		if f.Function != nil && *f.Function == "eval" && f.File != nil && *f.File == "[native code]" {
			return slices.Insert(fs, i, stackConfFrame{Function: stackConfStr("eval code")})
		}
	}
	return fs
}

var stackDeviations = map[string]stackDeviation{
	"esp-v8-entries-with-no-location": {
		"'(native)' file: error-stack-parser says '(native)', stacktrace-parser null, Sentry 'native'; we report the printed 'native', as Sentry does",
		stackConfSetFile(0, stackConfStr("native")),
	},
	"sp-chrome-error-with-no-location": {
		"'(native)' file: as esp-v8-entries-with-no-location",
		stackConfSetFile(0, stackConfStr("native")),
	},
	"sentry-chromium-webpack-wrapped-exceptions": {
		"the '(error: URL)' lines are a tool's re-print with no position, not V8 frames; we keep them as message lines",
		func(fs []stackConfFrame) []stackConfFrame { return fs[2:] },
	},
	"sentry-chromium-wasm-stack-trace": {
		"Sentry splits C++ names at the first '(' (a quirk its test asserts); we take the balanced '(location)' at the end, so the name keeps its signature and the file is the wasm module",
		func(fs []stackConfFrame) []stackConfFrame {
			names := []string{
				"MyClass::bar(int) const",
				"MyClass::foo(int) const",
				"MyClass::getAt(int) const",
				"emscripten::internal::MethodInvoker<int (MyClass::*)(int) const, int, MyClass const*, int>::invoke(int (MyClass::* const&)(int) const, MyClass const*, int)",
			}
			for i, n := range names {
				fs[i].Function = stackConfStr(n)
				fs[i].File = stackConfStr("http://localhost:8001/main.wasm")
			}
			return fs
		},
	},
	"sentry-chromium-with-data-uris": {
		"Sentry rewrites a data: URL to '<data:MIME>' without position and keeps 'async ' in the name; we keep the URL and position as printed and carry async as a flag",
		func(fs []stackConfFrame) []stackConfFrame {
			fs[0].File = stackConfStr("data:application/javascript,export function dynamicFn() {  throw new Error('Error from data-uri module');};")
			one, col := 1, 38
			fs[0].Line, fs[0].Column = &one, &col
			return stackConfStripAsync(fs)
		},
	},
	"sp-chrome-76": {"stacktrace-parser keeps 'async ' in the name; we carry it as a flag", stackConfStripAsync},
	"sp-node-12":   {"stacktrace-parser keeps 'async ' in the name; we carry it as a flag", stackConfStripAsync},
	"sentry-firefox-firefox-errors-with-eval-urls": {
		"Sentry names an anonymous eval frame 'eval'; the line prints no name, and error-stack-parser and stacktrace-parser report none for the same stack",
		stackConfUnnameEval,
	},
	"sentry-firefox-exceptions-with-eval-frames-in-firefox-66": {
		"Sentry names an anonymous eval frame 'eval'; as sentry-firefox-firefox-errors-with-eval-urls",
		stackConfUnnameEval,
	},
	"sentry-misc-securityerror": {
		"Sentry drops its own trailing 'sentryWrapped' frame after parsing; we keep every frame",
		func(fs []stackConfFrame) []stackConfFrame {
			l, c := 90, 17
			return append(fs, stackConfFrame{stackConfStr("sentryWrapped"), stackConfStr("../node_modules/@sentry/browser/esm/helpers.js"), &l, &c})
		},
	},
	"sentry-safari-safari-8-eval-error": {
		"the bare 'eval code' line is a JSC frame without location (error-stack-parser's esp-safari-9-nested-eval agrees); we keep it",
		stackConfInsertEvalCode,
	},
	"sp-safari-8-eval": {
		"bare 'eval code' line: as sentry-safari-safari-8-eval-error",
		stackConfInsertEvalCode,
	},
	"sentry-safari-exceptions-with-eval-frames-in-safari-12": {
		"bare 'eval code' line: as sentry-safari-safari-8-eval-error",
		stackConfInsertEvalCode,
	},
	"esp-safari-6": {
		"error-stack-parser drops '[native code]' frames; sentry-safari-safari-6-error and sp-safari-6 assert the frame for the same stack, and we keep it",
		func(fs []stackConfFrame) []stackConfFrame {
			return append(fs, stackConfFrame{File: stackConfStr("[native code]")})
		},
	},
	"esp-safari-9-nested-eval": {
		"error-stack-parser drops the 'eval@[native code]' frame (see esp-safari-6); we keep it",
		func(fs []stackConfFrame) []stackConfFrame {
			return slices.Insert(fs, 3, stackConfFrame{Function: stackConfStr("eval"), File: stackConfStr("[native code]")})
		},
	},
	"esp-edge-20-nested-eval": {
		"error-stack-parser reports Edge's 'eval code' pseudo-file as null and renames 'eval code' to 'eval'; we keep both as printed, as Sentry's IE 11 and Edge 44 cases expect",
		func(fs []stackConfFrame) []stackConfFrame {
			for i := range 3 {
				fs[i].File = stackConfStr("eval code")
			}
			fs[2].Function = stackConfStr("eval code")
			return fs
		},
	},
	"sp-node-space": {
		"a bare 'at <anonymous>' is a V8 frame without position (like 'at Array.map (<anonymous>)'); we keep it",
		func(fs []stackConfFrame) []stackConfFrame {
			return slices.Insert(fs, 2, stackConfFrame{File: stackConfStr("<anonymous>")})
		},
	},
	"sentry-opera-opera-12-error": {
		"Opera prints 'column 0', and StackFrame uses 0 for 'no column'; '<anonymous function>' is anonymous, as error-stack-parser's esp-opera-11 reports it",
		func(fs []stackConfFrame) []stackConfFrame {
			fs[0].Function, fs[2].Function, fs[2].Column = nil, nil, nil
			return fs
		},
	},
}

func stackCasesPath() string {
	if p := os.Getenv("SNAG_JS_STACKS"); p != "" {
		return p
	}
	return filepath.Join("..", "..", "shared", "conformance", "js-stacks", "cases.json")
}

func loadStackCases(tb testing.TB) []stackCase {
	tb.Helper()
	data, err := os.ReadFile(stackCasesPath())
	if err != nil {
		tb.Skipf("conformance cases not available: %v", err)
	}
	var cases []stackCase
	if err := json.Unmarshal(data, &cases); err != nil {
		tb.Fatalf("decoding %s: %v", stackCasesPath(), err)
	}
	return cases
}

func TestParseStackConformance(t *testing.T) {
	cases := loadStackCases(t)
	exact, deviated, failed := 0, 0, 0
	seen := map[string]bool{}
	for _, c := range cases {
		seen[c.ID] = true
		t.Run(c.ID, func(t *testing.T) {
			var got []stackConfFrame
			for _, f := range ParseStack(c.Stack).Frames() {
				got = append(got, stackConfProject(f))
			}
			want := c.Frames
			dev, isDev := stackDeviations[c.ID]
			if isDev {
				if stackConfEqual(got, want) {
					t.Errorf("listed as a deviation (%s) but matches the suite; remove it from stackDeviations", dev.reason)
				}
				want = dev.fix(slices.Clone(want))
			}
			if !stackConfEqual(got, want) {
				failed++
				t.Errorf("frames differ (engine %s, note %q)\nstack:\n%s\ngot:\n%s\nwant:\n%s",
					c.Engine, c.Note, c.Stack, stackConfList(got), stackConfList(want))
				return
			}
			if isDev {
				deviated++
			} else {
				exact++
			}
		})
	}
	for id := range stackDeviations {
		if !seen[id] {
			t.Errorf("stackDeviations lists %q, which is not a case", id)
		}
	}
	t.Logf("js-stacks conformance: %d cases, %d exact, %d documented deviations, %d failed", len(cases), exact, deviated, failed)
}

func stackConfEqual(a, b []stackConfFrame) bool {
	return slices.EqualFunc(a, b, func(x, y stackConfFrame) bool { return x.String() == y.String() })
}

func stackConfList(fs []stackConfFrame) string {
	s := ""
	for _, f := range fs {
		s += "  " + f.String() + "\n"
	}
	return s
}
