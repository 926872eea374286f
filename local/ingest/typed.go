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
// and remembers where each belongs; finish turns the buffer into a single
// string and points the fields (and map keys) at their parts. Raw values
// are cut from shared chunks, each a full slice expression so that an
// append by a reader cannot reach a neighbour.

// typedBuilder holds the scratch space of one eventFromValue call.
type typedBuilder struct {
	strs  []byte   // the event's strings, back to back
	fixes []strFix // fields to point into strs
	maps  []mapFix // map members to insert once strs is a string
	chunk []byte   // current chunk of raw values (never reused)
	raw   []byte   // scratch encoding of one raw value
	next  int      // size of the next chunk
}

// strFix sets *dst to strs[off:end]. Every assignment of a string field
// goes through one, in order, so a member given twice ends as it did when
// the fields were assigned directly: the last one wins.
type strFix struct {
	dst      *string
	off, end int
}

// mapFix inserts strs[koff:kend] into raws (with raw) or into strs (with
// strs[voff:vend]).
type mapFix struct {
	raws       map[string]json.RawMessage
	strs       map[string]string
	raw        json.RawMessage
	koff, kend int
	voff, vend int
}

const (
	firstRawChunk = 2 << 10
	maxRawChunk   = 32 << 10
)

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

// rawValue is v as JSON, in a chunk shared with the event's other raw
// values (or on its own when large).
func (b *typedBuilder) rawValue(v *fastjson.Value) json.RawMessage {
	b.raw = appendValue(b.raw[:0], v)
	n := len(b.raw)
	if n > cap(b.chunk)-len(b.chunk) {
		if b.next == 0 {
			b.next = firstRawChunk
		}
		if n > b.next/2 {
			out := make([]byte, n)
			copy(out, b.raw)
			return out
		}
		b.chunk = make([]byte, 0, b.next)
		b.next = min(2*b.next, maxRawChunk)
	}
	start := len(b.chunk)
	b.chunk = append(b.chunk, b.raw...)
	return b.chunk[start:len(b.chunk):len(b.chunk)]
}

func (b *typedBuilder) rawOrNil(v *fastjson.Value) json.RawMessage {
	if v.Type() == fastjson.TypeNull {
		return nil
	}
	return b.rawValue(v)
}

// rawMember inserts k: v into m once finish runs.
func (b *typedBuilder) rawMember(m map[string]json.RawMessage, k []byte, v *fastjson.Value) {
	koff, kend := b.key(k)
	b.maps = append(b.maps, mapFix{raws: m, raw: b.rawValue(v), koff: koff, kend: kend})
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
	for _, m := range b.maps {
		if m.raws != nil {
			m.raws[s[m.koff:m.kend]] = m.raw
		} else {
			m.strs[s[m.koff:m.kend]] = s[m.voff:m.vend]
		}
	}
}

// reset readies b for the next event, dropping what refers to the last.
func (b *typedBuilder) reset() {
	clear(b.fixes)
	clear(b.maps)
	b.strs, b.fixes, b.maps = b.strs[:0], b.fixes[:0], b.maps[:0]
	b.chunk, b.next = nil, 0
	if cap(b.raw) > 64<<10 {
		b.raw = nil
	}
	if cap(b.strs) > 256<<10 {
		b.strs = nil
	}
}

func str(v *fastjson.Value) string {
	s, _ := lenientOf(v)
	return s
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

// The two booleans boolPtr hands out.
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

func (b *typedBuilder) stringList(v *fastjson.Value) []string {
	arr, err := v.Array()
	if err != nil {
		return nil
	}
	out := make([]string, len(arr))
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
			ev.Extra = b.rawOrNil(v)
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
			le.Params = b.rawOrNil(v)
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
			e.ThreadID = b.rawOrNil(v)
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
			m.Handled = boolPtr(v)
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
			m.Data = b.rawOrNil(v)
		case "meta":
			m.Meta = b.rawOrNil(v)
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
			st.Registers = b.rawOrNil(v)
		default:
			b.other(&st.Other, k, v)
		}
	})
	return st
}

func (b *typedBuilder) frame(f *api.Frame, v *fastjson.Value) {
	o, _ := v.Object()
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "filename":
			b.str(&f.Filename, v)
		case "abs_path":
			b.str(&f.AbsPath, v)
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
			f.InApp = boolPtr(v)
		case "context_line":
			b.str(&f.ContextLine, v)
		case "pre_context":
			f.PreContext = b.stringList(v)
		case "post_context":
			f.PostContext = b.stringList(v)
		case "vars":
			f.Vars = b.rawOrNil(v)
		case "data":
			f.Data = b.rawOrNil(v)
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
					t.ID = b.rawOrNil(v)
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
					c.Data = b.rawOrNil(v)
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
			u.Geo = b.rawOrNil(v)
		case "data":
			u.Data = b.rawOrNil(v)
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
			r.QueryString = b.rawOrNil(v)
		case "data":
			r.Data = b.rawOrNil(v)
		case "cookies":
			r.Cookies = b.rawOrNil(v)
		case "headers":
			r.Headers = b.rawOrNil(v)
		case "env":
			r.Env = b.rawOrNil(v)
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
		// strings are allocated here; Other members are inserted at once.
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
					img.Other[string(k)] = b.rawValue(v)
				}
			})
			d.Images = append(d.Images, img)
		}
	})
	return d
}
