package sourcemaps

import (
	"cmp"
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
	Method string `json:"method"` // "debug-id", "local-file", "maps-dir", "release-url", "sourceMappingURL", "map-file"
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

// Unminifier maps frames to original sources using maps it finds in its
// Sources, in local directories, on the frame's own path, or inline. Maps
// read from files are cached for the Unminifier's life; maps loaded from
// elsewhere (artifact bundles, inline maps) in a bounded cache. It is safe
// for concurrent use.
type Unminifier struct {
	// Sources are searched before Dirs: by debug ID (every source, then
	// Dirs), then by URL (every source, then Dirs).
	Sources []MapSource
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
	// MaxCachedMaps and MaxCachedBytes bound the cache of maps that are not
	// files (by count, and by the size of their JSON); 0 means 512 maps and
	// 256 MB.
	MaxCachedMaps  int
	MaxCachedBytes int64

	// parent is the Unminifier a WithSources view shares its caches with.
	parent *Unminifier

	mu    sync.Mutex
	cache map[string]*loadedMap // maps from files
	lru   mapLRU                // maps loaded from bytes
}

// WithSources returns an Unminifier that searches srcs before u's own
// sources and shares u's settings and caches: a view for one event's
// artifact bundles over a long-lived Unminifier. Close only u.
func (u *Unminifier) WithSources(srcs ...MapSource) *Unminifier {
	root := u.root()
	return &Unminifier{
		Sources: append(append([]MapSource(nil), srcs...), u.Sources...),
		Dirs:    u.Dirs, Context: u.Context, LocalFiles: u.LocalFiles, Indexed: u.Indexed,
		parent: root,
	}
}

// root is the Unminifier that owns the caches.
func (u *Unminifier) root() *Unminifier {
	if u.parent != nil {
		return u.parent
	}
	return u
}

// CachedMaps reports how many maps are cached: from files, and loaded
// from bytes (bounded).
func (u *Unminifier) CachedMaps() (files, loaded int) {
	r := u.root()
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.cache), r.lru.len()
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
	u.lru = mapLRU{}
	return nil
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

// find looks for the frame's map, recording each attempt: by debug ID in
// every source, then the frame's own file on this machine (when local is
// set), then by URL in every source.
func (u *Unminifier) find(f FrameRef, local bool) (*FoundMap, []Attempt, string) {
	var attempts []Attempt
	try := func(a ...Attempt) { attempts = append(attempts, a...) }
	sources := u.Sources
	if u.Dirs != nil {
		sources = append(sources[:len(sources):len(sources)], u.Dirs)
	}
	byDebugID := func(id string) (*FoundMap, bool) {
		for _, src := range sources {
			fm, a := src.FindByDebugID(id)
			try(a...)
			if fm != nil {
				return fm, true
			}
		}
		return nil, false
	}

	if f.DebugID != "" {
		if len(sources) == 0 {
			try(Attempt{Method: "debug-id", Target: f.DebugID, Detail: "no map with this debug ID in the --maps directories"})
		} else if fm, ok := byDebugID(normalizeDebugID(f.DebugID)); ok {
			return fm, attempts, ""
		}
	}

	// The JS file on this machine: its comments, then a map beside it.
	if local {
		if p, ok := localPath(f.URL); ok {
			try(Attempt{Method: "local-file", Target: p, Found: p})
			dir, base := OSDir(filepath.Dir(p)), filepath.Base(p)
			if c, err := ReadComments(dir, base); err != nil {
				try(Attempt{Method: "sourceMappingURL", Target: p, Detail: err.Error()})
			} else {
				if c.DebugID != "" && c.DebugID != normalizeDebugID(f.DebugID) {
					if fm, ok := byDebugID(c.DebugID); ok {
						attempts[len(attempts)-1].Detail = "from //# debugId in " + p
						return fm, attempts, ""
					}
				}
				fm, a := commentMap(c.SourceMappingURL, p, func(ref string) (*FoundMap, bool) {
					name, ok := relativeMap(dir, base, ref)
					if !ok {
						return nil, false
					}
					return u.fileLocation(dir, name), true
				})
				try(a)
				if fm != nil {
					return fm, attempts, ""
				}
			}
			if _, err := os.Stat(p + ".map"); err == nil {
				try(Attempt{Method: "map-file", Target: p + ".map", Found: p + ".map"})
				return u.fileLocation(dir, base+".map"), attempts, ""
			}
		}
	}

	for _, src := range sources {
		fm, a := src.FindByURL(f.URL)
		try(a...)
		if fm != nil {
			return fm, attempts, ""
		}
	}
	reason := "no sourcemap found"
	if len(sources) == 0 && !local {
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

func (u *Unminifier) fileLocation(fsys fs.FS, name string) *FoundMap {
	desc := name
	if d, ok := fsys.(OSDir); ok {
		desc = d.Path(name)
	}
	return &FoundMap{Key: fmt.Sprintf("%p|%v|%s", fsys, fsys, name), Desc: desc, FS: fsys, Name: name}
}

// load parses a map once while it is cached: maps from files for the
// Unminifier's life, loaded maps in the bounded cache.
func (u *Unminifier) load(loc *FoundMap) *loadedMap {
	r := u.root()
	r.mu.Lock()
	var lm *loadedMap
	var ok bool
	if loc.Load != nil {
		if r.lru.maxN == 0 {
			r.lru.maxN = cmp.Or(r.MaxCachedMaps, defaultCachedMaps)
			r.lru.maxBytes = cmp.Or(r.MaxCachedBytes, defaultCachedBytes)
		}
		if lm, ok = r.lru.get(loc.Key); !ok {
			lm = &loadedMap{desc: loc.Desc}
			r.lru.add(loc.Key, lm)
		}
	} else {
		if r.cache == nil {
			r.cache = map[string]*loadedMap{}
		}
		if lm, ok = r.cache[loc.Key]; !ok {
			lm = &loadedMap{desc: loc.Desc, dir: loc.FS, base: path.Dir(loc.Name)}
			r.cache[loc.Key] = lm
		}
	}
	r.mu.Unlock()
	lm.once.Do(func() {
		var data []byte
		switch {
		case loc.Load != nil:
			data, lm.err = loc.Load()
			r.mu.Lock()
			if lm.err != nil {
				// A failed fetch (a cancelled request, a busy store) is
				// tried again next time; a map that does not parse is not.
				r.lru.remove(loc.Key, lm)
			} else {
				r.lru.setSize(loc.Key, lm, int64(len(data)))
			}
			r.mu.Unlock()
			if lm.err == nil {
				lm.m, lm.err = Parse(data)
			}
		default:
			if d, ok := loc.FS.(OSDir); ok {
				lm.m, lm.err = Open(d.Path(loc.Name))
				break
			}
			data, lm.err = fs.ReadFile(loc.FS, loc.Name)
			if lm.err == nil {
				lm.m, lm.err = Parse(data)
			}
		}
		if lm.err != nil {
			lm.err = fmt.Errorf("%s: %w", loc.Desc, lm.err)
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
	var loc *FoundMap
	if isJSName(abs) {
		var attempts []Attempt
		var reason string
		// The JS file was named on this machine: look beside it.
		loc, attempts, reason = u.find(FrameRef{URL: abs, Line: 1}, true)
		if loc == nil {
			return Resolution{MappedFrame: MappedFrame{Attempts: attempts}}, fmt.Errorf("%s: %s", path, reason)
		}
		// Name the map relative to the directory the user named the JS file from.
		if rel, err := filepath.Rel(filepath.Dir(abs), loc.Desc); err == nil && !strings.HasPrefix(rel, "..") {
			loc.Desc = filepath.Join(filepath.Dir(path), rel)
		}
	} else {
		loc = u.fileLocation(OSDir(filepath.Dir(abs)), filepath.Base(abs))
		loc.Desc = path
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
