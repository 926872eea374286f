package sourcemaps

// Collecting the files of a sourcemap upload: which files under the paths
// given go into the artifact bundle, under which URL, of which type, and
// with which "sourcemap" and "debug-id" headers. sentry-cli's rules, except
// that hidden directories (.next, .output) are searched, node_modules is
// not, and a file that cannot be uploaded is reported with the reason
// instead of dropped silently.

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// DefaultUploadExtensions are the file extensions collected from
// directories, as sentry-cli's.
var DefaultUploadExtensions = []string{"js", "cjs", "mjs", "map", "jsbundle", "bundle"}

// DefaultURLPrefix is the URL prefix when none is given: "~" stands for any
// scheme and host, so "~/static/app.js" matches a frame at
// https://example.com/static/app.js.
const DefaultURLPrefix = "~"

// ErrURLPrefix is a URL prefix that would give URLs no stack frame has.
var ErrURLPrefix = errors.New("invalid URL prefix")

// UploadOptions say which files to collect and how to name them.
type UploadOptions struct {
	// Extensions of the files collected from directories, without the dot;
	// nil means DefaultUploadExtensions. Files named on the command line are
	// collected whatever their extension.
	Extensions []string
	// Ignore leaves out files and directories found in directories.
	Ignore *IgnoreRules
	// URLPrefix goes before each file's path under its directory; one
	// trailing slash is dropped ("~/" is "~", "app:///" is "app://"). Empty
	// means DefaultURLPrefix.
	URLPrefix string
	// URLSuffix goes after it (e.g. "?v=1").
	URLSuffix string
	// StripPrefixes are removed from the start of the "sources" entries
	// inside sourcemaps (not from upload URLs), at a path boundary.
	StripPrefixes []string
	// StripCommonPrefix removes the longest directory prefix that all of a
	// map's sources share.
	StripCommonPrefix bool
}

// UploadFile is one file going into the bundle.
type UploadFile struct {
	// Path is the file on disk, as found under the path given.
	Path string
	// URL is its URL in the bundle: the URL prefix, its slash path under
	// the directory given (or its name, for a file given), the suffix.
	URL string
	// Type is BundleMinifiedSource or BundleSourceMap.
	Type string
	// DebugID is the file's debug ID, normalized; "" when it has none.
	DebugID string
	// DebugIDFrom is the file the debug ID was taken from when it is not
	// the file's own (a map without one gets its JS file's).
	DebugIDFrom string
	// SourceMap is, for a minified file, its "sourcemap" header: the
	// sourceMappingURL as written, or the name of the map found beside it.
	SourceMap string
	// Map is, for a minified file, the map it uses: a path among the files
	// uploaded, "inline" for a data: URL, or "" for none.
	Map string
	// RewrittenSources counts the map's sources that --strip-prefix or
	// --strip-common-prefix changed.
	RewrittenSources int
	// Content is what is uploaded. It may be the file's pages mapped into
	// memory: valid until UploadSet.Close.
	Content []byte

	abs     string
	release func() error // unmaps Content
}

// SkippedFile is a file that is not uploaded, and why.
type SkippedFile struct {
	Path   string
	Reason string
}

// UploadSet is the result of CollectUpload: files sorted by path. Close
// releases the files' contents.
type UploadSet struct {
	Files   []*UploadFile
	Skipped []SkippedFile
}

// Close releases the files' contents (mapped files are unmapped); the set
// must not be used after.
func (s *UploadSet) Close() error {
	var first error
	for _, f := range s.Files {
		if f.release != nil {
			if err := f.release(); err != nil && first == nil {
				first = err
			}
			f.release = nil
		}
		f.Content = nil
	}
	return first
}

// NormalizeURLPrefix returns the prefix as URLs are built with it: "~" when
// empty, without one trailing slash. A prefix that is neither "~"-based, a
// URL with a scheme nor an absolute path gives URLs that match no frame, and
// is refused with a suggestion.
func NormalizeURLPrefix(prefix string) (string, error) {
	if prefix == "" {
		return DefaultURLPrefix, nil
	}
	p := strings.TrimSuffix(prefix, "/")
	switch {
	case p == "~" || strings.HasPrefix(p, "~/"):
	case strings.Contains(p, "://") || strings.HasSuffix(p, ":/") || strings.HasSuffix(p, ":"):
	case strings.HasPrefix(p, "/") || p == "":
	default:
		return "", fmt.Errorf("%w %q: uploaded files would be named %q, which matches no stack frame; did you mean %q?",
			ErrURLPrefix, prefix, p+"/app.js", "~/"+strings.TrimPrefix(p, "./"))
	}
	return p, nil
}

// UploadURL is a file's URL: prefix (normalized), "/", its slash path, suffix.
func UploadURL(prefix, rel, suffix string) string {
	return prefix + "/" + strings.TrimPrefix(rel, "/") + suffix
}

// collected is a file found, before it is read.
type collected struct {
	path, abs, rel string
}

// CollectUpload finds the files to upload under paths (directories,
// searched recursively, or files), reads them, names them and pairs each
// minified file with its map. The error is for the arguments only (a path
// that does not exist, a bad prefix); files that cannot be uploaded are
// in Skipped. The caller closes the set when done with the contents.
func CollectUpload(paths []string, opts UploadOptions) (*UploadSet, error) {
	prefix, err := NormalizeURLPrefix(opts.URLPrefix)
	if err != nil {
		return nil, err
	}
	exts := opts.Extensions
	if len(exts) == 0 {
		exts = DefaultUploadExtensions
	}
	hasExt := extensionMatcher(exts)

	var found []collected
	set := &UploadSet{}
	for _, arg := range paths {
		args := []string{arg}
		if _, err := os.Stat(arg); err != nil && strings.ContainsAny(arg, "*?[") {
			// A pattern the shell did not expand (quoted, or on Windows).
			if matches, gerr := filepath.Glob(arg); gerr == nil && len(matches) > 0 {
				args = matches
			}
		}
		for _, a := range args {
			f, skipped, err := collectPath(a, opts.Ignore, hasExt)
			if err != nil {
				return nil, err
			}
			found = append(found, f...)
			set.Skipped = append(set.Skipped, skipped...)
		}
	}

	// The same file under the same URL (given twice, or a file inside a
	// directory also given) goes once.
	seen := map[[2]string]bool{}
	var files []*UploadFile
	for _, c := range found {
		u := UploadURL(prefix, c.rel, opts.URLSuffix)
		if seen[[2]string{c.abs, u}] {
			continue
		}
		seen[[2]string{c.abs, u}] = true
		files = append(files, &UploadFile{Path: c.path, URL: u, abs: c.abs})
	}

	skips := readAll(files, opts)
	var kept []*UploadFile
	for i, f := range files {
		if skips[i] != "" {
			set.Skipped = append(set.Skipped, SkippedFile{Path: f.Path, Reason: skips[i]})
			if f.release != nil {
				_ = f.release()
			}
			continue
		}
		kept = append(kept, f)
	}
	pair(kept)
	sort.Slice(kept, func(i, j int) bool {
		if kept[i].Path != kept[j].Path {
			return kept[i].Path < kept[j].Path
		}
		return kept[i].URL < kept[j].URL
	})
	sort.SliceStable(set.Skipped, func(i, j int) bool { return set.Skipped[i].Path < set.Skipped[j].Path })
	set.Files = kept
	return set, nil
}

// collectPath lists the files of one argument: the file itself, or the
// files under a directory that have a collected extension and are not
// ignored. CSS and TypeScript declaration maps in a directory are skipped
// with a reason: no JavaScript frame maps through them.
func collectPath(arg string, ignore *IgnoreRules, hasExt func(string) bool) ([]collected, []SkippedFile, error) {
	st, err := os.Stat(arg)
	if err != nil {
		return nil, nil, err
	}
	abs, err := filepath.Abs(arg)
	if err != nil {
		return nil, nil, err
	}
	if !st.IsDir() {
		return []collected{{path: arg, abs: abs, rel: filepath.Base(arg)}}, nil, nil
	}
	var out []collected
	var skipped []SkippedFile
	err = filepath.WalkDir(arg, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == arg {
			return nil
		}
		rel, err := filepath.Rel(arg, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		isDir := e.IsDir()
		if e.Type()&fs.ModeSymlink != 0 {
			// Follow links to files, as sentry-cli does; linked directories
			// are not searched (they can loop).
			st, err := os.Stat(p)
			if err != nil || !st.Mode().IsRegular() {
				return nil
			}
		} else if !isDir && !e.Type().IsRegular() {
			return nil
		}
		if isDir {
			if e.Name() == "node_modules" || ignore.Ignored(rel, filepath.ToSlash(p), true) {
				return fs.SkipDir
			}
			return nil
		}
		if !hasExt(e.Name()) || ignore.Ignored(rel, filepath.ToSlash(p), false) {
			return nil
		}
		if why := skippedMapReason(e.Name()); why != "" {
			skipped = append(skipped, SkippedFile{Path: p, Reason: why})
			return nil
		}
		out = append(out, collected{path: p, abs: filepath.Join(abs, filepath.FromSlash(rel)), rel: rel})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, skipped, nil
}

func skippedMapReason(name string) string {
	switch {
	case strings.HasSuffix(name, ".css.map"):
		return "a CSS sourcemap: no JavaScript frame maps through it"
	case strings.HasSuffix(name, ".d.ts.map"), strings.HasSuffix(name, ".d.mts.map"), strings.HasSuffix(name, ".d.cts.map"):
		return "a TypeScript declaration map: no JavaScript frame maps through it"
	}
	return ""
}

// readAll reads and classifies the files, a few at a time; it returns, per
// file, why it is skipped ("" when it is not).
func readAll(files []*UploadFile, opts UploadOptions) []string {
	skips := make([]string, len(files))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(len(files), 2*runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := range work {
				skips[i] = readUploadFile(files[i], opts)
			}
		})
	}
	for i := range files {
		work <- i
	}
	close(work)
	wg.Wait()
	return skips
}

func readUploadFile(f *UploadFile, opts UploadOptions) string {
	// Mapped, not read: a heap copy of a 100 MB build costs more than
	// everything else done with it on VMs where fresh memory is slow.
	data, release, err := mapFile(f.Path)
	if err != nil {
		return unwrapPathError(err).Error()
	}
	f.release = release
	if !utf8.Valid(data) {
		return "not UTF-8 text: Sentry keeps only UTF-8 files in artifact bundles"
	}
	f.Content = data
	if isMapName(f.Path) || looksLikeMap(data) {
		f.Type = BundleSourceMap
		m, err := Parse(data)
		if err != nil {
			// Validation reports why; with --no-validate it goes as it is.
			return ""
		}
		defer m.Close()
		if id := normalizeDebugID(m.DebugID()); isUUID(id) {
			f.DebugID = id
		}
		if len(opts.StripPrefixes) > 0 || opts.StripCommonPrefix {
			if out, n, err := stripSources(data, len(m.Prefix()), opts.StripPrefixes, opts.StripCommonPrefix); err == nil && n > 0 {
				f.Content, f.RewrittenSources = out, n
			}
		}
		return ""
	}
	f.Type = BundleMinifiedSource
	c := ParseComments(data[max(0, len(data)-tailWindow):])
	if c.SourceMappingURL == "" && len(data) > tailWindow {
		c = ParseComments(data) // an inline map longer than the window
	}
	if id := normalizeDebugID(c.DebugID); isUUID(id) {
		f.DebugID = id
	}
	f.SourceMap = c.SourceMappingURL
	return ""
}

// looksLikeMap tells a sourcemap that does not end in .map (sentry-cli
// sniffs them too): a JSON object with version 3 and mappings or sections.
func looksLikeMap(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(t) == 0 || t[0] != '{' || !bytes.Contains(data, []byte(`"version"`)) {
		return false
	}
	if !bytes.Contains(data, []byte(`"mappings"`)) && !bytes.Contains(data, []byte(`"sections"`)) {
		return false
	}
	m, err := Parse(data)
	if err != nil {
		return false
	}
	m.Close()
	return true
}

// pair links each minified file to its map among the files (its
// sourceMappingURL, or by name: app.js.map, app.map, app.min.map beside
// app[.min].js), sets the "sourcemap" header of those found by name, and
// gives a map without a debug ID its minified file's (and the other way
// round), so a debug-ID lookup finds both.
func pair(files []*UploadFile) {
	byAbs := map[string]*UploadFile{}
	for _, f := range files {
		if f.Type == BundleSourceMap {
			byAbs[f.abs] = f
		}
	}
	users := map[*UploadFile][]*UploadFile{}
	for _, f := range files {
		if f.Type != BundleMinifiedSource {
			continue
		}
		ref := f.SourceMap
		if strings.HasPrefix(ref, "data:") {
			f.Map = "inline"
			f.SourceMap = "" // the server reads an inline map from the file
			continue
		}
		var m *UploadFile
		if ref != "" {
			m = byAbs[localMapPath(f.abs, ref)]
		} else {
			for _, cand := range guessMapNames(f.abs) {
				if m = byAbs[cand]; m != nil {
					f.SourceMap = filepath.Base(cand)
					break
				}
			}
		}
		if m != nil {
			f.Map = m.Path
			users[m] = append(users[m], f)
		}
	}
	for m, js := range users {
		if len(js) != 1 {
			continue // a map shared by files cannot stand for one of them
		}
		f := js[0]
		switch {
		case f.DebugID != "" && m.DebugID == "":
			m.DebugID, m.DebugIDFrom = f.DebugID, f.Path
		case f.DebugID == "" && m.DebugID != "":
			f.DebugID, f.DebugIDFrom = m.DebugID, m.Path
		}
	}
}

// localMapPath is the file a sourceMappingURL names, beside or below the
// minified file: a relative reference resolved against its directory, or
// the base name of a URL or absolute path (the map is served from the same
// directory, as bundlers write it).
func localMapPath(jsAbs, ref string) string {
	if i := strings.IndexAny(ref, "?#"); i >= 0 {
		ref = ref[:i]
	}
	if u, err := url.PathUnescape(ref); err == nil {
		ref = u
	}
	dir := filepath.Dir(jsAbs)
	if strings.Contains(ref, "://") || strings.HasPrefix(ref, "/") {
		return filepath.Join(dir, path.Base(ref))
	}
	return filepath.Join(dir, filepath.FromSlash(ref))
}

// guessMapNames are the names sentry-cli tries for a minified file without
// a sourceMappingURL.
func guessMapNames(jsAbs string) []string {
	out := []string{jsAbs + ".map"}
	ext := filepath.Ext(jsAbs)
	stem := strings.TrimSuffix(jsAbs, ext)
	if s, ok := strings.CutSuffix(stem, ".min"); ok {
		out = append(out, s+".map", stem+".map", s+ext+".map")
	} else {
		out = append(out, stem+".map")
	}
	return out
}

// BundleFiles returns the files as the bundle writer takes them, with
// their "debug-id" and "sourcemap" headers.
func (s *UploadSet) BundleFiles() []BundleFile {
	out := make([]BundleFile, 0, len(s.Files))
	for _, f := range s.Files {
		h := map[string]string{}
		if f.DebugID != "" {
			h["debug-id"] = f.DebugID
		}
		if f.SourceMap != "" {
			h["sourcemap"] = f.SourceMap
		}
		out = append(out, BundleFile{URL: f.URL, Type: f.Type, Headers: h, Content: f.Content})
	}
	return out
}

// MissingDebugIDs lists the minified files without a debug ID: without a
// release, nothing can match their frames to a map.
func (s *UploadSet) MissingDebugIDs() []*UploadFile {
	var out []*UploadFile
	for _, f := range s.Files {
		if f.Type == BundleMinifiedSource && f.DebugID == "" {
			out = append(out, f)
		}
	}
	return out
}

// Size is the total size of the files' contents.
func (s *UploadSet) Size() int64 {
	var n int64
	for _, f := range s.Files {
		n += int64(len(f.Content))
	}
	return n
}

// Validate checks the collected JS files and maps with the validation
// engine (see Validate), on disk, reporting paths as they were found.
func (s *UploadSet) Validate(opts ValidateOptions) (*Report, error) {
	if len(s.Files) == 0 {
		return &Report{}, nil
	}
	var root string
	names := make([]string, 0, len(s.Files))
	display := map[string]string{}
	for _, f := range s.Files {
		if f.Type == BundleMinifiedSource && !isJSName(f.Path) {
			continue // a file added with --ext that is not JavaScript
		}
		r := filepath.VolumeName(f.abs) + string(filepath.Separator)
		if root != "" && r != root {
			return nil, fmt.Errorf("files on different drives (%s and %s) cannot be validated together", root, r)
		}
		root = r
		name := filepath.ToSlash(strings.TrimPrefix(f.abs, root))
		names = append(names, name)
		display[name] = f.Path
	}
	if len(names) == 0 {
		return &Report{}, nil
	}
	show := opts.DisplayPath
	opts.DisplayPath = func(name string) string {
		if p, ok := display[name]; ok {
			return p
		}
		p := filepath.Join(root, filepath.FromSlash(name))
		if show != nil {
			return show(p)
		}
		if wd, err := os.Getwd(); err == nil {
			if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
				return rel
			}
		}
		return p
	}
	return Validate(OSDir(root), names, opts)
}

// stripSources removes prefixes from the "sources" entries of a map
// document (top level and every section's map), editing only those
// strings: the rest of the JSON keeps its bytes. common adds, per sources
// list, the longest directory prefix all its entries share. It returns the
// new document and how many entries changed.
func stripSources(data []byte, prefixLen int, prefixes []string, common bool) ([]byte, int, error) {
	s := &scanner{d: data, i: prefixLen}
	var edits []edit
	changed := 0
	sources := func() error {
		if s.peek() != '[' {
			return s.skip()
		}
		var spans []span
		var vals []string
		err := s.array(func(int) error {
			if s.peek() != '"' {
				return s.skip() // null
			}
			sp, err := s.rawString()
			if err != nil {
				return err
			}
			v, err := decodeString(data[sp.start:sp.end])
			if err != nil {
				return err
			}
			spans, vals = append(spans, sp), append(vals, v)
			return nil
		})
		if err != nil {
			return err
		}
		ps := prefixes
		if common {
			if c := commonDirPrefix(vals); c != "" {
				ps = append(append([]string(nil), prefixes...), c)
			}
		}
		for k, v := range vals {
			nv, ok := stripSourcePrefix(v, ps)
			if !ok {
				continue
			}
			var q bytes.Buffer
			writeJSONString(&q, nv)
			// The span is the string's contents; the edit takes its quotes.
			edits = append(edits, edit{spans[k].start - 1, spans[k].end + 1, q.String()})
			changed++
		}
		return nil
	}
	var object func() error
	object = func() error {
		return s.object(func(key string) error {
			switch key {
			case "sources":
				return sources()
			case "sections":
				if s.peek() != '[' {
					return s.skip()
				}
				return s.array(func(int) error {
					if s.peek() != '{' {
						return s.skip()
					}
					return s.object(func(k string) error {
						if k == "map" && s.peek() == '{' {
							return object()
						}
						return s.skip()
					})
				})
			}
			return s.skip()
		})
	}
	if err := object(); err != nil {
		return nil, 0, err
	}
	if changed == 0 {
		return data, 0, nil
	}
	return applyEdits(data, edits), changed, nil
}

// stripSourcePrefix removes the first prefix that src starts with at a
// path boundary ("/home/ci/app" strips "/home/ci/app/src/x.ts" to
// "src/x.ts", not "/home/ci/app2/x.ts").
func stripSourcePrefix(src string, prefixes []string) (string, bool) {
	for _, p := range prefixes {
		if p == "" {
			continue
		}
		if !strings.HasSuffix(p, "/") {
			p += "/"
		}
		if rest, ok := strings.CutPrefix(src, p); ok && rest != "" {
			return rest, true
		}
	}
	return "", false
}

// commonDirPrefix is the longest prefix ending before a "/" that every
// non-empty entry has, without that slash; "" when there is none.
func commonDirPrefix(vals []string) string {
	first := true
	var c string
	for _, v := range vals {
		if v == "" {
			continue
		}
		dir := v[:max(0, strings.LastIndexByte(v, '/'))]
		if first {
			c, first = dir, false
			continue
		}
		for c != "" && dir != c && !strings.HasPrefix(dir, c+"/") {
			i := strings.LastIndexByte(c, '/')
			if i < 0 {
				c = ""
				break
			}
			c = c[:i]
		}
	}
	if strings.Trim(c, "/") == "" || strings.HasSuffix(c, ":") || strings.HasSuffix(c, ":/") {
		return "" // nothing, the root, or a bare scheme ("webpack:/")
	}
	return c
}

// extensionMatcher reports whether a file name ends in one of exts (given
// with or without their dot), for choosing the files of a build.
func extensionMatcher(exts []string) func(name string) bool {
	suffixes := make([]string, len(exts))
	for i, e := range exts {
		suffixes[i] = "." + strings.TrimPrefix(e, ".")
	}
	return func(name string) bool {
		for _, s := range suffixes {
			if strings.HasSuffix(name, s) {
				return true
			}
		}
		return false
	}
}
