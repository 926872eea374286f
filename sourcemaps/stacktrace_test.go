package sourcemaps

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// jsFrame builds an expected frame with the "absent" defaults the parser uses;
// edit applies the fields a case cares about.
func jsFrame(engine, fn, url string, line, col int, edit ...func(*StackFrame)) StackFrame {
	f := StackFrame{Function: fn, URL: url, Line: line, Column: col, Engine: engine, PromiseIndex: -1, WasmFunction: -1}
	for _, e := range edit {
		e(&f)
	}
	return f
}

// Edits for jsFrame. The names carry the sf prefix because test files share the
// package namespace with the sourcemap decoder's tests.
var (
	sfAsync  = func(f *StackFrame) { f.Async = true }
	sfNew    = func(f *StackFrame) { f.Constructor = true }
	sfNative = func(f *StackFrame) { f.Native = true }
)

func sfAlias(a string) func(*StackFrame) {
	return func(f *StackFrame) { f.Alias = a }
}

func sfCause(c string) func(*StackFrame) {
	return func(f *StackFrame) { f.Async, f.AsyncCause = true, c }
}

func sfPromise(n int) func(*StackFrame) {
	return func(f *StackFrame) { f.PromiseIndex = n }
}

func sfEval(l, c int) func(*StackFrame) {
	return func(f *StackFrame) { f.Eval, f.EvalLine, f.EvalColumn = true, l, c }
}

func TestParseFrame(t *testing.T) {
	const v8, sm, jsc = EngineV8, EngineSpiderMonkey, EngineJSC
	tests := []struct {
		name string
		line string
		want StackFrame
	}{
		// V8: Chrome, Node, Deno, Bun, and the engines that copied its format.
		{"v8/named", "    at fn (http://x.test/a.js:1:2)", jsFrame(v8, "fn", "http://x.test/a.js", 1, 2)},
		{"v8/anonymous", "    at http://x.test/a.js:1:2", jsFrame(v8, "", "http://x.test/a.js", 1, 2)},
		{"v8/tab indent", "\tat fn (a.js:1:2)", jsFrame(v8, "fn", "a.js", 1, 2)},
		{"v8/constructor", "at new Foo (/p/dir with space/v8.js:1:35)", jsFrame(v8, "Foo", "/p/dir with space/v8.js", 1, 35, sfNew)},
		{"v8/anonymous constructor", "at new <anonymous> (http://x.test/a.js:2:1)", jsFrame(v8, "", "http://x.test/a.js", 2, 1, sfNew)},
		{"v8/async", "at async a2 (/p/v8.js:20:25)", jsFrame(v8, "a2", "/p/v8.js", 20, 25, sfAsync)},
		{"v8/async anonymous", "at async /p/dir with space/v8.js:22:9", jsFrame(v8, "", "/p/dir with space/v8.js", 22, 9, sfAsync)},
		{"v8/async in location", "at Object.callback (async http://x.test/:25:7)", jsFrame(v8, "Object.callback", "http://x.test/", 25, 7, sfAsync)},
		{"v8/promise index", "at Promise.all (index 0)", jsFrame(v8, "Promise.all", "", 0, 0, sfPromise(0))},
		{"v8/async promise index", "at async Promise.allSettled (index 12)", jsFrame(v8, "Promise.allSettled", "", 0, 0, sfAsync, sfPromise(12))},
		{"v8/receiver", "at Object.method (/p/v8.js:3:33)", jsFrame(v8, "Object.method", "/p/v8.js", 3, 33)},
		{"v8/module top level", "at Object.<anonymous> (/p/v8.js:6:1)", jsFrame(v8, "Object.<anonymous>", "/p/v8.js", 6, 1)},
		{"v8/anonymous name", "at <anonymous> (/p/app.ts:4:11)", jsFrame(v8, "", "/p/app.ts", 4, 11)},
		{"v8/alias", "at get g [as g] (/p/v8.js:7:42)", jsFrame(v8, "get g", "/p/v8.js", 7, 42, sfAlias("g"))},
		{"v8/alias with node URL", "at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:164:12)",
			jsFrame(v8, "Function.executeUserEntryPoint", "node:internal/modules/run_main", 164, 12, sfAlias("runMain"))},
		{"v8/anonymous function alias", "at I.e.fn.(anonymous function) [as index] (http://x.test:8080/file.js:10:3651)",
			jsFrame(v8, "I.e.fn.(anonymous function)", "http://x.test:8080/file.js", 10, 3651, sfAlias("index"))},
		{"v8/node internal", "at Module._compile (node:internal/modules/cjs/loader:1521:14)", jsFrame(v8, "Module._compile", "node:internal/modules/cjs/loader", 1521, 14)},
		{"v8/native", "at JSON.parse (native)", jsFrame(v8, "JSON.parse", "native", 0, 0, sfNative)},
		{"v8/anonymous script", "at Array.map (<anonymous>)", jsFrame(v8, "Array.map", "<anonymous>", 0, 0)},
		{"v8/bare anonymous", "at <anonymous>", jsFrame(v8, "", "<anonymous>", 0, 0)},
		{"v8/anonymous script position", "at <anonymous>:1:2", jsFrame(v8, "", "<anonymous>", 1, 2)},
		{"v8/eval", "at ev (eval at <anonymous> (/p/dir with space/v8.js:10:20), <anonymous>:1:22)",
			jsFrame(v8, "ev", "/p/dir with space/v8.js", 10, 20, sfEval(1, 22))},
		{"v8/nested eval", "at eval (eval at <anonymous> (eval at <anonymous> (/p/x/v8.js:11:27)), <anonymous>:1:7)",
			jsFrame(v8, "eval", "/p/x/v8.js", 11, 27, sfEval(1, 7))},
		{"v8/eval with parens in name", "at x (eval at I.e.fn.(anonymous function) (http://x.test/a.js:5:6), <anonymous>:7:8)",
			jsFrame(v8, "x", "http://x.test/a.js", 5, 6, sfEval(7, 8))},
		{"v8/spaces and parens in path", "at fn (/home/me/my project (copy)/a.js:1:2)", jsFrame(v8, "fn", "/home/me/my project (copy)/a.js", 1, 2)},
		{"v8/anonymous, parens in path", "at /home/me/my project (copy)/a.js:1:2", jsFrame(v8, "", "/home/me/my project (copy)/a.js", 1, 2)},
		{"v8/unbalanced open paren in path", "at fn (/home/me/a(b.js:1:2)", jsFrame(v8, "fn", "/home/me/a(b.js", 1, 2)},
		{"v8/unbalanced close paren in path", "at fn (/home/me/a)b.js:1:2)", jsFrame(v8, "fn", "/home/me/a)b.js", 1, 2)},
		{"v8/brackets in URL", "at http://x.test/(group)/[route]/script.js:1:126", jsFrame(v8, "", "http://x.test/(group)/[route]/script.js", 1, 126)},
		{"v8/at sign in path", "at fn (/p/node_modules/@scope/pkg/index.js:1:2)", jsFrame(v8, "fn", "/p/node_modules/@scope/pkg/index.js", 1, 2)},
		{"v8/missing close paren", "at foo (http://x.test/a.js:1:2", jsFrame(v8, "foo", "http://x.test/a.js", 1, 2)},
		{"v8/no space before paren", "at render(/home/u/app/src/Scene.js:78:24)", jsFrame(v8, "render", "/home/u/app/src/Scene.js", 78, 24)},
		{"v8/data URL", `at Module.d (data:text/javascript,export function d(){throw new Error("data")}:1:27)`,
			jsFrame(v8, "Module.d", `data:text/javascript,export function d(){throw new Error("data")}`, 1, 27)},
		{"v8/file URL", "at boom (file:///p/esm.mjs:1:32)", jsFrame(v8, "boom", "file:///p/esm.mjs", 1, 32)},
		{"v8/deno", "at file:///home/me/main.ts:3:9", jsFrame(v8, "", "file:///home/me/main.ts", 3, 9)},
		{"v8/windows", `at TESTTESTTEST.someMethod (C:\Users\user\path\to\file.js:295:108)`, jsFrame(v8, "TESTTESTTEST.someMethod", `C:\Users\user\path\to\file.js`, 295, 108)},
		{"v8/windows anonymous with space", `at C:\project files\esm.js:1:34535`, jsFrame(v8, "", `C:\project files\esm.js`, 1, 34535)},
		{"v8/windows forward slashes", "at fn (C:/work/app.js:2:3)", jsFrame(v8, "fn", "C:/work/app.js", 2, 3)},
		{"v8/port", "at fn (http://localhost:8080/a.js:10:5)", jsFrame(v8, "fn", "http://localhost:8080/a.js", 10, 5)},
		{"v8/query string", "at fn (https://cdn.x.test/app.js?v=1.2&x=a:b:3:4)", jsFrame(v8, "fn", "https://cdn.x.test/app.js?v=1.2&x=a:b", 3, 4)},
		{"v8/webpack", "at TESTTESTTEST.eval(webpack:///./src/components/test/test.jsx?:295:108)", jsFrame(v8, "TESTTESTTEST.eval", "webpack:///./src/components/test/test.jsx?", 295, 108)},
		{"v8/webpack internal", "at fn (webpack-internal:///./src/a.js:3:4)", jsFrame(v8, "fn", "webpack-internal:///./src/a.js", 3, 4)},
		{"v8/blob URL", "at s (blob:http%3A//localhost%3A8080/abfc40e9-4742:31:29146)", jsFrame(v8, "s", "blob:http%3A//localhost%3A8080/abfc40e9-4742", 31, 29146)},
		{"v8/blob URL plain", "at blob:https://x.test/9a1b2c3d:1:200", jsFrame(v8, "", "blob:https://x.test/9a1b2c3d", 1, 200)},
		{"v8/custom scheme", "at examplescheme://host/cd35.worker.js:70179:15", jsFrame(v8, "", "examplescheme://host/cd35.worker.js", 70179, 15)},
		{"v8/line only", "at foo (http://x.test/a.js:4283)", jsFrame(v8, "foo", "http://x.test/a.js", 4283, 0)},
		{"v8/repl", "at repl:1:2", jsFrame(v8, "", "repl", 1, 2)},
		{"v8/wasm", "at MyClass::bar(int) const (http://x.test/main.wasm:wasm-function[190]:0x5aeb)",
			jsFrame(v8, "MyClass::bar(int) const", "http://x.test/main.wasm", 0, 0, func(f *StackFrame) { f.WasmFunction, f.WasmOffset = 190, 0x5aeb })},
		{"v8/ie anonymous", "at Anonymous function (http://x.test/a.js:48:13)", jsFrame(v8, "Anonymous function", "http://x.test/a.js", 48, 13)},
		{"v8/edge native code", "at Array.prototype.map (native code)", jsFrame(v8, "Array.prototype.map", "native code", 0, 0, sfNative)},
		{"v8/edge eval code", "at eval code (eval code:1:1)", jsFrame(v8, "eval code", "eval code", 1, 1)},
		{"hermes/address", "at onPress (address at index.android.bundle:1:452701)", jsFrame(EngineHermes, "onPress", "index.android.bundle", 1, 452701)},
		{"jsc/safari extension in v8 style", "at ClipperError@safari-extension:(//3284/2665fee0/commons.js:223036:10)",
			jsFrame(jsc, "ClipperError", "safari-extension://3284/2665fee0/commons.js", 223036, 10)},

		// SpiderMonkey (Firefox).
		{"sm/named", "fn@http://x.test/a.js:1:2", jsFrame(sm, "fn", "http://x.test/a.js", 1, 2)},
		{"sm/anonymous", "@http://x.test/a.js:1:2", jsFrame(sm, "", "http://x.test/a.js", 1, 2)},
		{"sm/async cause", "async*loadRate@http://x.test/app.js:1:2300", jsFrame(sm, "loadRate", "http://x.test/app.js", 1, 2300, sfCause("async"))},
		{"sm/promise callback", "promise callback*get profile@http://x.test/a.js:3:4", jsFrame(sm, "get profile", "http://x.test/a.js", 3, 4, sfCause("promise callback"))},
		{"sm/anonymous with cause", "setTimeout handler*@http://x.test/a.js:3:4", jsFrame(sm, "", "http://x.test/a.js", 3, 4, sfCause("setTimeout handler"))},
		{"sm/eval", "baz@http://x.test:8080/file.js line 26 > eval line 2 > eval:1:30", jsFrame(sm, "baz", "http://x.test:8080/file.js", 26, 0, sfEval(1, 30))},
		{"sm/new Function", "@http://x.test/a.js line 10 > Function:3:5", jsFrame(sm, "", "http://x.test/a.js", 10, 0, sfEval(3, 5))},
		{"sm/inner function", "test/<@http://x.test/:34:7", jsFrame(sm, "test/<", "http://x.test/", 34, 7)},
		{"sm/nested inner", "[2]</Bar.prototype._baz/</<@http://x.test/file.js:703:28", jsFrame(sm, "[2]</Bar.prototype._baz/</<", "http://x.test/file.js", 703, 28)},
		{"sm/at sign in name", `obj["@fn"]@Scratchpad/1:10:29`, jsFrame(sm, `obj["@fn"]`, "Scratchpad/1", 10, 29)},
		{"sm/at sign in URL", "who@http://localhost:5000/misc/@stuff/foo.js:3:9", jsFrame(sm, "who", "http://localhost:5000/misc/@stuff/foo.js", 3, 9)},
		{"sm/old arguments", "bar(1)@http://x.test/js/file.js:13", jsFrame(sm, "bar", "http://x.test/js/file.js", 13, 0)},
		{"sm/old anonymous", "()@file:///G:/js/stacktrace.js:44", jsFrame(sm, "", "file:///G:/js/stacktrace.js", 44, 0)},
		{"sm/resource URL", "render@resource://path/data/content/bundle.js:5529:16", jsFrame(sm, "render", "resource://path/data/content/bundle.js", 5529, 16)},
		{"sm/extension URL", "fn@moz-extension://6d1c-44/content.js:1:2", jsFrame(sm, "fn", "moz-extension://6d1c-44/content.js", 1, 2)},
		{"sm/parens in URL", "onClick@http://x.test/app/(group)/[route]/script.js:1:644", jsFrame(sm, "onClick", "http://x.test/app/(group)/[route]/script.js", 1, 644)},

		// JavaScriptCore (Safari, Bun's JSC-style traces, React Native).
		{"jsc/bare location", "http://x.test/file.js:48:22", jsFrame(jsc, "", "http://x.test/file.js", 48, 22)},
		{"jsc/bare bundle", "index.android.bundle:156:572", jsFrame(jsc, "", "index.android.bundle", 156, 572)},
		{"jsc/global code", "global code@http://x.test/test:24:10", jsFrame(jsc, "global code", "http://x.test/test", 24, 10)},
		{"jsc/module code", "module code@http://x.test/a.mjs:1:20", jsFrame(jsc, "module code", "http://x.test/a.mjs", 1, 20)},
		{"jsc/async", "async fetchUser@http://x.test/a.js:3:4", jsFrame(jsc, "fetchUser", "http://x.test/a.js", 3, 4, sfAsync)},
		{"jsc/native code", "[native code]", jsFrame(jsc, "", "[native code]", 0, 0, sfNative)},
		{"jsc/named native", "map@[native code]", jsFrame(jsc, "map", "[native code]", 0, 0, sfNative)},
		{"jsc/extension", "safari-extension://com.x.ext/ee7759dd/G.js:2:1588410", jsFrame(jsc, "", "safari-extension://com.x.ext/ee7759dd/G.js", 2, 1588410)},

		// Opera (Presto).
		{"opera/linked script", "  Line 42 of linked script http://x.test/file.js", jsFrame(EngineOpera, "", "http://x.test/file.js", 42, 0)},
		{"opera/inline function", "Line 4 of inline#1 script in http://x.test/file.js: In function bar", jsFrame(EngineOpera, "bar", "http://x.test/file.js", 4, 0)},
		{"opera/called from", "called from line 27, column 8 in <anonymous function: run>(ex) in http://x.test/file.js:", jsFrame(EngineOpera, "run", "http://x.test/file.js", 27, 8)},
		{"opera/at sign", "<anonymous function: run>([arguments not available])@http://x.test/file.js:27", jsFrame(EngineOpera, "run", "http://x.test/file.js", 27, 0)},
		{"sm/argument placeholder and port", "bar([arguments not available])@http://x.test:1234/file.js:18", jsFrame(sm, "bar", "http://x.test:1234/file.js", 18, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseFrame(tt.line)
			if !ok {
				t.Fatalf("ParseFrame(%q) found no frame", tt.line)
			}
			want := tt.want
			want.Raw = strings.TrimSpace(tt.line)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ParseFrame(%q)\n got %+v\nwant %+v", tt.line, got, want)
			}
		})
	}
}

func TestParseFrameRejects(t *testing.T) {
	for _, line := range []string{
		"",
		"   ",
		"TypeError: x is undefined",
		"Error: Minified React error #200; visit https://reactjs.org/docs/error-decoder.html?invariant=200 for the full message",
		"Error: cannot reach user@db.x.test:5432",
		"location. Error code:1234",
		"Node.js v20.20.2",
		`   at Error: Blocked a frame with origin "(https://x.test" from accessing a cross-origin frame.)`,
		"  [cause]: Error: inner",
		"{",
		"Error created at <anonymous function>@http://x.test/file.js:15",
		"(error: https://x.test/chunk.js)",
		"at (error: (/static/chunk.js))",
		"at foo (bar)",
		"at foo (x.js:99999999999:1)",
		"foo@",
		"@",
		"at ",
		"called from line 1, column x in foo in http://x.test/a.js:",
		"Line 4 of",
		"baz",
		"eval code",
	} {
		t.Run(line, func(t *testing.T) {
			if f, ok := ParseFrame(line); ok {
				t.Errorf("ParseFrame(%q) = %+v, want no frame", line, f)
			}
		})
	}
}

// traceFrameLines returns, per line, the frame's Name()@URL:Line:Column or "-".
func traceFrameLines(tr Trace) []string {
	var out []string
	for _, l := range tr.Lines {
		if l.Frame == nil {
			out = append(out, "-")
			continue
		}
		f := l.Frame
		out = append(out, f.Engine+" "+f.Name()+"@"+f.location())
	}
	return out
}

func TestParseStackContext(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{
			"one-word header above V8 frames is a message",
			"x\n    at foo (a.js:1:2)",
			[]string{"-", "v8 foo@a.js:1:2"},
		},
		{
			"bare names above JSC frames are frames",
			"baz\nfoo\neval code\neval@[native code]\nspeak@http://x.test/a.js:26:21",
			[]string{"jsc baz@", "jsc foo@", "jsc eval code@", "jsc eval@[native code]", "jsc speak@http://x.test/a.js:26:21"},
		},
		{
			"trailing eval code after JSC frames",
			"foo@http://x.test/a.js:1:2\nglobal code",
			[]string{"jsc foo@http://x.test/a.js:1:2", "jsc global code@"},
		},
		{
			"plain at-sign frames default to SpiderMonkey",
			"foo@http://x.test/a.js:1:2\n@http://x.test/a.js:3:4\n",
			[]string{"spidermonkey foo@http://x.test/a.js:1:2", "spidermonkey @http://x.test/a.js:3:4", "-"},
		},
		{
			"a JSC marker makes the whole trace JSC",
			"foo@http://x.test/a.js:1:2\nhttp://x.test/a.js:3:4\n[native code]",
			[]string{"jsc foo@http://x.test/a.js:1:2", "jsc @http://x.test/a.js:3:4", "jsc @[native code]"},
		},
		{
			"CRLF line endings",
			"Error: x\r\n    at foo (a.js:1:2)\r\n",
			[]string{"-", "v8 foo@a.js:1:2", "-"},
		},
		{
			"node uncaught error with code frame, multi-line message and cause",
			"/p/app.js:10\n    throw new Error('outer');\n    ^\n\nError: outer\nsecond line\n    at main (/p/app.js:10:11)\n" +
				"    at Object.<anonymous> (/p/app.js:12:1) {\n  [cause]: Error: inner\n      at inner (/p/lib.js:2:9)\n}\n\nNode.js v20.20.2",
			[]string{"-", "-", "-", "-", "-", "-", "v8 main@/p/app.js:10:11", "v8 Object.<anonymous>@/p/app.js:12:1", "-", "v8 inner@/p/lib.js:2:9", "-", "-", "-"},
		},
		{
			"chrome console copy",
			"Uncaught TypeError: Cannot read properties of undefined (reading 'x')\n    at a (https://x.test/static/js/main.3f2a.js:2:1337)\n    at https://x.test/static/js/main.3f2a.js:2:2048",
			[]string{"-", "v8 a@https://x.test/static/js/main.3f2a.js:2:1337", "v8 @https://x.test/static/js/main.3f2a.js:2:2048"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := ParseStack(tt.text)
			if got := tr.String(); got != tt.text {
				t.Errorf("String() = %q, want the input back", got)
			}
			if got := traceFrameLines(tr); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("frames per line\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestParseStackEmpty(t *testing.T) {
	if tr := ParseStack(""); len(tr.Lines) != 0 || tr.String() != "" {
		t.Errorf("ParseStack(\"\") = %+v", tr)
	}
	if tr := ParseStack("\n"); len(tr.Lines) != 2 || tr.Frames() != nil {
		t.Errorf("ParseStack(\"\\n\") = %+v", tr)
	}
}

func TestTraceLineIndent(t *testing.T) {
	tr := ParseStack("Error\n \t  at foo (a.js:1:2)")
	if got := tr.Lines[1].Indent(); got != " \t  " {
		t.Errorf("Indent() = %q", got)
	}
	if got := tr.Lines[0].Indent(); got != "" {
		t.Errorf("Indent() = %q", got)
	}
}

// Frames printed in an engine's canonical form render back unchanged.
func TestStackFrameStringRoundTrip(t *testing.T) {
	for _, line := range []string{
		"at fn (http://x.test/a.js:1:2)",
		"at http://x.test/a.js:1:2",
		"at new Foo (/p/dir with space/v8.js:1:35)",
		"at new <anonymous> (/p/a.js:1:35)",
		"at async a2 (/p/v8.js:20:25)",
		"at async Promise.all (index 0)",
		"at get g [as g] (/p/v8.js:7:42)",
		"at Array.map (<anonymous>)",
		"at JSON.parse (native)",
		"at foo (http://x.test/a.js:4283)",
		"at MyClass::bar(int) const (http://x.test/main.wasm:wasm-function[190]:0x5aeb)",
		"at onPress (address at index.android.bundle:1:452701)",
		"at apply (native)",
		"fn@http://x.test/a.js:1:2",
		"@http://x.test/a.js:1:2",
		"async*loadRate@http://x.test/app.js:1:2300",
		"promise callback*get profile@http://x.test/a.js:3:4",
		"baz@http://x.test/file.js line 26 > eval:1:30",
	} {
		t.Run(line, func(t *testing.T) {
			f, ok := ParseFrame(line)
			if !ok {
				t.Fatal("no frame")
			}
			if got := f.String(); got != line {
				t.Errorf("String() = %q", got)
			}
		})
	}
	// JSC lines need their trace for the engine.
	tr := ParseStack("http://x.test/a.js:48:22\nfoo@http://x.test/a.js:52:15\nasync fetchUser@http://x.test/a.js:3:4\nmap@[native code]\n[native code]\nglobal code@http://x.test/a.js:1:1")
	for _, l := range tr.Lines {
		if l.Frame == nil {
			t.Fatalf("%q: no frame", l.Text)
		}
		if got := l.Frame.String(); got != l.Text {
			t.Errorf("%q: String() = %q", l.Text, got)
		}
	}
}

func TestStackFrameStringRendersEdits(t *testing.T) {
	tests := []struct {
		name string
		f    StackFrame
		want string
	}{
		{"v8 eval renders at call site", jsFrame(EngineV8, "ev", "/p/a.js", 10, 20, sfEval(1, 22)), "at ev (/p/a.js:10:20)"},
		{"v8 mapped", jsFrame(EngineV8, "makeWidget", "webpack://app/src/index.ts", 4, 9), "at makeWidget (webpack://app/src/index.ts:4:9)"},
		{"unknown engine is V8 style", jsFrame("", "f", "a.js", 1, 2), "at f (a.js:1:2)"},
		{"no name, no location", jsFrame(EngineV8, "", "", 0, 0), "at <anonymous>"},
		{"sm eval without inner position", jsFrame(EngineSpiderMonkey, "f", "a.js", 3, 0, func(f *StackFrame) { f.Eval = true }), "f@a.js line 3 > eval"},
		{"jsc bare name", jsFrame(EngineJSC, "baz", "", 0, 0), "baz"},
		{"opera", jsFrame(EngineOpera, "bar", "http://x.test/a.js", 4, 0), "bar@http://x.test/a.js:4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

var updateStackGolden = flag.Bool("update-stacks", false, "rewrite testdata/stacks golden files")

// The hand-written traces in testdata/stacks each have a .golden.json with
// the frames they parse to, one entry per input line (null for messages).
func TestParseStackTestdata(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "stacks", "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no testdata stacks: %v", err)
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			tr := ParseStack(string(data))
			if tr.String() != string(data) {
				t.Error("String() does not reproduce the input")
			}
			frames := make([]*StackFrame, len(tr.Lines))
			for i, l := range tr.Lines {
				frames[i] = l.Frame
			}
			got, err := json.MarshalIndent(frames, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(p, ".txt") + ".golden.json"
			if *updateStackGolden {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update-stacks to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("frames differ from %s (run with -update-stacks and review the diff)\n%s", golden, got)
			}
		})
	}
}

func BenchmarkParseStack(b *testing.B) {
	var v8, mixed strings.Builder
	v8.WriteString("TypeError: Cannot read properties of undefined (reading 'x')\n")
	for i := range 50 {
		switch i % 4 {
		case 0:
			v8.WriteString("    at Object.render [as r] (https://cdn.x.test/static/js/main.3f2a9c.js:2:133712)\n")
		case 1:
			v8.WriteString("    at https://cdn.x.test/static/js/vendor.88ab.js:1:98231\n")
		case 2:
			v8.WriteString("    at async processTicksAndRejections (node:internal/process/task_queues:95:5)\n")
		default:
			v8.WriteString("    at ev (eval at <anonymous> (/srv/my app (v2)/dist/app.js:10:20), <anonymous>:1:22)\n")
		}
	}
	for i := range 50 {
		switch i % 3 {
		case 0:
			mixed.WriteString("promise callback*handler/<@https://x.test/app.js:1:4000\n")
		case 1:
			mixed.WriteString("map@[native code]\n")
		default:
			mixed.WriteString("https://x.test/app.js:1:29146\n")
		}
	}
	for _, bc := range []struct{ name, text string }{{"v8-50", v8.String()}, {"gecko-jsc-50", mixed.String()}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.text)))
			b.ReportAllocs()
			for b.Loop() {
				ParseStack(bc.text)
			}
		})
	}
}

func ExampleParseStack() {
	tr := ParseStack("TypeError: x is undefined\n" +
		"    at render (https://x.test/app.js:1:2300)\n" +
		"    at async main (https://x.test/app.js:1:900)")
	for _, l := range tr.Lines {
		if l.Frame == nil {
			fmt.Printf("message  %s\n", l.Text)
			continue
		}
		f := l.Frame
		fmt.Printf("frame    %s in %s at %d:%d (async %v)\n", f.Function, f.URL, f.Line, f.Column, f.Async)
		fmt.Printf("  again  %s%s\n", l.Indent(), f)
	}
	// Output:
	// message  TypeError: x is undefined
	// frame    render in https://x.test/app.js at 1:2300 (async false)
	//   again      at render (https://x.test/app.js:1:2300)
	// frame    main in https://x.test/app.js at 1:900 (async true)
	//   again      at async main (https://x.test/app.js:1:900)
}
