package grouping

import (
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
