package ingest

import (
	"encoding/json"

	"github.com/snag-dev/snag/api"
	"github.com/valyala/fastjson"
)

// This file builds the typed api.Event from a normalized fastjson tree
// without reflection. Members a type does not model go to its Other map.

func str(v *fastjson.Value) string {
	s, _ := lenientOf(v)
	return s
}

func other(m *map[string]json.RawMessage, k []byte, v *fastjson.Value) {
	if *m == nil {
		*m = make(map[string]json.RawMessage)
	}
	(*m)[string(k)] = rawValue(v)
}

func boolPtr(v *fastjson.Value) *bool {
	switch v.Type() {
	case fastjson.TypeTrue:
		t := true
		return &t
	case fastjson.TypeFalse:
		f := false
		return &f
	}
	return nil
}

func intOf(v *fastjson.Value) (int, bool) {
	if v.Type() != fastjson.TypeNumber {
		return 0, false
	}
	f, err := v.Float64()
	if err != nil || f != float64(int(f)) {
		return 0, false
	}
	return int(f), true
}

func intPtr(v *fastjson.Value) *int {
	if i, ok := intOf(v); ok {
		return &i
	}
	return nil
}

func stringList(v *fastjson.Value) []string {
	arr, err := v.Array()
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		out = append(out, str(x))
	}
	return out
}

func rawOrNil(v *fastjson.Value) json.RawMessage {
	if v.Type() == fastjson.TypeNull {
		return nil
	}
	return rawValue(v)
}

func eventFromValue(root *fastjson.Value) *api.Event {
	ev := &api.Event{}
	o, _ := root.Object()
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "event_id":
			ev.EventID = str(v)
		case "timestamp":
			if t, ok := timeOf(v); ok {
				ev.Timestamp = api.Timestamp{Time: t}
			}
		case "platform":
			ev.Platform = str(v)
		case "level":
			ev.Level = str(v)
		case "logger":
			ev.Logger = str(v)
		case "transaction":
			ev.Transaction = str(v)
		case "server_name":
			ev.ServerName = str(v)
		case "release":
			ev.Release = str(v)
		case "dist":
			ev.Dist = str(v)
		case "environment":
			ev.Environment = str(v)
		case "checksum":
			ev.Checksum = str(v)
		case "type":
			ev.Type = str(v)
		case "logentry":
			ev.LogEntry = logEntryFrom(v)
		case "exception":
			ev.Exception = exceptionsFrom(v)
		case "threads":
			ev.Threads = threadsFrom(v)
		case "breadcrumbs":
			ev.Breadcrumbs = breadcrumbsFrom(v)
		case "stacktrace":
			ev.Stacktrace = stacktraceFrom(v)
		case "tags":
			ev.Tags = tagsFrom(v)
		case "user":
			ev.User = userFrom(v)
		case "request":
			ev.Request = requestFrom(v)
		case "contexts":
			if co, err := v.Object(); err == nil {
				ev.Contexts = make(map[string]json.RawMessage, co.Len())
				co.Visit(func(k []byte, v *fastjson.Value) { ev.Contexts[string(k)] = rawValue(v) })
			} else {
				other(&ev.Other, k, v)
			}
		case "extra":
			ev.Extra = rawOrNil(v)
		case "fingerprint":
			ev.Fingerprint = stringList(v)
		case "sdk":
			ev.SDK = sdkFrom(v)
		case "debug_meta":
			ev.DebugMeta = debugMetaFrom(v)
		case "modules":
			if mo, err := v.Object(); err == nil {
				ev.Modules = make(map[string]string, mo.Len())
				mo.Visit(func(k []byte, v *fastjson.Value) { ev.Modules[string(k)] = str(v) })
			} else {
				other(&ev.Other, k, v)
			}
		case "title", "culprit", "metadata":
			// Derived; recomputed by Normalize.
		default:
			other(&ev.Other, k, v)
		}
	})
	return ev
}

func logEntryFrom(v *fastjson.Value) *api.LogEntry {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	le := &api.LogEntry{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "message":
			le.Message = str(v)
		case "formatted":
			le.Formatted = str(v)
		case "params":
			le.Params = rawOrNil(v)
		default:
			other(&le.Other, k, v)
		}
	})
	return le
}

func exceptionsFrom(v *fastjson.Value) *api.Values[api.Exception] {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	out := &api.Values[api.Exception]{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		if string(k) != "values" {
			other(&out.Other, k, v)
			return
		}
		arr, _ := v.Array()
		out.Values = make([]api.Exception, 0, len(arr))
		for _, x := range arr {
			if x.Type() == fastjson.TypeObject {
				out.Values = append(out.Values, exceptionFrom(x))
			}
		}
	})
	return out
}

func exceptionFrom(v *fastjson.Value) api.Exception {
	var e api.Exception
	o, _ := v.Object()
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "type":
			e.Type = str(v)
		case "value":
			e.Value = str(v)
		case "module":
			e.Module = str(v)
		case "thread_id":
			e.ThreadID = rawOrNil(v)
		case "mechanism":
			e.Mechanism = mechanismFrom(v)
		case "stacktrace":
			e.Stacktrace = stacktraceFrom(v)
		case "raw_stacktrace":
			e.RawStacktrace = stacktraceFrom(v)
		default:
			other(&e.Other, k, v)
		}
	})
	return e
}

func mechanismFrom(v *fastjson.Value) *api.Mechanism {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	m := &api.Mechanism{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "type":
			m.Type = str(v)
		case "handled":
			m.Handled = boolPtr(v)
		case "synthetic":
			m.Synthetic = v.Type() == fastjson.TypeTrue
		case "description":
			m.Description = str(v)
		case "help_link":
			m.HelpLink = str(v)
		case "exception_id":
			m.ExceptionID = intPtr(v)
		case "parent_id":
			m.ParentID = intPtr(v)
		case "is_exception_group":
			m.IsExceptionGroup = v.Type() == fastjson.TypeTrue
		case "source":
			m.Source = str(v)
		case "data":
			m.Data = rawOrNil(v)
		case "meta":
			m.Meta = rawOrNil(v)
		default:
			other(&m.Other, k, v)
		}
	})
	return m
}

func stacktraceFrom(v *fastjson.Value) *api.Stacktrace {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	st := &api.Stacktrace{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "frames":
			arr, _ := v.Array()
			st.Frames = make([]api.Frame, 0, len(arr))
			for _, f := range arr {
				if f.Type() == fastjson.TypeObject {
					st.Frames = append(st.Frames, frameFrom(f))
				}
			}
		case "registers":
			st.Registers = rawOrNil(v)
		default:
			other(&st.Other, k, v)
		}
	})
	return st
}

func frameFrom(v *fastjson.Value) api.Frame {
	var f api.Frame
	o, _ := v.Object()
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "filename":
			f.Filename = str(v)
		case "abs_path":
			f.AbsPath = str(v)
		case "function":
			f.Function = str(v)
		case "raw_function":
			f.RawFunction = str(v)
		case "module":
			f.Module = str(v)
		case "package":
			f.Package = str(v)
		case "platform":
			f.Platform = str(v)
		case "lineno":
			if i, ok := intOf(v); ok {
				f.Lineno = i
			} else {
				other(&f.Other, k, v)
			}
		case "colno":
			if i, ok := intOf(v); ok {
				f.Colno = i
			} else {
				other(&f.Other, k, v)
			}
		case "in_app":
			f.InApp = boolPtr(v)
		case "context_line":
			f.ContextLine = str(v)
		case "pre_context":
			f.PreContext = stringList(v)
		case "post_context":
			f.PostContext = stringList(v)
		case "vars":
			f.Vars = rawOrNil(v)
		case "data":
			f.Data = rawOrNil(v)
		default:
			other(&f.Other, k, v)
		}
	})
	return f
}

func threadsFrom(v *fastjson.Value) *api.Values[api.Thread] {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	out := &api.Values[api.Thread]{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		if string(k) != "values" {
			other(&out.Other, k, v)
			return
		}
		arr, _ := v.Array()
		out.Values = make([]api.Thread, 0, len(arr))
		for _, x := range arr {
			to, err := x.Object()
			if err != nil {
				continue
			}
			var t api.Thread
			to.Visit(func(k []byte, v *fastjson.Value) {
				switch string(k) {
				case "id":
					t.ID = rawOrNil(v)
				case "name":
					t.Name = str(v)
				case "crashed":
					t.Crashed = v.Type() == fastjson.TypeTrue
				case "current":
					t.Current = v.Type() == fastjson.TypeTrue
				case "main":
					t.Main = v.Type() == fastjson.TypeTrue
				case "state":
					t.State = str(v)
				case "stacktrace":
					t.Stacktrace = stacktraceFrom(v)
				case "raw_stacktrace":
					t.RawStacktrace = stacktraceFrom(v)
				default:
					other(&t.Other, k, v)
				}
			})
			out.Values = append(out.Values, t)
		}
	})
	return out
}

func breadcrumbsFrom(v *fastjson.Value) *api.Values[api.Breadcrumb] {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	out := &api.Values[api.Breadcrumb]{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		if string(k) != "values" {
			other(&out.Other, k, v)
			return
		}
		arr, _ := v.Array()
		out.Values = make([]api.Breadcrumb, 0, len(arr))
		for _, x := range arr {
			bo, err := x.Object()
			if err != nil {
				continue
			}
			var b api.Breadcrumb
			bo.Visit(func(k []byte, v *fastjson.Value) {
				switch string(k) {
				case "timestamp":
					if t, ok := timeOf(v); ok {
						b.Timestamp = api.Timestamp{Time: t}
					} else {
						other(&b.Other, k, v)
					}
				case "type":
					b.Type = str(v)
				case "category":
					b.Category = str(v)
				case "message":
					b.Message = str(v)
				case "level":
					b.Level = str(v)
				case "data":
					b.Data = rawOrNil(v)
				default:
					other(&b.Other, k, v)
				}
			})
			out.Values = append(out.Values, b)
		}
	})
	return out
}

func tagsFrom(v *fastjson.Value) api.Tags {
	arr, err := v.Array()
	if err != nil {
		return nil
	}
	tags := make(api.Tags, 0, len(arr))
	for _, p := range arr {
		kv, err := p.Array()
		if err != nil || len(kv) != 2 {
			continue
		}
		tags = append(tags, api.Tag{Key: str(kv[0]), Value: str(kv[1])})
	}
	return tags
}

func userFrom(v *fastjson.Value) *api.EventUser {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	u := &api.EventUser{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "id":
			u.ID = str(v)
		case "email":
			u.Email = str(v)
		case "username":
			u.Username = str(v)
		case "ip_address":
			u.IPAddress = str(v)
		case "name":
			u.Name = str(v)
		case "geo":
			u.Geo = rawOrNil(v)
		case "data":
			u.Data = rawOrNil(v)
		default:
			other(&u.Other, k, v)
		}
	})
	return u
}

func requestFrom(v *fastjson.Value) *api.EventRequest {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	r := &api.EventRequest{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "url":
			r.URL = str(v)
		case "method":
			r.Method = str(v)
		case "query_string":
			r.QueryString = rawOrNil(v)
		case "data":
			r.Data = rawOrNil(v)
		case "cookies":
			r.Cookies = rawOrNil(v)
		case "headers":
			r.Headers = rawOrNil(v)
		case "env":
			r.Env = rawOrNil(v)
		default:
			other(&r.Other, k, v)
		}
	})
	return r
}

func sdkFrom(v *fastjson.Value) *api.ClientSDK {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	s := &api.ClientSDK{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "name":
			s.Name = str(v)
		case "version":
			s.Version = str(v)
		case "integrations":
			s.Integrations = stringList(v)
		case "packages":
			arr, _ := v.Array()
			for _, p := range arr {
				s.Packages = append(s.Packages, api.SDKPackage{Name: str(p.Get("name")), Version: str(p.Get("version"))})
			}
		default:
			other(&s.Other, k, v)
		}
	})
	return s
}

func debugMetaFrom(v *fastjson.Value) *api.DebugMeta {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	d := &api.DebugMeta{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		if string(k) != "images" {
			other(&d.Other, k, v)
			return
		}
		arr, _ := v.Array()
		for _, x := range arr {
			io, err := x.Object()
			if err != nil {
				continue
			}
			var img api.DebugImage
			io.Visit(func(k []byte, v *fastjson.Value) {
				switch string(k) {
				case "type":
					img.Type = str(v)
				case "code_file":
					img.CodeFile = str(v)
				case "debug_id":
					img.DebugID = str(v)
				default:
					other(&img.Other, k, v)
				}
			})
			d.Images = append(d.Images, img)
		}
	})
	return d
}
