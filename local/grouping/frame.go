package grouping

import (
	"bytes"
	"encoding/json"
	"math/bits"
	"strings"
	"unicode/utf8"

	"github.com/snag-dev/snag/api"
)

// frameState is a frame as grouping sees it after the stack trace rules.
type frameState struct {
	f        *api.Frame
	platform string
	family   uint8
	inApp    bool
	base     string  // basename of the filename, lowercased
	appRule  *stRule // the rule that last changed in_app
	group    int8    // +1 / -1 from a group rule, 0 if none
	grpRule  *stRule
}

// stackResult keeps the in_app decisions of one stack trace for the
// fingerprint variables (the crash frame) and the fingerprint rules.
type stackResult struct {
	st    *api.Stacktrace
	inApp []bool
}

// inAppOf keeps the frames' in_app decisions for the rest of the event.
func (g *grouper) inAppOf(fs []frameState) []bool {
	start := len(g.bools)
	for i := range fs {
		g.bools = append(g.bools, fs[i].inApp)
	}
	return g.bools[start:len(g.bools):len(g.bools)]
}

func (g *grouper) framePlatform(f *api.Frame) string {
	if f.Platform != "" {
		return f.Platform
	}
	return g.platform
}

// resolveInApp decides in_app for each frame: the SDK's value, Sentry's JS
// processing (native code and Node built-ins are never in-app), the
// built-in and project stack trace rules, then false. The frames it returns
// are scratch of the grouper, valid until its next call.
func (g *grouper) resolveInApp(st *api.Stacktrace, exc *excData) []frameState {
	n := len(st.Frames)
	fs := scratch(&g.fs, n)
	mfs := scratch(&g.mfs, n)
	g.maxFrames = max(g.maxFrames, n)
	for i := range st.Frames {
		f := &st.Frames[i]
		s := &fs[i]
		s.f = f
		s.platform = g.framePlatform(f)
		s.family = familyOf(s.platform)
		set := f.InApp != nil
		if set {
			s.inApp = *f.InApp
		}
		path := f.AbsPath
		if path == "" {
			path = f.Filename
		}
		if s.family == famJS {
			abs := f.AbsPath
			switch {
			// Sentry's JS processing marks native and Node built-in frames
			// not in-app before it maps the others, so a mapped frame's
			// source path ("../src/x.js") is not taken for a built-in.
			case abs == "native" || abs == "[native code]" || (s.platform == "node" && abs != "" && !nodeAppPath(abs) && !hasSourcemap(f.Data)):
				s.inApp, set = false, true
			case !set:
				if inApp, ok := jsURLInApp(path, f.Filename); ok {
					s.inApp, set = inApp, true
				}
			}
		}
		function := f.Function
		if function == "" {
			function = f.RawFunction
		}
		m := &mfs[i]
		*m = matchFrame{family: s.family, function: function, module: f.Module,
			rawPkg: f.Package, rawPath: path, hitPath: path, inApp: s.inApp}
		if !isASCII(path) {
			m.hitPath = m.lowerPath()
		}
		m.scheme = hasSchemeFold(m.hitPath)
	}
	g.lowerBases(st, fs)
	g.indexFrames(mfs)
	// Rules that change frames (in_app, category) all apply before any rule
	// that decides grouping, since the latter match on in_app.
	g.eachMatch(mfs, exc, func(rs *StackTraceRules) []uint64 { return rs.modifying }, func(r *stRule, a stAction, j int) {
		switch a.kind {
		case actApp:
			fs[j].appRule = r
			fs[j].inApp, mfs[j].inApp = a.flag, a.flag
		case actCategory:
			if !strings.HasPrefix(a.value, "\x00") {
				mfs[j].category = a.value
			}
		}
	})
	g.eachMatch(mfs, exc, func(rs *StackTraceRules) []uint64 { return rs.grouping }, func(r *stRule, a stAction, j int) {
		if a.kind != actGroup {
			return
		}
		fs[j].group, fs[j].grpRule = -1, r
		if a.flag {
			fs[j].group = 1
		}
	})
	return fs
}

// scratch returns (*buf)[:n] zeroed, growing *buf if needed.
func scratch[T any](buf *[]T, n int) []T {
	if cap(*buf) < n {
		*buf = make([]T, n)
	}
	s := (*buf)[:n]
	clear(s)
	return s
}

// jsURLInApp is Sentry's in_app for a JavaScript frame the SDK left
// undecided: webpack: (except ~/ files) and app: paths are in-app unless
// under node_modules; ok is false for other paths.
func jsURLInApp(path, filename string) (inApp, ok bool) {
	lp := path
	if !isASCII(path) {
		lp = strings.ToLower(path)
	}
	if (hasPrefixLowerASCII(lp, "webpack:") && !strings.HasPrefix(filename, "~/")) || hasPrefixLowerASCII(lp, "app:") {
		for i := 0; i+len("/node_modules/") <= len(lp); i++ {
			if hasPrefixLowerASCII(lp[i:], "/node_modules/") {
				return false, true
			}
		}
		return true, true
	}
	return false, false
}

// hasPrefixLowerASCII is strings.HasPrefix(strings.ToLower(s), lit) for an
// ASCII (or lowered) s and a lowercase lit.
func hasPrefixLowerASCII(s, lit string) bool {
	if len(s) < len(lit) {
		return false
	}
	for i := 0; i < len(lit); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lit[i] {
			return false
		}
	}
	return true
}

// lowerBases sets each frame's base, the lowercased basename of its
// filename: a substring of it when already lowercase, else cut from one
// string made for the whole stack trace.
func (g *grouper) lowerBases(st *api.Stacktrace, fs []frameState) {
	lower := false
	for i := range fs {
		b := basename(st.Frames[i].Filename)
		fs[i].base = b
		for j := 0; j < len(b) && !lower; j++ {
			if c := b[j]; (c >= 'A' && c <= 'Z') || c >= utf8.RuneSelf {
				lower = true
			}
		}
	}
	if !lower {
		return
	}
	buf := g.lbuf[:0]
	offs := scratch(&g.offs, len(fs)+1)
	for i := range fs {
		offs[i] = len(buf)
		b := fs[i].base
		if !isASCII(b) {
			buf = append(buf, lowerPath(b)...)
			continue
		}
		for j := 0; j < len(b); j++ {
			buf = append(buf, foldPath[b[j]])
		}
	}
	offs[len(fs)] = len(buf)
	all := string(buf)
	for i := range fs {
		fs[i].base = all[offs[i]:offs[i+1]]
	}
	g.lbuf = buf
}

// indexFrames finds, per rule set and frame, the literals the frame hits
// and the rules it can match; the union of the latter per rule set follows
// its frames' (rule sets are laid out one after another in g.cand).
func (g *grouper) indexFrames(mfs []matchFrame) {
	n := len(mfs)
	words := 0
	for _, rs := range g.rules {
		words += (n + 1) * rs.nw
	}
	hits := scratch(&g.hits, len(g.rules)*n)
	cand := scratch(&g.cand, words)
	for s, rs := range g.rules {
		nw := rs.nw
		union := cand[n*nw : (n+1)*nw]
		for i := range mfs {
			h := frameHits{path: rs.pathHits(mfs[i].hitPath), mod: rs.modHits(mfs[i].module)}
			hits[s*n+i] = h
			c := cand[i*nw : (i+1)*nw]
			rs.candidates(c, &mfs[i], h)
			orInto(union, c)
		}
		cand = cand[(n+1)*nw:]
	}
}

// eachMatch calls fn for every frame each action of every selected rule
// reaches, rule sets in order, rules in order; a rule is only tried on the
// frames indexFrames found it can match.
func (g *grouper) eachMatch(mfs []matchFrame, exc *excData, selected func(*StackTraceRules) []uint64, fn func(r *stRule, a stAction, frame int)) {
	n := len(mfs)
	cand := g.cand
	for s, rs := range g.rules {
		nw := rs.nw
		union, sel := cand[n*nw:(n+1)*nw], selected(rs)
		hits := g.hits[s*n : (s+1)*n]
		for w := 0; w < nw; w++ {
			for todo := union[w] & sel[w]; todo != 0; todo &= todo - 1 {
				b := bits.TrailingZeros64(todo)
				r := rs.rules[w*64+b]
				for idx := 0; idx < n; idx++ {
					if cand[idx*nw+w]&(1<<b) == 0 || !r.matches(&mfs[idx], hits[idx], exc) {
						continue
					}
					for _, a := range r.actions {
						lo, hi := rangeOf(a.rng, idx, n)
						for j := lo; j < hi; j++ {
							fn(r, a, j)
						}
					}
				}
			}
		}
		cand = cand[(n+1)*nw:]
	}
}

// nodeAppPath is Sentry's test for Node frames that are not built-ins:
// ^((app|webpack|[a-zA-Z]):|/).
func nodeAppPath(abs string) bool {
	if strings.HasPrefix(abs, "/") || strings.HasPrefix(abs, "app:") || strings.HasPrefix(abs, "webpack:") {
		return true
	}
	return len(abs) >= 2 && abs[1] == ':' && (abs[0]|0x20 >= 'a' && abs[0]|0x20 <= 'z')
}

// stackVariants builds the app and system stacktrace components.
func (g *grouper) stackVariants(st *api.Stacktrace, exc *excData) (app, sys *Component) {
	fs := g.resolveInApp(st, exc)
	n := len(fs)
	g.reserve(n*6 + 8)
	g.stacks = append(g.stacks, stackResult{st: st, inApp: g.inAppOf(fs)})

	sysFrames := g.values(n)
	appFrames := g.values(n)
	var prev *api.Frame
	anyInApp := false
	for i := range fs {
		s := &fs[i]
		base := g.frameComp(s, prev)
		prev = s.f
		a := g.alloc()
		*a = *base
		if !s.inApp {
			a.set(false, "non app frame")
		} else {
			anyInApp = true
		}
		sysFrames[i], appFrames[i] = base, a
	}
	// A lone JavaScript frame without a function is ignored when it points
	// to a URL (Sentry keeps this inverted check for this config).
	if n == 1 && fs[0].family == famJS && fs[0].f.Function == "" && isURLFrame(fs[0].f.AbsPath) {
		for _, c := range [2]*Component{sysFrames[0].(*Component), appFrames[0].(*Component)} {
			if c.Contributes {
				c.set(false, "ignored single non-URL JavaScript frame")
			}
		}
	}
	for i := range fs {
		s := &fs[i]
		if s.group == 0 {
			continue
		}
		flag := s.group > 0
		for _, v := range [2]any{sysFrames[i], appFrames[i]} {
			c := v.(*Component)
			if c == appFrames[i] && !s.inApp {
				continue
			}
			if c.Contributes != flag {
				if flag {
					c.set(true, s.grpRule.hintUnignored)
				} else {
					c.set(false, s.grpRule.hintIgnored)
				}
			}
		}
	}
	// Say which rule moved a frame in or out of the app.
	for i := range fs {
		s := &fs[i]
		if s.appRule == nil {
			continue
		}
		if c := appFrames[i].(*Component); c.Hint == "" || c.Hint == "non app frame" {
			c.Hint = s.appRule.hintOutOfApp
			if s.inApp {
				c.Hint = s.appRule.hintInApp
			}
		}
	}
	if n == 0 {
		return nil, nil
	}
	sys = g.newComp("stacktrace", sysFrames)
	if !sys.Contributes {
		sys.Hint = "ignored because it contains no contributing frames"
	}
	app = g.newComp("stacktrace", appFrames)
	if !app.Contributes {
		if anyInApp {
			app.Hint = "ignored because it contains no contributing frames"
		} else {
			app.Hint = "ignored because it contains no in-app frames"
		}
	}
	return app, sys
}

func isURLFrame(abs string) bool {
	return strings.HasPrefix(abs, "blob:") || strings.HasPrefix(abs, "file:") ||
		strings.HasPrefix(abs, "http:") || strings.HasPrefix(abs, "https:") || strings.HasPrefix(abs, "applewebdata:")
}

// hasURLOrigin: http(s), applewebdata and blob URLs; file: URLs only when
// allowFile is false.
func hasURLOrigin(path string, allowFile bool) bool {
	if path == "" {
		return false
	}
	if strings.HasPrefix(path, "http:") || strings.HasPrefix(path, "https:") ||
		strings.HasPrefix(path, "applewebdata:") || strings.HasPrefix(path, "blob:") {
		return true
	}
	return strings.HasPrefix(path, "file:") && !allowFile
}

func contextLinePlatform(p string) bool {
	switch p {
	case "javascript", "node", "python", "php", "ruby":
		return true
	}
	return false
}

// frameComp builds one frame's component (as the system variant sees it).
func (g *grouper) frameComp(s *frameState, prev *api.Frame) *Component {
	f := s.f
	platform := s.platform
	js := s.family == famJS

	var filename *Component
	if f.Filename != "" {
		base := s.base
		var hint string
		off := false
		switch {
		case hasURLOrigin(f.AbsPath, true):
			off, hint = true, "ignored because frame points to a URL"
		case base == "<anonymous>":
			off, hint = true, "anonymous filename discarded"
		case base == "[native code]":
			off, hint = true, "native code indicated by filename"
		case platform == "java":
			if nb := cleanJavassist(base); nb != base {
				base, hint = nb, "cleaned javassist parts"
			}
		}
		// A filename ending in a separator ("https://example.com/", an
		// inline script of the site's root page) has an empty basename:
		// Sentry's component is then empty, which never contributes nor
		// prints, as a nil one here.
		filename = g.leaf("filename", base)
		if hint != "" && filename != nil {
			filename.set(!off, hint)
		}
	}

	var module *Component
	if f.Module != "" {
		mod, hint, off := f.Module, "", false
		switch {
		case js && strings.IndexByte(mod, '/') >= 0 && f.AbsPath != "" && strings.HasSuffix(f.AbsPath, mod):
			off, hint = true, "ignored bad javascript module"
		case platform == "java":
			mod, hint, off = cleanJavaModule(mod)
		}
		module = g.leaf("module", mod)
		if hint != "" {
			module.set(!off, hint)
		}
	}
	if module != nil && module.Contributes && filename != nil && filename.Contributes {
		filename.set(false, "module takes precedence")
	}

	var contextLine *Component
	if f.ContextLine != "" && contextLinePlatform(platform) {
		line := collapseSpaces(f.ContextLine)
		if line != "" {
			contextLine = g.leaf("context-line", line)
			switch {
			case len(f.ContextLine) > 120 && utf8.RuneCountInString(f.ContextLine) > 120:
				contextLine.set(false, "discarded because line too long")
			case js && f.Function == "" && hasURLOrigin(f.AbsPath, false):
				contextLine.set(false, "discarded because from URL origin")
			}
		}
	}

	function := g.functionComp(s, js && contextLine != nil && contextLine.Contributes && hasSourcemap(f.Data))

	if s.family == famNative && function != nil && function.Contributes && filename != nil && filename.Contributes {
		filename.set(false, "native function name takes precedence")
	}

	var vals []any
	if contextLine != nil {
		vals = g.compList(module, filename, function, contextLine)
	} else {
		vals = g.compList(module, filename, function)
	}
	rv := g.newComp("frame", vals)

	if js {
		fn := f.RawFunction
		if fn == "" {
			fn = f.Function
		}
		if i := strings.LastIndexByte(fn, '.'); i >= 0 {
			fn = fn[i+1:]
		}
		switch {
		case fn == "":
			if function != nil {
				function.Contributes = false
			}
		case fn == "?" || fn == "<anonymous function>" || fn == "<anonymous>" || fn == "Anonymous function" || strings.HasSuffix(fn, "/<"):
			if function != nil {
				function.set(false, "ignored unknown function name")
			}
		}
		switch f.AbsPath {
		case "[native code]", "native code", "eval code", "<anonymous>":
			rv.set(false, "ignored low quality javascript frame")
		default:
			if fn == "eval" {
				rv.set(false, "ignored low quality javascript frame")
			}
		}
	}
	if prev != nil && isRecursion(f, prev) {
		rv.set(false, "ignored due to recursion")
	}
	return rv
}

func (g *grouper) functionComp(s *frameState, sourcemapAndContext bool) *Component {
	f := s.f
	platform := s.platform
	var fn string
	if platform == "csharp" {
		fn = f.RawFunction
		if fn == "" {
			fn = f.Function
		}
	} else {
		fn = f.Function
		if fn == "" {
			fn = f.RawFunction
		}
	}
	if fn == "" {
		return nil
	}
	c := g.leaf("function", fn)
	switch {
	case platform == "ruby":
		if strings.HasPrefix(fn, "block ") {
			c.Values[0], c.Hint = "block", "ruby block"
		} else if nf := stripErbSuffix(fn); nf != fn {
			c.Values[0], c.Hint = g.str(nf), "removed generated erb template suffix"
		}
	case platform == "php":
		if strings.HasPrefix(fn, "[Anonymous") || strings.HasPrefix(fn, "class@anonymous\x00") {
			c.set(false, "ignored anonymous function")
		}
		if strings.HasPrefix(fn, "class@anonymous") {
			if i := strings.LastIndex(fn, "::"); i >= 0 {
				c.Values[0] = g.str(fn[i+2:])
				if c.Hint == "" {
					c.Hint = "anonymous class method"
				}
			}
		}
	case platform == "java":
		if strings.HasPrefix(fn, "lambda$") {
			c.set(false, "ignored lambda function")
		}
	case s.family == famNative:
		if fn == "<redacted>" || fn == "<unknown>" {
			c.set(false, "ignored unknown function")
		}
	case s.family == famJS:
		if i := strings.LastIndexByte(fn, '.'); i >= 0 {
			c.Values[0], c.Hint = g.str(fn[i+1:]), "trimmed javascript function"
		}
		if sourcemapAndContext {
			c.set(false, "ignored because sourcemap used and context line available")
		}
	}
	return c
}

// hasSourcemap reports whether frame.data.sourcemap is set (not null).
func hasSourcemap(data json.RawMessage) bool {
	key := []byte(`"sourcemap"`)
	for {
		i := bytes.Index(data, key)
		if i < 0 {
			return false
		}
		rest := bytes.TrimLeft(data[i+len(key):], " \t\r\n")
		if len(rest) > 0 && rest[0] == ':' {
			rest = bytes.TrimLeft(rest[1:], " \t\r\n")
			return len(rest) > 0 && rest[0] != 'n'
		}
		data = data[i+len(key):]
	}
}

func isRecursion(a, b *api.Frame) bool {
	return a.AbsPath == b.AbsPath && a.Package == b.Package && a.Module == b.Module &&
		a.Filename == b.Filename && a.Function == b.Function && a.Lineno == b.Lineno && a.Colno == b.Colno
}

func basename(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' || p[i] == '\\' {
			return p[i+1:]
		}
	}
	return p
}

// stripErbSuffix removes Ruby's generated __<digits>_<digits> suffix of
// compiled ERB templates.
func stripErbSuffix(fn string) string {
	i := len(fn)
	j := i
	for j > 0 && isDigit(fn[j-1]) {
		j--
	}
	if i-j < 4 || j == 0 || fn[j-1] != '_' {
		return fn
	}
	k := j - 1
	m := k
	for m > 0 && isDigit(fn[m-1]) {
		m--
	}
	if k-m < 4 || m < 2 || fn[m-1] != '_' || fn[m-2] != '_' {
		return fn
	}
	return fn[:m-2]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// collapseSpaces joins the whitespace-separated words of s with single
// spaces (Python's " ".join(s.split())).
func collapseSpaces(s string) string {
	start, end := 0, len(s)
	for start < end && s[start] < utf8.RuneSelf && isPySpace(s[start]) {
		start++
	}
	for end > start && s[end-1] < utf8.RuneSelf && isPySpace(s[end-1]) {
		end--
	}
	if singleSpaced(s[start:end]) {
		return s[start:end]
	}
	return joinWords(s[start:end])
}

// singleSpaced reports whether s is ASCII without whitespace but single
// spaces, as most context lines are once trimmed: then joining its words
// changes nothing. It reads eight bytes at a time.
func singleSpaced(s string) bool {
	const hi, lo7 = 0x8080808080808080, 0x7f7f7f7f7f7f7f7f
	// zeros has the high bit of each zero byte of v set.
	zeros := func(v uint64) uint64 { return ^(((v & lo7) + lo7) | v) & hi }
	prevSpace := false
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if w&hi != 0 {
			return false
		}
		if zeros(w&0xe0e0e0e0e0e0e0e0) != 0 {
			// A byte below ' ': whitespace or another control character.
			for _, c := range []byte(s[i : i+8]) {
				if spaceClass[c] == spOther || (c == ' ' && prevSpace) {
					return false
				}
				prevSpace = c == ' '
			}
			continue
		}
		sp := zeros(w ^ 0x2020202020202020)
		if sp&(sp<<8) != 0 || (prevSpace && sp&0x80 != 0) {
			return false
		}
		prevSpace = sp>>63 != 0
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || spaceClass[c] == spOther || (c == ' ' && prevSpace) {
			return false
		}
		prevSpace = c == ' '
	}
	return true
}

// joinWords is collapseSpaces without its shortcut.
func joinWords(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	inWord := false
	for _, r := range s {
		if isPySpaceRune(r) {
			inWord = false
			continue
		}
		if !inWord && b.Len() > 0 {
			b.WriteByte(' ')
		}
		inWord = true
		b.WriteRune(r)
	}
	return b.String()
}

// Byte classes for collapseSpaces.
const (
	spNone   = 0
	spSpace  = 1 // ' '
	spOther  = 2 // other whitespace
	spNonASC = 4
)

var spaceClass = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c >= utf8.RuneSelf:
			t[c] = spNonASC
		case c == ' ':
			t[c] = spSpace
		case isPySpace(byte(c)):
			t[c] = spOther
		}
	}
	return t
}()

func isPySpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f)
}

func isPySpaceRune(r rune) bool {
	if r < 0x80 {
		return isPySpace(byte(r))
	}
	switch r {
	case 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// Java generated-class markers.

func cleanJavaModule(mod string) (string, string, bool) {
	if strings.Contains(mod, "$$Lambda$") {
		return mod, "ignored java lambda", true
	}
	if strings.HasPrefix(mod, "sun.reflect.GeneratedMethodAccessor") {
		return "sun.reflect.GeneratedMethodAccessor", "removed reflection marker", false
	}
	if strings.HasPrefix(mod, "jdk.internal.reflect.GeneratedMethodAccessor") {
		return "jdk.internal.reflect.GeneratedMethodAccessor", "removed reflection marker", false
	}
	old := mod
	mod = replaceReflectCtor(mod)
	mod = replaceCodegen(mod, "$$", "CGLIB$$")
	mod = cleanJavassist(mod)
	mod = replaceDigitsAfter(mod, "$fn__")
	mod = replaceCodegen(mod, "$$EnhancerBy", "$$")
	mod = replaceCodegen(mod, "$$FastClassBy", "$$")
	mod = replaceHibernate(mod)
	if mod != old {
		return mod, "removed codegen marker", false
	}
	return mod, "", false
}

// replaceReflectCtor: sun.reflect.Generated(Serialization)?ConstructorAccessor<digits> → ...<auto>.
func replaceReflectCtor(s string) string {
	for _, p := range [...]string{"sun.reflect.GeneratedSerializationConstructorAccessor", "sun.reflect.GeneratedConstructorAccessor"} {
		if i := strings.Index(s, p); i >= 0 {
			j := i + len(p)
			k := j
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			if k > j {
				return s[:j] + "<auto>" + replaceReflectCtor(s[k:])
			}
		}
	}
	return s
}

func isWordByte(c byte) bool {
	return c == '_' || isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

func isHexByte(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

// replaceCodegen rewrites "(<prefix>\w+?<suffix>)[0-9a-fA-F]+(_[0-9]+)?"
// as "\1<auto>", everywhere in s.
func replaceCodegen(s, prefix, suffix string) string {
	for i := 0; i < len(s); {
		k := strings.Index(s[i:], prefix)
		if k < 0 {
			break
		}
		start := i + k
		p := start + len(prefix)
		end := -1
		for q := p + 1; q <= len(s)-len(suffix); q++ {
			if !isWordByte(s[q-1]) {
				break
			}
			if s[q:q+len(suffix)] == suffix {
				end = q + len(suffix)
				break
			}
		}
		if end < 0 {
			i = start + 1
			continue
		}
		h := end
		for h < len(s) && isHexByte(s[h]) {
			h++
		}
		if h == end {
			i = start + 1
			continue
		}
		if h+1 < len(s) && s[h] == '_' && isDigit(s[h+1]) {
			h++
			for h < len(s) && isDigit(s[h]) {
				h++
			}
		}
		s = s[:end] + "<auto>" + s[h:]
		i = end + len("<auto>")
	}
	return s
}

func cleanJavassist(s string) string {
	const m = "$$_javassist"
	i := strings.Index(s, m)
	if i < 0 {
		return s
	}
	j := i + len(m)
	k := j
	if strings.HasPrefix(s[k:], "_seam") {
		k += len("_seam")
	}
	if k+1 < len(s) && s[k] == '_' && isDigit(s[k+1]) {
		k++
		for k < len(s) && isDigit(s[k]) {
			k++
		}
	}
	return s[:j] + "<auto>" + cleanJavassist(s[k:])
}

func replaceDigitsAfter(s, marker string) string {
	i := strings.Index(s, marker)
	if i < 0 {
		return s
	}
	j := i + len(marker)
	k := j
	for k < len(s) && isDigit(s[k]) {
		k++
	}
	if k == j {
		return s[:j] + replaceDigitsAfter(s[j:], marker)
	}
	return s[:j] + "<auto>" + replaceDigitsAfter(s[k:], marker)
}

func replaceHibernate(s string) string {
	const m = "$HibernateProxy$"
	i := strings.Index(s, m)
	if i < 0 {
		return s
	}
	j := i + len(m)
	k := j
	for k < len(s) && (isDigit(s[k]) || (s[k]|0x20 >= 'a' && s[k]|0x20 <= 'z')) {
		k++
	}
	if k == j {
		return s
	}
	return s[:j] + "<auto>" + s[k:]
}
