package grouping

import (
	"fmt"
	"strconv"
	"strings"
)

// StackTraceRules are stack trace rules in Sentry's syntax (what Sentry
// calls enhancements), one per line:
//
//	path:**/node_modules/** -app
//	family:javascript function:reportError ^-app -app
//	stack.function:handleRequest -app +group
//
// Matchers: family, path (stack.abs_path), module (stack.module), function
// (stack.function), package (stack.package), app (yes/no), category,
// error.type, error.value, error.mechanism; a leading '!' negates.
// Actions: +app/-app, +group/-group (with '^' for the frames towards the
// crash or 'v' for those away from it), category=NAME. Later rules win.
type StackTraceRules struct {
	rules []*stRule
	// Path literals of "**/x/**" matchers (they start with '/'), indexed
	// by the byte after the '/': a frame's path is scanned once per rule
	// set instead of once per rule.
	pathLits  []string
	pathIndex [256][]int
	// Module prefixes of "x.*" / "x/**" matchers, indexed by first byte.
	modLits  []string
	modIndex [256][]int
}

type stRule struct {
	// Quick rejects: a frame without a module (function) cannot match a
	// rule with a positive module (function) matcher; exactFunc is a
	// literal function the frame must have.
	needModule, needFunction bool
	exactFunc                string

	text     string
	matchers []stMatcher
	actions  []stAction
	modifies bool // has app or category actions
	groups   bool // has group actions
}

type matchKey uint8

const (
	keyFamily matchKey = iota
	keyPath
	keyModule
	keyFunction
	keyPackage
	keyApp
	keyCategory
	keyErrorType
	keyErrorValue
	keyMechanism
)

var matchKeys = map[string]matchKey{
	"family": keyFamily, "path": keyPath, "stack.abs_path": keyPath, "module": keyModule,
	"stack.module": keyModule, "function": keyFunction, "stack.function": keyFunction,
	"package": keyPackage, "stack.package": keyPackage, "app": keyApp, "category": keyCategory,
	"error.type": keyErrorType, "type": keyErrorType, "error.value": keyErrorValue, "value": keyErrorValue,
	"error.mechanism": keyMechanism, "mechanism": keyMechanism,
}

// canonicalKeys are the short names rule descriptions use.
var canonicalKeys = map[string]string{
	"stack.abs_path": "path", "stack.module": "module", "stack.function": "function",
	"stack.package": "package", "type": "error.type", "value": "error.value", "mechanism": "error.mechanism",
}

type stMatcher struct {
	lit      int  // index into pathLits, or -1
	mod      int  // index into modLits, or -1
	scheme   bool // a path literal with "://": paths without it cannot match
	key      matchKey
	negated  bool
	glob     glob
	families uint8 // for family
	app      bool  // for app: yes
}

type actionKind uint8

const (
	actApp actionKind = iota
	actGroup
	actCategory
)

type stAction struct {
	kind  actionKind
	flag  bool
	rng   int8 // 0: the frame, 1 (^): towards the crash, -1 (v): away from it
	value string
}

// Behaviour families of platforms.
const (
	famOther uint8 = 1 << iota
	famJS
	famNative
	famAll = famOther | famJS | famNative
)

func familyOf(platform string) uint8 {
	switch platform {
	case "javascript", "node":
		return famJS
	case "objc", "cocoa", "swift", "native", "c":
		return famNative
	}
	return famOther
}

func parseFamilies(s string) uint8 {
	var f uint8
	for _, part := range strings.Split(s, ",") {
		switch strings.TrimSpace(part) {
		case "javascript":
			f |= famJS
		case "native":
			f |= famNative
		case "other":
			f |= famOther
		case "all":
			f |= famAll
		}
	}
	return f
}

// ParseStackTraceRules parses rules text; blank lines and # comments are
// skipped.
func ParseStackTraceRules(text string) (*StackTraceRules, error) {
	rs := &StackTraceRules{}
	for n, line := range strings.Split(text, "\n") {
		if i := commentStart(line); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		r, err := parseStRule(line)
		if err != nil {
			return nil, fmt.Errorf("stack trace rules, line %d: %w", n+1, err)
		}
		rs.rules = append(rs.rules, r)
	}
	for _, r := range rs.rules {
		for i := range r.matchers {
			m := &r.matchers[i]
			m.lit, m.mod = -1, -1
			if m.key == keyPath && m.glob.kind == globContains && strings.Contains(m.glob.lit, "://") {
				m.scheme = true
			}
			if m.key == keyModule && m.glob.kind == globPrefix && m.glob.lit != "" && len(rs.modLits) < 64 {
				m.mod = len(rs.modLits)
				rs.modLits = append(rs.modLits, m.glob.lit)
				rs.modIndex[m.glob.lit[0]] = append(rs.modIndex[m.glob.lit[0]], m.mod)
			}
			if m.key == keyPath && m.glob.kind == globContains && len(m.glob.lit) > 1 && m.glob.lit[0] == '/' && len(rs.pathLits) < 64 {
				m.lit = len(rs.pathLits)
				rs.pathLits = append(rs.pathLits, m.glob.lit)
				rs.pathIndex[m.glob.lit[1]] = append(rs.pathIndex[m.glob.lit[1]], m.lit)
			}
		}
	}
	return rs, nil
}

// modHits returns the set of indexed module prefixes module starts with.
func (rs *StackTraceRules) modHits(module string) uint64 {
	if len(rs.modLits) == 0 || module == "" {
		return 0
	}
	var hits uint64
	for _, k := range rs.modIndex[module[0]] {
		if strings.HasPrefix(module, rs.modLits[k]) {
			hits |= 1 << k
		}
	}
	return hits
}

// pathHits returns the set of indexed path literals path contains
// (also as if it started with '/').
func (rs *StackTraceRules) pathHits(path string) uint64 {
	if len(rs.pathLits) == 0 || path == "" {
		return 0
	}
	var hits uint64
	check := func(rest string) {
		if rest == "" {
			return
		}
		for _, k := range rs.pathIndex[rest[0]] {
			if strings.HasPrefix(rest, rs.pathLits[k][1:]) {
				hits |= 1 << k
			}
		}
	}
	if path[0] != '/' {
		check(path)
	}
	for i := 0; i < len(path); i++ {
		if path[i] == '/' {
			check(path[i+1:])
		}
	}
	return hits
}

// commentStart is the index of a '#' outside quotes, or -1.
func commentStart(line string) int {
	inQ := false
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '"':
			inQ = !inQ
		case '#':
			if !inQ {
				return i
			}
		}
	}
	return -1
}

// splitTokens splits on blanks, keeping quoted parts ("a b") together.
func splitTokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r') {
			i++
		}
		if i >= len(s) {
			break
		}
		j, inQ := i, false
		for j < len(s) && (inQ || (s[j] != ' ' && s[j] != '\t' && s[j] != '\r')) {
			switch s[j] {
			case '\\':
				j++
			case '"':
				inQ = !inQ
			}
			j++
		}
		if j > len(s) {
			j = len(s)
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
		return s[1 : len(s)-1]
	}
	return s
}

func parseStRule(line string) (*stRule, error) {
	r := &stRule{}
	toks := splitTokens(line)
	for _, t := range toks {
		if a, ok := parseAction(t); ok {
			r.actions = append(r.actions, a)
			switch a.kind {
			case actApp, actCategory:
				r.modifies = true
			case actGroup:
				r.groups = true
			}
			continue
		}
		if len(r.actions) > 0 {
			return nil, fmt.Errorf("matcher %q after an action", t)
		}
		m, err := parseStMatcher(t)
		if err != nil {
			return nil, err
		}
		r.matchers = append(r.matchers, m)
	}
	if len(r.matchers) == 0 || len(r.actions) == 0 {
		return nil, fmt.Errorf("%q: a rule needs matchers and actions", line)
	}
	for _, m := range r.matchers {
		if m.negated {
			continue
		}
		switch m.key {
		case keyModule:
			r.needModule = true
		case keyFunction:
			r.needFunction = true
			if m.glob.kind == globExact {
				r.exactFunc = m.glob.lit
			}
		}
	}
	for i, t := range toks {
		neg := strings.HasPrefix(t, "!")
		k, v, ok := strings.Cut(strings.TrimPrefix(t, "!"), ":")
		if short, alias := canonicalKeys[k]; ok && alias {
			toks[i] = short + ":" + v
			if neg {
				toks[i] = "!" + toks[i]
			}
		}
	}
	r.text = strings.Join(toks, " ")
	return r, nil
}

func parseAction(t string) (stAction, bool) {
	if k, v, ok := strings.Cut(t, "="); ok && !strings.Contains(k, ":") {
		switch k {
		case "category":
			return stAction{kind: actCategory, value: unquote(v)}, true
		case "max-frames", "min-frames", "invert-stacktrace":
			// Accepted and ignored: they do not change non-native grouping here.
			return stAction{kind: actCategory, value: "\x00" + k}, true
		}
		return stAction{}, false
	}
	a := stAction{}
	s := t
	switch {
	case strings.HasPrefix(s, "^"):
		a.rng, s = 1, s[1:]
	case strings.HasPrefix(s, "v"):
		a.rng, s = -1, s[1:]
	}
	if len(s) < 2 || (s[0] != '+' && s[0] != '-') {
		return stAction{}, false
	}
	a.flag = s[0] == '+'
	switch s[1:] {
	case "app":
		a.kind = actApp
	case "group":
		a.kind = actGroup
	default:
		return stAction{}, false
	}
	return a, true
}

func parseStMatcher(t string) (stMatcher, error) {
	m := stMatcher{}
	if strings.HasPrefix(t, "!") {
		m.negated, t = true, t[1:]
	}
	k, v, ok := strings.Cut(t, ":")
	if !ok {
		return m, fmt.Errorf("%q is neither a matcher (key:value) nor an action", t)
	}
	key, ok := matchKeys[k]
	if !ok {
		return m, fmt.Errorf("unknown matcher %q", k)
	}
	m.key = key
	v = unquote(v)
	switch key {
	case keyFamily:
		m.families = parseFamilies(v)
	case keyApp:
		switch strings.ToLower(v) {
		case "yes", "true", "1":
			m.app = true
		case "no", "false", "0":
		default:
			return m, fmt.Errorf("app:%s: want yes or no", v)
		}
	case keyPath, keyPackage:
		m.glob = compileGlob(strings.ReplaceAll(strings.ToLower(v), "\\", "/"), true)
	case keyErrorValue:
		m.glob = compileGlob(strings.ToLower(v), false)
	default:
		m.glob = compileGlob(v, false)
	}
	return m, nil
}

// matchFrame is what rules see of a frame.
type matchFrame struct {
	family   uint8
	function string
	module   string
	pkg      string // lowercased
	path     string // lowercased, '/' separators
	inApp    bool
	category string
	pathHits uint64 // for the rule set being applied
	modHits  uint64
	scheme   bool // path contains "://"
}

// excData is what rules see of the exception a stack trace belongs to.
type excData struct {
	typ, value, mechanism string
	valueLower            string
}

func lowerPath(s string) string {
	s = strings.ToLower(s)
	if strings.IndexByte(s, '\\') >= 0 {
		s = strings.ReplaceAll(s, "\\", "/")
	}
	return s
}

func (m *stMatcher) matches(f *matchFrame, exc *excData) bool {
	var ok bool
	switch {
	case m.lit >= 0:
		return (f.pathHits&(1<<m.lit) != 0) != m.negated
	case m.mod >= 0:
		return (f.modHits&(1<<m.mod) != 0) != m.negated
	case m.scheme && !f.scheme:
		return m.negated
	}
	switch m.key {
	case keyFamily:
		ok = m.families&f.family != 0
	case keyPath:
		ok = matchPath(&m.glob, f.path)
	case keyPackage:
		ok = f.pkg != "" && matchPath(&m.glob, f.pkg)
	case keyModule:
		ok = f.module != "" && m.glob.match(f.module)
	case keyFunction:
		ok = f.function != "" && m.glob.match(f.function)
	case keyApp:
		ok = f.inApp == m.app
	case keyCategory:
		ok = f.category != "" && m.glob.match(f.category)
	case keyErrorType:
		ok = exc != nil && m.glob.match(exc.typ)
	case keyErrorValue:
		ok = exc != nil && m.glob.match(exc.valueLower)
	case keyMechanism:
		ok = exc != nil && m.glob.match(exc.mechanism)
	}
	return ok != m.negated
}

// matchPath matches a path glob, also trying the path with a leading '/'
// so that **/x/** matches a relative "x/...".
func matchPath(g *glob, path string) bool {
	if path == "" {
		return false
	}
	if g.match(path) {
		return true
	}
	if path[0] == '/' {
		return false
	}
	switch g.kind {
	case globContains:
		return g.lit[0] == '/' && strings.HasPrefix(path, g.lit[1:])
	case globExact, globPrefix:
		return g.lit != "" && g.lit[0] == '/' && g.match("/"+path)
	case globSuffix:
		return false
	}
	return g.match("/" + path)
}

func (r *stRule) matches(frames []matchFrame, idx int, exc *excData) bool {
	f := &frames[idx]
	if (r.needModule && f.module == "") || (r.needFunction && f.function == "") ||
		(r.exactFunc != "" && f.function != r.exactFunc) {
		return false
	}
	for i := range r.matchers {
		if !r.matchers[i].matches(&frames[idx], exc) {
			return false
		}
	}
	return true
}

// rangeOf is the frames an action applies to.
func rangeOf(rng int8, idx, n int) (int, int) {
	switch rng {
	case 1:
		return idx + 1, n
	case -1:
		return 0, idx
	}
	return idx, idx + 1
}

// builtinRuleText is the part of Sentry's all-platforms:2023-01-11 stack
// trace rules that concerns non-native platforms (written from Sentry's
// documentation and the behaviour its tests show).
const builtinRuleText = `
# Python
path:**/site-packages/** -app
path:**/dist-packages/** -app
# PHP, Ruby
path:**/vendor/** -app
# Go
path:**/go/pkg/mod/** -app
# JavaScript
path:**/node_modules/** -app
module:unpkg/** -app
path:**https://unpkg.com/** -app
path:**https://cdnjs.cloudflare.com/** -app
path:**https://cdn.jsdelivr.net/** -app
path:**https://esm.run/** -app
family:javascript function:reportError ^-app -app
module:@babel/** -app -group
module:core-js/** -app -group
module:regenerator-runtime/** -app -group
module:tslib/** -app -group
family:javascript function:runMicrotasks -app -group
family:javascript function:queueMicrotask -app -group
family:javascript function:processTicksAndRejections -app -group
family:javascript function:runNextTicks -app -group
family:javascript function:nextTick -app -group
# JVM
module:java.* -app
module:javax.* -app
module:sun.* -app
module:com.sun.* -app
module:jdk.* -app
module:kotlin.* -app
module:kotlinx.* -app
module:io.ktor.* -app
module:io.netty.* -app
module:io.sentry.* -app -group
`

var builtinRules = func() *StackTraceRules {
	rs, err := ParseStackTraceRules(builtinRuleText)
	if err != nil {
		panic(err)
	}
	return rs
}()
