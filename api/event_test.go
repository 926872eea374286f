package api

import (
	"encoding/json"
	"testing"
	"time"
)

func TestEventDecodesSDKShapes(t *testing.T) {
	in := `{"event_id":"abc","timestamp":"2026-11-24T20:10:44.290344Z","message":"hi",
		"exception":[{"type":"E","value":"v","mechanism":{"type":"generic","handled":false,"exception_id":0},
			"stacktrace":{"frames":[{"filename":"a.js","lineno":3,"in_app":true,"instruction_addr":"0x1"}]}}],
		"tags":{"a":"b","n":1},"user":{"id":42,"segment":"x"},"breadcrumbs":[{"timestamp":1.5,"message":"m"}],
		"custom":{"k":[1,2]}}`
	var ev Event
	if err := json.Unmarshal([]byte(in), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Message() != "hi" || ev.Timestamp.Time != time.Date(2026, 11, 24, 20, 10, 44, 290344000, time.UTC) {
		t.Errorf("message %q timestamp %v", ev.Message(), ev.Timestamp)
	}
	exc := ev.Exceptions()
	if len(exc) != 1 || exc[0].Mechanism.Handled == nil || *exc[0].Mechanism.Handled || *exc[0].Mechanism.ExceptionID != 0 {
		t.Fatalf("exceptions %+v", exc)
	}
	f := exc[0].Stacktrace.Frames[0]
	if f.Lineno != 3 || !*f.InApp || string(f.Other["instruction_addr"]) != `"0x1"` {
		t.Errorf("frame %+v", f)
	}
	if v, _ := ev.Tags.Get("n"); v != "1" || ev.User.ID != "42" || string(ev.User.Other["segment"]) != `"x"` {
		t.Errorf("tags %v user %+v", ev.Tags, ev.User)
	}
	if len(ev.Breadcrumbs.Values) != 1 || string(ev.Other["custom"]) != `{"k":[1,2]}` {
		t.Errorf("breadcrumbs %+v other %v", ev.Breadcrumbs, ev.Other)
	}

	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	_ = json.Unmarshal(out, &m)
	want := map[string]string{
		"timestamp": `1795551044.290344`,
		"logentry":  `{"formatted":"hi"}`,
		"tags":      `[["a","b"],["n","1"]]`,
		"custom":    `{"k":[1,2]}`,
	}
	for k, v := range want {
		if string(m[k]) != v {
			t.Errorf("%s = %s, want %s", k, m[k], v)
		}
	}
	if _, ok := m["message"]; ok {
		t.Error("message alias written back")
	}
	var again Event
	if err := json.Unmarshal(out, &again); err != nil {
		t.Fatal(err)
	}
	out2, _ := json.Marshal(again)
	if string(out2) != string(out) {
		t.Errorf("not stable:\n%s\n%s", out, out2)
	}
}

func TestAppendUnixSeconds(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{time.Unix(1795551041, 185000000), "1795551041.185"},
		{time.Unix(10, 0), "10"},
		{time.Unix(-2, 500000000), "-1.5"},
	} {
		if got := string(AppendUnixSeconds(nil, tt.t)); got != tt.want {
			t.Errorf("AppendUnixSeconds(%v) = %s, want %s", tt.t, got, tt.want)
		}
	}
}
