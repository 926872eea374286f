package grouping

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/snag-dev/snag/api"
)

// FingerprintRule is a server-side fingerprint rule: when every matcher
// matches, the event's fingerprint becomes Fingerprint.
type FingerprintRule struct {
	Matchers    []FingerprintMatcher
	Fingerprint []string
	Attributes  map[string]string
	// Builtin marks Sentry's own rules (they never override a fingerprint
	// the SDK set without {{ default }}).
	Builtin bool

	text string
}

// FingerprintMatcher is one "key:pattern" (Negated: "!key:pattern").
type FingerprintMatcher struct {
	Key     string
	Pattern string
	Negated bool

	glob glob
	fams uint8
}

// Text is the rule in Sentry's syntax.
func (r *FingerprintRule) Text() string {
	if r.text != "" {
		return r.text
	}
	var b strings.Builder
	for i, m := range r.Matchers {
		if i > 0 {
			b.WriteByte(' ')
		}
		if m.Negated {
			b.WriteByte('!')
		}
		b.WriteString(m.Key + ":" + strconv.Quote(m.Pattern))
	}
	b.WriteString(" ->")
	for i, v := range r.Fingerprint {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(" " + strconv.Quote(v))
	}
	for k, v := range r.Attributes {
		b.WriteString(" " + k + "=" + strconv.Quote(v))
	}
	r.text = b.String()
	return r.text
}

var fpKeyAliases = map[string]string{
	"error.type": "type", "error.value": "value", "stack.abs_path": "path", "stack.module": "module",
	"stack.function": "function", "stack.package": "package", "error.mechanism": "mechanism",
}

func (m *FingerprintMatcher) compile() error {
	if strings.HasPrefix(m.Key, "!") {
		m.Negated, m.Key = true, m.Key[1:]
	}
	if k, ok := fpKeyAliases[m.Key]; ok {
		m.Key = k
	}
	switch m.Key {
	case "type", "module", "function", "sdk", "release", "mechanism", "dist":
		m.glob = compileGlob(m.Pattern, false)
	case "value", "message", "logger", "level":
		m.glob = compileGlob(strings.ToLower(m.Pattern), false)
	case "path", "package":
		m.glob = compileGlob(lowerPath(m.Pattern), true)
	case "family":
		m.fams = parseFamilies(m.Pattern)
	case "app":
	default:
		if !strings.HasPrefix(m.Key, "tags.") {
			return fmt.Errorf("unknown fingerprint matcher %q", m.Key)
		}
		m.glob = compileGlob(m.Pattern, false)
	}
	return nil
}

// ParseFingerprintRules reads rules in Sentry's text syntax, one per line:
//
//	error.type:DatabaseUnavailable -> system-down
//	stack.function:"*Payment*" !error.value:"*timeout*" -> payments, {{ type }} title="Payments"
func ParseFingerprintRules(text string) ([]*FingerprintRule, error) {
	var out []*FingerprintRule
	for n, line := range strings.Split(text, "\n") {
		if i := commentStart(line); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		lhs, rhs, ok := strings.Cut(line, "->")
		if !ok {
			return nil, fmt.Errorf("fingerprint rules, line %d: no ->", n+1)
		}
		r := &FingerprintRule{text: line}
		for _, t := range splitTokens(lhs) {
			k, v, ok := strings.Cut(t, ":")
			if !ok {
				return nil, fmt.Errorf("fingerprint rules, line %d: %q is not key:value", n+1, t)
			}
			m := FingerprintMatcher{Key: k, Pattern: unquote(v)}
			if err := m.compile(); err != nil {
				return nil, fmt.Errorf("fingerprint rules, line %d: %w", n+1, err)
			}
			r.Matchers = append(r.Matchers, m)
		}
		// The right side: values separated by commas, then key="value" attributes.
		for _, part := range splitFingerprintValues(rhs) {
			if k, v, ok := strings.Cut(part, "="); ok && !strings.HasPrefix(part, "\"") && !strings.Contains(k, " ") && strings.HasPrefix(v, "\"") {
				if r.Attributes == nil {
					r.Attributes = map[string]string{}
				}
				r.Attributes[k] = unquote(v)
				continue
			}
			r.Fingerprint = append(r.Fingerprint, unquote(part))
		}
		if len(r.Matchers) == 0 || len(r.Fingerprint) == 0 {
			return nil, fmt.Errorf("fingerprint rules, line %d: a rule needs matchers and a fingerprint", n+1)
		}
		out = append(out, r)
	}
	return out, nil
}

func splitFingerprintValues(s string) []string {
	var out []string
	for _, t := range splitTokens(strings.ReplaceAll(s, ",", " , ")) {
		if t == "," {
			continue
		}
		out = append(out, t)
	}
	return out
}

// FingerprintRulesFromJSON reads rules in the JSON form Sentry stores them
// in: [{"matchers": [["type", "X"]], "fingerprint": ["x"], "attributes": {}}].
func FingerprintRulesFromJSON(data []byte) ([]*FingerprintRule, error) {
	var raw []struct {
		Matchers    [][2]string       `json:"matchers"`
		Fingerprint []string          `json:"fingerprint"`
		Attributes  map[string]string `json:"attributes"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	out := make([]*FingerprintRule, 0, len(raw))
	for _, x := range raw {
		r := &FingerprintRule{Fingerprint: x.Fingerprint, Attributes: x.Attributes}
		for _, kv := range x.Matchers {
			m := FingerprintMatcher{Key: kv[0], Pattern: kv[1]}
			if err := m.compile(); err != nil {
				return nil, err
			}
			r.Matchers = append(r.Matchers, m)
		}
		out = append(out, r)
	}
	return out, nil
}

// builtinFingerprintRules is Sentry's javascript@2024-02-02 base.
var builtinFingerprintRules = func() []*FingerprintRule {
	rs, err := ParseFingerprintRules(`
family:javascript error.type:ChunkLoadError -> chunkloaderror
family:javascript error.value:ChunkLoadError* -> chunkloaderror
family:javascript tags.transaction:* message:"Text content does not match server-rendered HTML." -> hydrationerror, {{tags.transaction}}
family:javascript tags.transaction:* message:"Hydration failed because the initial UI does not match what was rendered on the server." -> hydrationerror, {{tags.transaction}}
family:javascript tags.transaction:* message:"There was an error while hydrating. Because the error happened outside of a Suspense boundary, the entire root will switch to client rendering." -> hydrationerror, {{tags.transaction}}
family:javascript tags.transaction:* message:"There was an error while hydrating this Suspense boundary. Switched to client rendering." -> hydrationerror, {{tags.transaction}}
family:javascript tags.transaction:* message:"An error occurred during hydration. The server HTML was replaced with client content" -> hydrationerror, {{tags.transaction}}
`)
	if err != nil {
		panic(err)
	}
	for _, r := range rs {
		r.Builtin = true
	}
	return rs
}()

// matchFingerprintRule tests one rule against the event.
func (g *grouper) matchFingerprintRule(r *FingerprintRule) bool {
	var frameMatchers []*FingerprintMatcher
	for i := range r.Matchers {
		m := &r.Matchers[i]
		switch m.Key {
		case "path", "module", "function", "package", "app":
			frameMatchers = append(frameMatchers, m)
			continue
		}
		if g.matchEventLevel(m) == m.Negated {
			return false
		}
	}
	if len(frameMatchers) == 0 {
		return true
	}
	for _, sr := range g.allStacks() {
		for i := range sr.st.Frames {
			ok := true
			for _, m := range frameMatchers {
				if matchFrameFP(m, &sr.st.Frames[i], sr.inApp[i]) == m.Negated {
					ok = false
					break
				}
			}
			if ok {
				return true
			}
		}
	}
	return false
}

func matchFrameFP(m *FingerprintMatcher, f *api.Frame, inApp bool) bool {
	switch m.Key {
	case "path":
		return matchPath(&m.glob, lowerPath(f.AbsPath)) || matchPath(&m.glob, lowerPath(f.Filename))
	case "module":
		return f.Module != "" && m.glob.match(f.Module)
	case "function":
		return f.Function != "" && m.glob.match(f.Function)
	case "package":
		return f.Package != "" && matchPath(&m.glob, lowerPath(f.Package))
	case "app":
		want := strings.EqualFold(m.Pattern, "yes") || strings.EqualFold(m.Pattern, "true") || m.Pattern == "1"
		return inApp == want
	}
	return false
}

func (g *grouper) matchEventLevel(m *FingerprintMatcher) bool {
	ev := g.ev
	excs := ev.Exceptions()
	switch m.Key {
	case "type":
		for i := range excs {
			if m.glob.match(excs[i].Type) {
				return true
			}
		}
	case "value":
		for _, v := range g.lowerValues() {
			if m.glob.match(v) {
				return true
			}
		}
	case "message":
		if msg := g.lowerMessage(); msg != "" && m.glob.match(msg) {
			return true
		}
		for i, v := range g.lowerValues() {
			if excs[i].Value != "" && m.glob.match(v) {
				return true
			}
		}
	case "mechanism":
		for i := range excs {
			if excs[i].Mechanism != nil && m.glob.match(excs[i].Mechanism.Type) {
				return true
			}
		}
	case "logger":
		return m.glob.match(strings.ToLower(ev.Logger))
	case "level":
		return m.glob.match(strings.ToLower(ev.Level))
	case "family":
		return m.fams&familyOf(g.platform) != 0
	case "sdk":
		return ev.SDK != nil && m.glob.match(ev.SDK.Name)
	case "release":
		return m.glob.match(ev.Release)
	case "dist":
		return m.glob.match(ev.Dist)
	default:
		if name, ok := strings.CutPrefix(m.Key, "tags."); ok {
			for _, t := range ev.Tags {
				if t.Key == name && m.glob.match(t.Value) {
					return true
				}
			}
		}
	}
	return false
}

// lowerValues are the exception values lowercased, made once per event
// (each fingerprint rule may read them).
func (g *grouper) lowerValues() []string {
	if !g.lowered {
		g.lowerText()
	}
	return g.excLower
}

// lowerMessage is the logentry's formatted message (else its template)
// lowercased, made once per event.
func (g *grouper) lowerMessage() string {
	if !g.lowered {
		g.lowerText()
	}
	return g.msgLower
}

func (g *grouper) lowerText() {
	g.lowered = true
	for _, e := range g.ev.Exceptions() {
		g.excLower = append(g.excLower, strings.ToLower(e.Value))
	}
	if le := g.ev.LogEntry; le != nil {
		msg := le.Formatted
		if msg == "" {
			msg = le.Message
		}
		g.msgLower = strings.ToLower(msg)
	}
}

// allStacks are the stack traces the grouper resolved, plus any it did not
// need (threads not chosen, ...), resolved now.
func (g *grouper) allStacks() []stackResult {
	seen := map[*api.Stacktrace]bool{}
	for _, s := range g.stacks {
		seen[s.st] = true
	}
	add := func(st *api.Stacktrace, exc *excData) {
		if st != nil && len(st.Frames) > 0 && !seen[st] {
			seen[st] = true
			g.stacks = append(g.stacks, stackResult{st: st, inApp: g.inAppOf(g.resolveInApp(st, exc))})
		}
	}
	excs := g.ev.Exceptions()
	for i := range excs {
		add(excs[i].Stacktrace, g.exceptionData(&excs[i]))
	}
	add(g.ev.Stacktrace, nil)
	if g.ev.Threads != nil {
		for i := range g.ev.Threads.Values {
			add(g.ev.Threads.Values[i].Stacktrace, nil)
		}
	}
	return g.stacks
}

// parseFingerprintVar returns the variable name of a "{{ name }}" value.
func parseFingerprintVar(v string) (string, bool) {
	if len(v) < 5 || !strings.HasPrefix(v, "{{") || !strings.HasSuffix(v, "}}") {
		return "", false
	}
	inner := strings.TrimSpace(v[2 : len(v)-2])
	if inner == "" || strings.ContainsAny(inner, " \t\n\r") {
		return "", false
	}
	return inner, true
}

func isDefaultVar(v string) bool {
	name, ok := parseFingerprintVar(v)
	return ok && name == "default"
}

// fingerprintKind is "default", "hybrid" or "custom".
func fingerprintKind(fp []string) string {
	if len(fp) == 1 && isDefaultVar(fp[0]) {
		return "default"
	}
	for _, v := range fp {
		if isDefaultVar(v) {
			return "hybrid"
		}
	}
	return "custom"
}

// crashFrame is the last in-app frame of the main stack trace, else its
// last frame.
func (g *grouper) crashFrame() *api.Frame {
	var st *api.Stacktrace
	excs := g.ev.Exceptions()
	if n := len(excs); n > 0 && excs[n-1].Stacktrace != nil && len(excs[n-1].Stacktrace.Frames) > 0 {
		st = excs[n-1].Stacktrace
	} else if g.ev.Stacktrace != nil && len(g.ev.Stacktrace.Frames) > 0 {
		st = g.ev.Stacktrace
	} else if g.ev.Threads != nil && len(g.ev.Threads.Values) == 1 {
		st = g.ev.Threads.Values[0].Stacktrace
	}
	if st == nil || len(st.Frames) == 0 {
		return nil
	}
	var inApp []bool
	for _, s := range g.allStacks() {
		if s.st == st {
			inApp = s.inApp
		}
	}
	for i := len(st.Frames) - 1; i >= 0; i-- {
		if inApp != nil && inApp[i] {
			return &st.Frames[i]
		}
	}
	return &st.Frames[len(st.Frames)-1]
}

// resolveVar resolves one fingerprint variable; ok is false for names
// Sentry leaves as they are.
func (g *grouper) resolveVar(name string) (string, bool) {
	ev := g.ev
	excs := ev.Exceptions()
	var last *api.Exception
	if n := len(excs); n > 0 {
		last = &excs[n-1]
	}
	or := func(s, def string) string {
		if s == "" {
			return def
		}
		return s
	}
	frameField := func(get func(*api.Frame) string, def string) string {
		if f := g.crashFrame(); f != nil {
			return or(get(f), def)
		}
		return def
	}
	switch name {
	case "transaction":
		return or(ev.Transaction, "<no-transaction>"), true
	case "message":
		msg := ""
		if ev.LogEntry != nil {
			msg = or(ev.LogEntry.Formatted, ev.LogEntry.Message)
		}
		if msg == "" && last != nil {
			msg = last.Value
		}
		return or(msg, "<no-message>"), true
	case "type", "error.type":
		if last != nil {
			return or(last.Type, "<no-type>"), true
		}
		return "<no-type>", true
	case "value", "error.value":
		if last != nil {
			return or(last.Value, "<no-value>"), true
		}
		return "<no-value>", true
	case "function", "stack.function":
		return frameField(func(f *api.Frame) string { return f.Function }, "<no-function>"), true
	case "path", "stack.abs_path":
		return frameField(func(f *api.Frame) string { return or(f.AbsPath, f.Filename) }, "<no-abs-path>"), true
	case "stack.filename":
		return frameField(func(f *api.Frame) string { return or(f.Filename, f.AbsPath) }, "<no-filename>"), true
	case "module", "stack.module":
		return frameField(func(f *api.Frame) string { return f.Module }, "<no-module>"), true
	case "package", "stack.package":
		return frameField(func(f *api.Frame) string {
			p := f.Package
			if i := strings.LastIndexAny(p, `/\`); i >= 0 {
				p = p[i+1:]
			}
			return p
		}, "<no-package>"), true
	case "level":
		return or(ev.Level, "<no-level>"), true
	case "logger":
		return or(ev.Logger, "<no-logger>"), true
	}
	if tag, ok := strings.CutPrefix(name, "tags."); ok {
		if v, found := ev.Tags.Get(tag); found {
			return v, true
		}
		return "<no-value-for-tag-" + tag + ">", true
	}
	return "", false
}

// resolveFingerprint replaces the variables of a custom or hybrid
// fingerprint (unknown ones stay as written, as in this config).
func (g *grouper) resolveFingerprint(fp []string) []string {
	out := make([]string, len(fp))
	for i, v := range fp {
		out[i] = v
		name, ok := parseFingerprintVar(v)
		if !ok {
			continue
		}
		if name == "default" {
			out[i] = "{{ default }}"
			continue
		}
		if r, ok := g.resolveVar(name); ok {
			out[i] = r
		}
	}
	return out
}
