package grouping

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"strconv"
)

// Component is one node of a grouping tree: a frame, a stack trace, an
// exception type, ... Values holds leaf strings and child *Component, in
// the order Sentry concatenates them.
//
// Contributes is decided when the component is built (any contributing
// child or any leaf value) and may be switched off afterwards with a Hint
// saying why. As in Sentry, switching a child off later does not switch
// its parent off: a parent only yields the values of its contributing
// children.
type Component struct {
	ID          string `json:"id"`
	Contributes bool   `json:"contributes"`
	Hint        string `json:"hint,omitempty"`
	Values      []any  `json:"values"`
}

// newComp builds a component and decides whether it contributes.
func (g *grouper) newComp(id string, values []any) *Component {
	c := g.alloc()
	c.ID = id
	if values == nil {
		values = []any{}
	}
	c.Values = values
	c.Contributes = calcContributes(values)
	return c
}

// leaf builds a component with one string value (or an empty one for "").
func (g *grouper) leaf(id, value string) *Component {
	if value == "" {
		return nil
	}
	vals := g.values(1)
	vals[0] = g.str(value)
	return g.newComp(id, vals)
}

// str is a leaf value: the string itself, or when the grouper is pooled
// (Hashes, whose trees nobody sees) a pointer to a copy of it in a slab
// kept between events, since turning a string into an interface
// allocates. Whatever reads values takes both (leafString).
func (g *grouper) str(s string) any {
	if !g.pooled {
		return s
	}
	if len(g.strs) == cap(g.strs) {
		// Values already handed out keep pointing into the old slab.
		g.strs = make([]string, 0, max(2*cap(g.strs), 4*slabSize))
	}
	g.strs = append(g.strs, s)
	return &g.strs[len(g.strs)-1]
}

// leafString returns a leaf value's string, and false for a component.
func leafString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case *string:
		return *x, true
	}
	return "", false
}

func calcContributes(values []any) bool {
	for _, v := range values {
		if c, ok := v.(*Component); ok {
			if c.Contributes {
				return true
			}
			continue
		}
		return true
	}
	return false
}

// set marks the component as contributing or not, with the reason.
func (c *Component) set(contributes bool, hint string) {
	c.Contributes = contributes
	if hint != "" {
		c.Hint = hint
	}
}

// appendLeaves appends the leaf values of contributing components, depth
// first: the bytes Sentry's md5 runs over.
func (c *Component) appendLeaves(buf []byte) []byte {
	if c == nil || !c.Contributes {
		return buf
	}
	for _, v := range c.Values {
		switch x := v.(type) {
		case *Component:
			buf = x.appendLeaves(buf)
		case string:
			buf = append(buf, x...)
		case *string:
			buf = append(buf, *x...)
		}
	}
	return buf
}

// Leaves returns the leaf values that take part in the hash, in order.
func (c *Component) Leaves() []string {
	var out []string
	var walk func(*Component)
	walk = func(c *Component) {
		if c == nil || !c.Contributes {
			return
		}
		for _, v := range c.Values {
			if x, ok := v.(*Component); ok {
				walk(x)
			} else if s, ok := leafString(v); ok {
				out = append(out, s)
			}
		}
	}
	walk(c)
	return out
}

// hashOf is the md5 hex digest of the contributing leaves of c, or "" if c
// does not contribute. A component whose only contributing child is
// another component hashes like that child; hashes are remembered per
// component (they are asked for twice: to compare the app and system
// variants, then for the result).
func (g *grouper) hashOf(c *Component) string {
	if c == nil || !c.Contributes {
		return ""
	}
	var only *Component
	for _, v := range c.Values {
		x, ok := v.(*Component)
		if !ok {
			only = nil
			break
		}
		if x.Contributes {
			if only != nil {
				only = nil
				break
			}
			only = x
		}
	}
	if only != nil {
		return g.hashOf(only)
	}
	for _, h := range g.hashes {
		if h.c == c {
			return h.hash
		}
	}
	g.buf = c.appendLeaves(g.buf[:0])
	h := md5Hex(g.buf)
	g.hashes = append(g.hashes, cachedHash{c, h})
	return h
}

type cachedHash struct {
	c    *Component
	hash string
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	var out [2 * md5.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// hashStrings is Sentry's hash_from_values over plain strings.
func hashStrings(values []string) string {
	n := 0
	for _, v := range values {
		n += len(v)
	}
	buf := make([]byte, 0, n)
	for _, v := range values {
		buf = append(buf, v...)
	}
	return md5Hex(buf)
}

// appendShape appends a description of the whole tree, contributing or
// not, hints included: what Sentry compares when it deduplicates the
// exceptions of an exception group.
func (c *Component) appendShape(buf []byte) []byte {
	if c == nil {
		return append(buf, "nil"...)
	}
	buf = append(buf, '(')
	buf = strconv.AppendQuote(buf, c.ID)
	buf = strconv.AppendQuote(buf, c.Hint)
	buf = strconv.AppendBool(buf, c.Contributes)
	for _, v := range c.Values {
		if x, ok := v.(*Component); ok {
			buf = x.appendShape(buf)
		} else if s, ok := leafString(v); ok {
			buf = strconv.AppendQuote(buf, s)
		}
	}
	return append(buf, ')')
}

// The grouper allocates components and value lists from slabs: a 30-frame
// event needs a few hundred of each.
const slabSize = 32

// reserve makes room for n more components (and their values) at once.
func (g *grouper) reserve(n int) {
	if len(g.comps) < n {
		g.comps = g.compSlab(n)
	}
	if len(g.vals) < 2*n {
		g.vals = g.valSlab(2 * n)
	}
}

func (g *grouper) alloc() *Component {
	if len(g.comps) == 0 {
		g.comps = g.compSlab(slabSize)
	}
	c := &g.comps[0]
	g.comps = g.comps[1:]
	return c
}

// values returns a fresh list of n values.
func (g *grouper) values(n int) []any {
	if n > len(g.vals) {
		if n > slabSize/4 {
			return make([]any, n)
		}
		g.vals = g.valSlab(slabSize * 2)
	}
	v := g.vals[:n:n]
	g.vals = g.vals[n:]
	return v
}

// compSlab returns n zeroed components: a slab kept from an earlier event
// when the grouper is pooled (Hashes), else a new one.
func (g *grouper) compSlab(n int) []Component {
	for i, sl := range g.spareComps {
		if len(sl) >= n {
			g.spareComps = append(g.spareComps[:i], g.spareComps[i+1:]...)
			g.usedComps = append(g.usedComps, sl)
			return sl[:n]
		}
	}
	sl := make([]Component, n)
	g.usedComps = append(g.usedComps, sl)
	return sl
}

func (g *grouper) valSlab(n int) []any {
	for i, sl := range g.spareVals {
		if len(sl) >= n {
			g.spareVals = append(g.spareVals[:i], g.spareVals[i+1:]...)
			g.usedVals = append(g.usedVals, sl)
			return sl[:n]
		}
	}
	sl := make([]any, n)
	g.usedVals = append(g.usedVals, sl)
	return sl
}

// maxSpare bounds the slabs a pooled grouper keeps between events, so one
// huge event does not pin its memory.
const maxSpare = 64

// recycle zeroes the slabs this event used and keeps them for the next one.
// Nothing built from them may be used afterwards.
func (g *grouper) recycle() {
	for _, sl := range g.usedComps {
		clear(sl)
		if len(g.spareComps) < maxSpare {
			g.spareComps = append(g.spareComps, sl)
		}
	}
	for _, sl := range g.usedVals {
		clear(sl)
		if len(g.spareVals) < maxSpare {
			g.spareVals = append(g.spareVals, sl)
		}
	}
	clear(g.usedComps)
	clear(g.usedVals)
	g.usedComps, g.usedVals = g.usedComps[:0], g.usedVals[:0]
	g.comps, g.vals = nil, nil
	clear(g.stacks)
	clear(g.hashes)
	g.stacks, g.hashes = g.stacks[:0], g.hashes[:0]
	clear(g.strs)
	g.strs = g.strs[:0]
	clear(g.excLower)
	g.lowered, g.excLower, g.msgLower = false, g.excLower[:0], ""
	clear(g.rules)
	g.ev, g.rules, g.exc = nil, g.rules[:0], excData{}
	// Drop the event's frames and strings from the scratch.
	clear(g.fs[:g.maxFrames])
	clear(g.mfs[:g.maxFrames])
	g.maxFrames, g.bools = 0, g.bools[:0]
}

// compList turns components into values, leaving out nil and empty ones
// (Sentry keeps empty components but they never contribute nor print).
func (g *grouper) compList(cs ...*Component) []any {
	n := 0
	for _, c := range cs {
		if c != nil && len(c.Values) > 0 {
			n++
		}
	}
	out := g.values(n)
	i := 0
	for _, c := range cs {
		if c != nil && len(c.Values) > 0 {
			out[i] = c
			i++
		}
	}
	return out
}

// marshalNoEscape is json.Marshal without HTML escaping ("<int>" stays
// readable).
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
