package sourcemaps

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// EventFrame is a stack frame of a Sentry event, with the fields unminifying
// needs. Field names follow the event JSON.
type EventFrame struct {
	Filename string `json:"filename,omitempty"`
	AbsPath  string `json:"abs_path,omitempty"`
	Function string `json:"function,omitempty"`
	Module   string `json:"module,omitempty"`
	Lineno   int    `json:"lineno,omitempty"`
	Colno    int    `json:"colno,omitempty"`
	InApp    *bool  `json:"in_app,omitempty"`
	Platform string `json:"platform,omitempty"`
}

// EventStacktrace is one stack trace found in a Sentry event.
type EventStacktrace struct {
	// Kind is "exception", "thread" or "stacktrace" (the top-level one).
	Kind string `json:"kind"`
	// Type and Value are the exception's; for a thread, Value is its name.
	Type  string `json:"type,omitempty"`
	Value string `json:"value,omitempty"`
	// Frames are oldest call first, as Sentry orders them (the reverse of
	// printed stack traces).
	Frames []EventFrame `json:"frames"`
	// RawFrames are the frames before Sentry's processing
	// ("raw_stacktrace"), present in events read back from Sentry.
	RawFrames []EventFrame `json:"raw_frames,omitempty"`
}

// StacktracesFromEvent reads the stack traces of a Sentry event: the
// "exception" interface (in its {"values": [...]} and list forms), "threads"
// and the top-level "stacktrace", in that order, plus the "entries" form of
// events returned by Sentry's web API. Exceptions are in the event's order
// (the last one is the one raised). Fields of unexpected types are ignored,
// so that one odd frame does not lose the rest; only input that is not a
// JSON object is an error.
func StacktracesFromEvent(data []byte) ([]EventStacktrace, error) {
	var ev eventObject
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil, fmt.Errorf("sourcemaps: reading event JSON: %w", err)
	}
	var out []EventStacktrace
	out = appendEventExceptions(out, ev.first("exception", "sentry.interfaces.Exception"))
	out = appendEventThreads(out, ev["threads"])
	out = appendEventStacktrace(out, ev.first("stacktrace", "sentry.interfaces.Stacktrace"))
	// Web API events carry their interfaces as {"type": ..., "data": ...}.
	for _, raw := range eventList(ev["entries"]) {
		entry := eventObjectOf(raw)
		switch eventString(entry["type"]) {
		case "exception":
			out = appendEventExceptions(out, entry["data"])
		case "threads":
			out = appendEventThreads(out, entry["data"])
		case "stacktrace":
			out = appendEventStacktrace(out, entry["data"])
		}
	}
	return out, nil
}

// StackFrame converts an event frame for mapping: AbsPath is preferred over
// Filename because it is the URL the code was loaded from.
func (f EventFrame) StackFrame() StackFrame {
	url := f.AbsPath
	if url == "" {
		url = f.Filename
	}
	return StackFrame{
		Function:     f.Function,
		URL:          url,
		Line:         f.Lineno,
		Column:       f.Colno,
		PromiseIndex: -1,
		WasmFunction: -1,
	}
}

type eventObject map[string]json.RawMessage

func (o eventObject) first(keys ...string) json.RawMessage {
	for _, k := range keys {
		if v, ok := o[k]; ok && string(v) != "null" {
			return v
		}
	}
	return nil
}

func eventObjectOf(raw json.RawMessage) eventObject {
	var o eventObject
	if json.Unmarshal(raw, &o) != nil {
		return nil
	}
	return o
}

// eventList accepts both a list and Sentry's {"values": [...]} wrapper.
func eventList(raw json.RawMessage) []json.RawMessage {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	if o := eventObjectOf(raw); o != nil {
		if json.Unmarshal(o["values"], &list) == nil {
			return list
		}
	}
	return nil
}

func appendEventExceptions(out []EventStacktrace, raw json.RawMessage) []EventStacktrace {
	for _, v := range eventList(raw) {
		exc := eventObjectOf(v)
		st := EventStacktrace{Kind: "exception", Type: eventString(exc["type"]), Value: eventString(exc["value"])}
		st.Frames = eventFrames(exc.first("stacktrace"))
		st.RawFrames = eventFrames(exc.first("raw_stacktrace", "rawStacktrace"))
		if st.Frames != nil || st.RawFrames != nil {
			out = append(out, st)
		}
	}
	return out
}

func appendEventThreads(out []EventStacktrace, raw json.RawMessage) []EventStacktrace {
	for _, v := range eventList(raw) {
		th := eventObjectOf(v)
		st := EventStacktrace{Kind: "thread", Value: eventString(th["name"])}
		st.Frames = eventFrames(th.first("stacktrace"))
		st.RawFrames = eventFrames(th.first("raw_stacktrace", "rawStacktrace"))
		if st.Frames != nil || st.RawFrames != nil {
			out = append(out, st)
		}
	}
	return out
}

func appendEventStacktrace(out []EventStacktrace, raw json.RawMessage) []EventStacktrace {
	if frames := eventFrames(raw); frames != nil {
		out = append(out, EventStacktrace{Kind: "stacktrace", Frames: frames})
	}
	return out
}

func eventFrames(raw json.RawMessage) []EventFrame {
	if raw == nil {
		return nil
	}
	st := eventObjectOf(raw)
	var list []json.RawMessage
	if json.Unmarshal(st["frames"], &list) != nil || len(list) == 0 {
		return nil
	}
	frames := make([]EventFrame, 0, len(list))
	for _, fr := range list {
		o := eventObjectOf(fr)
		if o == nil {
			continue // a null or malformed frame; keep the others
		}
		frames = append(frames, EventFrame{
			Filename: eventString(o["filename"]),
			AbsPath:  eventString(o.first("abs_path", "absPath")),
			Function: eventString(o["function"]),
			Module:   eventString(o["module"]),
			Lineno:   eventInt(o.first("lineno", "lineNo")),
			Colno:    eventInt(o.first("colno", "colNo")),
			InApp:    eventBool(o.first("in_app", "inApp")),
			Platform: eventString(o["platform"]),
		})
	}
	return frames
}

func eventString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// eventInt accepts numbers and numeric strings (some SDKs send strings);
// anything negative, fractional or huge counts as absent.
func eventInt(raw json.RawMessage) int {
	var f float64
	if json.Unmarshal(raw, &f) != nil {
		s := eventString(raw)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0
		}
		f = v
	}
	if f < 0 || f > math.MaxInt32 || f != math.Trunc(f) {
		return 0
	}
	return int(f)
}

func eventBool(raw json.RawMessage) *bool {
	var b bool
	if json.Unmarshal(raw, &b) != nil {
		return nil
	}
	return &b
}
