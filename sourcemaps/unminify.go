package sourcemaps

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// FrameRef is a minified frame to map: where the engine says it ran.
type FrameRef struct {
	URL      string
	Function string // the minified function name, "" if anonymous
	Line     int    // 1-based, as printed; 0 if unknown
	Column   int    // 1-based, as printed; 0 if unknown
	// DebugID is the debug ID of the frame's file when the event says it
	// (debug_meta.images), tried before any file lookup.
	DebugID string
	// Native marks builtins, which have no map.
	Native bool
	// Async marks V8's "at async" frames, whose position is an await rather
	// than a call.
	Async bool
}

// Attempt is one step of the search for a frame's map, kept so a user can
// see why a frame was or was not mapped.
type Attempt struct {
	Method string `json:"method"` // "debug-id", "local-file", "maps-dir", "sourceMappingURL", "map-file"
	Target string `json:"target"` // what was looked for
	Found  string `json:"found,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// MappedFrame is a frame after mapping. Line and Column are 1-based.
type MappedFrame struct {
	Mapped   bool
	Function string
	// AbsPath is the source as the map names it (sourceRoot applied);
	// Filename is the same path made readable (bundler prefixes and leading
	// ./ and ../ removed).
	AbsPath, Filename string
	Line, Column      int
	InApp             bool
	ContextLine       string
	PreContext        []string
	PostContext       []string
	// Map names the map used ("dist/app.js.map", "inline map in dist/app.js").
	Map string
	// Reason says why the frame is not mapped.
	Reason   string
	Attempts []Attempt
}

// Unminifier maps frames to original sources using maps it finds in local
// directories, on the frame's own path, or inline. Parsed maps are cached
// for the Unminifier's life. It is safe for concurrent use.
type Unminifier struct {
	// Dirs are the --maps directories; nil for none.
	Dirs *Dirs
	// Context is how many lines of source to give above and below.
	Context int
	// LocalFiles lets frames whose URL is a path on this machine (Node
	// traces, file:// URLs) read the JS file and its map from there.
	LocalFiles bool
	// Indexed builds a full segment index per map, for many lookups over a
	// long life; otherwise each batch streams the mappings once.
	Indexed bool

	mu    sync.Mutex
	cache map[string]*loadedMap
}

type loadedMap struct {
	once  sync.Once
	m     *Map
	err   error
	desc  string
	dir   fs.FS  // where relative sources are looked for on disk
	base  string // the map's directory within dir
	lines sync.Map
}

// Close releases every cached map.
func (u *Unminifier) Close() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, lm := range u.cache {
		if lm.m != nil {
			lm.m.Close()
		}
	}
	u.cache = nil
	return nil
}

// location is where a frame's map was found.
type location struct {
	key  string
	desc string
	fsys fs.FS
	name string // the map file in fsys, "" for an inline map
	data []byte // an inline map's bytes
}

// Unminify maps frames given innermost first (the order V8, SpiderMonkey and
// JavaScriptCore print). The result has one entry per frame, in order.
func (u *Unminifier) Unminify(frames []FrameRef) []MappedFrame {
	out := make([]MappedFrame, len(frames))
	maps := make([]*loadedMap, len(frames)) // the map each frame was looked up in
	origs := make([]Original, len(frames))  // its lookup result
	var order []*loadedMap
	jobs := map[*loadedMap][]int{}
	for i, f := range frames {
		if f.Native || f.URL == "" || f.Line <= 0 {
			out[i].Reason = "no file position to map"
			continue
		}
		loc, attempts, reason := u.find(f, u.LocalFiles)
		out[i].Attempts = attempts
		if loc == nil {
			out[i].Reason = reason
			continue
		}
		lm := u.load(loc)
		out[i].Map = lm.desc
		if lm.err != nil {
			out[i].Reason = lm.err.Error()
			continue
		}
		if _, ok := jobs[lm]; !ok {
			order = append(order, lm)
		}
		jobs[lm] = append(jobs[lm], i)
		maps[i] = lm
	}

	for _, lm := range order {
		idx := jobs[lm]
		ps := make([]Pos, len(idx))
		for k, i := range idx {
			// A frame without a column maps from its line's start.
			ps[k] = FramePos(frames[i].Line, max(frames[i].Column, 1))
		}
		var res []Original
		err := error(nil)
		if u.Indexed {
			err = lm.m.BuildIndex()
		}
		if err == nil {
			res, err = lm.m.LookupBatch(ps)
		}
		for k, i := range idx {
			if err != nil {
				out[i].Reason = fmt.Sprintf("%s: %v", lm.desc, err)
				maps[i] = nil
				continue
			}
			origs[i] = res[k]
			u.fill(&out[i], lm, res[k], frames[i])
		}
	}

	for i := range frames {
		if out[i].Mapped {
			out[i].Function = u.functionName(frames, out, maps, origs, i)
		}
	}
	return out
}

// fill completes a frame from its lookup result.
func (u *Unminifier) fill(mf *MappedFrame, lm *loadedMap, o Original, f FrameRef) {
	switch {
	case !o.Found:
		mf.Reason = fmt.Sprintf("%s has no mapping at line %d column %d", lm.desc, f.Line, f.Column)
	case !o.Mapped:
		mf.Reason = fmt.Sprintf("%s marks line %d column %d as generated code with no original source", lm.desc, f.Line, f.Column)
	default:
		mf.Mapped = true
		mf.AbsPath = o.Source
		mf.Filename = CleanSource(o.Source)
		mf.Line, mf.Column = o.Line+1, o.Column+1
		mf.InApp = !strings.Contains(o.Source, "node_modules/") && !lm.m.Ignored(o.SourceIndex)
		if w, ok := lm.window(o.SourceIndex, o.Line-u.Context, o.Line+u.Context+1); ok {
			mf.ContextLine, mf.PreContext, mf.PostContext = contextAround(w.lines, o.Line-w.first, u.Context)
		}
	}
}

// functionName picks a mapped frame's original function name. Minifiers
// rename functions (or turn them into anonymous arrows), so the name the
// frame printed says little; the name its caller used at the call site is
// the original one: the segment's name there, or the identifier at the
// caller's original position. Without a mapped caller, a named frame gets
// the definition enclosing its own position; an anonymous one stays
// anonymous (it is most likely a callback).
func (u *Unminifier) functionName(frames []FrameRef, out []MappedFrame, maps []*loadedMap, origs []Original, i int) string {
	minified := frames[i].Function
	if strings.Contains(minified, "<anonymous>") {
		return minified
	}
	if c := i + 1; c < len(frames) && out[c].Mapped {
		name := ""
		w, ok := maps[c].window(origs[c].SourceIndex, origs[c].Line, origs[c].Line+1)
		switch {
		case frames[c].Async && ok:
			// An async caller is shown at its await, which need not be the
			// segment's start: read the call after the await.
			name = awaitedCallee(w.lines, origs[c].Line-w.first, origs[c].Column)
		case origs[c].HasName:
			name = origs[c].Name
		}
		if name == "" && ok {
			name = calleeAt(w.lines, origs[c].Line-w.first, origs[c].Column)
		}
		if name != "" {
			return qualify(minified, name)
		}
	}
	// An anonymous frame called from native code is most likely a callback
	// (Array.map's); an async or outermost one is a function of its own.
	if minified == "" && !frames[i].Async && i+1 < len(frames) {
		return ""
	}
	if w, ok := maps[i].window(origs[i].SourceIndex, origs[i].Line-enclosingLines, origs[i].Line+1); ok {
		if name := enclosingFunction(w.lines, origs[i].Line-w.first, origs[i].Column); name != "" {
			return qualify(minified, name)
		}
	}
	return minified
}

// awaitedCallee reads the call after the first "await" at or after line:col
// ("const r = await cart.refund(x)" gives "refund").
func awaitedCallee(lines []string, line, col int) string {
	if line < 0 || line >= len(lines) {
		return ""
	}
	s := lines[line]
	from := utf16Offset(s, col)
	// The await may also start just before the mapped column.
	if back := strings.LastIndex(s[:from], "await"); back >= 0 && !strings.ContainsAny(s[back:from], ";") {
		from = back
	}
	i := strings.Index(s[from:], "await")
	if i < 0 {
		return ""
	}
	return calleeAt(lines, line, utf16Units(s[:from+i]))
}

// utf16Units counts the UTF-16 code units of s.
func utf16Units(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// qualify keeps a receiver prefix the engine printed ("Object.", "Module.")
// but drops a minified one ("c." in "c.checkout").
func qualify(minified, name string) string {
	if i := strings.LastIndexByte(minified, '.'); i > 2 {
		return minified[:i+1] + name
	}
	return name
}

// find looks for the frame's map, recording each attempt. local allows the
// frame's own path on this machine.
func (u *Unminifier) find(f FrameRef, local bool) (*location, []Attempt, string) {
	var attempts []Attempt
	try := func(a Attempt) { attempts = append(attempts, a) }

	if f.DebugID != "" {
		a := Attempt{Method: "debug-id", Target: f.DebugID}
		if u.Dirs != nil {
			if m, ok := u.Dirs.ByDebugID(f.DebugID); ok {
				a.Found = m.Name
				try(a)
				return u.fileLocation(u.Dirs.FS(m.Root), m.Name), attempts, ""
			}
		}
		a.Detail = "no map with this debug ID in the --maps directories"
		try(a)
	}

	// The JS file itself: on this machine, or under --maps.
	type jsFile struct {
		fsys fs.FS
		name string
		desc string
		dirs bool
		file File
	}
	var candidates []jsFile
	if local {
		if p, ok := localPath(f.URL); ok {
			candidates = append(candidates, jsFile{fsys: OSDir(filepath.Dir(p)), name: filepath.Base(p), desc: p})
			try(Attempt{Method: "local-file", Target: p, Found: p})
		}
	}
	if u.Dirs != nil {
		a := Attempt{Method: "maps-dir", Target: URLPath(f.URL)}
		if js, ambiguous, ok := u.Dirs.Match(f.URL); ok && isJSName(js.Name) {
			a.Found = js.Name
			if ambiguous {
				a.Detail = "several files share this path suffix; the shortest path was used"
			}
			candidates = append(candidates, jsFile{fsys: u.Dirs.FS(js.Root), name: js.Name, desc: js.Name, dirs: true, file: js})
		} else {
			a.Detail = "no JS file under --maps ends with this path"
		}
		try(a)
	}
	for _, js := range candidates {
		c, err := ReadComments(js.fsys, js.name)
		if err != nil {
			try(Attempt{Method: "sourceMappingURL", Target: js.desc, Detail: err.Error()})
			continue
		}
		if c.DebugID != "" && u.Dirs != nil {
			if m, ok := u.Dirs.ByDebugID(c.DebugID); ok {
				try(Attempt{Method: "debug-id", Target: c.DebugID, Found: m.Name, Detail: "from //# debugId in " + js.desc})
				return u.fileLocation(u.Dirs.FS(m.Root), m.Name), attempts, ""
			}
		}
		ref := c.SourceMappingURL
		a := Attempt{Method: "sourceMappingURL", Target: js.desc}
		switch {
		case ref == "":
			a.Detail = "no sourceMappingURL comment"
		case strings.HasPrefix(ref, "data:"):
			data, err := DecodeDataURL(ref)
			if err != nil {
				a.Detail = "inline map: " + err.Error()
				break
			}
			a.Found = "inline map"
			try(a)
			return &location{key: "inline:" + js.desc, desc: "inline map in " + js.desc, data: data}, attempts, ""
		default:
			var name string
			var ok bool
			var fsys fs.FS
			if js.dirs {
				var m File
				m, ok = u.Dirs.MapFor(js.file, ref)
				name, fsys = m.Name, u.Dirs.FS(m.Root)
			} else {
				name, ok = relativeMap(js.fsys, js.name, ref)
				fsys = js.fsys
			}
			if ok {
				a.Found = name
				try(a)
				return u.fileLocation(fsys, name), attempts, ""
			}
			a.Detail = fmt.Sprintf("%s names %s, which was not found", js.desc, ref)
		}
		try(a)
	}

	// Last, a map named after the frame's file.
	if local {
		if p, ok := localPath(f.URL); ok {
			if _, err := os.Stat(p + ".map"); err == nil {
				try(Attempt{Method: "map-file", Target: p + ".map", Found: p + ".map"})
				return u.fileLocation(OSDir(filepath.Dir(p)), filepath.Base(p)+".map"), attempts, ""
			}
		}
	}
	if u.Dirs != nil {
		a := Attempt{Method: "map-file", Target: URLPath(f.URL) + ".map"}
		if m, _, ok := u.Dirs.Match(f.URL + ".map"); ok {
			a.Found = m.Name
			try(a)
			return u.fileLocation(u.Dirs.FS(m.Root), m.Name), attempts, ""
		}
		a.Detail = "no such map under --maps"
		try(a)
	}
	reason := "no sourcemap found"
	if u.Dirs == nil && !local {
		reason = "no sourcemap found: pass --maps with the build output directory"
	}
	return nil, attempts, reason
}

// localPath turns a frame URL that names a file on this machine into its
// path, if the file exists.
func localPath(u string) (string, bool) {
	p := u
	switch {
	case strings.HasPrefix(p, "file://"):
		p = URLPath(p)
	case strings.Contains(p, "://"):
		return "", false
	}
	if i := strings.IndexAny(p, "?#"); i >= 0 && !strings.HasPrefix(u, "file://") {
		p = p[:i]
	}
	if !filepath.IsAbs(p) {
		return "", false
	}
	st, err := os.Stat(p)
	if err != nil || st.IsDir() {
		return "", false
	}
	return p, true
}

func (u *Unminifier) fileLocation(fsys fs.FS, name string) *location {
	desc := name
	if d, ok := fsys.(OSDir); ok {
		desc = d.Path(name)
	}
	return &location{key: fmt.Sprintf("%p|%v|%s", fsys, fsys, name), desc: desc, fsys: fsys, name: name}
}

// load parses a map once per Unminifier.
func (u *Unminifier) load(loc *location) *loadedMap {
	u.mu.Lock()
	if u.cache == nil {
		u.cache = map[string]*loadedMap{}
	}
	lm, ok := u.cache[loc.key]
	if !ok {
		lm = &loadedMap{desc: loc.desc, dir: loc.fsys, base: path.Dir(loc.name)}
		u.cache[loc.key] = lm
	}
	u.mu.Unlock()
	lm.once.Do(func() {
		switch {
		case loc.data != nil:
			lm.m, lm.err = Parse(loc.data)
		default:
			if d, ok := loc.fsys.(OSDir); ok {
				lm.m, lm.err = Open(d.Path(loc.name))
				return
			}
			var data []byte
			data, lm.err = fs.ReadFile(loc.fsys, loc.name)
			if lm.err == nil {
				lm.m, lm.err = Parse(data)
			}
		}
		if lm.err != nil {
			lm.err = fmt.Errorf("%s: %w", loc.desc, lm.err)
		}
	})
	return lm
}

// maxSourceFile bounds a source read from disk for context lines.
const maxSourceFile = 16 << 20

// sourceWindow is lines [first, first+len(lines)) of one source.
type sourceWindow struct {
	first int
	lines []string
}

// window returns lines [from, to) of source i: from sourcesContent, else
// from the file beside the map. ok is false when neither has the source.
func (lm *loadedMap) window(i, from, to int) (sourceWindow, bool) {
	if lm == nil || i < 0 {
		return sourceWindow{}, false
	}
	from = max(from, 0)
	if lines, ok := lm.m.SourceLines(i, from, to); ok {
		return sourceWindow{first: from, lines: lines}, true
	}
	all := lm.diskSource(i)
	if all == nil {
		return sourceWindow{}, false
	}
	from, to = min(from, len(all)), min(to, len(all))
	return sourceWindow{first: from, lines: all[from:max(from, to)]}, true
}

// diskSource reads a source that the map does not embed from the file
// beside the map, once.
func (lm *loadedMap) diskSource(i int) []string {
	if v, ok := lm.lines.Load(i); ok {
		return v.([]string)
	}
	var lines []string
	if src, ok := lm.m.Source(i); ok && lm.dir != nil && src != "" && !strings.Contains(src, "://") && !strings.HasPrefix(src, "/") {
		name := path.Clean(path.Join(lm.base, src))
		if fs.ValidPath(name) {
			if st, err := fs.Stat(lm.dir, name); err == nil && st.Size() <= maxSourceFile {
				if b, err := fs.ReadFile(lm.dir, name); err == nil {
					lines = splitLines(string(b))
				}
			}
		}
	}
	lm.lines.Store(i, lines)
	return lines
}

func splitLines(s string) []string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// maxContextLine keeps a minified or generated line from flooding output.
const maxContextLine = 300

func contextAround(lines []string, line, n int) (string, []string, []string) {
	if line < 0 || line >= len(lines) {
		return "", nil, nil
	}
	clip := func(ls []string) []string {
		out := make([]string, len(ls))
		for i, l := range ls {
			out[i] = clipLine(l)
		}
		return out
	}
	pre := clip(lines[max(0, line-n):line])
	post := clip(lines[line+1 : min(len(lines), line+1+n)])
	return clipLine(lines[line]), pre, post
}

func clipLine(l string) string {
	if len(l) <= maxContextLine {
		return l
	}
	cut := maxContextLine
	for cut > 0 && !utf8.RuneStart(l[cut]) {
		cut--
	}
	return l[:cut] + " …"
}

// CleanSource makes a map's source path readable: bundler schemes
// ("webpack://app/") and leading "./" and "../" segments go.
func CleanSource(src string) string {
	s := src
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		if strings.HasPrefix(s, "webpack") || strings.HasPrefix(s, "turbopack") || strings.HasPrefix(s, "rollup") {
			// webpack://<namespace>/./src/x.js: the namespace is the first segment.
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				rest = rest[j+1:]
			}
			s = rest
		}
	}
	for {
		switch {
		case strings.HasPrefix(s, "./"):
			s = s[2:]
		case strings.HasPrefix(s, "../"):
			s = s[3:]
		default:
			return s
		}
	}
}

var keywords = map[string]bool{
	"new": true, "await": true, "return": true, "void": true, "typeof": true, "yield": true, "throw": true,
	"if": true, "for": true, "while": true, "switch": true, "catch": true, "with": true, "function": true,
	"else": true, "do": true, "try": true, "class": true, "case": true, "delete": true, "in": true, "of": true,
}

func isIdentStart(r rune) bool { return r == '$' || r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool {
	return isIdentStart(r) || unicode.IsDigit(r) || r == '\u200c' || r == '\u200d'
}

// calleeAt reads the function called at a call site: the last identifier of
// the member chain starting at line:col, past keywords such as new and
// await ("await cart.refund(x)" gives "refund").
func calleeAt(lines []string, line, col int) string {
	if line < 0 || line >= len(lines) {
		return ""
	}
	s := lines[line]
	i := utf16Offset(s, col)
	last := ""
	for i < len(s) {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		j := i
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if (j == i && !isIdentStart(r)) || (j > i && !isIdentPart(r)) {
				break
			}
			j += size
		}
		if j == i {
			break
		}
		word := s[i:j]
		i = j
		if (keywords[word] || word == "const" || word == "let" || word == "var") && last == "" {
			continue
		}
		last = word
		rest := strings.TrimLeft(s[i:], " \t")
		switch {
		case strings.HasPrefix(s[i:], "?."):
			i += 2
		case strings.HasPrefix(s[i:], "."):
			i++
		case strings.HasPrefix(rest, "=") && !strings.HasPrefix(rest, "==") && !strings.HasPrefix(rest, "=>"):
			// "x = f()": the call is on the right.
			i = len(s) - len(rest) + 1
			last = ""
		default:
			return last
		}
	}
	return last
}

// utf16Offset converts a column in UTF-16 code units to a byte offset.
func utf16Offset(s string, col int) int {
	units := 0
	for i, r := range s {
		if units >= col {
			return i
		}
		if r >= 0x10000 {
			units += 2
		} else {
			units++
		}
	}
	return len(s)
}

// enclosingLines is how far back enclosingFunction looks.
const enclosingLines = 400

// enclosingFunction scans back from line:col to the nearest enclosing
// function definition and returns its name, or "" for an anonymous one or
// none. It is a heuristic over text (strings and comments are not parsed),
// bounded to a few thousand characters.
func enclosingFunction(lines []string, line, col int) string {
	if line < 0 || line >= len(lines) {
		return ""
	}
	const budget = 64 << 10
	var buf strings.Builder
	from := max(0, line-enclosingLines)
	for l := from; l < line; l++ {
		buf.WriteString(lines[l])
		buf.WriteByte('\n')
	}
	buf.WriteString(lines[line][:utf16Offset(lines[line], col)])
	text := buf.String()
	if len(text) > budget {
		text = text[len(text)-budget:]
	}
	depth := 0
	for i := len(text) - 1; i >= 0; i-- {
		switch text[i] {
		case '}':
			depth++
		case '{':
			if depth > 0 {
				depth--
				continue
			}
			if name, isFunc := functionHeader(text[:i]); isFunc {
				return name
			}
		}
	}
	return ""
}

// functionHeader looks at the text before a '{' and says whether it ends a
// function header, and the function's name.
func functionHeader(before string) (string, bool) {
	h := strings.TrimRight(before, " \t\r\n")
	if strings.HasSuffix(h, "=>") {
		// (args) => {  or  x => {: named by an assignment before it.
		h = strings.TrimRight(h[:len(h)-2], " \t\r\n")
		if strings.HasSuffix(h, ")") {
			open := matchingParen(h)
			if open < 0 {
				return "", true
			}
			h = h[:open]
		} else {
			h = strings.TrimRightFunc(h, isIdentPartRune)
		}
		h = strings.TrimSuffix(strings.TrimRight(h, " \t"), "async")
		return assignedName(h), true
	}
	if !strings.HasSuffix(h, ")") {
		return "", false
	}
	open := matchingParen(h)
	if open < 0 {
		return "", false
	}
	head := strings.TrimRight(h[:open], " \t\r\n")
	name := lastIdent(head)
	rest := strings.TrimRight(strings.TrimSuffix(head, name), " \t*")
	switch {
	case name == "function":
		// function (...) {: anonymous, or named by an assignment.
		return assignedName(strings.TrimSuffix(strings.TrimRight(rest, " \t"), "async")), true
	case name == "":
		return "", false
	case keywords[name]:
		return "", false // if (...) {, for (...) {, catch (...) {
	case strings.HasSuffix(rest, "function"):
		return name, true // function name(...) {
	}
	// A method: name(...) { at the start of a statement or after a modifier.
	prev := strings.TrimRight(rest, " \t")
	for _, mod := range []string{"async", "static", "get", "set"} {
		prev = strings.TrimRight(strings.TrimSuffix(prev, mod), " \t")
	}
	if prev == "" || strings.HasSuffix(prev, "\n") || strings.HasSuffix(prev, "{") || strings.HasSuffix(prev, "}") || strings.HasSuffix(prev, ";") || strings.HasSuffix(prev, ",") {
		return name, true
	}
	return "", false
}

// assignedName finds NAME in "NAME =", "NAME:", "const NAME =".
func assignedName(h string) string {
	h = strings.TrimRight(h, " \t\r\n")
	switch {
	case strings.HasSuffix(h, "="), strings.HasSuffix(h, ":"):
		h = strings.TrimRight(h[:len(h)-1], " \t")
		return lastIdent(h)
	}
	return ""
}

func isIdentPartRune(r rune) bool { return isIdentPart(r) }

func lastIdent(s string) string {
	end := len(s)
	start := end
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(s[:start])
		if !isIdentPart(r) {
			break
		}
		start -= size
	}
	return s[start:end]
}

// matchingParen finds the '(' that opens the ')' ending s.
func matchingParen(s string) int { return traceMatchOpen(s, len(s)-1) }

// Resolution is one lookup in one map, as `snag sourcemaps resolve` shows it.
type Resolution struct {
	MappedFrame
	// Found is false when the generated line has no segment at or before the
	// column.
	Found bool
	// Name is the segment's name, if any.
	Name string
	// SegmentLine and SegmentColumn (1-based) are where the segment used
	// starts in the generated file.
	SegmentLine, SegmentColumn int
	// Index reports an index map (with sections).
	Index   bool
	Sources int
}

// ResolveFile looks up one 1-based generated position in the map at path,
// or, when path is a JS file, in the map its comments name.
func (u *Unminifier) ResolveFile(path string, line, column int) (Resolution, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Resolution{}, err
	}
	var loc *location
	if isJSName(abs) {
		var attempts []Attempt
		var reason string
		// The JS file was named on this machine: look beside it.
		loc, attempts, reason = u.find(FrameRef{URL: abs, Line: 1}, true)
		if loc == nil {
			return Resolution{MappedFrame: MappedFrame{Attempts: attempts}}, fmt.Errorf("%s: %s", path, reason)
		}
		// Name the map relative to the directory the user named the JS file from.
		if rel, err := filepath.Rel(filepath.Dir(abs), loc.desc); err == nil && !strings.HasPrefix(rel, "..") {
			loc.desc = filepath.Join(filepath.Dir(path), rel)
		}
	} else {
		loc = u.fileLocation(OSDir(filepath.Dir(abs)), filepath.Base(abs))
		loc.desc = path
	}
	lm := u.load(loc)
	if lm.err != nil {
		return Resolution{}, lm.err
	}
	res, err := lm.m.LookupBatch([]Pos{FramePos(line, column)})
	if err != nil {
		return Resolution{}, fmt.Errorf("%s: %w", lm.desc, err)
	}
	o := res[0]
	r := Resolution{Found: o.Found, Index: lm.m.IsIndex(), Sources: lm.m.NumSources()}
	r.Map = lm.desc
	if o.Found {
		r.SegmentLine, r.SegmentColumn = o.Generated.Line+1, o.Generated.Column+1
	}
	if o.HasName {
		r.Name = o.Name
	}
	u.fill(&r.MappedFrame, lm, o, FrameRef{Line: line, Column: column})
	r.Function = r.Name
	return r, nil
}
