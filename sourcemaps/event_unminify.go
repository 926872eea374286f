package sourcemaps

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// EventResult is what UnminifyEvent did to one frame, in event order.
type EventResult struct {
	Raw    map[string]any // the frame as it was
	Mapped MappedFrame
}

// UnminifyEvent rewrites the JavaScript frames of a Sentry event JSON the way
// Sentry's processing does: each stack trace that had a frame mapped gets
// the original frames in "stacktrace" and the minified ones in
// "raw_stacktrace"; mapped frames carry function, filename, abs_path,
// lineno, colno, in_app, context lines and data.sourcemap. Everything else in
// the event is kept as it was. Debug IDs come from debug_meta.images.
func UnminifyEvent(u *Unminifier, data []byte) ([]byte, []EventResult, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // keep numbers exactly as sent
	var ev map[string]any
	if err := dec.Decode(&ev); err != nil {
		return nil, nil, fmt.Errorf("reading event JSON: %w", err)
	}
	if ev == nil {
		return nil, nil, fmt.Errorf("reading event JSON: not an object")
	}
	debugIDs := eventDebugIDs(ev)

	var results []EventResult
	for _, holder := range stacktraceHolders(ev) {
		st, _ := holder["stacktrace"].(map[string]any)
		frames, _ := st["frames"].([]any)
		if len(frames) == 0 {
			continue
		}
		// Events list frames oldest first; the Unminifier wants innermost first.
		refs := make([]FrameRef, len(frames))
		for i, raw := range frames {
			f, _ := raw.(map[string]any)
			ref := FrameRef{Function: str(f["function"]), Line: num(f["lineno"]), Column: num(f["colno"])}
			ref.URL = str(f["abs_path"])
			if ref.URL == "" {
				ref.URL = str(f["filename"])
			}
			ref.DebugID = debugIDs[ref.URL]
			refs[len(frames)-1-i] = ref
		}
		mapped := u.Unminify(refs)

		newFrames := make([]any, len(frames))
		changed := false
		for i, raw := range frames {
			f, _ := raw.(map[string]any)
			m := mapped[len(frames)-1-i]
			results = append(results, EventResult{Raw: f, Mapped: m})
			if !m.Mapped || f == nil {
				newFrames[i] = raw
				continue
			}
			changed = true
			nf := make(map[string]any, len(f)+6)
			for k, v := range f {
				nf[k] = v
			}
			nf["function"] = m.Function
			nf["filename"] = m.Filename
			nf["abs_path"] = m.AbsPath
			nf["lineno"] = m.Line
			nf["colno"] = m.Column
			nf["in_app"] = m.InApp
			if m.ContextLine != "" {
				nf["context_line"] = m.ContextLine
				nf["pre_context"] = m.PreContext
				nf["post_context"] = m.PostContext
			}
			d, _ := nf["data"].(map[string]any)
			nd := map[string]any{}
			for k, v := range d {
				nd[k] = v
			}
			nd["sourcemap"] = m.Map
			nf["data"] = nd
			newFrames[i] = nf
		}
		if !changed {
			continue
		}
		if _, ok := holder["raw_stacktrace"]; !ok {
			holder["raw_stacktrace"] = st
		}
		ns := make(map[string]any, len(st))
		for k, v := range st {
			ns[k] = v
		}
		ns["frames"] = newFrames
		holder["stacktrace"] = ns
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(ev); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), results, nil
}

// stacktraceHolders lists the objects that hold a "stacktrace": each
// exception, each thread, and the event itself.
func stacktraceHolders(ev map[string]any) []map[string]any {
	var out []map[string]any
	values := func(v any) []any {
		switch t := v.(type) {
		case []any:
			return t
		case map[string]any:
			l, _ := t["values"].([]any)
			return l
		}
		return nil
	}
	for _, key := range []string{"exception", "threads"} {
		for _, v := range values(ev[key]) {
			if m, ok := v.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	if _, ok := ev["stacktrace"].(map[string]any); ok {
		out = append(out, ev)
	}
	return out
}

// eventDebugIDs maps code_file to debug_id for the event's sourcemap images.
func eventDebugIDs(ev map[string]any) map[string]string {
	out := map[string]string{}
	dm, _ := ev["debug_meta"].(map[string]any)
	images, _ := dm["images"].([]any)
	for _, raw := range images {
		img, _ := raw.(map[string]any)
		if t := str(img["type"]); t != "" && t != "sourcemap" {
			continue
		}
		if file, id := str(img["code_file"]), str(img["debug_id"]); file != "" && id != "" {
			out[file] = strings.ToLower(id)
		}
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int {
	switch n := v.(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil && i > 0 && i < 1<<31 {
			return int(i)
		}
		if f, err := n.Float64(); err == nil && f > 0 && f < 1<<31 {
			return int(f)
		}
	case float64:
		if n > 0 && n < 1<<31 {
			return int(n)
		}
	}
	return 0
}
