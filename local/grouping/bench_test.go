package grouping_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/grouping"
)

// jsEvent is a browser error after source mapping: 30 frames, half of
// them from node_modules, with context lines and data.sourcemap.
func jsEvent(tb testing.TB) *api.Event {
	var frames []string
	for i := 0; i < 30; i++ {
		path := fmt.Sprintf("webpack:///./src/components/feature%d/Widget%d.tsx", i%7, i)
		inApp := "true"
		if i%2 == 0 {
			path = fmt.Sprintf("webpack:///./node_modules/react-dom/cjs/react-dom.development%d.js", i)
			inApp = "false"
		}
		frames = append(frames, fmt.Sprintf(`{"function":"Widget%d.handleClick","module":"src/components/feature%d/Widget%d","filename":%q,"abs_path":%q,"lineno":%d,"colno":%d,"in_app":%s,"context_line":"      const total = items.reduce((sum, item) => sum + item.price * item.qty, 0);","pre_context":["a","b"],"post_context":["c"],"data":{"sourcemap":"https://example.com/static/js/main.js.map","resolved_with":"debug-id","symbolicated":true}}`,
			i, i%7, i, strings.TrimPrefix(path, "webpack:///"), path, 100+i, 10+i, inApp))
	}
	raw := `{"platform":"javascript","level":"error","exception":{"values":[{"type":"TypeError","value":"Cannot read properties of undefined (reading 'price') at item 42","mechanism":{"type":"onerror","handled":false},"stacktrace":{"frames":[` +
		strings.Join(frames, ",") + `]}}]},"tags":[["transaction","/checkout"]],"fingerprint":["{{ default }}"]}`
	var ev api.Event
	if err := json.Unmarshal([]byte(raw), &ev); err != nil {
		tb.Fatal(err)
	}
	return &ev
}

// pyEvent is a Django error: 20 frames with modules and context lines,
// the framework's under site-packages.
func pyEvent(tb testing.TB) *api.Event { return pyEventN(tb, 20) }

// pyEventN is pyEvent with n frames, the first 60% of them Django's.
func pyEventN(tb testing.TB, n int) *api.Event {
	var frames []string
	for i := 0; i < n; i++ {
		abs := fmt.Sprintf("/srv/app/shop/views/v%d.py", i)
		mod := fmt.Sprintf("shop.views.v%d", i)
		if i < n*3/5 {
			abs = fmt.Sprintf("/usr/local/lib/python3.12/site-packages/django/core/handlers/h%d.py", i)
			mod = fmt.Sprintf("django.core.handlers.h%d", i)
		}
		frames = append(frames, fmt.Sprintf(`{"function":"handle_%d","module":%q,"filename":"v%d.py","abs_path":%q,"lineno":%d,"in_app":%v,"context_line":"    response = self.process_request(request, *args, **kwargs)"}`, i, mod, i, abs, 10+i, i >= n*3/5))
	}
	raw := `{"platform":"python","exception":{"values":[{"type":"KeyError","value":"'user_1234'","module":"builtins","stacktrace":{"frames":[` +
		strings.Join(frames, ",") + `]}}]}}`
	var ev api.Event
	if err := json.Unmarshal([]byte(raw), &ev); err != nil {
		tb.Fatal(err)
	}
	return &ev
}

func BenchmarkComputeJS30(b *testing.B) {
	ev := jsEvent(b)
	b.ReportAllocs()
	for b.Loop() {
		grouping.Compute(ev, grouping.Options{})
	}
}

func BenchmarkComputePython20(b *testing.B) {
	ev := pyEvent(b)
	b.ReportAllocs()
	for b.Loop() {
		grouping.Compute(ev, grouping.Options{})
	}
}

func BenchmarkComputeMessage(b *testing.B) {
	ev := &api.Event{Platform: "node", LogEntry: &api.LogEntry{
		Formatted: "Payment 8c1d7e2a-93b1-4f3e-9a51-0c6b2f1e4d77 for user alice@example.com failed after 1532ms at 2024-05-02T10:11:12Z (retry 3 of 5)"}}
	b.ReportAllocs()
	for b.Loop() {
		grouping.Compute(ev, grouping.Options{})
	}
}

func TestBenchEventsGroup(t *testing.T) {
	for _, ev := range []*api.Event{jsEvent(t), pyEvent(t)} {
		res := grouping.Compute(ev, grouping.Options{})
		if len(res.Hashes) != 2 {
			t.Errorf("%s: hashes %v, want app and system", ev.Platform, res.Hashes)
		}
	}
}

// BenchmarkHashesJS30 is what ingest runs: Compute's hashes with memory
// reused between events.
func BenchmarkHashesJS30(b *testing.B) {
	ev := jsEvent(b)
	b.ReportAllocs()
	for b.Loop() {
		grouping.Hashes(ev, grouping.Options{})
	}
}

// BenchmarkHashesPython30 is ingest's path for a 30-frame Python event.
func BenchmarkHashesPython30(b *testing.B) {
	ev := pyEventN(b, 30)
	b.ReportAllocs()
	for b.Loop() {
		grouping.Hashes(ev, grouping.Options{})
	}
}
