package sourcemaps

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"unicode/utf8"
)

// Severity ranks a Problem. Errors make a validation fail; warnings fail it
// only in strict mode; infos never do.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Problem codes. They are stable identifiers for scripts and docs.
const (
	CodeUnreadable          = "unreadable"              // the file could not be read
	CodeInvalidMap          = "invalid-map"             // not JSON, or a field has the wrong type
	CodeInvalidVersion      = "invalid-version"         // "version" is missing or not 3
	CodeInvalidMappings     = "invalid-mappings"        // the mappings string breaks ECMA-426 (with its position)
	CodeSectionOverlap      = "section-overlap"         // index map: a section starts inside the previous one
	CodeMapPrefix           = "map-prefix"              // a BOM or ")]}'" line before the JSON
	CodeEmptyMappings       = "empty-mappings"          // the map maps nothing
	CodeMissingContent      = "missing-sources-content" // sources neither embedded nor on disk
	CodeSourcesNotEmbedded  = "sources-not-embedded"    // no sourcesContent, but the files are on disk
	CodeContentLength       = "sources-content-length"  // sourcesContent and sources differ in length
	CodeDuplicateSources    = "duplicate-sources"       // the same source listed twice
	CodeFileMismatch        = "file-mismatch"           // "file" names another file than the JS
	CodeInvalidDebugID      = "invalid-debug-id"        // a debug ID that is not a UUID
	CodeUnreferencedMap     = "unreferenced-map"        // no JS file names this map
	CodeMissingMap          = "missing-map"             // a JS file with no sourcemap at all
	CodeNoSourceMappingURL  = "no-source-mapping-url"   // no comment, but <file>.map exists
	CodeLegacyComment       = "legacy-source-mapping-url"
	CodeMapNotFound         = "map-not-found"      // sourceMappingURL names a file that is not there
	CodeInvalidInlineMap    = "invalid-inline-map" // a data: URL that does not decode
	CodeDebugIDMismatch     = "debug-id-mismatch"  // JS and map carry different debug IDs
	CodeDebugIDMissing      = "debug-id-missing"   // one of the pair has a debug ID, the other not
	CodeNoDebugID           = "no-debug-id"        // neither has one
	CodePositionOutOfBounds = "position-out-of-bounds"
	CodeForeignMap          = "foreign-map" // the map does not fit this JS file's text
)

// Identifier-score thresholds: a pair scoring below ForeignScore is an
// error, below SuspectScore a warning. Matching pairs measured 93.8–100%,
// mismatched ones 0–12.5% (reference/sourcemaps.md §3.6).
const (
	ForeignScore = 0.5
	SuspectScore = 0.8
	// minScored is the fewest named segments that make a score meaningful.
	minScored = 20
)

// ValidateOptions tune Validate. The zero value is ready to use.
type ValidateOptions struct {
	// DisplayPath turns an fs.FS name into the path shown in reports
	// (the CLI shows paths relative to the working directory). Nil keeps
	// names as they are.
	DisplayPath func(name string) string
	// MaxNamedSamples bounds how many named segments the identifier check
	// looks at per JS file (0 means 20,000). Big maps are sampled evenly.
	MaxNamedSamples int
}

// Report is the result of Validate: one entry per file, sorted by path.
type Report struct {
	Files   []*FileReport `json:"files"`
	Summary Summary       `json:"summary"`
}

// FileKind says whether a FileReport is about a JS file or a map.
type FileKind string

const (
	KindJS  FileKind = "js"
	KindMap FileKind = "map"
)

// FileReport holds the problems of one file. Problems of a JS/map pair
// (positions, identifier score, debug IDs) are reported on the JS file;
// problems of the map alone on the map.
type FileReport struct {
	Path string   `json:"path"`
	Kind FileKind `json:"kind"`
	// Map is, for a JS file, the map it uses: a path, "inline" for a data:
	// URL, or "" when none was found.
	Map string `json:"map,omitempty"`
	// JS lists, for a map, the JS files that use it.
	JS      []string `json:"js,omitempty"`
	DebugID string   `json:"debug_id,omitempty"`
	// Segments is the number of mappings segments (maps, and JS files with
	// an inline map).
	Segments int `json:"segments,omitempty"`
	// IdentifierScore is, for a JS file, the share of the sampled named
	// segments whose generated column starts an identifier in the JS text;
	// NamedChecked is the sample size. Absent when the map has no names.
	IdentifierScore *float64  `json:"identifier_score,omitempty"`
	NamedChecked    int       `json:"named_checked,omitempty"`
	Problems        []Problem `json:"problems"`

	name string // fs.FS name
}

// Problem is one finding.
type Problem struct {
	File     string   `json:"file"`
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Message  string   `json:"message"`
	// Mappings locates the problem in the map's mappings string.
	Mappings *MappingsPosition `json:"mappings,omitempty"`
	// Generated locates it in the JS file, 1-based.
	Generated *GeneratedPosition `json:"generated,omitempty"`
	// Count is how many segments or sources share the problem, when more
	// than one can.
	Count int    `json:"count,omitempty"`
	Hint  string `json:"hint,omitempty"`
}

// MappingsPosition is a place in a mappings string: 1-based line and
// segment, 0-based byte offset, and the index-map section (-1 for none).
// Kind names the decoder rule that failed (MappingErrorKind.String).
type MappingsPosition struct {
	Kind    string `json:"kind"`
	Section int    `json:"section"`
	Line    int    `json:"line"`
	Segment int    `json:"segment"`
	Offset  int    `json:"offset"`
}

// GeneratedPosition is a 1-based line and column (UTF-16 units) in a JS file.
type GeneratedPosition struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// Summary counts what was checked and found.
type Summary struct {
	Files    int `json:"files"`
	JSFiles  int `json:"js_files"`
	Maps     int `json:"maps"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Infos    int `json:"infos"`
}

// Failed reports whether the report has errors, or warnings when strict.
func (r *Report) Failed(strict bool) bool {
	return r.Summary.Errors > 0 || strict && r.Summary.Warnings > 0
}

// Validate checks JS files and sourcemaps under paths (files or
// directories, walked recursively; node_modules is skipped, hidden build
// directories such as .next are not). Every map must decode under
// ECMA-426 and carry or point at its sources; every JS file must reference
// a map that exists, whose positions fit the file's text and whose named
// segments land on identifiers (a map from another build does not); debug
// IDs must agree. An error is returned only when a path cannot be read at
// all; everything else is a Problem in the Report.
func Validate(fsys fs.FS, paths []string, opts ValidateOptions) (*Report, error) {
	if opts.MaxNamedSamples <= 0 {
		opts.MaxNamedSamples = 20000
	}
	v := &validator{fsys: fsys, opts: opts, files: map[string]*FileReport{}, maps: map[string]*mapCheck{}}
	if err := v.collect(paths); err != nil {
		return nil, err
	}
	for _, name := range v.jsNames {
		v.checkJS(v.files[name])
	}
	for _, name := range v.mapNames {
		mc, ok := v.maps[name]
		if !ok {
			mc = v.mapCheck(name)
			mc.close()
		}
		if len(mc.rep.JS) == 0 {
			mc.rep.add(SeverityInfo, CodeUnreferencedMap, "no JS file references this map", 0,
				"Add a //# sourceMappingURL comment to its JS file (bundlers do this unless the sourcemap is \"hidden\"), or check that the JS file was built with this map.")
		}
	}
	return v.report(), nil
}

type validator struct {
	fsys     fs.FS
	opts     ValidateOptions
	files    map[string]*FileReport
	jsNames  []string
	mapNames []string
	maps     map[string]*mapCheck
}

func (v *validator) display(name string) string {
	if v.opts.DisplayPath != nil {
		return v.opts.DisplayPath(name)
	}
	return name
}

func (v *validator) addFile(name string, kind FileKind) *FileReport {
	if f, ok := v.files[name]; ok {
		return f
	}
	f := &FileReport{Path: v.display(name), Kind: kind, Problems: []Problem{}, name: name}
	v.files[name] = f
	if kind == KindJS {
		v.jsNames = append(v.jsNames, name)
	} else {
		v.mapNames = append(v.mapNames, name)
	}
	return f
}

// skippedMap tells maps that are not about JavaScript bundles: CSS maps and
// TypeScript declaration maps sit next to JS output but no JS references
// them.
func skippedMap(name string) bool {
	for _, suf := range []string{".css.map", ".d.ts.map", ".d.mts.map", ".d.cts.map"} {
		if strings.HasSuffix(name, suf) {
			return true
		}
	}
	return false
}

func (v *validator) collect(paths []string) error {
	for _, p := range paths {
		p = path.Clean(p)
		st, err := fs.Stat(v.fsys, p)
		if err != nil {
			return fmt.Errorf("%s: %w", v.display(p), unwrapPathError(err))
		}
		if !st.IsDir() {
			if isMapName(p) {
				v.addFile(p, KindMap)
				// A map given alone is checked with its JS file, if that is
				// beside it.
				if js := strings.TrimSuffix(p, ".map"); isJSName(js) && exists(v.fsys, js) {
					v.addFile(js, KindJS)
				}
			} else {
				v.addFile(p, KindJS)
			}
			continue
		}
		err = fs.WalkDir(v.fsys, p, func(name string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() {
				if e.Name() == "node_modules" && name != p {
					return fs.SkipDir
				}
				return nil
			}
			switch {
			case isMapName(name) && !skippedMap(name):
				v.addFile(name, KindMap)
			case isJSName(name):
				v.addFile(name, KindJS)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("%s: %w", v.display(p), unwrapPathError(err))
		}
	}
	sort.Strings(v.jsNames)
	sort.Strings(v.mapNames)
	return nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func exists(fsys fs.FS, name string) bool {
	st, err := fs.Stat(fsys, name)
	return err == nil && !st.IsDir()
}

func (v *validator) report() *Report {
	r := &Report{}
	names := make([]string, 0, len(v.files))
	for n := range v.files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := v.files[n]
		sort.Strings(f.JS)
		sort.SliceStable(f.Problems, func(i, j int) bool {
			return severityRank(f.Problems[i].Severity) < severityRank(f.Problems[j].Severity)
		})
		r.Files = append(r.Files, f)
		r.Summary.Files++
		if f.Kind == KindJS {
			r.Summary.JSFiles++
		} else {
			r.Summary.Maps++
		}
		for _, p := range f.Problems {
			switch p.Severity {
			case SeverityError:
				r.Summary.Errors++
			case SeverityWarning:
				r.Summary.Warnings++
			default:
				r.Summary.Infos++
			}
		}
	}
	return r
}

func severityRank(s Severity) int {
	switch s {
	case SeverityError:
		return 0
	case SeverityWarning:
		return 1
	}
	return 2
}

func (f *FileReport) add(sev Severity, code, msg string, count int, hint string) *Problem {
	f.Problems = append(f.Problems, Problem{File: f.Path, Severity: sev, Code: code, Message: msg, Count: count, Hint: hint})
	return &f.Problems[len(f.Problems)-1]
}

// mapCheck is the state of one map: its own problems are checked once,
// however many JS files use it.
type mapCheck struct {
	rep   *FileReport // where the map's own problems go
	m     *Map        // nil when the map did not parse, or after close
	valid bool        // the mappings decoded
	dir   string      // the directory its sources are relative to
}

func (mc *mapCheck) close() {
	if mc.m != nil {
		_ = mc.m.Close()
		mc.m = nil
	}
}

// openMap reads and parses a map file, memory-mapping it when the FS is a
// directory on disk.
func (v *validator) openMap(name string) (*Map, error) {
	if d, ok := v.fsys.(OSDir); ok {
		m, err := Open(d.Path(name))
		if err != nil {
			// Open prefixes errors with the OS path; the report already
			// says which file it is about.
			if errors.Is(err, ErrInvalidMap) {
				data, rerr := fs.ReadFile(v.fsys, name)
				if rerr == nil {
					_, err = Parse(data)
				}
			}
			return nil, err
		}
		return m, nil
	}
	data, err := fs.ReadFile(v.fsys, name)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// mapCheck returns the map file name, parsed and checked. The Map stays
// open until the caller closes it; a later call reopens it.
func (v *validator) mapCheck(name string) *mapCheck {
	mc, seen := v.maps[name]
	if seen && mc.m != nil {
		return mc
	}
	if !seen {
		mc = &mapCheck{rep: v.addFile(name, KindMap), dir: path.Dir(name)}
		v.maps[name] = mc
	}
	m, err := v.openMap(name)
	if err != nil {
		if !seen {
			reportParseError(mc.rep, err)
		}
		return mc
	}
	mc.m = m
	if !seen {
		mc.valid = v.checkMap(mc.rep, m, mc.dir)
	} else {
		mc.valid = m.Validate() == nil
	}
	return mc
}

func reportParseError(rep *FileReport, err error) {
	msg := err.Error()
	if !errors.Is(err, ErrInvalidMap) {
		rep.add(SeverityError, CodeUnreadable, strings.TrimPrefix(msg, "open source map: "), 0, "")
		return
	}
	msg = strings.Replace(msg, ErrInvalidMap.Error()+": ", "", 1)
	if strings.HasPrefix(msg, "version:") || strings.Contains(msg, ".map: version:") {
		rep.add(SeverityError, CodeInvalidVersion, msg, 0, "Sourcemaps must have \"version\": 3 (ECMA-426); regenerate the map with a current bundler.")
		return
	}
	rep.add(SeverityError, CodeInvalidMap, msg, 0, "The map does not decode; regenerate it, and check that nothing edits or truncates it after the build.")
}

// checkMap runs the checks that need only the map, reporting to rep; dir
// is the directory its relative sources resolve against. It reports
// whether the mappings decode.
func (v *validator) checkMap(rep *FileReport, m *Map, dir string) bool {
	rep.DebugID = m.DebugID()
	if p := m.Prefix(); p != "" {
		what := "a byte order mark"
		if strings.Contains(p, ")]}'") {
			what = `a ")]}'" line`
		}
		rep.add(SeverityWarning, CodeMapPrefix, "the JSON is preceded by "+what, 0, "Browsers strip it, but other tools may not: write the map without it.")
	}
	valid := true
	if err := m.Validate(); err != nil {
		valid = false
		var me *MappingError
		switch {
		case errors.As(err, &me) && me.Kind == SectionOverlap:
			rep.add(SeverityError, CodeSectionOverlap, me.Error(), 0, "Sections of an index map must be sorted and must not overlap; regenerate the map.")
		case errors.As(err, &me):
			p := rep.add(SeverityError, CodeInvalidMappings, me.Error(), 0,
				"The mappings string is corrupt; regenerate the map, and check that nothing rewrites it after the build.")
			p.Mappings = &MappingsPosition{Kind: me.Kind.String(), Section: me.Section, Line: me.Line, Segment: me.Segment, Offset: me.Offset}
		default:
			reportParseError(rep, err)
		}
	}
	if id := m.DebugID(); id != "" && !isUUID(normalizeDebugID(id)) {
		rep.add(SeverityWarning, CodeInvalidDebugID, fmt.Sprintf("debugId %q is not a UUID", id), 0, "Run `snag sourcemaps inject` on the build output to write fresh debug IDs.")
	}
	if valid && !hasSegments(m) {
		rep.add(SeverityWarning, CodeEmptyMappings, "the map has no mappings: nothing in the JS file maps to a source", 0,
			"Check that the bundler had sourcemaps enabled for this input; an empty map cannot unminify anything.")
	}
	v.checkSources(rep, m, dir)
	return valid
}

// hasSegments reports whether any section's mappings hold a segment.
func hasSegments(m *Map) bool {
	for _, s := range m.sections {
		for _, c := range s.m.mappings {
			if c != ';' && c != ',' {
				return true
			}
		}
	}
	return false
}

// maxSourceStats bounds the files looked up on disk for one map.
const maxSourceStats = 1000

func (v *validator) checkSources(rep *FileReport, m *Map, dir string) {
	// Lengths and duplicates, per section (sections do not share lists).
	for k, s := range m.sections {
		sm := s.m
		where := ""
		if m.isIndex {
			where = fmt.Sprintf("sections[%d].map: ", k)
		}
		if n := len(sm.contents); n > 0 && n != len(sm.sources) {
			rep.add(SeverityWarning, CodeContentLength,
				fmt.Sprintf("%ssourcesContent has %d entries for %d sources", where, n, len(sm.sources)), 0,
				"Entries are matched to sources by position: a different length usually means a tool edited one list and not the other.")
		}
		seen := make(map[string]bool, len(sm.sources))
		var dups []string
		for i, src := range sm.sources {
			if sm.nullSource[i] {
				continue
			}
			if seen[src] {
				dups = append(dups, src)
			}
			seen[src] = true
		}
		if len(dups) > 0 {
			rep.add(SeverityInfo, CodeDuplicateSources, fmt.Sprintf("%s%s listed more than once in sources", where, quoteList(dups, 3)), len(dups), "")
		}
	}

	var missing, onDisk []string
	stats := 0
	for i := range m.sources {
		if m.nullSource[i] || m.HasSourceContent(i) {
			continue
		}
		src := m.resolved[i]
		if stats < maxSourceStats {
			stats++
			if v.sourceOnDisk(dir, src) {
				onDisk = append(onDisk, src)
				continue
			}
		}
		missing = append(missing, src)
	}
	switch {
	case len(missing) > 0:
		rep.add(SeverityWarning, CodeMissingContent,
			fmt.Sprintf("%d of %d sources have no sourcesContent and are not on disk: %s", len(missing), len(m.sources), quoteList(missing, 3)),
			len(missing), "Enable sourcesContent in the bundler (it is the default in most), so Sentry can show source context without the original files.")
	case len(onDisk) > 0:
		rep.add(SeverityInfo, CodeSourcesNotEmbedded,
			fmt.Sprintf("%d of %d sources have no sourcesContent; found on disk: %s", len(onDisk), len(m.sources), quoteList(onDisk, 3)),
			len(onDisk), "Sentry cannot read your disk: embed sourcesContent in the map, or upload the sources too.")
	}
}

func quoteList(xs []string, n int) string {
	var b strings.Builder
	for i, x := range xs {
		if i == n {
			fmt.Fprintf(&b, " and %d more", len(xs)-n)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", x)
	}
	return b.String()
}

// sourceOnDisk looks for a source next to its map: relative paths against
// the map's directory, webpack://<ns>/ paths against it and its parents
// (webpack writes them relative to the project root), and absolute or
// file:// paths on the local disk when the FS is one.
func (v *validator) sourceOnDisk(dir, src string) bool {
	switch {
	case strings.HasPrefix(src, "webpack://"):
		rest := strings.TrimPrefix(src, "webpack://")
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			rest = rest[i+1:]
		} else {
			return false
		}
		rest = path.Clean(strings.TrimPrefix(rest, "/"))
		if !fs.ValidPath(rest) || strings.HasPrefix(rest, "webpack/") || rest == "." {
			return false
		}
		for d := dir; ; d = path.Dir(d) {
			if exists(v.fsys, path.Join(d, rest)) {
				return true
			}
			if d == "." {
				return false
			}
		}
	case strings.HasPrefix(src, "file://") || strings.HasPrefix(src, "/"):
		d, ok := v.fsys.(OSDir)
		if !ok {
			return false
		}
		p := URLPath(src)
		if rel, ok := strings.CutPrefix(p, strings.TrimSuffix(URLPath(string(d)), "/")+"/"); ok {
			return exists(v.fsys, rel)
		}
		st, err := os.Stat(p)
		return err == nil && !st.IsDir()
	case hasScheme(src):
		return false
	}
	p := src
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	name := path.Clean(path.Join(dir, p))
	return fs.ValidPath(name) && exists(v.fsys, name)
}

// checkJS checks one JS file, finds its map and checks the pair.
func (v *validator) checkJS(rep *FileReport) {
	js, err := fs.ReadFile(v.fsys, rep.name)
	if err != nil {
		rep.add(SeverityError, CodeUnreadable, unwrapPathError(err).Error(), 0, "")
		return
	}
	c := ParseComments(js)
	rep.DebugID = c.DebugID
	if c.DebugID != "" && !isUUID(normalizeDebugID(c.DebugID)) {
		rep.add(SeverityWarning, CodeInvalidDebugID, fmt.Sprintf("//# debugId=%s is not a UUID", c.DebugID), 0, "Run `snag sourcemaps inject` on the build output to write fresh debug IDs.")
	}
	ref := c.SourceMappingURL
	if ref != "" && legacyComment(js) {
		rep.add(SeverityWarning, CodeLegacyComment, "the map is referenced with the legacy //@ sourceMappingURL form", 0,
			"Use //# sourceMappingURL=...; current bundlers write that form.")
	}

	var (
		m       *Map
		mc      *mapCheck
		mapDesc string
	)
	switch {
	case ref == "":
		guess := rep.name + ".map"
		if !exists(v.fsys, guess) {
			rep.add(SeverityWarning, CodeMissingMap, "no sourceMappingURL comment and no "+path.Base(guess)+" beside it: this file is not uploaded with a map", 0,
				"Enable sourcemaps in the bundler (esbuild --sourcemap, webpack devtool: \"source-map\", Vite build.sourcemap: true); \"hidden\" maps are fine for Sentry.")
			return
		}
		rep.add(SeverityInfo, CodeNoSourceMappingURL, "no sourceMappingURL comment; the map is found by its name, "+path.Base(guess), 0,
			"Sentry pairs files by name on upload, but browsers and other tools will not find the map.")
		mc = v.mapCheck(guess)
	case strings.HasPrefix(ref, "data:"):
		mapDesc = "inline"
		rep.Map = "inline"
		data, err := DecodeDataURL(ref)
		if err == nil {
			m, err = Parse(data)
		}
		if err != nil {
			msg := err.Error()
			if errors.Is(err, ErrInvalidMap) {
				msg = strings.TrimPrefix(msg, ErrInvalidMap.Error()+": ")
			}
			rep.add(SeverityError, CodeInvalidInlineMap, "the inline sourcemap does not decode: "+msg, 0,
				"Regenerate the bundle; prefer external .map files for production, so the JS stays small.")
			return
		}
		valid := v.checkMap(rep, m, path.Dir(rep.name))
		rep.DebugID = c.DebugID
		if !valid {
			return
		}
		v.checkPair(rep, js, c, m, rep, mapDesc)
		return
	default:
		name, ok := v.resolveRef(rep.name, ref)
		if !ok {
			rep.add(SeverityError, CodeMapNotFound, fmt.Sprintf("sourceMappingURL=%s: no such map", ref), 0,
				"Upload the map with its JS file, and keep the sourceMappingURL relative to the JS file (or a URL whose path ends in the map's path).")
			return
		}
		mc = v.mapCheck(name)
	}
	rep.Map = mc.rep.Path
	mc.rep.JS = append(mc.rep.JS, rep.Path)
	defer mc.close()
	m = mc.m
	if m == nil || !mc.valid {
		return // the map's own report says why
	}
	v.checkPair(rep, js, c, m, mc.rep, mc.rep.Path)
}

// legacyComment reports whether the last sourceMappingURL comment of js
// uses the //@ form.
func legacyComment(js []byte) bool {
	tail := js[max(0, len(js)-tailWindow):]
	i := bytes.LastIndex(tail, []byte("sourceMappingURL="))
	if i < 0 {
		return false
	}
	line := tail[bytes.LastIndexByte(tail[:i], '\n')+1 : i]
	line = bytes.TrimSpace(line)
	return bytes.HasPrefix(line, []byte("//@")) || bytes.HasPrefix(line, []byte("/*@"))
}

// resolveRef finds the map a sourceMappingURL names: relative to the JS
// file, or for a URL or absolute path, the known map whose path shares the
// longest suffix with it, else the file of that name beside the JS.
func (v *validator) resolveRef(jsName, ref string) (string, bool) {
	if name, ok := relativeMap(v.fsys, jsName, ref); ok {
		return name, true
	}
	if !strings.Contains(ref, "://") && !strings.HasPrefix(ref, "/") {
		return "", false
	}
	p := URLPath(ref)
	best, bestLen := "", 0
	for _, name := range v.mapNames {
		if path.Base(name) != path.Base(p) {
			continue
		}
		if n := commonSuffix(p, name); n > bestLen {
			best, bestLen = name, n
		}
	}
	if best != "" {
		return best, true
	}
	beside := path.Join(path.Dir(jsName), path.Base(p))
	if exists(v.fsys, beside) {
		return beside, true
	}
	return "", false
}

// checkPair checks a JS file against its decoded, valid map: debug IDs,
// the file field, positions inside the text, and the identifier score.
// Problems of the pair go to rep; the file-field note to mapRep.
func (v *validator) checkPair(rep *FileReport, js []byte, c Comments, m *Map, mapRep *FileReport, mapDesc string) {
	v.checkDebugIDs(rep, c.DebugID, m.DebugID(), mapDesc)
	if f := m.File(); f != "" && path.Base(URLPath(f)) != path.Base(rep.name) {
		mapRep.add(SeverityInfo, CodeFileMismatch, fmt.Sprintf("\"file\" is %q but the map is used by %s", f, path.Base(rep.name)), 0,
			"Harmless for Sentry, but a sign that the JS was renamed or the map belongs to another file.")
	}
	res, err := scorePair(js, m, v.opts.MaxNamedSamples)
	if err != nil {
		return // Validate passed, so only a closed map gets here
	}
	if rep.Map == "inline" {
		rep.Segments = res.segments
	} else {
		mapRep.Segments = res.segments
	}
	if res.outOfBounds > 0 {
		what := "past the end of its line"
		if res.firstOOB.Line >= len(res.lines) {
			what = fmt.Sprintf("on line %d, but the file has %d lines", res.firstOOB.Line+1, len(res.lines))
		}
		p := rep.add(SeverityError, CodePositionOutOfBounds,
			fmt.Sprintf("%d of %d segments point outside this file; the first, at %d:%d, is %s", res.outOfBounds, res.segments,
				res.firstOOB.Line+1, res.firstOOB.Column+1, what),
			res.outOfBounds, "The JS file changed after the map was written (a banner, \"use strict\", minifying again) or the map belongs to another build: generate both in the same build step.")
		p.Generated = &GeneratedPosition{Line: res.firstOOB.Line + 1, Column: res.firstOOB.Column + 1}
	}
	if res.checked > 0 {
		score := float64(res.hits) / float64(res.checked)
		rep.IdentifierScore = &score
		rep.NamedChecked = res.checked
		if res.checked >= minScored && score < SuspectScore {
			sev, msg := SeverityError, "this map belongs to another build or the JS was changed after it was written"
			if score >= ForeignScore {
				sev, msg = SeverityWarning, "parts of this map may not match the JS file"
			}
			p := rep.add(sev, CodeForeignMap,
				fmt.Sprintf("only %.1f%% of %d named segments start an identifier in the JS file (matching pairs score over 90%%): %s", 100*score, res.checked, msg),
				res.checked-res.hits, "Upload the map produced by the same build as this JS file, and do not edit the JS afterwards (banners, license headers, \"use strict\").")
			if res.firstMiss.Line >= 0 {
				p.Generated = &GeneratedPosition{Line: res.firstMiss.Line + 1, Column: res.firstMiss.Column + 1}
			}
		}
	}
}

func (v *validator) checkDebugIDs(rep *FileReport, jsID, mapID, mapDesc string) {
	jsN, mapN := normalizeDebugID(jsID), normalizeDebugID(mapID)
	const hint = "Run `snag sourcemaps inject` on the build output (before uploading) so the JS file and its map carry the same debug ID."
	switch {
	case jsN != "" && mapN != "" && jsN != mapN:
		rep.add(SeverityError, CodeDebugIDMismatch, fmt.Sprintf("the JS file has debugId %s but its map has %s", jsID, mapID), 0,
			"Events are matched to maps by debug ID: re-run `snag sourcemaps inject`, or rebuild so both come from the same build.")
	case jsN != "" && mapN == "":
		rep.add(SeverityWarning, CodeDebugIDMissing, fmt.Sprintf("the JS file has debugId %s but its map has none", jsID), 0, hint)
	case jsN == "" && mapN != "":
		rep.add(SeverityWarning, CodeDebugIDMissing, fmt.Sprintf("the map has debugId %s but the JS file has no //# debugId comment", mapID), 0, hint)
	case jsN == "" && mapN == "":
		rep.add(SeverityInfo, CodeNoDebugID, "no debug IDs: Sentry can match this file only by release and URL", 0, hint)
	}
}

// jsLine is one line of a JS file: its byte range and length in UTF-16
// code units.
type jsLine struct {
	start, end int
	units      int
	ascii      bool
}

// splitJSLines splits JS text at ECMAScript line terminators (LF, CR, CRLF,
// U+2028, U+2029), which is how source maps count generated lines.
func splitJSLines(b []byte) []jsLine {
	lines := make([]jsLine, 0, bytes.Count(b, []byte{'\n'})+1)
	start, ascii := 0, true
	end := func(i int) {
		l := jsLine{start: start, end: i, ascii: ascii, units: i - start}
		if !ascii {
			l.units = utf16Len(b[start:i])
		}
		lines = append(lines, l)
	}
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '\n':
			end(i)
			i++
			start, ascii = i, true
		case c == '\r':
			end(i)
			i++
			if i < len(b) && b[i] == '\n' {
				i++
			}
			start, ascii = i, true
		case c < 0x80:
			i++
		case c == 0xE2 && i+2 < len(b) && b[i+1] == 0x80 && (b[i+2] == 0xA8 || b[i+2] == 0xA9):
			end(i)
			i += 3
			start, ascii = i, true
		default:
			ascii = false
			i++
		}
	}
	end(len(b))
	return lines
}

func utf16Len(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// pairResult is what scorePair measures.
type pairResult struct {
	lines       []jsLine
	segments    int
	outOfBounds int
	firstOOB    Pos
	checked     int // named segments sampled
	hits        int // of those, the ones on an identifier start
	firstMiss   Pos // first sampled named segment not on one; Line -1 if none
}

// scorePair walks the map once. Every segment is bounds-checked against
// the JS lines (O(1) each); named segments are sampled evenly, at most
// maxNamed of them, and scored by whether their generated column starts an
// identifier (the character there can start one and the one before cannot
// continue one). Segments are not stored.
func scorePair(js []byte, m *Map, maxNamed int) (pairResult, error) {
	res := pairResult{lines: splitJSLines(js), firstMiss: Pos{Line: -1}}
	lines := res.lines
	// Estimate the segment count from separators to pick a stride that
	// spreads the sample over the whole file.
	est := 0
	for _, s := range m.sections {
		est += bytes.Count(s.m.mappings, []byte{','}) + bytes.Count(s.m.mappings, []byte{';'}) + 1
	}
	stride := max(1, est/maxNamed)
	var cache utf16Cache
	err := m.Walk(func(mp Mapping) error {
		res.segments++
		g := mp.Generated
		if g.Line >= len(lines) || g.Column > lines[g.Line].units {
			if res.outOfBounds == 0 {
				res.firstOOB = g
			}
			res.outOfBounds++
		}
		if mp.NameIndex < 0 || res.segments%stride != 0 || res.checked >= maxNamed {
			return nil
		}
		res.checked++
		if g.Line < len(lines) && startsIdentifier(js, lines[g.Line], g.Line, g.Column, &cache) {
			res.hits++
		} else if res.firstMiss.Line < 0 {
			res.firstMiss = g
		}
		return nil
	})
	return res, err
}

// utf16Cache keeps the UTF-16-unit-to-byte offsets of the last non-ASCII
// line looked at: segments arrive line by line.
type utf16Cache struct {
	line int
	ok   bool
	offs []int32
}

func (c *utf16Cache) offset(js []byte, l jsLine, line, col int) int {
	if !c.ok || c.line != line {
		c.offs = c.offs[:0]
		b := js[l.start:l.end]
		for i := 0; i < len(b); {
			r, size := utf8.DecodeRune(b[i:])
			c.offs = append(c.offs, int32(i))
			if r >= 0x10000 {
				c.offs = append(c.offs, int32(i)) // the low surrogate
			}
			i += size
		}
		c.offs = append(c.offs, int32(len(b)))
		c.line, c.ok = line, true
	}
	if col >= len(c.offs) {
		return l.end - l.start
	}
	return int(c.offs[col])
}

// startsIdentifier reports whether the text at line:col begins an
// identifier (or a #private name) that does not continue one before it.
func startsIdentifier(js []byte, l jsLine, line, col int, cache *utf16Cache) bool {
	if col >= l.units {
		return false
	}
	var off int
	if l.ascii {
		off = col
	} else {
		off = cache.offset(js, l, line, col)
	}
	text := js[l.start:l.end]
	r, size := utf8.DecodeRune(text[off:])
	if r == '#' {
		r, _ = utf8.DecodeRune(text[off+size:])
	}
	if !isIdentStart(r) && r != '\\' {
		return false
	}
	if off == 0 {
		return true
	}
	prev, _ := utf8.DecodeLastRune(text[:off])
	return !isIdentPart(prev)
}
