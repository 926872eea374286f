// Package grouping computes the grouping hashes of an event the way Sentry
// does with its default configuration, newstyle:2023-01-11, so that a local
// server puts events into the same issues Sentry would.
//
// Compute builds, per variant, a tree of components (frames, stack traces,
// exception types and values, messages) that says which values were used
// and why the others were not; a variant's hash is the md5 of the values
// of its contributing leaves, concatenated. The app variant only counts
// in-app frames, the system variant counts all frames, the default variant
// is the message; fingerprints (the SDK's, or server-side rules') replace
// or salt them. See docs/grouping.md.
package grouping

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/snag-dev/snag/api"
)

// Config is the Sentry grouping configuration this package implements.
const Config = "newstyle:2023-01-11"

// Options are a project's grouping settings.
type Options struct {
	// StackTraceRules are the project's stack trace rules, applied after
	// Sentry's built-in ones.
	StackTraceRules *StackTraceRules
	// FingerprintRules are the project's server-side fingerprint rules,
	// tried in order before Sentry's built-in ones.
	FingerprintRules []*FingerprintRule
	// EventRules also reads project rules carried inside the event, as
	// Sentry's grouping test inputs do: "_grouping": {"enhancements": TEXT}
	// and "_fingerprinting_rules": [JSON rules]. Off for ingested events.
	EventRules bool
}

// Variant kinds.
const (
	KindComponent          = "component"
	KindSaltedComponent    = "salted_component"
	KindCustomFingerprint  = "custom_fingerprint"
	KindBuiltinFingerprint = "built_in_fingerprint"
	KindChecksum           = "checksum"
	KindHashedChecksum     = "hashed_checksum"
	KindFallback           = "fallback"
)

// Variant is one way of grouping an event.
type Variant struct {
	Kind string `json:"type"`
	// Hash is "" when the variant does not contribute.
	Hash        string `json:"hash"`
	Contributes bool   `json:"contributes"`
	// Hint says why the variant does not contribute, or what it is.
	Hint string `json:"hint,omitempty"`
	// Component is the tree (component and salted variants).
	Component *Component `json:"component,omitempty"`
	// Values is the fingerprint of fingerprint and salted variants, with
	// variables resolved.
	Values []string `json:"values,omitempty"`
	// ClientFingerprint is what the SDK sent, when a server rule replaced it.
	ClientFingerprint []string `json:"client_fingerprint,omitempty"`
	// MatchedRule is the server-side fingerprint rule that set the fingerprint.
	MatchedRule string `json:"matched_rule,omitempty"`
	// Checksum is the event's checksum field, for checksum variants.
	Checksum string `json:"checksum,omitempty"`
}

// MarshalJSON writes hash as null when the variant does not contribute.
func (v *Variant) MarshalJSON() ([]byte, error) {
	type plain Variant
	var hash *string
	if v.Hash != "" {
		hash = &v.Hash
	}
	return marshalNoEscape(struct {
		Hash *string `json:"hash"`
		*plain
	}{hash, (*plain)(v)})
}

// Result is the outcome of grouping one event.
type Result struct {
	// Hashes are the contributing variants' hashes in Sentry's order (the
	// system hash last, no duplicates). An event joins the issue of any of
	// them; Hashes[0] is the primary hash.
	Hashes []string `json:"hashes"`
	// Variants by name: app, system, default, custom_fingerprint,
	// built_in_fingerprint, checksum, hashed_checksum, fallback.
	Variants map[string]*Variant `json:"variants"`
	// Order is the variant names in the order Sentry creates them.
	Order []string `json:"-"`
}

// grouper holds the state of one Compute call.
type grouper struct {
	ev       *api.Event
	platform string
	rules    []*StackTraceRules
	stacks   []stackResult
	hashes   []cachedHash

	comps []Component
	vals  []any
	buf   []byte
	// pooled: the trees are only hashed (Hashes); strs holds their leaf
	// values (str).
	pooled bool
	strs   []string

	exc excData // exceptionData

	// Lowercased exception values and message (lowerText).
	lowered  bool
	excLower []string
	msgLower string

	// Scratch of resolveInApp, reused from one stack trace (and, pooled,
	// one event) to the next; bools holds the event's in_app decisions.
	fs        []frameState
	mfs       []matchFrame
	maxFrames int // of the event's stack traces
	hits      []frameHits
	cand      []uint64
	offs      []int
	lbuf      []byte
	bools     []bool

	// Slabs handed out for this event, and kept from earlier ones when the
	// grouper is pooled (component.go).
	usedComps, spareComps [][]Component
	usedVals, spareVals   [][]any
}

// Compute groups one (normalized) event. It does not modify ev.
func Compute(ev *api.Event, opts Options) Result {
	return compute(&grouper{}, ev, opts)
}

var grouperPool = sync.Pool{New: func() any { return &grouper{pooled: true} }}

// Hashes is Compute(ev, opts).Hashes, for ingest: the component trees it
// builds to get there are thrown away, so their memory is reused from one
// event to the next instead of allocated each time.
func Hashes(ev *api.Event, opts Options) []string {
	g := grouperPool.Get().(*grouper)
	hashes := compute(g, ev, opts).Hashes
	g.recycle()
	grouperPool.Put(g)
	return hashes
}

func compute(g *grouper, ev *api.Event, opts Options) Result {
	res := Result{Variants: map[string]*Variant{}}
	add := func(name string, v *Variant) {
		if _, ok := res.Variants[name]; !ok {
			res.Order = append(res.Order, name)
		}
		res.Variants[name] = v
	}

	if ev.Checksum != "" {
		cs := ev.Checksum
		if isMD5Hex(cs) {
			add("checksum", &Variant{Kind: KindChecksum, Hash: cs, Contributes: true, Checksum: cs})
		} else {
			add("hashed_checksum", &Variant{Kind: KindHashedChecksum, Hash: md5Hex([]byte(cs)), Contributes: true, Checksum: cs})
			if len(cs) <= 32 {
				add("checksum", &Variant{Kind: KindChecksum, Hash: cs, Contributes: true, Checksum: cs})
			}
		}
		res.Hashes = collectHashes(&res)
		return res
	}

	g.ev, g.platform, g.rules = ev, ev.Platform, append(g.rules[:0], builtinRules)
	if g.platform == "" {
		g.platform = "other"
	}
	if opts.StackTraceRules != nil {
		g.rules = append(g.rules, opts.StackTraceRules)
	}
	fpRules := opts.FingerprintRules
	if opts.EventRules {
		if rs := eventStackTraceRules(ev); rs != nil {
			g.rules = append(g.rules, rs)
		}
		fpRules = append(eventFingerprintRules(ev), fpRules...)
	}

	rs := g.strategies()

	// Server-side fingerprint rules, then the SDK's fingerprint.
	clientFP := ev.Fingerprint
	if len(clientFP) == 0 {
		clientFP = []string{"{{ default }}"}
	}
	fp := clientFP
	clientKind := fingerprintKind(clientFP)
	var matched *FingerprintRule
	for _, r := range fpRules {
		if g.matchFingerprintRule(r) {
			matched = r
			break
		}
	}
	if matched == nil && clientKind != "custom" {
		for _, r := range builtinFingerprintRules {
			if g.matchFingerprintRule(r) {
				matched = r
				break
			}
		}
	}
	if matched != nil {
		fp = matched.Fingerprint
	}
	kind := fingerprintKind(fp)

	switch kind {
	case "default":
		for _, name := range rs.order() {
			c := rs.get(name)
			add(name, &Variant{Kind: KindComponent, Hash: g.hashOf(c), Contributes: c.Contributes, Hint: c.Hint, Component: c})
		}
	case "custom":
		resolved := g.resolveFingerprint(fp)
		for _, name := range rs.order() {
			c := rs.get(name)
			c.set(false, "custom fingerprint takes precedence")
			add(name, &Variant{Kind: KindComponent, Component: c, Hint: c.Hint})
		}
		v := &Variant{Kind: KindCustomFingerprint, Hash: hashStrings(resolved), Contributes: true, Values: resolved}
		name := "custom_fingerprint"
		if matched != nil {
			v.MatchedRule = matched.Text()
			if clientKind != "default" {
				v.ClientFingerprint = clientFP
			}
			if matched.Builtin {
				v.Kind, name = KindBuiltinFingerprint, "built_in_fingerprint"
			}
		}
		add(name, v)
	case "hybrid":
		resolved := g.resolveFingerprint(fp)
		for _, name := range rs.order() {
			c := rs.get(name)
			v := &Variant{Kind: KindSaltedComponent, Component: c, Contributes: c.Contributes, Hint: c.Hint, Values: resolved}
			if matched != nil {
				v.MatchedRule = matched.Text()
				if clientKind != "default" {
					v.ClientFingerprint = clientFP
				}
			}
			if c.Contributes {
				var vals []string
				for _, x := range resolved {
					if isDefaultVar(x) {
						vals = append(vals, c.Leaves()...)
					} else {
						vals = append(vals, x)
					}
				}
				v.Hash = hashStrings(vals)
			}
			add(name, v)
		}
	}

	any := false
	for _, v := range res.Variants {
		any = any || v.Contributes
	}
	if !any {
		add("fallback", &Variant{Kind: KindFallback, Hash: md5Hex(nil), Contributes: true})
	}
	res.Hashes = collectHashes(&res)
	return res
}

// collectHashes orders the hashes as Sentry does: variants in creation
// order with the system variant last, without duplicates.
func collectHashes(res *Result) []string {
	out := make([]string, 0, len(res.Order))
	for _, system := range [...]bool{false, true} {
		for _, n := range res.Order {
			if (n == "system") != system {
				continue
			}
			h := res.Variants[n].Hash
			if h == "" || !res.Variants[n].Contributes || slices.Contains(out, h) {
				continue
			}
			out = append(out, h)
		}
	}
	return out
}

func isMD5Hex(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLowerHex(s[i]) {
			return false
		}
	}
	return true
}

// Variant names of the strategies' roots, by index.
const (
	vApp = iota
	vSystem
	vDefault
)

var rootNames = [3]string{vApp: "app", vSystem: "system", vDefault: "default"}

// roots are each variant's root component (nil: no such variant), and
// the variant names in the order Sentry creates them.
type roots struct {
	comp   [3]*Component
	names  [3]string
	nnames int
}

func (r *roots) order() []string { return r.names[:r.nnames] }

func (r *roots) get(name string) *Component {
	for i, n := range rootNames {
		if n == name {
			return r.comp[i]
		}
	}
	return nil
}

// strategies runs Sentry's strategies by priority (exception, threads,
// stacktrace, message) and returns each variant's root component.
func (g *grouper) strategies() roots {
	type strategy struct {
		name  string
		comps [3]*Component // by variant index
	}
	var ranBuf [4]strategy
	ran := ranBuf[:0]
	stack := func(name string, p pair) strategy {
		return strategy{name: name, comps: [3]*Component{vApp: p.app, vSystem: p.sys}}
	}
	if excs := g.ev.Exceptions(); len(excs) > 0 {
		ran = append(ran, stack("exception", g.finishPair(g.chainedException(excs))))
	}
	if t := g.ev.Threads; t != nil && len(t.Values) > 0 {
		ran = append(ran, stack("threads", g.finishPair(g.threads(t.Values))))
	}
	if st := g.ev.Stacktrace; st != nil {
		app, sys := g.stackVariants(st, nil)
		if app == nil {
			app, sys = g.newComp("stacktrace", nil), g.newComp("stacktrace", nil)
		}
		ran = append(ran, stack("stacktrace", g.finishPair(pair{app: app, sys: sys})))
	}
	if m := g.messageComp(); m != nil {
		ran = append(ran, strategy{name: "message", comps: [3]*Component{vDefault: m}})
	}

	// The first strategy with a contributing variant wins; the others'
	// components step back.
	winner, precedence := "", ""
	for _, s := range ran {
		var contributing [3]int
		nc := 0
		for _, v := range [...]int{vApp, vDefault, vSystem} {
			if c := s.comps[v]; c != nil && c.Contributes {
				contributing[nc] = v
				nc++
			}
		}
		if nc == 0 {
			continue
		}
		if winner == "" {
			winner = s.name
			verb := " takes precedence"
			if strings.HasSuffix(s.name, "s") {
				verb = " take precedence"
			}
			var names [3]string
			for i, v := range contributing[:nc] {
				names[i] = rootNames[v]
			}
			precedence = s.name + " of " + strings.Join(names[:nc], "/") + verb
			continue
		}
		for _, v := range contributing[:nc] {
			s.comps[v].set(false, precedence)
		}
	}

	var children [3][]any
	var seen [3]bool
	var r roots
	order := r.names[:0]
	for _, s := range ran {
		for _, v := range [...]int{vApp, vSystem, vDefault} {
			c := s.comps[v]
			if c == nil {
				continue
			}
			if !seen[v] {
				seen[v] = true
				order = append(order, rootNames[v])
				children[v] = g.values(len(ran))[:0]
			}
			if len(c.Values) > 0 || c.Hint != "" {
				children[v] = append(children[v], c)
			}
		}
	}
	for v := range children {
		if !seen[v] {
			continue
		}
		root := g.newComp(rootNames[v], children[v])
		if !root.Contributes && precedence != "" && winner != "" {
			root.Hint = precedence
		}
		r.comp[v] = root
	}
	// Sentry creates the app variant first and keeps system last.
	slices.SortStableFunc(order, func(a, b string) int { return rank(a) - rank(b) })
	r.nnames = len(order)
	return r
}

func rank(name string) int {
	switch name {
	case "app":
		return 0
	case "default":
		return 1
	}
	return 2
}

// eventStackTraceRules reads "_grouping": {"enhancements": "..."}.
func eventStackTraceRules(ev *api.Event) *StackTraceRules {
	raw, ok := ev.Other["_grouping"]
	if !ok || !bytes.Contains(raw, []byte("enhancements")) {
		return nil
	}
	var x struct {
		Enhancements string `json:"enhancements"`
	}
	if json.Unmarshal(raw, &x) != nil || x.Enhancements == "" {
		return nil
	}
	rs, err := ParseStackTraceRules(x.Enhancements)
	if err != nil {
		return nil
	}
	return rs
}

// eventFingerprintRules reads "_fingerprinting_rules": [...].
func eventFingerprintRules(ev *api.Event) []*FingerprintRule {
	raw, ok := ev.Other["_fingerprinting_rules"]
	if !ok {
		return nil
	}
	rs, err := FingerprintRulesFromJSON(raw)
	if err != nil {
		return nil
	}
	return rs
}
