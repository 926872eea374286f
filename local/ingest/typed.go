package ingest

import (
	"encoding/json"
	"slices"
	"sync"

	"github.com/snag-dev/snag/api"
	"github.com/valyala/fastjson"
)

// This file builds the typed api.Event and writes the normalized JSON in
// one walk over the normalized fastjson tree, without reflection. Members
// a type does not model go to its Other map. The JSON is what appendValue
// writes for the tree, except the derived members (type, title, culprit,
// metadata), which depend on the typed event: the walk leaves their places
// open and assemble fills them.
//
// An event has a few hundred strings (frames, breadcrumbs, lists) and a
// few dozen raw JSON values; allocating each on its own dominated the cost
// of building it. So the builder copies every string into one buffer and
// remembers where each belongs, and remembers where in the JSON each raw
// value was written; finish turns them into one string and one byte slice
// and points the fields (and map members) at their parts. Raw values are
// full slice expressions, so that an append by a reader cannot reach a
// neighbour. String lists and *bool come from per-event chunks likewise.

// typedBuilder holds the scratch space of one event.
type typedBuilder struct {
	out   []byte   // the JSON written so far (pooled)
	strs  []byte   // the event's strings, back to back
	fixes []strFix // string fields to point into strs
	rfix  []rawFix // raw fields to cut from out
	maps  []mapFix // map members to insert once strs and raws are final
	// derived[i] is where in out the value of the event's first member
	// named derivedNames[i] goes, or -1 if it has none.
	derived [4]int
	// Per-event chunks (handed out, never reused).
	lists []string
	bools []bool
}

// derivedNames are the members Normalize derives, in the order it adds
// the missing ones.
var derivedNames = [4]string{"type", "title", "culprit", "metadata"}

// strFix sets *dst to strs[off:end]. Every assignment of a string field
// goes through one, in order, so a member given twice ends as it did when
// the fields were assigned directly: the last one wins.
type strFix struct {
	dst      *string
	off, end int
}

// rawFix sets *dst to out[off:end] (copied), or to nil if off < 0.
type rawFix struct {
	dst      *json.RawMessage
	off, end int
}

// mapFix inserts strs[koff:kend] into raws (the value out[voff:vend],
// copied) or into strs (the value strs[voff:vend]).
type mapFix struct {
	raws       map[string]json.RawMessage
	strs       map[string]string
	koff, kend int
	voff, vend int
}

var typedBuilders = sync.Pool{New: func() any { return new(typedBuilder) }}

// name writes a member name (after a comma unless *first).
func (b *typedBuilder) name(first *bool, k []byte) {
	if !*first {
		b.out = append(b.out, ',')
	}
	*first = false
	b.out = appendString(b.out, k)
	b.out = append(b.out, ':')
}

// val writes v.
func (b *typedBuilder) val(v *fastjson.Value) {
	b.out = appendValue(b.out, v)
}

// strSpan writes v and appends its lenient string (string, number or
// boolean; "" for anything else, as lenientOf reads it) to strs, and
// returns where that is.
func (b *typedBuilder) strSpan(v *fastjson.Value) (off, end int) {
	off = len(b.strs)
	switch v.Type() {
	case fastjson.TypeString:
		s, _ := v.StringBytes()
		b.out = appendString(b.out, s)
		b.strs = append(b.strs, s...)
	case fastjson.TypeNumber:
		start := len(b.out)
		b.out = v.MarshalTo(b.out)
		if validNumber(b.out[start:]) {
			b.strs = append(b.strs, b.out[start:]...)
		} else {
			b.out = append(b.out[:start], "null"...)
		}
	case fastjson.TypeTrue:
		b.out = append(b.out, "true"...)
		b.strs = append(b.strs, "true"...)
	case fastjson.TypeFalse:
		b.out = append(b.out, "false"...)
		b.strs = append(b.strs, "false"...)
	default:
		b.val(v)
	}
	return off, len(b.strs)
}

// str writes v and sets *dst to it read as a string, once finish runs.
func (b *typedBuilder) str(dst *string, v *fastjson.Value) {
	off, end := b.strSpan(v)
	b.fixes = append(b.fixes, strFix{dst: dst, off: off, end: end})
}

// key appends a member name to strs.
func (b *typedBuilder) key(k []byte) (off, end int) {
	off = len(b.strs)
	b.strs = append(b.strs, k...)
	return off, len(b.strs)
}

// raw writes v and sets *dst to it, or to nil if v is null, once finish
// runs.
func (b *typedBuilder) raw(dst *json.RawMessage, v *fastjson.Value) {
	if v.Type() == fastjson.TypeNull {
		b.out = append(b.out, "null"...)
		b.rfix = append(b.rfix, rawFix{dst: dst, off: -1})
		return
	}
	off := len(b.out)
	b.val(v)
	b.rfix = append(b.rfix, rawFix{dst: dst, off: off, end: len(b.out)})
}

// rawMember writes v and inserts k: v into m once finish runs.
func (b *typedBuilder) rawMember(m map[string]json.RawMessage, k []byte, v *fastjson.Value) {
	koff, kend := b.key(k)
	voff := len(b.out)
	b.val(v)
	b.maps = append(b.maps, mapFix{raws: m, koff: koff, kend: kend, voff: voff, vend: len(b.out)})
}

func (b *typedBuilder) other(m *map[string]json.RawMessage, k []byte, v *fastjson.Value) {
	if *m == nil {
		*m = make(map[string]json.RawMessage)
	}
	b.rawMember(*m, k, v)
}

// finish makes strs one string and the raw values one byte slice, and
// puts the fields and map members in place.
func (b *typedBuilder) finish() {
	s := string(b.strs)
	for _, f := range b.fixes {
		*f.dst = s[f.off:f.end]
	}
	n := 0
	for _, f := range b.rfix {
		if f.off >= 0 {
			n += f.end - f.off
		}
	}
	for _, m := range b.maps {
		if m.raws != nil {
			n += m.vend - m.voff
		}
	}
	raws := make([]byte, 0, n)
	for _, f := range b.rfix {
		if f.off < 0 {
			*f.dst = nil
			continue
		}
		i := len(raws)
		raws = append(raws, b.out[f.off:f.end]...)
		*f.dst = raws[i:len(raws):len(raws)]
	}
	for _, m := range b.maps {
		if m.raws != nil {
			i := len(raws)
			raws = append(raws, b.out[m.voff:m.vend]...)
			m.raws[s[m.koff:m.kend]] = raws[i:len(raws):len(raws)]
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
	b.out, b.strs, b.fixes, b.rfix, b.maps = b.out[:0], b.strs[:0], b.fixes[:0], b.rfix[:0], b.maps[:0]
	b.lists, b.bools = nil, nil
	// Keep what a typical event needs, not what the largest one did.
	if cap(b.out) > 1<<20 {
		b.out = nil
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

// stringList writes v and reads it as a list of strings (see str), nil if
// it is no array; the list is cut from a per-event chunk.
func (b *typedBuilder) stringList(v *fastjson.Value) []string {
	arr, err := v.Array()
	if err != nil {
		b.val(v)
		return nil
	}
	n := len(arr)
	if n == 0 {
		b.out = append(b.out, "[]"...)
		return []string{}
	}
	if n > cap(b.lists)-len(b.lists) {
		b.lists = make([]string, 0, max(n, 64))
	}
	l := len(b.lists)
	b.lists = b.lists[:l+n]
	out := b.lists[l : l+n : l+n]
	b.out = append(b.out, '[')
	for i, x := range arr {
		if i > 0 {
			b.out = append(b.out, ',')
		}
		b.str(&out[i], x)
	}
	b.out = append(b.out, ']')
	return out
}

// elements writes arr, calling f for each object in it (with its index
// among the objects) to write it; other elements are written as they are.
func (b *typedBuilder) elements(arr []*fastjson.Value, f func(i int, o *fastjson.Object)) {
	b.out = append(b.out, '[')
	i := 0
	for j, x := range arr {
		if j > 0 {
			b.out = append(b.out, ',')
		}
		if o, err := x.Object(); err == nil {
			f(i, o)
			i++
		} else {
			b.val(x)
		}
	}
	b.out = append(b.out, ']')
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

// event writes the event object (but for its closing brace) and reads it.
func (b *typedBuilder) event(root *fastjson.Value) *api.Event {
	b.derived = [4]int{-1, -1, -1, -1}
	ev := &api.Event{}
	o, _ := root.Object()
	b.out = append(b.out, '{')
	first := true
	o.Visit(func(k []byte, v *fastjson.Value) {
		b.name(&first, k)
		switch string(k) {
		case "event_id":
			b.str(&ev.EventID, v)
		case "timestamp":
			if t, ok := timeOf(v); ok {
				ev.Timestamp = api.Timestamp{Time: t}
			}
			b.val(v)
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
			// Derive reads the type sent (a transaction); the JSON gets
			// the derived one in the place of the first.
			start := len(b.out)
			b.str(&ev.Type, v)
			if b.derived[0] < 0 {
				b.out = b.out[:start]
				b.derived[0] = start
			}
		case "title", "culprit", "metadata":
			// Derived; recomputed by Normalize.
			i := 1
			if string(k) == "culprit" {
				i = 2
			} else if string(k) == "metadata" {
				i = 3
			}
			if b.derived[i] < 0 {
				b.derived[i] = len(b.out)
			} else {
				b.val(v)
			}
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
				b.out = append(b.out, '{')
				first := true
				co.Visit(func(k []byte, v *fastjson.Value) {
					b.name(&first, k)
					b.rawMember(ev.Contexts, k, v)
				})
				b.out = append(b.out, '}')
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
				b.out = append(b.out, '{')
				first := true
				mo.Visit(func(k []byte, v *fastjson.Value) {
					b.name(&first, k)
					koff, kend := b.key(k)
					voff, vend := b.strSpan(v)
					b.maps = append(b.maps, mapFix{strs: ev.Modules, koff: koff, kend: kend, voff: voff, vend: vend})
				})
				b.out = append(b.out, '}')
			} else {
				b.other(&ev.Other, k, v)
			}
		default:
			b.other(&ev.Other, k, v)
		}
	})
	return ev
}

func (b *typedBuilder) logEntry(v *fastjson.Value) *api.LogEntry {
	o, err := v.Object()
	if err != nil {
		b.val(v)
		return nil
	}
	le := &api.LogEntry{}
	b.out = append(b.out, '{')
	first := true
	o.Visit(func(k []byte, v *fastjson.Value) {
		b.name(&first, k)
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
	b.out = append(b.out, '}')
	return le
}

func (b *typedBuilder) exceptions(v *fastjson.Value) *api.Values[api.Exception] {
	o, err := v.Object()
	if err != nil {
		b.val(v)
		return nil
	}
	out := &api.Values[api.Exception]{}
	b.out = append(b.out, '{')
	first := true
	o.Visit(func(k []byte, v *fastjson.Value) {
		b.name(&first, k)
		if string(k) != "values" {
			b.other(&out.Other, k, v)
			return
		}
		arr, _ := v.Array()
		// Filled in place: the fixes point into this array.
		out.Values = make([]api.Exception, countObjects(arr), len(arr))
		if arr == nil {
			b.val(v)
			return
		}
		b.elements(arr, func(i int, o *fastjson.Object) { b.exception(&out.Values[i], o) })
	})
	b.out = append(b.out, '}')
	return out
}

func (b *typedBuilder) exception(e *api.Exception, o *fastjson.Object) {
	b.out = append(b.out, '{')
	first := true
	o.Visit(func(k []byte, v *fastjson.Value) {
		b.name(&first, k)
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
	b.out = append(b.out, '}')
}

func (b *typedBuilder) mechanism(v *fastjson.Value) *api.Mechanism {
	o, err := v.Object()
	if err != nil {
		b.val(v)
		return nil
	}
	m := &api.Mechanism{}
	b.out = append(b.out, '{')
	first := true
	o.Visit(func(k []byte, v *fastjson.Value) {
		b.name(&first, k)
		switch string(k) {
		case "type":
			b.str(&m.Type, v)
		case "handled":
			m.Handled = b.boolPtr(v)
			b.val(v)
		case "synthetic":
			m.Synthetic = v.Type() == fastjson.TypeTrue
			b.val(v)
		case "description":
			b.str(&m.Description, v)
		case "help_link":
			b.str(&m.HelpLink, v)
		case "exception_id":
			m.ExceptionID = intPtr(v)
			b.val(v)
		case "parent_id":
			m.ParentID = intPtr(v)
			b.val(v)
		case "is_exception_group":
			m.IsExceptionGroup = v.Type() == fastjson.TypeTrue
			b.val(v)
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
	b.out = append(b.out, '}')
	return m
}

func (b *typedBuilder) stacktrace(v *fastjson.Value) *api.Stacktrace {
	o, err := v.Object()
	if err != nil {
		b.val(v)
		return nil
	}
	st := &api.Stacktrace{}
	b.out = append(b.out, '{')
	first := true
	o.Visit(func(k []byte, v *fastjson.Value) {
		b.name(&first, k)
		switch string(k) {
		case "frames":
			arr, _ := v.Array()
			st.Frames = make([]api.Frame, countObjects(arr), len(arr))
			if arr == nil {
				b.val(v)
				return
			}
			b.elements(arr, func(i int, o *fastjson.Object) { b.frame(&st.Frames[i], o) })
		case "registers":
			b.raw(&st.Registers, v)
		default:
			b.other(&st.Other, k, v)
		}
	})
	b.out = append(b.out, '}')
	return st
}

func (b *typedBuilder) frame(f *api.Frame, o *fastjson.Object) {
	// The normalizer often gives abs_path the filename's value: its
	// string is copied once.
	var path *fastjson.Value
	var pathOff, pathEnd int
	samePath := func(dst *string, v *fastjson.Value) {
		if v == path {
			b.val(v)
		} else {
			path = v
			pathOff, pathEnd = b.strSpan(v)
		}
		b.fixes = append(b.fixes, strFix{dst: dst, off: pathOff, end: pathEnd})
	}
	b.out = append(b.out, '{')
	first := true
	o.Visit(func(k []byte, v *fastjson.Value) {
		b.name(&first, k)
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
				b.val(v)
			} else {
				b.other(&f.Other, k, v)
			}
		case "colno":
			if i, ok := intOf(v); ok {
				f.Colno = i
				b.val(v)
			} else {
				b.other(&f.Other, k, v)
			}
		case "in_app":
			f.InApp = b.boolPtr(v)
			b.val(v)
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
	b.out = append(b.out, '}')
}

func (b *typedBuilder) threads(v *fastjson.Value) *api.Values[api.Thread] {
	o, err := v.Object()
	if err != nil {
		b.val(v)
		return nil
	}
	out := &api.Values[api.Thread]{}
	b.out = append(b.out, '{')
	first := true
	o.Visit(func(k []byte, v *fastjson.Value) {
		b.name(&first, k)
		if string(k) != "values" {
			b.other(&out.Other, k, v)
			return
		}
		arr, _ := v.Array()
		out.Values = make([]api.Thread, countObjects(arr), len(arr))
		if arr == nil {
			b.val(v)
			return
		}
		b.elements(arr, func(i int, to *fastjson.Object) {
			t := &out.Values[i]
			b.out = append(b.out, '{')
			first := true
			to.Visit(func(k []byte, v *fastjson.Value) {
				b.name(&first, k)
				switch string(k) {
				case "id":
					b.raw(&t.ID, v)
				case "name":
					b.str(&t.Name, v)
				case "crashed":
					t.Crashed = v.Type() == fastjson.TypeTrue
					b.val(v)
				case "current":
					t.Current = v.Type() == fastjson.TypeTrue
					b.val(v)
				case "main":
					t.Main = v.Type() == fastjson.TypeTrue
					b.val(v)
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
			b.out = append(b.out, '}')
		})
	})
	b.out = append(b.out, '}')
	return out
}

func (b *typedBuilder) breadcrumbs(v *fastjson.Value) *api.Values[api.Breadcrumb] {
	o, err := v.Object()
	if err != nil {
		b.val(v)
		return nil
	}
	out := &api.Values[api.Breadcrumb]{}
	b.out = append(b.out, '{')
	first := true
	o.Visit(func(k []byte, v *fastjson.Value) {
		b.name(&first, k)
		if string(k) != "values" {
			b.other(&out.Other, k, v)
			return
		}
		arr, _ := v.Array()
		out.Values = make([]api.Breadcrumb, countObjects(arr), len(arr))
		if arr == nil {
			b.val(v)
			return
		}
		b.elements(arr, func(i int, bo *fastjson.Object) {
			c := &out.Values[i]
			b.out = append(b.out, '{')
			first := true
			bo.Visit(func(k []byte, v *fastjson.Value) {
				b.name(&first, k)
				switch string(k) {
				case "timestamp":
					if t, ok := timeOf(v); ok {
						c.Timestamp = api.Timestamp{Time: t}
						b.val(v)
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
			b.out = append(b.out, '}')
		})
	})
	b.out = append(b.out, '}')
	return out
}

func (b *typedBuilder) tags(v *fastjson.Value) api.Tags {
	arr, err := v.Array()
	if err != nil {
		b.val(v)
		return nil
	}
	tags := make(api.Tags, 0, len(arr))
	b.out = append(b.out, '[')
	for i, p := range arr {
		if i > 0 {
			b.out = append(b.out, ',')
		}
		kv, err := p.Array()
		if err != nil || len(kv) != 2 {
			b.val(p)
			continue
		}
		tags = append(tags, api.Tag{})
		t := &tags[len(tags)-1]
		b.out = append(b.out, '[')
		b.str(&t.Key, kv[0])
		b.out = append(b.out, ',')
		b.str(&t.Value, kv[1])
		b.out = append(b.out, ']')
	}
	b.out = append(b.out, ']')
	return tags
}

func (b *typedBuilder) user(v *fastjson.Value) *api.EventUser {
	o, err := v.Object()
	if err != nil {
		b.val(v)
		return nil
	}
	u := &api.EventUser{}
	b.out = append(b.out, '{')
	first := true
	o.Visit(func(k []byte, v *fastjson.Value) {
		b.name(&first, k)
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
	b.out = append(b.out, '}')
	return u
}

func (b *typedBuilder) request(v *fastjson.Value) *api.EventRequest {
	o, err := v.Object()
	if err != nil {
		b.val(v)
		return nil
	}
	r := &api.EventRequest{}
	b.out = append(b.out, '{')
	first := true
	o.Visit(func(k []byte, v *fastjson.Value) {
		b.name(&first, k)
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
	b.out = append(b.out, '}')
	return r
}

func (b *typedBuilder) sdk(v *fastjson.Value) *api.ClientSDK {
	o, err := v.Object()
	if err != nil {
		b.val(v)
		return nil
	}
	s := &api.ClientSDK{}
	b.out = append(b.out, '{')
	first := true
	o.Visit(func(k []byte, v *fastjson.Value) {
		b.name(&first, k)
		switch string(k) {
		case "name":
			b.str(&s.Name, v)
		case "version":
			b.str(&s.Version, v)
		case "integrations":
			s.Integrations = b.stringList(v)
		case "packages":
			// A repeated "packages" adds to the list, which may move it:
			// these strings are allocated here, not fixed up later. Read
			// with Get before val unescapes the member names, as before.
			arr, _ := v.Array()
			for _, p := range arr {
				s.Packages = append(s.Packages, api.SDKPackage{Name: str(p.Get("name")), Version: str(p.Get("version"))})
			}
			b.val(v)
		default:
			b.other(&s.Other, k, v)
		}
	})
	b.out = append(b.out, '}')
	return s
}

func (b *typedBuilder) debugMeta(v *fastjson.Value) *api.DebugMeta {
	o, err := v.Object()
	if err != nil {
		b.val(v)
		return nil
	}
	d := &api.DebugMeta{}
	b.out = append(b.out, '{')
	first := true
	o.Visit(func(k []byte, v *fastjson.Value) {
		b.name(&first, k)
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
		b.val(v)
	})
	b.out = append(b.out, '}')
	return d
}

// assemble returns the event's JSON: what the walk wrote, with the derived
// members of ev in the places of their first namesakes and the missing
// ones added at the end, in a new slice of the final size. Each derived
// string is written the way Normalize used to put it in the tree and
// write it: strings fastjson's arena cannot hold went through a JSON
// round trip, which turns invalid UTF-8 into U+FFFD.
func (b *typedBuilder) assemble(ev *api.Event, scratch []byte) (out, scratchAfter []byte) {
	// The derived values, back to back in scratch.
	var ends [4]int
	d := scratch[:0]
	d = appendDerivedString(d, ev.Type)
	ends[0] = len(d)
	d = appendDerivedString(d, ev.Title)
	ends[1] = len(d)
	d = appendDerivedString(d, ev.Culprit)
	ends[2] = len(d)
	d = appendMetadata(d, ev.Metadata)
	ends[3] = len(d)
	value := func(i int) []byte {
		if i == 0 {
			return d[:ends[0]]
		}
		return d[ends[i-1]:ends[i]]
	}

	type insert struct{ at, i int }
	var ins [4]insert
	n, size := 0, len(b.out)+len(d)+1
	for i, at := range b.derived {
		if at >= 0 {
			ins[n] = insert{at, i}
			n++
		} else {
			size += len(`,"":`) + len(derivedNames[i])
		}
	}
	slices.SortFunc(ins[:n], func(x, y insert) int { return x.at - y.at })

	out = make([]byte, 0, size)
	last := 0
	for _, x := range ins[:n] {
		out = append(out, b.out[last:x.at]...)
		out = append(out, value(x.i)...)
		last = x.at
	}
	out = append(out, b.out[last:]...)
	empty := len(b.out) == 1 // just the opening brace
	for i, at := range b.derived {
		if at >= 0 {
			continue
		}
		if !empty {
			out = append(out, ',')
		}
		empty = false
		out = appendString(out, []byte(derivedNames[i]))
		out = append(out, ':')
		out = append(out, value(i)...)
	}
	return append(out, '}'), d
}

// appendDerivedString writes a derived string as Normalize's tree held it.
func appendDerivedString(dst []byte, s string) []byte {
	if arenaSafe(s) {
		return appendString(dst, []byte(s))
	}
	return appendString(dst, []byte(validUTF8(s)))
}

// appendMetadata writes the metadata object setDerived used to build.
func appendMetadata(dst []byte, md *api.EventMetadata) []byte {
	dst = append(dst, '{')
	first := true
	member := func(name string) {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '"')
		dst = append(dst, name...)
		dst = append(dst, '"', ':')
	}
	if md.Type != "" {
		member("type")
		dst = appendDerivedString(dst, md.Type)
	}
	if md.Value != nil {
		member("value")
		dst = appendDerivedString(dst, *md.Value)
	}
	if md.Filename != "" {
		member("filename")
		dst = appendDerivedString(dst, md.Filename)
	}
	if md.Function != "" {
		member("function")
		dst = appendDerivedString(dst, md.Function)
	}
	if md.Title != "" {
		member("title")
		dst = appendDerivedString(dst, md.Title)
	}
	if md.DisplayTitleWithTreeLabel != nil {
		member("display_title_with_tree_label")
		if *md.DisplayTitleWithTreeLabel {
			dst = append(dst, "true"...)
		} else {
			dst = append(dst, "false"...)
		}
	}
	return append(dst, '}')
}
