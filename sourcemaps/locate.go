package sourcemaps

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
)

// ErrNoMapReference means a JS file names no sourcemap.
var ErrNoMapReference = errors.New("no sourceMappingURL comment")

// tailWindow is how much of a JS file's end is read to find its trailing
// comments. A longer last line (an inline map) makes the reader fall back to
// the whole file.
const tailWindow = 16 << 10

// Comments are the trailing magic comments of a JS file.
type Comments struct {
	// SourceMappingURL is the last `//# sourceMappingURL=` (or legacy `//@`,
	// or `/*# ... */`) value, as written.
	SourceMappingURL string
	// DebugID is the value of a `//# debugId=` comment, lowercased.
	DebugID string
}

// ParseComments finds the magic comments in a JS file's text (or its tail).
// Only comments that start a line count, as in browsers.
func ParseComments(js []byte) Comments {
	var c Comments
	for len(js) > 0 {
		var line []byte
		if i := bytes.LastIndexByte(js, '\n'); i >= 0 {
			line, js = js[i+1:], js[:i]
		} else {
			line, js = js, nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		v, name, ok := magicComment(line)
		if !ok {
			// Code after the comments ends the trailer; sentry-cli and
			// browsers only look at the last lines.
			if c.SourceMappingURL != "" || c.DebugID != "" {
				break
			}
			continue
		}
		switch name {
		case "sourceMappingURL":
			if c.SourceMappingURL == "" {
				c.SourceMappingURL = v
			}
		case "debugId":
			if c.DebugID == "" {
				c.DebugID = strings.ToLower(v)
			}
		}
	}
	return c
}

// magicComment parses `//# name=value`, `//@ name=value` or
// `/*# name=value */`.
func magicComment(line []byte) (value, name string, ok bool) {
	var body []byte
	switch {
	case bytes.HasPrefix(line, []byte("//#")), bytes.HasPrefix(line, []byte("//@")):
		body = line[3:]
	case bytes.HasPrefix(line, []byte("/*#")), bytes.HasPrefix(line, []byte("/*@")):
		end := bytes.LastIndex(line, []byte("*/"))
		if end < 3 {
			return "", "", false
		}
		body = line[3:end]
	default:
		return "", "", false
	}
	body = bytes.TrimSpace(body)
	k, v, found := bytes.Cut(body, []byte("="))
	// Quotes, spaces and template syntax mean the "comment" is inside a
	// string or template literal that merely looks like one.
	if !found || len(v) == 0 || bytes.ContainsAny(v, " \t\"'`") || bytes.Contains(v, []byte("${")) {
		return "", "", false
	}
	switch string(k) {
	case "sourceMappingURL", "debugId":
		return string(v), string(k), true
	}
	return "", "", false
}

// ReadComments reads the trailing comments of the JS file name in fsys,
// reading only its tail when the file supports seeking.
func ReadComments(fsys fs.FS, name string) (Comments, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return Comments{}, err
	}
	defer f.Close()
	if ra, ok := f.(io.ReaderAt); ok {
		if st, err := f.Stat(); err == nil && st.Size() > tailWindow {
			buf := make([]byte, tailWindow)
			n, err := ra.ReadAt(buf, st.Size()-tailWindow)
			if err != nil && !errors.Is(err, io.EOF) {
				return Comments{}, fmt.Errorf("%s: %w", name, err)
			}
			buf = bytes.TrimRight(buf[:n], " \t\r\n")
			// A newline inside the window means every line after it is whole;
			// without one, the last line (an inline map) needs the whole file.
			if i := bytes.IndexByte(buf, '\n'); i >= 0 {
				return ParseComments(buf[i+1:]), nil
			}
		}
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return Comments{}, fmt.Errorf("%s: %w", name, err)
	}
	return ParseComments(data), nil
}

// DecodeDataURL decodes an RFC 2397 data: URL, base64 or percent-encoded.
func DecodeDataURL(u string) ([]byte, error) {
	rest, ok := strings.CutPrefix(u, "data:")
	if !ok {
		return nil, fmt.Errorf("not a data: URL")
	}
	meta, payload, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, fmt.Errorf("data: URL has no comma")
	}
	if strings.HasSuffix(strings.ToLower(meta), ";base64") {
		payload = strings.TrimRight(payload, "=")
		b, err := base64.RawStdEncoding.DecodeString(payload)
		if err != nil {
			// Some tools emit URL-safe base64.
			if b2, err2 := base64.RawURLEncoding.DecodeString(payload); err2 == nil {
				return b2, nil
			}
			return nil, fmt.Errorf("data: URL: invalid base64: %w", err)
		}
		return b, nil
	}
	s, err := url.PathUnescape(payload)
	if err != nil {
		return nil, fmt.Errorf("data: URL: %w", err)
	}
	return []byte(s), nil
}

// URLPath reduces a frame URL or path to slash-separated path segments for
// matching against files: scheme, host, query and fragment go, file:// URLs
// and Windows paths become plain paths, and "~/" (any host) is understood.
func URLPath(u string) string {
	s := u
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	s = strings.ReplaceAll(s, "\\", "/")
	switch {
	case strings.HasPrefix(s, "~/"):
		s = s[1:]
	case strings.Contains(s, "://"):
		// scheme://host/path: keep the path. file:///abs stays /abs.
		_, after, _ := strings.Cut(s, "://")
		if i := strings.IndexByte(after, '/'); i >= 0 {
			s = after[i:]
		} else {
			s = "/"
		}
	case len(s) > 2 && s[1] == ':' && s[2] == '/':
		s = s[2:] // C:/dir/file.js
	}
	if p, err := url.PathUnescape(s); err == nil {
		s = p
	}
	return path.Clean("/" + s)
}

// commonSuffix counts the trailing path segments a and b share.
func commonSuffix(a, b string) int {
	as := strings.Split(strings.Trim(a, "/"), "/")
	bs := strings.Split(strings.Trim(b, "/"), "/")
	n := 0
	for n < len(as) && n < len(bs) && as[len(as)-1-n] == bs[len(bs)-1-n] {
		n++
	}
	return n
}

// File is one file found under a Dirs root.
type File struct {
	Root int    // index of the root in Dirs
	Name string // slash path within the root, as fs.FS names it
}

// Dirs indexes the JS files and sourcemaps under local directories (the
// --maps flag) so frames can be matched to them by URL.
type Dirs struct {
	roots  []fs.FS
	byBase map[string][]File
	// debugIDs maps a debug ID to the map file that carries it, built on the
	// first debug-ID lookup.
	debugIDs    map[string]File
	debugIDOnce sync.Once
}

// JSExtensions are the files indexed besides maps.
var JSExtensions = []string{".js", ".mjs", ".cjs", ".jsbundle", ".bundle"}

// NewDirs walks every root once, indexing JS and map files by base name.
// node_modules is skipped; hidden directories (.next, .output) are not.
func NewDirs(roots ...fs.FS) (*Dirs, error) {
	d := &Dirs{roots: roots, byBase: map[string][]File{}}
	for i, root := range roots {
		err := fs.WalkDir(root, ".", func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() {
				if e.Name() == "node_modules" {
					return fs.SkipDir
				}
				return nil
			}
			if isMapName(p) || isJSName(p) {
				base := path.Base(p)
				d.byBase[base] = append(d.byBase[base], File{Root: i, Name: p})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("indexing sourcemap directory: %w", err)
		}
	}
	for _, fs := range d.byBase {
		sort.Slice(fs, func(a, b int) bool {
			if fs[a].Root != fs[b].Root {
				return fs[a].Root < fs[b].Root
			}
			return fs[a].Name < fs[b].Name
		})
	}
	return d, nil
}

func isMapName(p string) bool { return strings.HasSuffix(p, ".map") }

func isJSName(p string) bool {
	for _, ext := range JSExtensions {
		if strings.HasSuffix(p, ext) {
			return true
		}
	}
	return false
}

// FS returns the file system of root i.
func (d *Dirs) FS(i int) fs.FS { return d.roots[i] }

// Match finds the file whose path shares the longest run of trailing
// segments with the frame URL (at least the base name). Ties go to the
// shortest path, then the first root, so the answer is stable; ambiguous
// reports whether another file tied.
func (d *Dirs) Match(frameURL string) (f File, ambiguous, ok bool) {
	p := URLPath(frameURL)
	best, bestLen, ties := -1, 0, 0
	cands := d.byBase[path.Base(p)]
	for i, c := range cands {
		n := commonSuffix(p, c.Name)
		switch {
		case n == 0:
		case n > bestLen:
			best, bestLen, ties = i, n, 1
		case n == bestLen:
			ties++
			if len(c.Name) < len(cands[best].Name) {
				best = i
			}
		}
	}
	if best < 0 {
		return File{}, false, false
	}
	return cands[best], ties > 1, true
}

// MapFor resolves a JS file's sourceMappingURL to a map file under the
// same roots: a relative reference against the JS file's directory, a URL or
// absolute path by suffix match. Inline data: URLs are not files.
func (d *Dirs) MapFor(js File, ref string) (File, bool) {
	if strings.Contains(ref, "://") || strings.HasPrefix(ref, "/") {
		f, _, ok := d.Match(ref)
		return f, ok && isMapName(f.Name)
	}
	name, ok := relativeMap(d.roots[js.Root], js.Name, ref)
	return File{Root: js.Root, Name: name}, ok
}

// relativeMap resolves a relative sourceMappingURL against the JS file's
// directory within fsys, refusing references that leave fsys.
func relativeMap(fsys fs.FS, jsName, ref string) (string, bool) {
	if ref == "" || strings.HasPrefix(ref, "data:") || strings.Contains(ref, "://") || strings.HasPrefix(ref, "/") {
		return "", false
	}
	if i := strings.IndexAny(ref, "?#"); i >= 0 {
		ref = ref[:i]
	}
	if p, err := url.PathUnescape(ref); err == nil {
		ref = p
	}
	name := path.Clean(path.Join(path.Dir(jsName), ref))
	if !fs.ValidPath(name) {
		return "", false // outside the root: not ours to read
	}
	if _, err := fs.Stat(fsys, name); err != nil {
		return "", false
	}
	return name, true
}

// ByDebugID finds the map file whose debugId (or debug_id) is id. The index
// is built on first use from the maps' own fields and from JS files'
// `//# debugId=` comments (which name the map through sourceMappingURL).
func (d *Dirs) ByDebugID(id string) (File, bool) {
	d.debugIDOnce.Do(d.indexDebugIDs)
	f, ok := d.debugIDs[normalizeDebugID(id)]
	return f, ok
}

func (d *Dirs) indexDebugIDs() {
	d.debugIDs = map[string]File{}
	var files []File
	for _, fs := range d.byBase {
		files = append(files, fs...)
	}
	sort.Slice(files, func(a, b int) bool {
		if files[a].Root != files[b].Root {
			return files[a].Root < files[b].Root
		}
		return files[a].Name < files[b].Name
	})
	for _, f := range files {
		if !isJSName(f.Name) {
			continue
		}
		c, err := ReadComments(d.roots[f.Root], f.Name)
		if err != nil || c.DebugID == "" || c.SourceMappingURL == "" || strings.HasPrefix(c.SourceMappingURL, "data:") {
			continue
		}
		if m, ok := d.MapFor(f, c.SourceMappingURL); ok {
			d.addDebugID(c.DebugID, m)
		}
	}
	for _, f := range files {
		if isMapName(f.Name) {
			if id := peekMapDebugID(d.roots[f.Root], f.Name); id != "" {
				d.addDebugID(id, f)
			}
		}
	}
}

func (d *Dirs) addDebugID(id string, f File) {
	id = normalizeDebugID(id)
	if _, ok := d.debugIDs[id]; !ok {
		d.debugIDs[id] = f
	}
}

// peekMapDebugID looks for a debugId field near the start or end of a map
// without reading all of it: tools write it first or last.
func peekMapDebugID(fsys fs.FS, name string) string {
	f, err := fsys.Open(name)
	if err != nil {
		return ""
	}
	defer f.Close()
	var windows [][]byte
	st, err := f.Stat()
	ra, seekable := f.(io.ReaderAt)
	if err == nil && seekable && st.Size() > 2*tailWindow {
		head := make([]byte, tailWindow)
		tail := make([]byte, tailWindow)
		n1, _ := ra.ReadAt(head, 0)
		n2, _ := ra.ReadAt(tail, st.Size()-tailWindow)
		windows = [][]byte{head[:n1], tail[:n2]}
	} else {
		b, err := io.ReadAll(f)
		if err != nil {
			return ""
		}
		windows = [][]byte{b}
	}
	for _, w := range windows {
		for _, key := range []string{`"debugId"`, `"debug_id"`} {
			i := bytes.Index(w, []byte(key))
			if i < 0 {
				continue
			}
			rest := bytes.TrimLeft(w[i+len(key):], " \t\r\n")
			if len(rest) == 0 || rest[0] != ':' {
				continue
			}
			rest = bytes.TrimLeft(rest[1:], " \t\r\n")
			if len(rest) < 2 || rest[0] != '"' {
				continue
			}
			if end := bytes.IndexByte(rest[1:], '"'); end > 0 {
				return string(rest[1 : 1+end])
			}
		}
	}
	return ""
}

// normalizeDebugID lowercases an id and drops an appendix after the UUID
// (Sentry allows "uuid-appendix" forms).
func normalizeDebugID(id string) string {
	id = strings.ToLower(strings.TrimSpace(id))
	if len(id) > 36 && id[36] == '-' {
		id = id[:36]
	}
	return id
}
