package grouping_test

import (
	"encoding/json"
	"testing"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/grouping"
)

// A Node frame mapped through a sourcemap has the map's source path as
// abs_path ("../src/cart.js"). Sentry marks Node built-ins (paths that are
// not "/", "app:", "webpack:" or a drive) not in-app before mapping, so a
// mapped frame keeps its in_app; an unmapped one with such a path is a
// built-in.
func TestMappedNodeFrameKeepsInApp(t *testing.T) {
	inApp := true
	frame := func(data string) api.Frame {
		f := api.Frame{Function: "checkout", Filename: "src/cart.js", AbsPath: "../src/cart.js", Lineno: 32,
			ContextLine: "const { lines, total } = priceLines(this.items, code);", InApp: &inApp}
		if data != "" {
			f.Data = json.RawMessage(data)
		}
		return f
	}
	event := func(f api.Frame) *api.Event {
		return &api.Event{Platform: "node", Exception: &api.Values[api.Exception]{Values: []api.Exception{{
			Type: "PricingError", Value: "discount BROKEN exceeds 50%",
			Stacktrace: &api.Stacktrace{Frames: []api.Frame{f}},
		}}}}
	}
	mapped := grouping.Compute(event(frame(`{"sourcemap":"~/main.min.js.map"}`)), grouping.Options{})
	if v := mapped.Variants["app"]; v == nil || !v.Contributes {
		t.Errorf("mapped frame: app variant does not contribute: %+v", v)
	}
	builtin := grouping.Compute(event(frame("")), grouping.Options{})
	if v := builtin.Variants["app"]; v != nil && v.Contributes {
		t.Errorf("unmapped frame with a built-in path counted as in-app")
	}
}
