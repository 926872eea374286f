package ingest

import (
	"encoding/json"
	"sync"

	"github.com/snag-dev/snag/api"
	"github.com/valyala/fastjson"
)

// This file builds the typed api.Event from a normalized fastjson tree
// without reflection. Members a type does not model go to its Other map.
//
// An event has a few hundred strings (frames, breadcrumbs, lists) and a
// few dozen raw JSON values; allocating each on its own dominated the cost
// of building it. So a typedBuilder copies every string into one buffer
// and every raw value into another, and remembers where each belongs;
// finish turns them into one string and one byte slice and points the
// fields (and map members) at their parts. Raw values are full slice
// expressions, so that an append by a reader cannot reach a neighbour.
// String lists and *bool come from per-event chunks likewise.

// typedBuilder holds the scratch space of one eventFromValue call.
type typedBuilder struct {
	strs  []byte   // the event's strings, back to back
	fixes []strFix // string fields to point into strs
	raws  []byte   // the event's raw values, back to back
	rfix  []rawFix // raw fields to point into raws
	maps  []mapFix // map members to insert once strs and raws are final
	// Per-event chunks (handed out, never reused).
	lists []string
	bools []bool
}

// strFix sets *dst to strs[off:end]. Every assignment of a string field
// goes through one, in order, so a member given twice ends as it did when
// the fields were assigned directly: the last one wins.
type strFix struct {
	dst      *string
	off, end int
}

// rawFix sets *dst to raws[off:end], or to nil if off < 0.
type rawFix struct {
	dst      *json.RawMessage
	off, end int
}

// mapFix inserts strs[koff:kend] into raws (the value raws[voff:vend]) or
// into strs (the value strs[voff:vend]).
type mapFix struct {
	raws       map[string]json.RawMessage
	strs       map[string]string
	koff, kend int
	voff, vend int
}

var typedBuilders = sync.Pool{New: func() any { return new(typedBuilder) }}

// span appends v's lenient string (string, number or boolean; "" for
// anything else) to strs and returns where it is.
func (b *typedBuilder) span(v *fastjson.Value) (off, end int) {
	off = len(b.strs)
	if v == nil {
		return off, off
	}
	switch v.Type() {
	case fastjson.TypeString:
		s, _ := v.StringBytes()
		b.strs = append(b.strs, s...)
	case fastjson.TypeNumber:
		b.strs = v.MarshalTo(b.strs)
		if !validNumber(b.strs[off:]) {
			b.strs = b.strs[:off]
		}
	case fastjson.TypeTrue:
		b.strs = append(b.strs, "true"...)
	case fastjson.TypeFalse:
		b.strs = append(b.strs, "false"...)
	}
	return off, len(b.strs)
}

// str sets *dst to v read as a string (as lenientOf reads it), once
// finish runs.
func (b *typedBuilder) str(dst *string, v *fastjson.Value) {
	off, end := b.span(v)
	b.fixes = append(b.fixes, strFix{dst: dst, off: off, end: end})
}

// key appends a member name to strs.
func (b *typedBuilder) key(k []byte) (off, end int) {
	off = len(b.strs)
	b.strs = append(b.strs, k...)
	return off, len(b.strs)
}

// raw sets *dst to v as JSON, or to nil if v is null (rawOrNil), once
// finish runs.
func (b *typedBuilder) raw(dst *json.RawMessage, v *fastjson.Value) {
	if v.Type() == fastjson.TypeNull {
		b.rfix = append(b.rfix, rawFix{dst: dst, off: -1})
		return
	}
	off := len(b.raws)
	b.raws = appendValue(b.raws, v)
	b.rfix = append(b.rfix, rawFix{dst: dst, off: off, end: len(b.raws)})
}

// rawMember inserts k: v (as JSON) into m once finish runs.
func (b *typedBuilder) rawMember(m map[string]json.RawMessage, k []byte, v *fastjson.Value) {
	koff, kend := b.key(k)
	voff := len(b.raws)
	b.raws = appendValue(b.raws, v)
	b.maps = append(b.maps, mapFix{raws: m, koff: koff, kend: kend, voff: voff, vend: len(b.raws)})
}

func (b *typedBuilder) other(m *map[string]json.RawMessage, k []byte, v *fastjson.Value) {
	if *m == nil {
		*m = make(map[string]json.RawMessage)
	}
	b.rawMember(*m, k, v)
}

// finish makes strs one string and puts the fields and map members in
// place.
func (b *typedBuilder) finish() {
	s := string(b.strs)
	for _, f := range b.fixes {
		*f.dst = s[f.off:f.end]
	}
	var raws []byte
	if len(b.raws) > 0 {
		raws = append([]byte(nil), b.raws...)
	}
	for _, f := range b.rfix {
		if f.off < 0 {
			*f.dst = nil
		} else {
			*f.dst = raws[f.off:f.end:f.end]
		}
	}
	for _, m := range b.maps {
		if m.raws != nil {
			m.raws[s[m.koff:m.kend]] = raws[m.voff:m.vend:m.vend]
		} else {
			m.strs[s[m.koff:m.kend]] = s[m.voff:m.vend]
		}
	}
}

// reset readies b for the next event, dropping what refers to the last.
func (b *typedBuilder) reset() {
	clear(b.fixes)
	clear(b.rfix)
	clear(b.maps)
	b.strs, b.fixes, b.raws, b.rfix, b.maps = b.strs[:0], b.fixes[:0], b.raws[:0], b.rfix[:0], b.maps[:0]
	b.lists, b.bools = nil, nil
	if cap(b.raws) > 256<<10 {
		b.raws = nil
	}
	if cap(b.strs) > 256<<10 {
		b.strs = nil
	}
}

func str(v *fastjson.Value) string {
	s, _ := lenientOf(v)
	return s
}

// boolPtr is a pointer to v's boolean, from a per-event chunk, or nil.
func (b *typedBuilder) boolPtr(v *fastjson.Value) *bool {
	var x bool
	switch v.Type() {
	case fastjson.TypeTrue:
		x = true
	case fastjson.TypeFalse:
	default:
		return nil
	}
	if len(b.bools) == cap(b.bools) {
		b.bools = make([]bool, 0, 64)
	}
	b.bools = append(b.bools, x)
	return &b.bools[len(b.bools)-1]
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

// stringList reads an array as strings (see str); the list is cut from a
// per-event chunk.
func (b *typedBuilder) stringList(v *fastjson.Value) []string {
	arr, err := v.Array()
	if err != nil {
		return nil
	}
	n := len(arr)
	if n == 0 {
		return []string{}
	}
	if n > cap(b.lists)-len(b.lists) {
		if n > 32 {
			b.lists = make([]string, 0, n)
		} else {
			b.lists = make([]string, 0, 64)
		}
	}
	l := len(b.lists)
	b.lists = b.lists[:l+n]
	out := b.lists[l : l+n : l+n]
	for i, x := range arr {
		b.str(&out[i], x)
	}
	return out
}

func eventFromValue(root *fastjson.Value) *api.Event {
	b := typedBuilders.Get().(*typedBuilder)
	ev := b.event(root)
	b.finish()
	b.reset()
	typedBuilders.Put(b)
	return ev
}

func (b *typedBuilder) event(root *fastjson.Value) *api.Event {
	ev := &api.Event{}
	o, _ := root.Object()
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "event_id":
			b.str(&ev.EventID, v)
		case "timestamp":
			if t, ok := timeOf(v); ok {
				ev.Timestamp = api.Timestamp{Time: t}
			}
		case "platform":
			b.str(&ev.Platform, v)
		case "level":
			b.str(&ev.Level, v)
		case "logger":
			b.str(&ev.Logger, v)
		case "transaction":
			b.str(&ev.Transaction, v)
		case "server_name":
			b.str(&ev.ServerName, v)
		case "release":
			b.str(&ev.Release, v)
		case "dist":
			b.str(&ev.Dist, v)
		case "environment":
			b.str(&ev.Environment, v)
		case "checksum":
			b.str(&ev.Checksum, v)
		case "type":
			b.str(&ev.Type, v)
		case "logentry":
			ev.LogEntry = b.logEntry(v)
		case "exception":
			ev.Exception = b.exceptions(v)
		case "threads":
			ev.Threads = b.threads(v)
		case "breadcrumbs":
			ev.Breadcrumbs = b.breadcrumbs(v)
		case "stacktrace":
			ev.Stacktrace = b.stacktrace(v)
		case "tags":
			ev.Tags = b.tags(v)
		case "user":
			ev.User = b.user(v)
		case "request":
			ev.Request = b.request(v)
		case "contexts":
			if co, err := v.Object(); err == nil {
				ev.Contexts = make(map[string]json.RawMessage, co.Len())
				co.Visit(func(k []byte, v *fastjson.Value) { b.rawMember(ev.Contexts, k, v) })
			} else {
				b.other(&ev.Other, k, v)
			}
		case "extra":
			b.raw(&ev.Extra, v)
		case "fingerprint":
			ev.Fingerprint = b.stringList(v)
		case "sdk":
			ev.SDK = b.sdk(v)
		case "debug_meta":
			ev.DebugMeta = b.debugMeta(v)
		case "modules":
			if mo, err := v.Object(); err == nil {
				ev.Modules = make(map[string]string, mo.Len())
				mo.Visit(func(k []byte, v *fastjson.Value) {
					koff, kend := b.key(k)
					voff, vend := b.span(v)
					b.maps = append(b.maps, mapFix{strs: ev.Modules, koff: koff, kend: kend, voff: voff, vend: vend})
				})
			} else {
				b.other(&ev.Other, k, v)
			}
		case "title", "culprit", "metadata":
			// Derived; recomputed by Normalize.
		default:
			b.other(&ev.Other, k, v)
		}
	})
	return ev
}

func (b *typedBuilder) logEntry(v *fastjson.Value) *api.LogEntry {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	le := &api.LogEntry{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "message":
			b.str(&le.Message, v)
		case "formatted":
			b.str(&le.Formatted, v)
		case "params":
			b.raw(&le.Params, v)
		default:
			b.other(&le.Other, k, v)
		}
	})
	return le
}

// countObjects is how many of arr are objects.
func countObjects(arr []*fastjson.Value) int {
	n := 0
	for _, x := range arr {
		if x.Type() == fastjson.TypeObject {
			n++
		}
	}
	return n
}

func (b *typedBuilder) exceptions(v *fastjson.Value) *api.Values[api.Exception] {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	out := &api.Values[api.Exception]{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		if string(k) != "values" {
			b.other(&out.Other, k, v)
			return
		}
		arr, _ := v.Array()
		// Filled in place: the fixes point into this array.
		out.Values = make([]api.Exception, countObjects(arr), len(arr))
		i := 0
		for _, x := range arr {
			if x.Type() == fastjson.TypeObject {
				b.exception(&out.Values[i], x)
				i++
			}
		}
	})
	return out
}

func (b *typedBuilder) exception(e *api.Exception, v *fastjson.Value) {
	o, _ := v.Object()
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "type":
			b.str(&e.Type, v)
		case "value":
			b.str(&e.Value, v)
		case "module":
			b.str(&e.Module, v)
		case "thread_id":
			b.raw(&e.ThreadID, v)
		case "mechanism":
			e.Mechanism = b.mechanism(v)
		case "stacktrace":
			e.Stacktrace = b.stacktrace(v)
		case "raw_stacktrace":
			e.RawStacktrace = b.stacktrace(v)
		default:
			b.other(&e.Other, k, v)
		}
	})
}

func (b *typedBuilder) mechanism(v *fastjson.Value) *api.Mechanism {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	m := &api.Mechanism{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "type":
			b.str(&m.Type, v)
		case "handled":
			m.Handled = b.boolPtr(v)
		case "synthetic":
			m.Synthetic = v.Type() == fastjson.TypeTrue
		case "description":
			b.str(&m.Description, v)
		case "help_link":
			b.str(&m.HelpLink, v)
		case "exception_id":
			m.ExceptionID = intPtr(v)
		case "parent_id":
			m.ParentID = intPtr(v)
		case "is_exception_group":
			m.IsExceptionGroup = v.Type() == fastjson.TypeTrue
		case "source":
			b.str(&m.Source, v)
		case "data":
			b.raw(&m.Data, v)
		case "meta":
			b.raw(&m.Meta, v)
		default:
			b.other(&m.Other, k, v)
		}
	})
	return m
}

func (b *typedBuilder) stacktrace(v *fastjson.Value) *api.Stacktrace {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	st := &api.Stacktrace{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "frames":
			arr, _ := v.Array()
			st.Frames = make([]api.Frame, countObjects(arr), len(arr))
			i := 0
			for _, f := range arr {
				if f.Type() == fastjson.TypeObject {
					b.frame(&st.Frames[i], f)
					i++
				}
			}
		case "registers":
			b.raw(&st.Registers, v)
		default:
			b.other(&st.Other, k, v)
		}
	})
	return st
}

func (b *typedBuilder) frame(f *api.Frame, v *fastjson.Value) {
	// The normalizer often gives abs_path the filename's value: its
	// string is copied once.
	var path *fastjson.Value
	var pathOff, pathEnd int
	samePath := func(dst *string, v *fastjson.Value) {
		if v != path {
			path = v
			pathOff, pathEnd = b.span(v)
		}
		b.fixes = append(b.fixes, strFix{dst: dst, off: pathOff, end: pathEnd})
	}
	o, _ := v.Object()
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "filename":
			samePath(&f.Filename, v)
		case "abs_path":
			samePath(&f.AbsPath, v)
		case "function":
			b.str(&f.Function, v)
		case "raw_function":
			b.str(&f.RawFunction, v)
		case "module":
			b.str(&f.Module, v)
		case "package":
			b.str(&f.Package, v)
		case "platform":
			b.str(&f.Platform, v)
		case "lineno":
			if i, ok := intOf(v); ok {
				f.Lineno = i
			} else {
				b.other(&f.Other, k, v)
			}
		case "colno":
			if i, ok := intOf(v); ok {
				f.Colno = i
			} else {
				b.other(&f.Other, k, v)
			}
		case "in_app":
			f.InApp = b.boolPtr(v)
		case "context_line":
			b.str(&f.ContextLine, v)
		case "pre_context":
			f.PreContext = b.stringList(v)
		case "post_context":
			f.PostContext = b.stringList(v)
		case "vars":
			b.raw(&f.Vars, v)
		case "data":
			b.raw(&f.Data, v)
		default:
			b.other(&f.Other, k, v)
		}
	})
}

func (b *typedBuilder) threads(v *fastjson.Value) *api.Values[api.Thread] {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	out := &api.Values[api.Thread]{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		if string(k) != "values" {
			b.other(&out.Other, k, v)
			return
		}
		arr, _ := v.Array()
		out.Values = make([]api.Thread, countObjects(arr), len(arr))
		i := 0
		for _, x := range arr {
			to, err := x.Object()
			if err != nil {
				continue
			}
			t := &out.Values[i]
			i++
			to.Visit(func(k []byte, v *fastjson.Value) {
				switch string(k) {
				case "id":
					b.raw(&t.ID, v)
				case "name":
					b.str(&t.Name, v)
				case "crashed":
					t.Crashed = v.Type() == fastjson.TypeTrue
				case "current":
					t.Current = v.Type() == fastjson.TypeTrue
				case "main":
					t.Main = v.Type() == fastjson.TypeTrue
				case "state":
					b.str(&t.State, v)
				case "stacktrace":
					t.Stacktrace = b.stacktrace(v)
				case "raw_stacktrace":
					t.RawStacktrace = b.stacktrace(v)
				default:
					b.other(&t.Other, k, v)
				}
			})
		}
	})
	return out
}

func (b *typedBuilder) breadcrumbs(v *fastjson.Value) *api.Values[api.Breadcrumb] {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	out := &api.Values[api.Breadcrumb]{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		if string(k) != "values" {
			b.other(&out.Other, k, v)
			return
		}
		arr, _ := v.Array()
		out.Values = make([]api.Breadcrumb, countObjects(arr), len(arr))
		i := 0
		for _, x := range arr {
			bo, err := x.Object()
			if err != nil {
				continue
			}
			c := &out.Values[i]
			i++
			bo.Visit(func(k []byte, v *fastjson.Value) {
				switch string(k) {
				case "timestamp":
					if t, ok := timeOf(v); ok {
						c.Timestamp = api.Timestamp{Time: t}
					} else {
						b.other(&c.Other, k, v)
					}
				case "type":
					b.str(&c.Type, v)
				case "category":
					b.str(&c.Category, v)
				case "message":
					b.str(&c.Message, v)
				case "level":
					b.str(&c.Level, v)
				case "data":
					b.raw(&c.Data, v)
				default:
					b.other(&c.Other, k, v)
				}
			})
		}
	})
	return out
}

func (b *typedBuilder) tags(v *fastjson.Value) api.Tags {
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
		tags = append(tags, api.Tag{})
		t := &tags[len(tags)-1]
		b.str(&t.Key, kv[0])
		b.str(&t.Value, kv[1])
	}
	return tags
}

func (b *typedBuilder) user(v *fastjson.Value) *api.EventUser {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	u := &api.EventUser{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "id":
			b.str(&u.ID, v)
		case "email":
			b.str(&u.Email, v)
		case "username":
			b.str(&u.Username, v)
		case "ip_address":
			b.str(&u.IPAddress, v)
		case "name":
			b.str(&u.Name, v)
		case "geo":
			b.raw(&u.Geo, v)
		case "data":
			b.raw(&u.Data, v)
		default:
			b.other(&u.Other, k, v)
		}
	})
	return u
}

func (b *typedBuilder) request(v *fastjson.Value) *api.EventRequest {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	r := &api.EventRequest{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "url":
			b.str(&r.URL, v)
		case "method":
			b.str(&r.Method, v)
		case "query_string":
			b.raw(&r.QueryString, v)
		case "data":
			b.raw(&r.Data, v)
		case "cookies":
			b.raw(&r.Cookies, v)
		case "headers":
			b.raw(&r.Headers, v)
		case "env":
			b.raw(&r.Env, v)
		default:
			b.other(&r.Other, k, v)
		}
	})
	return r
}

func (b *typedBuilder) sdk(v *fastjson.Value) *api.ClientSDK {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	s := &api.ClientSDK{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "name":
			b.str(&s.Name, v)
		case "version":
			b.str(&s.Version, v)
		case "integrations":
			s.Integrations = b.stringList(v)
		case "packages":
			// A repeated "packages" adds to the list, which may move it:
			// these strings are allocated here, not fixed up later.
			arr, _ := v.Array()
			for _, p := range arr {
				s.Packages = append(s.Packages, api.SDKPackage{Name: str(p.Get("name")), Version: str(p.Get("version"))})
			}
		default:
			b.other(&s.Other, k, v)
		}
	})
	return s
}

func (b *typedBuilder) debugMeta(v *fastjson.Value) *api.DebugMeta {
	o, err := v.Object()
	if err != nil {
		return nil
	}
	d := &api.DebugMeta{}
	o.Visit(func(k []byte, v *fastjson.Value) {
		if string(k) != "images" {
			b.other(&d.Other, k, v)
			return
		}
		// As with sdk.packages, a repeated "images" adds to the list: the
		// strings and raw values are allocated here.
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
					if img.Other == nil {
						img.Other = make(map[string]json.RawMessage)
					}
					img.Other[string(k)] = rawValue(v)
				}
			})
			d.Images = append(d.Images, img)
		}
	})
	return d
}
