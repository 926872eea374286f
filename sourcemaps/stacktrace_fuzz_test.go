package sourcemaps

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzParseStack(f *testing.F) {
	for _, s := range []string{
		"",
		"\n",
		"Error: x\n    at fn (http://x.test/a.js:1:2)\n    at http://x.test/a.js:3:4\n",
		"at ev (eval at <anonymous> (eval at f (/p/a (b)/c.js:1:2)), <anonymous>:1:22)",
		"at MyClass::bar(int) const (http://x.test/main.wasm:wasm-function[190]:0x5aeb)",
		"at new <anonymous> (http://x.test/a.js:2:1",
		"at async Promise.all (index 0)\r\n",
		"at ClipperError@safari-extension:(//x/y.js:1:2)",
		"promise callback*get profile@http://x.test/a.js line 26 > eval line 2 > Function:1:30",
		`obj["@fn"]@Scratchpad/1:10:29`,
		"baz\nfoo\neval code\neval@[native code]\n[native code]\nhttp://x.test/a.js:48:22",
		"called from line 7, column 4 in bar(n) in http://x.test/a.js:\n  Line 4 of inline#1 script in http://x.test/a.js: In function bar",
		"/p/app.js:10\n  throw e;\n  ^\n",
		"at ((((((((((x.js:1:2",
		"at a (b (c (d (e (f (g (h (i (j (k.js:1:2))))))))))",
	} {
		f.Add(s)
	}
	paths, _ := filepath.Glob(filepath.Join("testdata", "stacks", "*.txt"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data))
		}
	}
	if data, err := os.ReadFile(stackCasesPath()); err == nil {
		var cases []stackCase
		if json.Unmarshal(data, &cases) == nil {
			for _, c := range cases {
				f.Add(c.Stack)
			}
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		tr := ParseStack(text)
		want := 0
		if text != "" {
			want = strings.Count(text, "\n") + 1
		}
		if len(tr.Lines) != want {
			t.Fatalf("%d lines in, %d lines out", want, len(tr.Lines))
		}
		if got := tr.String(); got != text {
			t.Fatalf("String() = %q, want the input back", got)
		}
		for _, l := range tr.Lines {
			fr := l.Frame
			if fr == nil {
				continue
			}
			if fr.Raw != strings.TrimSpace(l.Text) {
				t.Errorf("Raw %q is not the trimmed line %q", fr.Raw, l.Text)
			}
			if fr.Engine == "" {
				t.Errorf("%q: no engine", l.Text)
			}
			if fr.Line < 0 || fr.Column < 0 || fr.EvalLine < 0 || fr.EvalColumn < 0 || fr.PromiseIndex < -1 || fr.WasmFunction < -1 {
				t.Errorf("%q: negative position in %+v", l.Text, fr)
			}
			_ = fr.Name()
			_ = fr.String()
		}
	})
}

func FuzzStacktracesFromEvent(f *testing.F) {
	for _, s := range []string{
		`{"exception":{"values":[{"type":"Error","stacktrace":{"frames":[{"filename":"a.js","lineno":1,"colno":2,"in_app":true}]}}]}}`,
		`{"exception":[{"stacktrace":{"frames":[null,1,{"lineNo":"3"}]}}],"threads":[{"stacktrace":{"frames":[{}]}}]}`,
		`{"entries":[{"type":"stacktrace","data":{"frames":[{"absPath":"x"}]}}],"stacktrace":{"frames":[]}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sts, err := StacktracesFromEvent(data)
		if err != nil && sts != nil {
			t.Fatalf("error %v with stack traces %+v", err, sts)
		}
		for _, st := range sts {
			for _, fr := range st.Frames {
				if fr.Lineno < 0 || fr.Colno < 0 {
					t.Errorf("negative position %+v", fr)
				}
				_ = fr.StackFrame().String()
			}
		}
	})
}
