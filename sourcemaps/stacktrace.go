package sourcemaps

import (
	"strconv"
	"strings"
)

// Engine names used in StackFrame.Engine. They name the format a line was
// printed in, which is what rendering and position conventions depend on:
// IE, legacy Edge, PhantomJS and Bun print V8's "at" format and are reported
// as EngineV8.
const (
	EngineV8           = "v8"
	EngineSpiderMonkey = "spidermonkey"
	EngineJSC          = "jsc"
	EngineHermes       = "hermes"
	EngineOpera        = "opera" // Presto, Opera 9 to 12
)

// Trace is a stack trace as text, split into lines. Every input line has a
// TraceLine, so a caller can print the trace back with some frames replaced.
type Trace struct {
	Lines []TraceLine
}

// TraceLine is one line of a Trace.
type TraceLine struct {
	// Text is the line exactly as given, without its "\n".
	Text string
	// Frame is nil for message lines, headers and anything not understood.
	Frame *StackFrame
}

// StackFrame is one parsed frame of a JavaScript stack trace.
type StackFrame struct {
	// Function is the function name as printed, without the markers that
	// have their own fields ("async ", "new ", " [as x]", "cause*"). It is
	// empty for anonymous frames.
	Function string
	// URL is the file, URL or pseudo-location as printed ("native",
	// "<anonymous>", "[native code]", "eval code"); empty if none was printed.
	URL string
	// Line and Column are 1-based as engines print them; 0 when absent.
	// For eval frames they are the position of the eval call (see Eval).
	Line, Column int
	// Engine is the format the line was printed in (the Engine* constants).
	Engine string
	// Async marks an async frame: V8's "async " and SpiderMonkey's
	// "cause*" prefixes.
	Async bool
	// AsyncCause is SpiderMonkey's async cause ("async", "promise callback").
	AsyncCause string
	// Constructor marks V8's "new " prefix.
	Constructor bool
	// Native marks builtins that have no source: "native", "native code",
	// "[native code]".
	Native bool
	// Eval marks a frame in eval'd code whose URL, Line and Column were taken
	// from the eval call site, the only position a sourcemap can map. The
	// position inside the eval'd code is kept in EvalLine and EvalColumn.
	Eval                 bool
	EvalLine, EvalColumn int
	// Alias is the method name from V8's " [as alias]".
	Alias string
	// PromiseIndex is N in V8's "Promise.all (index N)", else -1.
	PromiseIndex int
	// WasmFunction and WasmOffset come from "url:wasm-function[N]:0xOFF";
	// WasmFunction is -1 for other frames.
	WasmFunction int
	WasmOffset   int
	// Raw is the line without surrounding whitespace.
	Raw string
}

// Frames returns the parsed frames in the order printed: innermost call
// first for every supported engine.
func (t Trace) Frames() []StackFrame {
	var out []StackFrame
	for _, l := range t.Lines {
		if l.Frame != nil {
			out = append(out, *l.Frame)
		}
	}
	return out
}

// String returns the text the trace was parsed from.
func (t Trace) String() string {
	var b strings.Builder
	for i, l := range t.Lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.Text)
	}
	return b.String()
}

// Indent returns the leading whitespace of the line, so that a replacement
// frame can be printed at the same depth (Node indents causes further).
func (l TraceLine) Indent() string {
	return l.Text[:len(l.Text)-len(strings.TrimLeft(l.Text, " \t"))]
}

// traceMaxLine bounds the work per line; a longer line is kept as a message.
// Real frames, even with data: URLs, are far shorter.
const traceMaxLine = 64 << 10

// ParseStack splits text into lines and parses each line that looks like a
// frame in one of the supported formats. It never fails: lines that are not
// frames are kept as message lines. Lines are separated by "\n"; a "\r"
// before it stays in TraceLine.Text and is ignored by the parser.
func ParseStack(text string) Trace {
	if text == "" {
		return Trace{}
	}
	raw := strings.Split(text, "\n")
	t := Trace{Lines: make([]TraceLine, len(raw))}
	// One backing array for all frames; it never grows past len(raw), so
	// pointers into it stay valid.
	frames := make([]StackFrame, 0, len(raw))
	bare := make([]bool, len(raw))
	for i, text := range raw {
		t.Lines[i].Text = text
		f, kind := parseTraceLine(text)
		switch kind {
		case traceFrame:
			// A Node uncaught-error code frame starts with "file:line", then
			// the source line and a caret line; that is not a stack frame.
			if f.Engine == EngineJSC && f.Function == "" && !f.Native &&
				i+2 < len(raw) && traceIsCaretLine(raw[i+2]) {
				continue
			}
			frames = append(frames, f)
			t.Lines[i].Frame = &frames[len(frames)-1]
		case traceBareName:
			bare[i] = true
		}
	}
	// JSC prints frames without a location as a bare function name. Such a
	// line is indistinguishable from a one-word message, so it counts as a
	// frame only when it sits directly above a JSC/SpiderMonkey-style frame.
	for i := len(raw) - 1; i >= 0; i-- {
		if !bare[i] {
			continue
		}
		next := i+1 < len(raw) && t.Lines[i+1].Frame != nil && traceAtSignFamily(t.Lines[i+1].Frame.Engine)
		prev := i > 0 && t.Lines[i-1].Frame != nil && traceAtSignFamily(t.Lines[i-1].Frame.Engine)
		name := strings.TrimSpace(strings.TrimSuffix(raw[i], "\r"))
		if next || (prev && traceIsJSCCodeName(name)) {
			frames = append(frames, StackFrame{Function: name, Engine: EngineJSC, PromiseIndex: -1, WasmFunction: -1, Raw: name})
			t.Lines[i].Frame = &frames[len(frames)-1]
		}
	}
	traceResolveEngines(t)
	return t
}

// ParseFrame parses a single line without the context ParseStack uses.
// Ambiguous "fn@url:line:col" lines are reported as SpiderMonkey, and bare
// function names are not taken for frames.
func ParseFrame(line string) (StackFrame, bool) {
	f, kind := parseTraceLine(line)
	if kind != traceFrame {
		return StackFrame{}, false
	}
	if f.Engine == "" {
		f.Engine = EngineSpiderMonkey
	}
	return f, true
}

type traceLineKind int

const (
	traceMessage traceLineKind = iota
	traceFrame
	traceBareName // maybe a JSC frame without location; decided by context
)

func parseTraceLine(line string) (StackFrame, traceLineKind) {
	s := strings.TrimSpace(line)
	if s == "" || len(s) > traceMaxLine {
		return StackFrame{}, traceMessage
	}
	if strings.HasPrefix(s, "at ") || strings.HasPrefix(s, "at\t") {
		if f, ok := parseV8Frame(s); ok {
			return f, traceFrame
		}
	}
	if strings.HasPrefix(s, "Line ") {
		if f, ok := parseOpera10Frame(s); ok {
			return f, traceFrame
		}
	}
	if strings.HasPrefix(s, "called from line ") || strings.HasPrefix(s, "Error thrown at line ") {
		if f, ok := parseOpera11Frame(s); ok {
			return f, traceFrame
		}
	}
	// Opera 11 ends its stack with a copy of the top frame behind this text.
	if strings.HasPrefix(s, "Error created at ") {
		return StackFrame{}, traceMessage
	}
	if strings.IndexByte(s, '@') >= 0 {
		if f, ok := parseAtSignFrame(s); ok {
			return f, traceFrame
		}
	}
	if f, ok := parseJSCBareLocation(s); ok {
		return f, traceFrame
	}
	if traceIsBareName(s) {
		return StackFrame{}, traceBareName
	}
	return StackFrame{}, traceMessage
}

func newStackFrame(raw, engine string) StackFrame {
	return StackFrame{Engine: engine, PromiseIndex: -1, WasmFunction: -1, Raw: raw}
}

// parseV8Frame parses "at [async] [new] name [as alias] (location)" and
// "at [async] location". Paths may contain spaces, parentheses and "@", so
// the location is found by trying candidates and validating each.
func parseV8Frame(s string) (StackFrame, bool) {
	f := newStackFrame(s, EngineV8)
	rest := strings.TrimLeft(s[3:], " \t")
	// util.inspect opens the error's own properties ("[cause]: …") on the
	// last frame's line.
	rest = strings.TrimSuffix(rest, " {")
	if len(rest) > 6 && strings.HasPrefix(rest, "async ") && rest[6] != '(' {
		f.Async = true
		rest = strings.TrimLeft(rest[6:], " ")
	}
	if rest == "" {
		return f, false
	}
	name, loc, ok := v8SplitNameLocation(&f, rest)
	if !ok {
		return f, false
	}
	// Safari extensions re-printed in V8 style: "at fn@safari-extension:(//…)".
	if strings.HasPrefix(loc, "//") && strings.HasSuffix(name, ":") {
		at := strings.LastIndexByte(name, '@')
		if scheme := name[at+1 : len(name)-1]; traceIsScheme(scheme) {
			f = newStackFrame(s, EngineJSC)
			if !v8ParseLocation(&f, scheme+":"+loc) {
				return f, false
			}
			if at >= 0 {
				f.Function = strings.TrimSpace(name[:at])
			}
			return f, true
		}
	}
	v8ParseName(&f, name)
	return f, true
}

// v8SplitNameLocation finds the "(location)" part of rest and fills f's
// location fields from it. Candidates, in order: the group closed by the
// final ")" (handles names and paths with balanced parentheses), the whole
// rest (anonymous frames), then each "(" left to right (unbalanced paths,
// and a missing final ")").
func v8SplitNameLocation(f *StackFrame, rest string) (name, loc string, ok bool) {
	try := func(loc string) bool {
		g := *f
		if !v8ParseLocation(&g, loc) {
			return false
		}
		*f = g
		return true
	}
	if strings.HasSuffix(rest, ")") {
		if j := traceMatchOpen(rest, len(rest)-1); j >= 0 {
			n, l := rest[:j], rest[j+1:len(rest)-1]
			// An unmatched "(" left in the name means the path itself had one.
			if traceParenBalance(n) == 0 && try(l) {
				return n, l, true
			}
		}
	} else if traceLooksLikeLocation(rest) && try(rest) {
		return "", rest, true
	}
	for i, tries := 0, 0; i < len(rest) && tries < 8; i++ {
		if rest[i] != '(' {
			continue
		}
		tries++
		n, l := rest[:i], strings.TrimSuffix(rest[i+1:], ")")
		if try(l) {
			return n, l, true
		}
	}
	return "", "", false
}

// v8ParseLocation fills f from the text between V8's parentheses.
func v8ParseLocation(f *StackFrame, loc string) bool {
	loc = strings.TrimSpace(loc)
	if rest, ok := strings.CutPrefix(loc, "address at "); ok {
		f.Engine = EngineHermes
		loc = rest
	}
	// Chrome 70s printed the async marker inside the parentheses.
	if rest, ok := strings.CutPrefix(loc, "async "); ok {
		f.Async = true
		loc = rest
	}
	switch loc {
	case "native", "native code":
		f.URL, f.Native = loc, true
		return true
	case "<anonymous>", "unknown location":
		f.URL = loc
		return true
	case "":
		return false
	}
	if n, ok := strings.CutPrefix(loc, "index "); ok {
		if v, ok := traceAtoi(n); ok {
			f.PromiseIndex = v
			return true
		}
		return false
	}
	if strings.HasPrefix(loc, "eval at ") {
		return v8ParseEval(f, loc)
	}
	if i := strings.LastIndex(loc, ":wasm-function["); i > 0 {
		return traceParseWasm(f, loc[:i], loc[i+len(":wasm-function["):])
	}
	url, line, col, ok := traceSplitPosition(loc)
	if !ok {
		return false
	}
	f.URL, f.Line, f.Column = url, line, col
	return true
}

// v8ParseEval handles "eval at fn (ORIGIN), INNER" where ORIGIN is either a
// location or another "eval at …". The innermost origin is where the eval
// was called in a real file; INNER is the position inside the eval'd code.
func v8ParseEval(f *StackFrame, loc string) bool {
	chain, inner := loc, ""
	if i := traceLastTopLevelComma(loc); i >= 0 {
		chain, inner = loc[:i], strings.TrimSpace(loc[i+1:])
	}
	cur := chain
	for depth := 0; depth < 64 && strings.HasPrefix(cur, "eval at "); depth++ {
		cur = strings.TrimSpace(cur)
		if !strings.HasSuffix(cur, ")") {
			break
		}
		j := traceMatchOpen(cur, len(cur)-1)
		if j < 0 {
			break
		}
		cur = cur[j+1 : len(cur)-1]
	}
	_, il, ic, innerOK := traceSplitPosition(inner)
	if url, line, col, ok := traceSplitPosition(cur); ok && !strings.HasPrefix(cur, "eval at ") {
		f.URL, f.Line, f.Column, f.Eval = url, line, col, true
		if innerOK {
			f.EvalLine, f.EvalColumn = il, ic
		}
		return true
	}
	// No usable call site: fall back to the eval'd code's own position.
	if url, line, col, ok := traceSplitPosition(inner); ok {
		f.URL, f.Line, f.Column = url, line, col
		return true
	}
	return false
}

func traceParseWasm(f *StackFrame, url, tail string) bool {
	end := strings.IndexByte(tail, ']')
	if url == "" || end < 0 {
		return false
	}
	idx, ok := traceAtoi(tail[:end])
	if !ok {
		return false
	}
	off := 0
	if hex, ok := strings.CutPrefix(tail[end+1:], ":0x"); ok {
		v, err := strconv.ParseUint(hex, 16, 31)
		if err != nil {
			return false
		}
		off = int(v)
	} else if tail[end+1:] != "" {
		return false
	}
	f.URL, f.WasmFunction, f.WasmOffset = url, idx, off
	return true
}

// v8ParseName splits the markers off a V8 function name.
func v8ParseName(f *StackFrame, name string) {
	name = strings.TrimSpace(name)
	if rest, ok := strings.CutPrefix(name, "async "); ok {
		f.Async = true
		name = strings.TrimSpace(rest)
	}
	if rest, ok := strings.CutPrefix(name, "new "); ok {
		f.Constructor = true
		name = strings.TrimSpace(rest)
	}
	if strings.HasSuffix(name, "]") {
		if i := strings.LastIndex(name, " [as "); i >= 0 {
			f.Alias = name[i+len(" [as ") : len(name)-1]
			name = strings.TrimSpace(name[:i])
		}
	}
	f.Function = traceNormalizeAnonymous(name)
}

// traceNormalizeAnonymous maps whole-name placeholders for "no name" to "".
// "?" is what Sentry prints for unknown functions, and shows up when its
// frames are re-printed.
func traceNormalizeAnonymous(name string) string {
	switch name {
	case "<anonymous>", "?":
		return ""
	}
	return name
}

// parseAtSignFrame parses "[cause*]name@location" (SpiderMonkey, JSC,
// Opera 11's alternative format).
func parseAtSignFrame(s string) (StackFrame, bool) {
	f := newStackFrame(s, "")
	at := traceAtSignSplit(s)
	if at < 0 {
		return f, false
	}
	name, loc := s[:at], strings.TrimSpace(s[at+1:])
	sm, jsc := false, false
	if i := strings.IndexByte(name, '*'); i > 0 && traceIsCause(name[:i]) {
		f.AsyncCause, f.Async = name[:i], true
		name = name[i+1:]
		sm = true
	}
	switch {
	case loc == "[native code]":
		f.URL, f.Native = loc, true
		jsc = true
	case strings.Contains(loc, " > "):
		if !geckoParseEvalLocation(&f, loc) {
			return f, false
		}
		sm = true
	default:
		url, line, col, ok := traceSplitPosition(loc)
		if !ok {
			return f, false
		}
		f.URL, f.Line, f.Column = url, line, col
	}
	name = strings.TrimSpace(name)
	if traceLooksLikeMessage(name) {
		return f, false
	}
	// JSC's async stack traces (--useAsyncStackTrace) mark frames V8's way.
	if rest, ok := strings.CutPrefix(name, "async "); ok && !f.Async {
		f.Async, name = true, strings.TrimSpace(rest)
		jsc = true
	}
	// Old Firefox and Opera print the arguments: "bar(1)@…", "()@…".
	if strings.HasSuffix(name, ")") {
		if j := traceMatchOpen(name, len(name)-1); j >= 0 {
			name = name[:j]
			sm = true
		}
	}
	if n, ok := traceOperaAnonymous(name); ok {
		name = n
		f.Engine = EngineOpera
	}
	f.Function = name
	switch {
	case f.Engine != "":
	case sm || strings.Contains(name, "/<") || strings.Contains(name, "</"):
		f.Engine = EngineSpiderMonkey
	case jsc || traceIsJSCCodeName(name):
		f.Engine = EngineJSC
	}
	return f, true
}

// traceAtSignSplit returns the "@" that separates name and location: the
// first one outside brackets and quotes, since names like obj["@fn"] and
// URLs like /misc/@stuff/ both contain "@".
func traceAtSignSplit(s string) int {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case (c == ')' || c == ']' || c == '}') && depth > 0:
			depth--
		case c == '@' && depth == 0:
			return i
		}
	}
	return strings.IndexByte(s, '@')
}

// geckoParseEvalLocation handles "url line N > eval[ line M > eval…]:l:c"
// and "… > Function:l:c". Only line N is a position in url.
func geckoParseEvalLocation(f *StackFrame, loc string) bool {
	i := strings.Index(loc, " line ")
	if i <= 0 {
		return false
	}
	rest := loc[i+len(" line "):]
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	line, ok := traceAtoi(rest[:n])
	if !ok || !strings.HasPrefix(rest[n:], " > ") {
		return false
	}
	f.URL, f.Line, f.Eval = loc[:i], line, true
	tail := loc[strings.LastIndex(loc, " > ")+3:]
	if _, l, c, ok := traceSplitPosition(tail); ok {
		f.EvalLine, f.EvalColumn = l, c
	}
	return true
}

// parseJSCBareLocation parses JSC's anonymous frames: "url:line:col" and
// "[native code]". The URL must not contain spaces and must look like a
// file, so that message lines ending in ":123" are not taken for frames.
func parseJSCBareLocation(s string) (StackFrame, bool) {
	f := newStackFrame(s, EngineJSC)
	if s == "[native code]" {
		f.URL, f.Native = s, true
		return f, true
	}
	if strings.ContainsAny(s, " \t") {
		return f, false
	}
	url, line, col, ok := traceSplitPosition(s)
	if !ok || !strings.ContainsAny(url, "./") {
		return f, false
	}
	f.URL, f.Line, f.Column = url, line, col
	return f, true
}

// parseOpera10Frame parses Opera 9/10 lines:
// "Line 4 of inline#1 script in http://x/a.js: In function bar".
func parseOpera10Frame(s string) (StackFrame, bool) {
	f := newStackFrame(s, EngineOpera)
	rest := s[len("Line "):]
	sp := strings.IndexByte(rest, ' ')
	if sp < 0 {
		return f, false
	}
	line, ok := traceAtoi(rest[:sp])
	if !ok || !strings.HasPrefix(rest[sp:], " of ") {
		return f, false
	}
	i := strings.Index(rest, " script ")
	if i < 0 {
		return f, false
	}
	rest = strings.TrimPrefix(rest[i+len(" script "):], "in ")
	if j := strings.Index(rest, ": In function "); j >= 0 {
		f.Function = strings.TrimSpace(rest[j+len(": In function "):])
		rest = rest[:j]
	}
	if rest == "" || strings.ContainsAny(rest, " \t") {
		return f, false
	}
	f.URL, f.Line = rest, line
	return f, true
}

// parseOpera11Frame parses Opera 11/12 lines:
// "called from line 7, column 4 in bar(n) in http://x/a.js:".
func parseOpera11Frame(s string) (StackFrame, bool) {
	f := newStackFrame(s, EngineOpera)
	_, rest, _ := strings.Cut(s, " line ")
	ls, rest, ok := strings.Cut(rest, ", column ")
	if !ok {
		return f, false
	}
	cs, rest, ok := strings.Cut(rest, " in ")
	if !ok || !strings.HasSuffix(rest, ":") {
		return f, false
	}
	line, ok1 := traceAtoi(ls)
	col, ok2 := traceAtoi(cs)
	if !ok1 || !ok2 {
		return f, false
	}
	rest = rest[:len(rest)-1]
	name := ""
	if i := strings.LastIndex(rest, " in "); i >= 0 {
		name, rest = rest[:i], rest[i+len(" in "):]
	}
	if rest == "" || strings.ContainsAny(rest, " \t") {
		return f, false
	}
	if strings.HasSuffix(name, ")") {
		if j := traceMatchOpen(name, len(name)-1); j >= 0 {
			name = name[:j]
		}
	}
	if n, ok := traceOperaAnonymous(name); ok {
		name = n
	}
	f.Function, f.URL, f.Line, f.Column = name, rest, line, col
	return f, true
}

// traceOperaAnonymous maps Opera's "<anonymous function: run>" to "run" and
// "<anonymous function>" to "".
func traceOperaAnonymous(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "<anonymous function")
	if !ok || !strings.HasSuffix(rest, ">") {
		return name, false
	}
	rest = rest[:len(rest)-1]
	if n, ok := strings.CutPrefix(rest, ": "); ok {
		return n, true
	}
	return "", rest == ""
}

// traceResolveEngines decides the engine of "fn@url:l:c" lines, which both
// SpiderMonkey and JSC print, from the other lines of the same trace.
func traceResolveEngines(t Trace) {
	jsc, sm := 0, 0
	for _, l := range t.Lines {
		if l.Frame == nil {
			continue
		}
		switch l.Frame.Engine {
		case EngineJSC:
			jsc++
		case EngineSpiderMonkey:
			sm++
		}
	}
	engine := EngineSpiderMonkey
	if jsc > sm {
		engine = EngineJSC
	}
	for _, l := range t.Lines {
		if l.Frame != nil && l.Frame.Engine == "" {
			l.Frame.Engine = engine
		}
	}
}

func traceAtSignFamily(engine string) bool {
	return engine == EngineJSC || engine == EngineSpiderMonkey || engine == ""
}

func traceIsJSCCodeName(name string) bool {
	switch name {
	case "global code", "module code", "eval code", "eval function":
		return true
	}
	return false
}

// traceIsBareName reports whether s could be a JSC frame that has only a
// function name: an identifier path, or one of JSC's "… code" names.
func traceIsBareName(s string) bool {
	if traceIsJSCCodeName(s) {
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c == '$', c >= 0x80:
		case (c >= '0' && c <= '9') || c == '.':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return s != ""
}

func traceIsCaretLine(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && strings.Trim(s, "^") == ""
}

// traceIsCause reports whether s is a SpiderMonkey async cause such as
// "async", "promise callback" or "setTimeout handler".
func traceIsCause(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == ' ' || c == '_') {
			return false
		}
	}
	return s != "" && s[0] != ' '
}

// traceLooksLikeMessage reports "Name: text" heads like "TypeError: x",
// which precede "@" in message lines but never in function names.
func traceLooksLikeMessage(name string) bool {
	i := strings.Index(name, ": ")
	if i <= 0 {
		return false
	}
	for j := 0; j < i; j++ {
		c := name[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c == '.') {
			return false
		}
	}
	return true
}

// traceLooksLikeLocation reports whether s, the text after "at ", can be a
// bare location rather than "name (location" with a missing ")".
func traceLooksLikeLocation(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '/', '\\', '.', '<', '[', '~':
		return true
	}
	if len(s) > 2 && s[1] == ':' && (s[2] == '\\' || s[2] == '/') {
		return true // Windows drive
	}
	if i := strings.IndexByte(s, ':'); i > 0 && traceIsScheme(s[:i]) {
		return true
	}
	return !strings.ContainsAny(s, " \t")
}

// traceIsScheme reports whether s is a URL scheme (RFC 3986 syntax).
func traceIsScheme(s string) bool {
	if s == "" || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// traceSplitPosition splits "url:line:col" or "url:line" at the end, the
// only reliable anchor since URLs and paths contain ":" themselves.
func traceSplitPosition(s string) (url string, line, col int, ok bool) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return "", 0, 0, false
	}
	last, ok := traceAtoi(s[i+1:])
	if !ok {
		return "", 0, 0, false
	}
	url, line = s[:i], last
	if j := strings.LastIndexByte(url, ':'); j >= 0 && traceAllDigits(url[j+1:]) {
		v, ok := traceAtoi(url[j+1:])
		if !ok {
			return "", 0, 0, false // a line number too long to be real
		}
		url, line, col = url[:j], v, last
	}
	if url == "" {
		return "", 0, 0, false
	}
	return url, line, col, true
}

// traceAtoi parses a non-negative decimal of at most 9 digits, so values
// always fit an int and absurd inputs are rejected rather than wrapped.
func traceAtoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func traceAllDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// traceMatchOpen returns the index of the "(" matching the ")" at s[end],
// or -1.
func traceMatchOpen(s string, end int) int {
	depth := 0
	for i := end; i >= 0; i-- {
		switch s[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// traceParenBalance returns the number of "(" left open in s.
func traceParenBalance(s string) int {
	open := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			open++
		case ')':
			if open > 0 {
				open--
			}
		}
	}
	return open
}

// traceLastTopLevelComma returns the index of the last "," outside
// parentheses, or -1.
func traceLastTopLevelComma(s string) int {
	depth, at := 0, -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				at = i
			}
		}
	}
	return at
}

// Name returns the function name the way V8 prints it, with "new " and
// " [as alias]" but without "async ": the form stack-trace tools and Sentry
// use for a frame's function. It is empty for anonymous frames.
func (f StackFrame) Name() string {
	n := f.Function
	if f.Constructor {
		if n == "" {
			n = "<anonymous>"
		}
		n = "new " + n
	}
	if f.Alias != "" {
		n += " [as " + f.Alias + "]"
	}
	return n
}

// String renders the frame in its engine's style, without indentation, so
// that frames that could not be mapped print as the engine would print them.
// Eval frames render at their call site.
func (f StackFrame) String() string {
	switch f.Engine {
	case EngineSpiderMonkey:
		var b strings.Builder
		if f.AsyncCause != "" {
			b.WriteString(f.AsyncCause)
			b.WriteByte('*')
		}
		b.WriteString(f.Function)
		b.WriteByte('@')
		b.WriteString(f.URL)
		if f.Eval {
			b.WriteString(" line ")
			b.WriteString(strconv.Itoa(f.Line))
			b.WriteString(" > eval")
			if f.EvalLine > 0 {
				f.writePosition(&b, f.EvalLine, f.EvalColumn)
			}
			return b.String()
		}
		f.writePosition(&b, f.Line, f.Column)
		return b.String()
	case EngineJSC, EngineOpera:
		var b strings.Builder
		if f.Async && f.Engine == EngineJSC {
			b.WriteString("async ")
		}
		loc := f.location()
		switch {
		case loc == "":
			b.WriteString(f.Function)
		case f.Function == "" && f.Engine == EngineJSC:
			b.WriteString(loc)
		default:
			b.WriteString(f.Function)
			b.WriteByte('@')
			b.WriteString(loc)
		}
		return b.String()
	}
	var b strings.Builder
	b.WriteString("at ")
	if f.Async {
		b.WriteString("async ")
	}
	loc := f.location()
	if f.Engine == EngineHermes && f.Line > 0 {
		loc = "address at " + loc
	}
	name := f.Name()
	switch {
	case name == "" && loc == "":
		b.WriteString("<anonymous>")
	case name == "":
		b.WriteString(loc)
	case loc == "":
		b.WriteString(name)
	default:
		b.WriteString(name)
		b.WriteString(" (")
		b.WriteString(loc)
		b.WriteByte(')')
	}
	return b.String()
}

// location renders URL and position as "url:line:col", or the V8 forms
// without a position.
func (f StackFrame) location() string {
	if f.PromiseIndex >= 0 {
		return "index " + strconv.Itoa(f.PromiseIndex)
	}
	if f.WasmFunction >= 0 {
		return f.URL + ":wasm-function[" + strconv.Itoa(f.WasmFunction) + "]:0x" + strconv.FormatInt(int64(f.WasmOffset), 16)
	}
	if f.URL == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(f.URL)
	f.writePosition(&b, f.Line, f.Column)
	return b.String()
}

func (f StackFrame) writePosition(b *strings.Builder, line, col int) {
	if line <= 0 {
		return
	}
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(line))
	if col > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(col))
	}
}
