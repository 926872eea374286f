package ingest

import (
	"encoding/json"
	"slices"
	"strings"
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
// of building it. So they are cut from per-event chunks: strings from a
// strings.Builder (whose String never copies, and whose bytes written
// never change), raw values from a byte slice, as full slice expressions
// so that an append by a reader cannot reach a neighbour. String lists
// and *bool likewise. The chunks are sized from the events before (see
// chunkFor); one that fills up is followed by another.

// typedBuilder holds the scratch space of one event.
type typedBuilder struct {
	out  []byte // the JSON written so far (pooled)
	dbuf []byte // the derived members' values (pooled)
	join []byte // out with the derived members spliced in (pooled)
	// written is where in out the value last written by intVal begins.
	written int
	// derived[i] is where in out the value of the event's first member
	// named derivedNames[i] goes, or -1 if it has none.
	derived [4]int
	// bufs hold the event's frames and final JSON; they outlive the
	// builder and come back with NormalizedEvent.Release.
	bufs *eventBufs
	// Per-event chunks (handed out, never reused).
	strs  strings.Builder
	raws  []byte
	lists []string
	bools []bool
	// Bytes of strings and raw values, and list elements, the events
	// before took per 64 KiB of payload (a moving average), and this
	// event's payload size and use.
	strRate, rawRate, listRate int
	size                       int
	strUsed, rawUsed, listUsed int
}

// derivedNames are the members Normalize derives, in the order it adds
// the missing ones.
var derivedNames = [4]string{"type", "title", "culprit", "metadata"}

var typedBuilders = sync.Pool{New: func() any { return &typedBuilder{strRate: 32 << 10, rawRate: 8 << 10, listRate: 512} }}

// start readies b for an event of size payload bytes.
func (b *typedBuilder) start(size int) {
	b.size = size
	b.strUsed, b.rawUsed, b.listUsed = 0, 0, 0
}

// chunkFor is the size of a new chunk that must hold need bytes (or
// elements), given used so far and rate expected per 64 KiB of payload:
// what the rest of the event likely needs, with an eighth to spare.
func (b *typedBuilder) chunkFor(need, used, rate, least int) int {
	want := b.size*rate>>16 - used
	return max(need, want+want>>3, least)
}

// intern is s as a string, cut from the current chunk.
func (b *typedBuilder) intern(s []byte) string {
	if len(s) == 0 {
		return ""
	}
	if b.strs.Cap()-b.strs.Len() < len(s) {
		b.strs = strings.Builder{}
		b.strs.Grow(b.chunkFor(len(s), b.strUsed, b.strRate, 64))
	}
	b.strUsed += len(s)
	n := b.strs.Len()
	b.strs.Write(s)
	return b.strs.String()[n:]
}

// keep is s copied into the current chunk of raw values.
func (b *typedBuilder) keep(s []byte) json.RawMessage {
	if cap(b.raws)-len(b.raws) < len(s) {
		b.raws = make([]byte, 0, b.chunkFor(len(s), b.rawUsed, b.rawRate, 64))
	}
	b.rawUsed += len(s)
	n := len(b.raws)
	b.raws = append(b.raws, s...)
	return b.raws[n:len(b.raws):len(b.raws)]
}

// done records this event's use for sizing the next one's chunks and drops
// what refers to it.
func (b *typedBuilder) done() {
	if b.size > 0 {
		// Moving average over ~4 events.
		b.strRate += (b.strUsed<<16/b.size - b.strRate) / 4
		b.rawRate += (b.rawUsed<<16/b.size - b.rawRate) / 4
		b.listRate += (b.listUsed<<16/b.size - b.listRate) / 4
	}
	b.strs = strings.Builder{}
	b.raws, b.lists, b.bools = nil, nil, nil
	b.out = b.out[:0]
	// Keep what a typical event needs, not what the largest one did.
	if cap(b.out) > 1<<20 {
		b.out = nil
	}
	if cap(b.dbuf) > 64<<10 {
		b.dbuf = nil
	}
	if cap(b.join) > 1<<20 {
		b.join = nil
	}
}

// name writes a member name (after a comma unless *first).
func (b *typedBuilder) name(first *bool, k []byte) {
	if *first {
		*first = false
	} else {
		b.out = append(b.out, ',')
	}
	if len(k) <= 16 && plainRun(k) == len(k) { // nearly every name
		b.out = append(b.out, '"')
		b.out = append(b.out, k...)
		b.out = append(b.out, '"', ':')
		return
	}
	b.out = appendString(b.out, k)
	b.out = append(b.out, ':')
}

// val writes v.
func (b *typedBuilder) val(v *fastjson.Value) {
	b.out = appendValue(b.out, v)
}

// strOf writes v and returns it read as a string: strings, numbers and
// booleans as lenientOf reads them, "" for anything else.
func (b *typedBuilder) strOf(v *fastjson.Value) string {
	switch v.Type() {
	case fastjson.TypeString:
		s, _ := v.StringBytes()
		b.out = appendString(b.out, s)
		return b.intern(s)
	case fastjson.TypeNumber:
		start := len(b.out)
		b.out = v.MarshalTo(b.out)
		if validNumber(b.out[start:]) {
			return b.intern(b.out[start:])
		}
		b.out = append(b.out[:start], "null"...)
	case fastjson.TypeTrue:
		b.out = append(b.out, "true"...)
		return "true"
	case fastjson.TypeFalse:
		b.out = append(b.out, "false"...)
		return "false"
	default:
		b.val(v)
	}
	return ""
}

// rawOf writes v and returns it, or nil if v is null.
func (b *typedBuilder) rawOf(v *fastjson.Value) json.RawMessage {
	start := len(b.out)
	b.val(v)
	if v.Type() == fastjson.TypeNull {
		return nil
	}
	return b.keep(b.out[start:])
}

// member writes v and sets m[k] to it.
func (b *typedBuilder) member(m map[string]json.RawMessage, k []byte, v *fastjson.Value) {
	start := len(b.out)
	b.val(v)
	m[b.intern(k)] = b.keep(b.out[start:])
}

func (b *typedBuilder) other(m *map[string]json.RawMessage, k []byte, v *fastjson.Value) {
	if *m == nil {
		*m = make(map[string]json.RawMessage)
	}
	b.member(*m, k, v)
}

// str is v read as lenientOf reads it, strings from the current chunk.
func (b *typedBuilder) str(v *fastjson.Value) string {
	if v != nil && v.Type() == fastjson.TypeString {
		s, _ := v.StringBytes()
		return b.intern(s)
	}
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

// intVal writes v and reads it as intOf does, parsing short JSON integers
// (nearly every line and column number) from what it wrote.
func (b *typedBuilder) intVal(v *fastjson.Value) (int, bool) {
	b.written = len(b.out)
	b.val(v)
	if i, ok := smallInt(b.out[b.written:]); ok {
		return i, true
	}
	return intOf(v)
}

// smallInt reads a JSON integer of at most 15 digits, which a float64
// holds exactly (so intOf reads the same).
func smallInt(t []byte) (int, bool) {
	neg := len(t) > 0 && t[0] == '-'
	if neg {
		t = t[1:]
	}
	if len(t) == 0 || len(t) > 15 || (t[0] == '0' && len(t) > 1) {
		return 0, false
	}
	n := 0
	for _, c := range t {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// otherWritten puts the value last written (see intVal) in *m under k.
func (b *typedBuilder) otherWritten(m *map[string]json.RawMessage, k []byte) {
	if *m == nil {
		*m = make(map[string]json.RawMessage)
	}
	(*m)[b.intern(k)] = b.keep(b.out[b.written:])
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
		b.lists = make([]string, 0, b.chunkFor(n, b.listUsed, b.listRate, 8))
	}
	b.listUsed += n
	l := len(b.lists)
	b.lists = b.lists[:l+n]
	out := b.lists[l : l+n : l+n]
	b.out = append(b.out, '[')
	for i, x := range arr {
		if i > 0 {
			b.out = append(b.out, ',')
		}
		out[i] = b.strOf(x)
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
			ev.EventID = b.strOf(v)
		case "timestamp":
			if t, ok := timeOf(v); ok {
				ev.Timestamp = api.Timestamp{Time: t}
			}
			b.val(v)
		case "platform":
			ev.Platform = b.strOf(v)
		case "level":
			ev.Level = b.strOf(v)
		case "logger":
			ev.Logger = b.strOf(v)
		case "transaction":
			ev.Transaction = b.strOf(v)
		case "server_name":
			ev.ServerName = b.strOf(v)
		case "release":
			ev.Release = b.strOf(v)
		case "dist":
			ev.Dist = b.strOf(v)
		case "environment":
			ev.Environment = b.strOf(v)
		case "checksum":
			ev.Checksum = b.strOf(v)
		case "type":
			// Derive reads the type sent (a transaction); the JSON gets
			// the derived one in the place of the first.
			start := len(b.out)
			ev.Type = b.strOf(v)
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
					b.member(ev.Contexts, k, v)
				})
				b.out = append(b.out, '}')
			} else {
				b.other(&ev.Other, k, v)
			}
		case "extra":
			ev.Extra = b.rawOf(v)
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
					ev.Modules[b.intern(k)] = b.strOf(v)
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
			le.Message = b.strOf(v)
		case "formatted":
			le.Formatted = b.strOf(v)
		case "params":
			le.Params = b.rawOf(v)
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
			e.Type = b.strOf(v)
		case "value":
			e.Value = b.strOf(v)
		case "module":
			e.Module = b.strOf(v)
		case "thread_id":
			e.ThreadID = b.rawOf(v)
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
			m.Type = b.strOf(v)
		case "handled":
			m.Handled = b.boolPtr(v)
			b.val(v)
		case "synthetic":
			m.Synthetic = v.Type() == fastjson.TypeTrue
			b.val(v)
		case "description":
			m.Description = b.strOf(v)
		case "help_link":
			m.HelpLink = b.strOf(v)
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
			m.Source = b.strOf(v)
		case "data":
			m.Data = b.rawOf(v)
		case "meta":
			m.Meta = b.rawOf(v)
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
			st.Frames = b.frames(countObjects(arr), len(arr))
			if arr == nil {
				b.val(v)
				return
			}
			b.elements(arr, func(i int, o *fastjson.Object) { b.frame(&st.Frames[i], o) })
		case "registers":
			st.Registers = b.rawOf(v)
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
	var pathStr string
	samePath := func(v *fastjson.Value) string {
		if v == path {
			b.val(v)
		} else {
			path, pathStr = v, b.strOf(v)
		}
		return pathStr
	}
	b.out = append(b.out, '{')
	first := true
	o.Visit(func(k []byte, v *fastjson.Value) {
		b.name(&first, k)
		switch string(k) {
		case "filename":
			f.Filename = samePath(v)
		case "abs_path":
			f.AbsPath = samePath(v)
		case "function":
			f.Function = b.strOf(v)
		case "raw_function":
			f.RawFunction = b.strOf(v)
		case "module":
			f.Module = b.strOf(v)
		case "package":
			f.Package = b.strOf(v)
		case "platform":
			f.Platform = b.strOf(v)
		case "lineno":
			if i, ok := b.intVal(v); ok {
				f.Lineno = i
			} else {
				b.otherWritten(&f.Other, k)
			}
		case "colno":
			if i, ok := b.intVal(v); ok {
				f.Colno = i
			} else {
				b.otherWritten(&f.Other, k)
			}
		case "in_app":
			f.InApp = b.boolPtr(v)
			b.val(v)
		case "context_line":
			f.ContextLine = b.strOf(v)
		case "pre_context":
			f.PreContext = b.stringList(v)
		case "post_context":
			f.PostContext = b.stringList(v)
		case "vars":
			f.Vars = b.rawOf(v)
		case "data":
			f.Data = b.rawOf(v)
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
					t.ID = b.rawOf(v)
				case "name":
					t.Name = b.strOf(v)
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
					t.State = b.strOf(v)
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
					c.Type = b.strOf(v)
				case "category":
					c.Category = b.strOf(v)
				case "message":
					c.Message = b.strOf(v)
				case "level":
					c.Level = b.strOf(v)
				case "data":
					c.Data = b.rawOf(v)
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
		t.Key = b.strOf(kv[0])
		b.out = append(b.out, ',')
		t.Value = b.strOf(kv[1])
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
			u.ID = b.strOf(v)
		case "email":
			u.Email = b.strOf(v)
		case "username":
			u.Username = b.strOf(v)
		case "ip_address":
			u.IPAddress = b.strOf(v)
		case "name":
			u.Name = b.strOf(v)
		case "geo":
			u.Geo = b.rawOf(v)
		case "data":
			u.Data = b.rawOf(v)
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
			r.URL = b.strOf(v)
		case "method":
			r.Method = b.strOf(v)
		case "query_string":
			r.QueryString = b.rawOf(v)
		case "data":
			r.Data = b.rawOf(v)
		case "cookies":
			r.Cookies = b.rawOf(v)
		case "headers":
			r.Headers = b.rawOf(v)
		case "env":
			r.Env = b.rawOf(v)
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
			s.Name = b.strOf(v)
		case "version":
			s.Version = b.strOf(v)
		case "integrations":
			s.Integrations = b.stringList(v)
		case "packages":
			// Read with Get before val unescapes the member names, as
			// before (Get's answer can depend on it).
			arr, _ := v.Array()
			for _, p := range arr {
				s.Packages = append(s.Packages, api.SDKPackage{Name: b.str(p.Get("name")), Version: b.str(p.Get("version"))})
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
		// Read before val writes them; images are few, their unknown
		// members fewer: those are allocated here.
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
					img.Type = b.str(v)
				case "code_file":
					img.CodeFile = b.str(v)
				case "debug_id":
					img.DebugID = b.str(v)
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
func (b *typedBuilder) assemble(ev *api.Event) []byte {
	// The derived values, back to back in b.dbuf.
	var ends [4]int
	d := b.dbuf[:0]
	d = appendDerivedString(d, ev.Type)
	ends[0] = len(d)
	d = appendDerivedString(d, ev.Title)
	ends[1] = len(d)
	d = appendDerivedString(d, ev.Culprit)
	ends[2] = len(d)
	d = appendMetadata(d, ev.Metadata)
	ends[3] = len(d)
	b.dbuf = d
	value := func(i int) []byte {
		if i == 0 {
			return d[:ends[0]]
		}
		return d[ends[i-1]:ends[i]]
	}

	// Events as SDKs send them have none of these members: the derived
	// ones go at the end of what the walk wrote. Otherwise the JSON is
	// put together in b.join.
	type insert struct{ at, i int }
	var ins [4]insert
	n := 0
	for i, at := range b.derived {
		if at >= 0 {
			ins[n] = insert{at, i}
			n++
		}
	}
	out := b.out
	if n > 0 {
		slices.SortFunc(ins[:n], func(x, y insert) int { return x.at - y.at })
		out = b.join[:0]
		last := 0
		for _, x := range ins[:n] {
			out = append(out, b.out[last:x.at]...)
			out = append(out, value(x.i)...)
			last = x.at
		}
		out = append(out, b.out[last:]...)
	}
	empty := len(b.out) == 1 // just the opening brace
	for i, at := range b.derived {
		if at >= 0 {
			continue
		}
		if !empty {
			out = append(out, ',')
		}
		empty = false
		out = append(out, '"')
		out = append(out, derivedNames[i]...)
		out = append(out, '"', ':')
		out = append(out, value(i)...)
	}
	out = append(out, '}')
	if n > 0 {
		b.join = out
	} else {
		b.out = out
	}
	// A copy into the event's own buffer, which out (the builder's) is not.
	b.bufs.json = append(b.bufs.json[:0], out...)
	return b.bufs.json
}

// eventBufs are the buffers a normalized event's frames and JSON live in.
// At 5 KB they are about half of what ingest allocates per event, so a
// server that is done with an event hands them to the next one
// (NormalizedEvent.Release) instead of leaving them to the collector.
type eventBufs struct {
	frames []api.Frame // the slab stack traces take their frames from; len is what is taken
	json   []byte
}

// Buffers larger than these (a rare huge event) are not kept for reuse.
const (
	maxPooledFrames = 1024
	maxPooledJSON   = 256 << 10
)

var eventBufPool = sync.Pool{New: func() any { return new(eventBufs) }}

// frames takes n frames (count of them in use) from the event's slab. A
// stack trace that does not fit gets a new slab, which is the one kept: the
// earlier stack traces keep theirs.
func (b *typedBuilder) frames(count, n int) []api.Frame {
	s := b.bufs.frames
	if cap(s)-len(s) < n {
		s = make([]api.Frame, 0, max(2*cap(s), n))
	}
	at := len(s)
	b.bufs.frames = s[:at+n]
	return s[at : at+count : at+n]
}

// release readies the buffers for another event: the frames are cleared
// so that they pin none of the strings the event pointed to.
func (eb *eventBufs) release() {
	clear(eb.frames)
	eb.frames = eb.frames[:0]
	if cap(eb.frames) > maxPooledFrames {
		eb.frames = nil
	}
	eb.json = eb.json[:0]
	if cap(eb.json) > maxPooledJSON {
		eb.json = nil
	}
	eventBufPool.Put(eb)
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
