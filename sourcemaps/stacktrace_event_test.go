package sourcemaps

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestStacktracesFromEvent(t *testing.T) {
	tests := []struct {
		name string
		json string
		want []EventStacktrace
	}{
		{
			"exception values",
			`{"exception":{"values":[{"type":"Error","value":"boom","stacktrace":{"frames":[
				{"filename":"app:///main.js","abs_path":"https://x.test/main.js","function":"outer","lineno":1,"colno":200,"in_app":true},
				{"filename":"app:///main.js","function":"inner","lineno":"1","colno":100.0,"in_app":null}]}}]}}`,
			[]EventStacktrace{{Kind: "exception", Type: "Error", Value: "boom", Frames: []EventFrame{
				{Filename: "app:///main.js", AbsPath: "https://x.test/main.js", Function: "outer", Lineno: 1, Colno: 200, InApp: stackPtr(true)},
				{Filename: "app:///main.js", Function: "inner", Lineno: 1, Colno: 100},
			}}},
		},
		{
			"exception list form, chained, odd values ignored",
			`{"exception":[{"type":"A","stacktrace":{"frames":[{"function":"a","lineno":-3,"colno":1.5},null,7]}},
				{"type":"B","stacktrace":null},{"type":"C","stacktrace":{"frames":[{"function":{"x":1},"lineno":2,"in_app":"yes"}]}}]}`,
			[]EventStacktrace{
				{Kind: "exception", Type: "A", Frames: []EventFrame{{Function: "a"}}},
				{Kind: "exception", Type: "C", Frames: []EventFrame{{Lineno: 2}}},
			},
		},
		{
			"threads and top-level stacktrace",
			`{"threads":{"values":[{"id":1,"name":"main","stacktrace":{"frames":[{"filename":"a.js","lineno":3}]}},{"id":2}]},
			  "stacktrace":{"frames":[{"filename":"b.js","lineno":4,"colno":5}]}}`,
			[]EventStacktrace{
				{Kind: "thread", Value: "main", Frames: []EventFrame{{Filename: "a.js", Lineno: 3}}},
				{Kind: "stacktrace", Frames: []EventFrame{{Filename: "b.js", Lineno: 4, Colno: 5}}},
			},
		},
		{
			"web API entries with camelCase and raw frames",
			`{"entries":[{"type":"message","data":{}},{"type":"exception","data":{"values":[{"type":"TypeError","value":"x",
				"stacktrace":{"frames":[{"filename":"src/a.ts","absPath":"webpack://app/src/a.ts","lineNo":10,"colNo":3,"inApp":true}]},
				"rawStacktrace":{"frames":[{"filename":"main.js","absPath":"https://x.test/main.js","lineNo":1,"colNo":999,"inApp":true}]}}]}}]}`,
			[]EventStacktrace{{Kind: "exception", Type: "TypeError", Value: "x",
				Frames:    []EventFrame{{Filename: "src/a.ts", AbsPath: "webpack://app/src/a.ts", Lineno: 10, Colno: 3, InApp: stackPtr(true)}},
				RawFrames: []EventFrame{{Filename: "main.js", AbsPath: "https://x.test/main.js", Lineno: 1, Colno: 999, InApp: stackPtr(true)}},
			}},
		},
		{"no stack traces", `{"message":"hi","exception":{"values":[]}}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := StacktracesFromEvent([]byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(tt.want)
				t.Errorf("got  %s\nwant %s", g, w)
			}
		})
	}
	for _, bad := range []string{"", "[]", "null", "{", `"x"`} {
		if got, err := StacktracesFromEvent([]byte(bad)); err == nil && got != nil {
			t.Errorf("StacktracesFromEvent(%q) = %+v", bad, got)
		}
	}
}

func TestEventFrameStackFrame(t *testing.T) {
	got := EventFrame{Filename: "app:///a.js", AbsPath: "https://x.test/a.js", Function: "f", Lineno: 3, Colno: 4}.StackFrame()
	want := jsFrame("", "f", "https://x.test/a.js", 3, 4)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	if got := (EventFrame{Filename: "a.js"}).StackFrame().URL; got != "a.js" {
		t.Errorf("URL = %q, want the filename when abs_path is missing", got)
	}
}

func stackPtr[T any](v T) *T { return &v }
