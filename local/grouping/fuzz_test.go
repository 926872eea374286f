package grouping

import (
	"strings"
	"testing"

	"github.com/snag-dev/snag/api"
)

// FuzzRules feeds arbitrary text to the rule parsers (users pass rule files
// to `snag events fingerprint`) and groups an event with whatever parses:
// nothing may panic.
func FuzzRules(f *testing.F) {
	for _, s := range []string{
		"stack.module:foo.* -app\nfamily:javascript stack.abs_path:**/node_modules/** -group",
		"error.type:ChunkLoadError -> chunkloaderror\nmessage:\"*timeout*\" -> timeouts, {{ default }}",
		"path:**/vendor/** +app ^-group v+group",
		"",
		"###",
	} {
		f.Add(s)
	}
	inApp := true
	ev := &api.Event{Platform: "javascript", Exception: &api.Values[api.Exception]{Values: []api.Exception{{
		Type: "ChunkLoadError", Value: "Loading chunk 7 failed (timeout)",
		Stacktrace: &api.Stacktrace{Frames: []api.Frame{
			{Filename: "/app/node_modules/x/index.js", Function: "load", InApp: &inApp},
			{Filename: "/app/src/main.js", Function: "main", Lineno: 3, ContextLine: "main()"},
		}},
	}}}}
	f.Fuzz(func(t *testing.T, text string) {
		// Rule files are a few lines; long inputs only make glob matching
		// slow enough to trip the fuzzer's deadline.
		if len(text) > 512 {
			return
		}
		var opts Options
		if st, err := ParseStackTraceRules(text); err == nil {
			opts.StackTraceRules = st
		}
		if fp, err := ParseFingerprintRules(text); err == nil {
			opts.FingerprintRules = fp
		}
		_, _ = FingerprintRulesFromJSON([]byte(text))
		if r := Compute(ev, opts); len(r.Hashes) == 0 {
			t.Fatalf("no hashes for %q", text)
		}
	})
}

// FuzzGlob: a compiled glob (literal, prefix, suffix and contains patterns
// are matched with strings functions) must agree with the general matcher
// on the pattern as written. Backslash escapes are left out: only the
// general matcher reads them.
func FuzzGlob(f *testing.F) {
	for _, s := range []struct {
		pat, s string
		path   bool
	}{
		{"unpkg/**", "unpkg/x/y", false},
		{"**/node_modules/**", "/a/node_modules/b", true},
		{"**foo**", "xfooy", false},
		{"a**b", "a/x/b", false},
		{"***", "", true},
		{"*.js", "a/b.js", true},
		{"[a**-z]x", "*x", false},
		{"ChunkLoadError*", "ChunkLoadError: x", false},
	} {
		f.Add(s.pat, s.s, s.path)
	}
	f.Fuzz(func(t *testing.T, pat, s string, path bool) {
		if len(pat) > 64 || len(s) > 256 || strings.Contains(pat, `\`) {
			return
		}
		g := compileGlob(pat, path)
		if got, want := g.match(s), globMatch(pat, s, path); got != want {
			t.Fatalf("glob %q (path %v, kind %d) on %q = %v, the general matcher says %v", pat, path, g.kind, s, got, want)
		}
	})
}

// FuzzCollapseSpaces: collapseSpaces' shortcut for lines that need no
// change must give what joining the words gives.
func FuzzCollapseSpaces(f *testing.F) {
	for _, s := range []string{"", "  a  b ", "x = 1", "a\tb", "a \x1cb", "\u00a0x y\u3000", "é  ü", "\xff a", "a ", " ",
		"      const total = items.reduce((sum, item) => sum + item.price, 0);", "abcdefg  hijklmnop", "abcdefgh ijklmno\x01pq  r",
		"1234567 \x0b 89abcdefghij", "abcdefghijklmno p", "abcdefghijklmnop\u00e9 q"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := collapseSpaces(s), joinWords(s); got != want {
			t.Fatalf("collapseSpaces(%q) = %q, joined words %q", s, got, want)
		}
	})
}
