package grouping

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/snag-dev/snag/api"
)

// pair is what a strategy produces: the app and system variants' roots
// (sys is nil where Sentry produces only an app variant, e.g. for an
// exception without a stack trace).
type pair struct {
	app, sys *Component
}

// exceptionData is what rules see of e, in the grouper's one excData: it
// serves the stack trace being resolved, then the next.
func (g *grouper) exceptionData(e *api.Exception) *excData {
	g.exc = excData{typ: e.Type, value: e.Value}
	if e.Mechanism != nil {
		g.exc.mechanism = e.Mechanism.Type
	}
	return &g.exc
}

// singleException is Sentry's single-exception strategy:
// [stacktrace, type, (ns-error), value], the value only when no stack trace
// contributes.
func (g *grouper) singleException(e *api.Exception) pair {
	typ := g.leaf("type", e.Type)
	var sysTyp *Component
	if typ != nil {
		sysTyp = g.alloc()
		*sysTyp = *typ
	}
	var nsError *Component
	if m := e.Mechanism; m != nil {
		if m.Synthetic && typ != nil {
			typ.set(false, "ignored because exception is synthetic")
		}
		if len(m.Meta) > 0 && bytes.Contains(m.Meta, []byte(`"ns_error"`)) {
			nsError = g.nsError(m.Meta)
		}
	}
	var stApp, stSys *Component
	hasStack := e.Stacktrace != nil && len(e.Stacktrace.Frames) > 0
	if hasStack {
		stApp, stSys = g.stackVariants(e.Stacktrace, g.exceptionData(e))
	}
	var normalized, hint string
	if e.Value != "" {
		normalized = normalizeMessage(e.Value)
		if normalized != e.Value {
			hint = "stripped event-specific values"
		}
	}
	build := func(st, t *Component) *Component {
		value := g.leaf("value", normalized)
		if value != nil && hint != "" {
			value.Hint = hint
		}
		if value != nil && value.Contributes {
			switch {
			case st != nil && st.Contributes:
				value.set(false, "ignored because stacktrace takes precedence")
			case nsError != nil && nsError.Contributes:
				value.set(false, "ignored because ns-error info takes precedence")
			}
		}
		return g.newComp("exception", g.compList(st, t, nsError, value))
	}
	p := pair{app: build(stApp, typ)}
	if hasStack {
		p.sys = build(stSys, sysTyp)
	}
	return p
}

func (g *grouper) nsError(meta json.RawMessage) *Component {
	var m struct {
		NSError *struct {
			Domain string          `json:"domain"`
			Code   json.RawMessage `json:"code"`
		} `json:"ns_error"`
	}
	if json.Unmarshal(meta, &m) != nil || m.NSError == nil {
		return nil
	}
	var vals []any
	if m.NSError.Domain != "" {
		vals = append(vals, m.NSError.Domain)
	}
	if c := strings.TrimSpace(string(m.NSError.Code)); c != "" && c != "null" {
		if uq, err := strconv.Unquote(c); err == nil {
			c = uq
		}
		vals = append(vals, c)
	}
	if len(vals) == 0 {
		return nil
	}
	return g.newComp("ns-error", vals)
}

// chainedException is Sentry's chained-exception strategy, with the
// exception-group filter of RFC 0079.
func (g *grouper) chainedException(excs []api.Exception) pair {
	comps := make([]pair, len(excs))
	for i := range excs {
		comps[i] = g.singleException(&excs[i])
	}
	keep := g.filterExceptionGroups(excs, comps)
	if len(keep) == 1 {
		return comps[keep[0]]
	}
	apps := g.values(len(keep))
	var syss []any
	for i, k := range keep {
		apps[i] = comps[k].app
		if comps[k].sys != nil {
			syss = append(syss, comps[k].sys)
		}
	}
	p := pair{app: g.newComp("chained-exception", apps)}
	if len(syss) > 0 {
		p.sys = g.newComp("chained-exception", syss)
	}
	return p
}

// filterExceptionGroups returns the indexes of the exceptions to group by.
// When every exception has a mechanism.exception_id, only the distinct
// "top-level" exceptions of the group tree rooted at id 0 count (plus the
// root group when there are several); a single one brings its first-child
// path. Inputs Sentry's own code fails on (no root, cycles) keep the whole
// list, as Sentry does.
func (g *grouper) filterExceptionGroups(excs []api.Exception, comps []pair) []int {
	all := make([]int, len(excs))
	for i := range all {
		all[i] = i
	}
	if len(excs) <= 1 {
		return all
	}
	type node struct {
		exc      int // -1: none
		children []int
	}
	tree := map[int]*node{}
	get := func(id int) *node {
		n := tree[id]
		if n == nil {
			n = &node{exc: -1}
			tree[id] = n
		}
		return n
	}
	for i := len(excs) - 1; i >= 0; i-- {
		m := excs[i].Mechanism
		if m == nil || m.ExceptionID == nil {
			return all
		}
		get(*m.ExceptionID).exc = i
		if m.ParentID != nil {
			p := get(*m.ParentID)
			p.children = append(p.children, i)
		}
	}
	childrenOf := func(i int) []int {
		if n := tree[*excs[i].Mechanism.ExceptionID]; n != nil {
			return n.children
		}
		return nil
	}
	root, ok := tree[0]
	if !ok || root.exc < 0 {
		return all
	}
	limit := len(excs) + 1
	var top []int
	var walk func(i, depth int) bool
	walk = func(i, depth int) bool {
		if depth > limit {
			return false
		}
		if !excs[i].Mechanism.IsExceptionGroup {
			top = append(top, i)
			return true
		}
		for _, c := range childrenOf(i) {
			if !walk(c, depth+1) {
				return false
			}
		}
		return true
	}
	if !walk(root.exc, 0) {
		return all
	}
	typeKey := func(i int) string {
		if excs[i].Type == "" {
			return "None"
		}
		return excs[i].Type
	}
	sort.SliceStable(top, func(a, b int) bool { return typeKey(top[a]) > typeKey(top[b]) })
	var distinct []int
	prevKey := ""
	for k, i := range top {
		key := string(comps[i].sys.appendShape(comps[i].app.appendShape(nil)))
		if k == 0 || key != prevKey {
			distinct = append(distinct, i)
		}
		prevKey = key
	}
	if len(distinct) == 1 {
		path := []int{}
		for i, depth := distinct[0], 0; ; depth++ {
			if depth > limit {
				return all
			}
			path = append(path, i)
			cs := childrenOf(i)
			if len(cs) == 0 {
				break
			}
			i = cs[0]
		}
		return path
	}
	return append(distinct, root.exc)
}

// threads is Sentry's threads strategy: the crashed thread, else the
// current one, else the only one.
func (g *grouper) threads(ts []api.Thread) pair {
	pick := func(want func(*api.Thread) bool) (int, bool) {
		found, n := -1, 0
		for i := range ts {
			if want(&ts[i]) {
				found = i
				n++
			}
		}
		return found, n == 1
	}
	i, ok := pick(func(t *api.Thread) bool { return t.Crashed })
	if !ok {
		i, ok = pick(func(t *api.Thread) bool { return t.Current })
	}
	if !ok && len(ts) == 1 {
		i, ok = 0, true
	}
	if !ok {
		c := g.newComp("threads", nil)
		c.Hint = "ignored because does not contain exactly one thread"
		return pair{app: c}
	}
	st := ts[i].Stacktrace
	if st == nil {
		c := g.newComp("threads", nil)
		c.Hint = "thread has no stacktrace"
		return pair{app: c}
	}
	app, sys := g.stackVariants(st, nil)
	return pair{app: g.newComp("threads", g.compList(app)), sys: g.newComp("threads", g.compList(sys))}
}

// hasContributingStacktrace looks for a contributing stacktrace anywhere
// below c.
func hasContributingStacktrace(c *Component) bool {
	if c == nil {
		return false
	}
	for _, v := range c.Values {
		if x, ok := v.(*Component); ok {
			if x.ID == "stacktrace" && x.Contributes {
				return true
			}
			if hasContributingStacktrace(x) {
				return true
			}
		}
	}
	return false
}

// finishPair applies what Sentry does to a stack strategy's variants: the
// system variant steps back when it hashes like the app variant, and a
// variant without a contributing stack trace steps back when the other has
// one.
func (g *grouper) finishPair(p pair) pair {
	if p.sys == nil {
		return p
	}
	if p.app.Contributes && p.sys.Contributes && g.hashOf(p.app) == g.hashOf(p.sys) {
		p.sys.set(false, "ignored because hash matches app variant")
	}
	appSt, sysSt := hasContributingStacktrace(p.app), hasContributingStacktrace(p.sys)
	switch {
	case appSt && !sysSt:
		p.sys.set(false, "ignored because this variant does not have a contributing stacktrace, but the app variant does")
	case sysSt && !appSt:
		p.app.set(false, "ignored because this variant does not have a contributing stacktrace, but the system variant does")
	}
	return p
}
