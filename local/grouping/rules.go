package grouping

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf8"
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
	// Literals of path matchers "**/x/**" (they start with '/') and
	// "**x://y**" (they hold "://"), at most 64: a frame's path is scanned
	// once per rule set, and such a matcher tests a bit. The first kind is
	// indexed by the byte after the '/', the second is listed.
	pathLits   []pathLit
	pathIndex  [256][]int
	schemeLits []int
	// Module prefixes of "x.*" / "x/**" matchers, indexed by first byte.
	modLits  []string
	modIndex [256][]int

	// The rules a frame can match, as bitsets of rule indexes (nw words
	// each): a rule is filed under one matcher the frame must satisfy
	// (a path or module literal, an exact function, a "://" in the path),
	// else under always; byFamily leaves out rules whose family matchers
	// exclude the frame's family.
	nw                  int
	always              []uint64
	byPath              [][]uint64 // per path literal
	byMod               [][]uint64 // per module prefix
	byFunc              map[string][]uint64
	byScheme            []uint64
	byFamily            [3][]uint64 // by familyIndex
	modifying, grouping []uint64
}

// pathLit is a path literal: anchor is -1 for "/x" literals, else the
// offset of "://" in lit.
type pathLit struct {
	lit    string
	anchor int
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

	// The hints of the frames it changes, made once.
	hintUnignored, hintIgnored, hintInApp, hintOutOfApp string
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
	rs.index()
	return rs, nil
}

// index files the path and module literals and the rules (see
// StackTraceRules).
func (rs *StackTraceRules) index() {
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
			if m.key != keyPath || m.glob.kind != globContains || len(rs.pathLits) >= 64 {
				continue
			}
			switch lit := m.glob.lit; {
			case len(lit) > 1 && lit[0] == '/':
				m.lit = len(rs.pathLits)
				rs.pathLits = append(rs.pathLits, pathLit{lit: lit, anchor: -1})
				rs.pathIndex[lit[1]] = append(rs.pathIndex[lit[1]], m.lit)
			case m.scheme:
				m.lit = len(rs.pathLits)
				rs.pathLits = append(rs.pathLits, pathLit{lit: lit, anchor: strings.Index(lit, "://")})
				rs.schemeLits = append(rs.schemeLits, m.lit)
			}
		}
	}

	rs.nw = (len(rs.rules) + 63) / 64
	set := func() []uint64 { return make([]uint64, rs.nw) }
	rs.always, rs.byScheme, rs.modifying, rs.grouping = set(), set(), set(), set()
	for i := range rs.byFamily {
		rs.byFamily[i] = set()
	}
	rs.byPath = make([][]uint64, len(rs.pathLits))
	for i := range rs.byPath {
		rs.byPath[i] = set()
	}
	rs.byMod = make([][]uint64, len(rs.modLits))
	for i := range rs.byMod {
		rs.byMod[i] = set()
	}
	for ri, r := range rs.rules {
		w, bit := ri/64, uint64(1)<<(ri%64)
		if r.modifies {
			rs.modifying[w] |= bit
		}
		if r.groups {
			rs.grouping[w] |= bit
		}
		fams := famAll
		for _, m := range r.matchers {
			if m.key == keyFamily {
				if m.negated {
					fams &^= m.families
				} else {
					fams &= m.families
				}
			}
		}
		for fi := range rs.byFamily {
			if fams&(1<<fi) != 0 {
				rs.byFamily[fi][w] |= bit
			}
		}
		into := rs.always
	key:
		for _, m := range r.matchers {
			if m.negated {
				continue
			}
			switch {
			case m.lit >= 0:
				into = rs.byPath[m.lit]
			case m.mod >= 0:
				into = rs.byMod[m.mod]
			case m.key == keyFunction && m.glob.kind == globExact && m.glob.lit != "":
				if rs.byFunc == nil {
					rs.byFunc = map[string][]uint64{}
				}
				if rs.byFunc[m.glob.lit] == nil {
					rs.byFunc[m.glob.lit] = set()
				}
				into = rs.byFunc[m.glob.lit]
			case m.scheme:
				into = rs.byScheme
			default:
				continue
			}
			break key
		}
		into[w] |= bit
	}
}

// familyIndex is the bit number of a family (famOther, famJS, famNative).
func familyIndex(fam uint8) int {
	switch fam {
	case famJS:
		return 1
	case famNative:
		return 2
	}
	return 0
}

// candidates sets cand to the rules f can match, given its hits.
func (rs *StackTraceRules) candidates(cand []uint64, f *matchFrame, h frameHits) {
	copy(cand, rs.always)
	for hits := h.path; hits != 0; hits &= hits - 1 {
		orInto(cand, rs.byPath[bits.TrailingZeros64(hits)])
	}
	for hits := h.mod; hits != 0; hits &= hits - 1 {
		orInto(cand, rs.byMod[bits.TrailingZeros64(hits)])
	}
	if rs.byFunc != nil && f.function != "" {
		if ws, ok := rs.byFunc[f.function]; ok {
			orInto(cand, ws)
		}
	}
	if f.scheme {
		orInto(cand, rs.byScheme)
	}
	fam := rs.byFamily[familyIndex(f.family)]
	for i := range cand {
		cand[i] &= fam[i]
	}
}

func orInto(dst, src []uint64) {
	for i := range dst {
		dst[i] |= src[i]
	}
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

// pathHits returns the set of indexed path literals that lowerPath(path)
// contains ("/x" literals also as if it started with '/'). path must be
// ASCII or already lowered: it is read through foldPath.
func (rs *StackTraceRules) pathHits(path string) uint64 {
	if len(rs.pathLits) == 0 || path == "" {
		return 0
	}
	var hits uint64
	check := func(rest string) {
		if rest == "" {
			return
		}
		for _, k := range rs.pathIndex[foldPath[rest[0]]] {
			if hasPrefixFold(rest, rs.pathLits[k].lit[1:]) {
				hits |= 1 << k
			}
		}
	}
	if foldPath[path[0]] != '/' {
		check(path)
	}
	if strings.IndexByte(path, '\\') < 0 {
		// The usual path: find the separators and "://" with the
		// strings functions.
		for rest := path; ; {
			i := strings.IndexByte(rest, '/')
			if i < 0 {
				break
			}
			rest = rest[i+1:]
			check(rest)
		}
		if len(rs.schemeLits) == 0 {
			return hits
		}
		for off := 0; ; {
			i := strings.Index(path[off:], "://")
			if i < 0 {
				break
			}
			i += off
			for _, k := range rs.schemeLits {
				if pl := &rs.pathLits[k]; i >= pl.anchor && hasPrefixFold(path[i-pl.anchor:], pl.lit) {
					hits |= 1 << k
				}
			}
			off = i + 1
		}
		return hits
	}
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case '/', '\\':
			check(path[i+1:])
		case ':':
			if len(rs.schemeLits) == 0 || i+2 >= len(path) || foldPath[path[i+1]] != '/' || foldPath[path[i+2]] != '/' {
				continue
			}
			for _, k := range rs.schemeLits {
				if pl := &rs.pathLits[k]; i >= pl.anchor && hasPrefixFold(path[i-pl.anchor:], pl.lit) {
					hits |= 1 << k
				}
			}
		}
	}
	return hits
}

// foldPath maps a byte as lowerPath does an ASCII one: A-Z to a-z, a
// backslash to '/'.
var foldPath = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = byte(c) + 'a' - 'A'
	}
	t['\\'] = '/'
	return t
}()

// hasPrefixFold is strings.HasPrefix(lowerPath(s), lit) for an ASCII (or
// lowered) s.
func hasPrefixFold(s, lit string) bool {
	if len(s) < len(lit) {
		return false
	}
	for i := 0; i < len(lit); i++ {
		if foldPath[s[i]] != lit[i] {
			return false
		}
	}
	return true
}

// hasSchemeFold is strings.Contains(lowerPath(s), "://") for an ASCII (or
// lowered) s.
func hasSchemeFold(s string) bool {
	if strings.IndexByte(s, '\\') < 0 {
		return strings.Contains(s, "://")
	}
	for i := 0; i+2 < len(s); i++ {
		if s[i] == ':' && foldPath[s[i+1]] == '/' && foldPath[s[i+2]] == '/' {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	// Eight bytes at a time: paths are long enough for it to matter.
	for len(s) >= 8 {
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		if w&0x8080808080808080 != 0 {
			return false
		}
		s = s[8:]
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
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
	r.hintUnignored = "un-ignored by stack trace rule (" + r.text + ")"
	r.hintIgnored = "ignored by stack trace rule (" + r.text + ")"
	r.hintInApp = "marked in-app by stack trace rule (" + r.text + ")"
	r.hintOutOfApp = "marked out of app by stack trace rule (" + r.text + ")"
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
	rawPkg   string
	rawPath  string // abs_path, else filename
	hitPath  string // rawPath if ASCII, else lowered: what pathHits reads
	pkg      string // lowercased, '/' separators, once pkgDone
	path     string // lowercased, '/' separators, once pathDone
	pathDone bool
	pkgDone  bool
	inApp    bool
	category string
	scheme   bool // path contains "://"
}

// frameHits are the literals of one rule set a frame's path and module hit.
type frameHits struct {
	path, mod uint64
}

// lowerPath is the frame's path lowercased with '/' separators, made on
// first use: most rule sets only need the literals pathHits finds.
func (f *matchFrame) lowerPath() string {
	if !f.pathDone {
		f.path, f.pathDone = lowerPath(f.rawPath), true
	}
	return f.path
}

func (f *matchFrame) lowerPkg() string {
	if !f.pkgDone {
		f.pkg, f.pkgDone = lowerPath(f.rawPkg), true
	}
	return f.pkg
}

// excData is what rules see of the exception a stack trace belongs to.
type excData struct {
	typ, value, mechanism string
	valueLower            string // once lowered
	lowered               bool
}

// lowerValue is the value lowercased, made on first use (only error.value
// matchers need it).
func (d *excData) lowerValue() string {
	if !d.lowered {
		d.valueLower, d.lowered = strings.ToLower(d.value), true
	}
	return d.valueLower
}

func lowerPath(s string) string {
	s = strings.ToLower(s)
	if strings.IndexByte(s, '\\') >= 0 {
		s = strings.ReplaceAll(s, "\\", "/")
	}
	return s
}

func (m *stMatcher) matches(f *matchFrame, h frameHits, exc *excData) bool {
	var ok bool
	switch {
	case m.lit >= 0:
		return (h.path&(1<<m.lit) != 0) != m.negated
	case m.mod >= 0:
		return (h.mod&(1<<m.mod) != 0) != m.negated
	case m.scheme && !f.scheme:
		return m.negated
	}
	switch m.key {
	case keyFamily:
		ok = m.families&f.family != 0
	case keyPath:
		ok = f.rawPath != "" && matchPath(&m.glob, f.lowerPath())
	case keyPackage:
		ok = f.rawPkg != "" && matchPath(&m.glob, f.lowerPkg())
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
		ok = exc != nil && m.glob.match(exc.lowerValue())
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

func (r *stRule) matches(f *matchFrame, h frameHits, exc *excData) bool {
	if (r.needModule && f.module == "") || (r.needFunction && f.function == "") ||
		(r.exactFunc != "" && f.function != r.exactFunc) {
		return false
	}
	for i := range r.matchers {
		if !r.matchers[i].matches(f, h, exc) {
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
