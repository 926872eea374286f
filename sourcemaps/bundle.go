package sourcemaps

// Artifact bundles ("source bundles"): the archive sentry-cli uploads and
// Sentry stores. Layout (symbolic's SourceBundleWriter, version 2):
//
//	"SYSB" + uint32 LE version (2)     8-byte header, optional on read
//	ZIP:
//	  files/<bundle path>              one entry per file, path from its URL
//	  manifest.json                    written last
//
// manifest.json:
//
//	{"files": {"files/_/_/app.js": {"type": "minified_source", "url": "~/app.js",
//	           "headers": {"debug-id": "…", "sourcemap": "app.js.map"}}, …},
//	 "debug_id": "…", "org": "…", "project": "…", "release": "…", "dist": "…", "note": "…"}
//
// WriteBundle builds one deterministically; OpenBundle reads and validates
// one from sentry-cli, snag or any tool using symbolic.

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha1"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/url"
	"path"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Bundle file types, as the manifest names them.
const (
	BundleSource           = "source"
	BundleMinifiedSource   = "minified_source"
	BundleSourceMap        = "source_map"
	BundleIndexedRAMBundle = "indexed_ram_bundle"
)

// BundleManifestName is the manifest's entry name in the ZIP.
const BundleManifestName = "manifest.json"

// bundleMagic and bundleVersion are the 8-byte header before the ZIP.
var bundleMagic = [4]byte{'S', 'Y', 'S', 'B'}

const bundleVersion = 2

// Errors at the bundle boundary; the returned errors wrap one of these and
// name the entry or field at fault.
var (
	// ErrBundleInvalid: the archive or its manifest is malformed.
	ErrBundleInvalid = errors.New("invalid artifact bundle")
	// ErrBundleUnsafePath: an entry name could escape a directory.
	ErrBundleUnsafePath = errors.New("unsafe path in artifact bundle")
	// ErrBundleTooLarge: a size cap was exceeded.
	ErrBundleTooLarge = errors.New("artifact bundle too large")
	// ErrBundleFileNotFound: no such file in the bundle.
	ErrBundleFileNotFound = errors.New("file not in artifact bundle")
)

// BundleFile is one file to put in a bundle.
type BundleFile struct {
	// URL is where the file is served, as events name it: "~/static/app.js",
	// "https://cdn.example.com/app.js", "app:///main.js".
	URL string
	// Type is one of BundleSource, BundleMinifiedSource, BundleSourceMap,
	// BundleIndexedRAMBundle.
	Type string
	// Headers are per-file attributes; keys are lowercased on write. The
	// known ones are "debug-id" (on a minified file and its map) and
	// "sourcemap" (on a minified file: its map's URL, relative or absolute).
	Headers map[string]string
	// Content is the file's bytes; it must be UTF-8.
	Content []byte
}

// BundleAttributes are the bundle-level manifest fields. Empty fields are
// left out.
type BundleAttributes struct {
	// DebugID is the bundle's own id; empty derives one from the files
	// (BundleDebugID), so the same files give the same id and re-uploads
	// replace rather than duplicate.
	DebugID string
	Org     string
	// Project is set only when the bundle is for exactly one project.
	Project string
	Release string
	Dist    string
	Note    string
}

// BundleFileInfo is a file's entry in the manifest.
type BundleFileInfo struct {
	Type string `json:"type,omitempty"`
	// Path is a file system path, set by some tools; rarely used for JS.
	Path    string            `json:"path,omitempty"`
	URL     string            `json:"url,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
}

// DebugID returns the file's normalized "debug-id" header, or "".
func (f BundleFileInfo) DebugID() string {
	return normalizeDebugID(f.Headers["debug-id"])
}

// SourceMapRef returns the file's "sourcemap" (or legacy "x-sourcemap")
// header: the URL of its map, possibly relative to the file's URL.
func (f BundleFileInfo) SourceMapRef() string {
	if s := f.Headers["sourcemap"]; s != "" {
		return s
	}
	return f.Headers["x-sourcemap"]
}

// BundleManifest is manifest.json.
type BundleManifest struct {
	// Files maps an entry name ("files/_/_/app.js") to the file's info.
	Files map[string]BundleFileInfo
	BundleAttributes
	// Extra holds any other string attributes, kept on read and written
	// back by WriteBundle's caller if wanted.
	Extra map[string]string
}

// Paths returns the manifest's entry names, sorted.
func (m *BundleManifest) Paths() []string {
	out := make([]string, 0, len(m.Files))
	for p := range m.Files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// MarshalJSON writes "files" first and the attributes flattened after it,
// keys sorted: the layout symbolic writes, and stable bytes for the same
// manifest.
func (m BundleManifest) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(`{"files":{`)
	for i, p := range m.Paths() {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeJSONString(&buf, p)
		buf.WriteByte(':')
		f := m.Files[p]
		buf.WriteByte('{')
		sep := ""
		field := func(k, v string) {
			if v == "" {
				return
			}
			buf.WriteString(sep)
			writeJSONString(&buf, k)
			buf.WriteByte(':')
			writeJSONString(&buf, v)
			sep = ","
		}
		field("type", f.Type)
		field("path", f.Path)
		field("url", f.URL)
		if len(f.Headers) > 0 {
			buf.WriteString(sep)
			buf.WriteString(`"headers":{`)
			for j, k := range sortedKeys(f.Headers) {
				if j > 0 {
					buf.WriteByte(',')
				}
				writeJSONString(&buf, k)
				buf.WriteByte(':')
				writeJSONString(&buf, f.Headers[k])
			}
			buf.WriteByte('}')
		}
		buf.WriteByte('}')
	}
	buf.WriteByte('}')
	attrs := map[string]string{}
	for k, v := range m.Extra {
		attrs[k] = v
	}
	a := m.BundleAttributes
	for k, v := range map[string]string{"debug_id": a.DebugID, "org": a.Org, "project": a.Project, "release": a.Release, "dist": a.Dist, "note": a.Note} {
		if v != "" {
			attrs[k] = v
		} else {
			delete(attrs, k)
		}
	}
	for _, k := range sortedKeys(attrs) {
		if k == "files" {
			continue
		}
		buf.WriteByte(',')
		writeJSONString(&buf, k)
		buf.WriteByte(':')
		writeJSONString(&buf, attrs[k])
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func writeJSONString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)           // a string always encodes
	buf.Truncate(buf.Len() - 1) // Encode's newline
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// UnmarshalJSON reads a manifest. Header keys are lowercased (the format
// treats them case-insensitively); non-string attributes are ignored.
func (m *BundleManifest) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw == nil {
		return errors.New("manifest is not a JSON object")
	}
	*m = BundleManifest{}
	if f, ok := raw["files"]; ok {
		if err := json.Unmarshal(f, &m.Files); err != nil {
			return fmt.Errorf("files: %w", err)
		}
	}
	for p, f := range m.Files {
		if len(f.Headers) == 0 {
			continue
		}
		h := make(map[string]string, len(f.Headers))
		for k, v := range f.Headers {
			h[strings.ToLower(k)] = v
		}
		f.Headers = h
		m.Files[p] = f
	}
	for k, v := range raw {
		if k == "files" {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			continue
		}
		switch k {
		case "debug_id":
			m.DebugID = s
		case "org":
			m.Org = s
		case "project":
			m.Project = s
		case "release":
			m.Release = s
		case "dist":
			m.Dist = s
		case "note":
			m.Note = s
		default:
			if m.Extra == nil {
				m.Extra = map[string]string{}
			}
			m.Extra[k] = s
		}
	}
	return nil
}

// BundlePath derives a file's entry name from its URL, as sentry-cli does:
// "~/a/b.js" → "files/_/_/a/b.js", "https://host/x.js" →
// "files/https/host/x.js", "app:///x.js" → "files/app/_/x.js". The query
// and port go, a fragment is kept ("#frag"), and "." and ".." segments are
// resolved so the name cannot escape "files/".
func BundlePath(fileURL string) string {
	scheme, host, p := "_", "_", fileURL
	if rest, ok := strings.CutPrefix(fileURL, "~/"); ok {
		p = rest
	} else if u, err := url.Parse(fileURL); err == nil && u.Scheme != "" && !isDriveLetter(u.Scheme) {
		scheme = strings.ToLower(u.Scheme)
		if h := u.Hostname(); h != "" {
			host = h
		}
		p = u.EscapedPath()
		if u.Opaque != "" {
			p = u.Opaque
		}
		if u.Fragment != "" {
			p += "#" + u.EscapedFragment()
		}
		return "files/" + cleanBundleSegments(scheme+"/"+host) + "/" + cleanBundleSegments(p)
	}
	// Relative or "~/": the query goes, a fragment stays.
	frag := ""
	if i := strings.IndexByte(p, '#'); i >= 0 {
		p, frag = p[:i], p[i:]
	}
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return "files/_/_/" + cleanBundleSegments(p+frag)
}

func isDriveLetter(scheme string) bool {
	return len(scheme) == 1 && (scheme[0]|0x20 >= 'a' && scheme[0]|0x20 <= 'z')
}

// cleanBundleSegments turns p into safe slash-separated segments: no empty,
// "." or ".." segments, no backslashes, control characters or invalid
// UTF-8.
func cleanBundleSegments(p string) string {
	p = strings.ReplaceAll(p, "\\", "/")
	p = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(p, "\uFFFD"))
	var segs []string
	for _, s := range strings.Split(p, "/") {
		switch s {
		case "", ".":
		case "..":
			if len(segs) > 0 {
				segs = segs[:len(segs)-1]
			}
		default:
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 {
		return "_"
	}
	return strings.Join(segs, "/")
}

// BundleDebugID derives a bundle's id from its files: SHA-1 over each
// file's URL, content, type and headers (keys lowercased, sorted) in
// entry-name order, made a UUID with version 5 bits. It does not depend on
// the order the files are given in.
func BundleDebugID(files []BundleFile) string {
	sorted := sortBundleFiles(files)
	h := sha1.New()
	for _, e := range sorted {
		f := e.file
		h.Write([]byte(f.URL))
		h.Write(f.Content)
		h.Write([]byte(f.Type))
		for _, k := range sortedKeys(e.headers) {
			h.Write([]byte(k))
			h.Write([]byte(e.headers[k]))
		}
	}
	return formatUUIDv5(h.Sum(nil))
}

type sortedBundleFile struct {
	file    *BundleFile
	base    string // BundlePath of the URL
	headers map[string]string
}

// sortBundleFiles orders files by entry name, then URL, type and content,
// so the bundle does not depend on the order files were found in.
func sortBundleFiles(files []BundleFile) []sortedBundleFile {
	out := make([]sortedBundleFile, len(files))
	for i := range files {
		f := &files[i]
		h := make(map[string]string, len(f.Headers))
		for k, v := range f.Headers {
			h[strings.ToLower(k)] = v
		}
		out[i] = sortedBundleFile{file: f, base: BundlePath(f.URL), headers: h}
	}
	slices.SortStableFunc(out, func(a, b sortedBundleFile) int {
		if c := strings.Compare(a.base, b.base); c != 0 {
			return c
		}
		if c := strings.Compare(a.file.URL, b.file.URL); c != 0 {
			return c
		}
		if c := strings.Compare(a.file.Type, b.file.Type); c != 0 {
			return c
		}
		return bytes.Compare(a.file.Content, b.file.Content)
	})
	return out
}

// bundleTime is the fixed entry time (1980-01-01, the ZIP epoch), so that
// the same files give byte-identical bundles.
var bundleTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// bundleLevel is the fixed deflate level: fast enough for 100 MB of maps,
// and fixed so the output is stable.
const bundleLevel = 6

// WriteBundle writes an artifact bundle holding files to w: the SYSB
// header, then a ZIP with one deflated entry per file (sorted by entry
// name, duplicates suffixed ".1", ".2", …) and manifest.json last. The same
// attributes and files, in any order, give byte-identical output. It
// returns the manifest written, with the bundle's debug_id filled in.
//
// Files must have a URL, a known type and UTF-8 content; "debug-id"
// headers must be UUIDs.
func WriteBundle(w io.Writer, attrs BundleAttributes, files []BundleFile) (*BundleManifest, error) {
	return WriteBundleWith(w, attrs, files, BundleWriteOptions{})
}

// BundleWriteOptions tune WriteBundleWith. The zero value writes what
// WriteBundle writes.
type BundleWriteOptions struct {
	// Compressor returns a raw DEFLATE (RFC 1951) writer into w. Nil uses
	// compress/flate at level 6. The output is deterministic as long as the
	// compressor is: the same one gives the same bytes for the same files.
	Compressor func(w io.Writer) (io.WriteCloser, error)
	// Concurrency is how many files are compressed at once; 0 means
	// GOMAXPROCS. Entries are still written in order, so it does not
	// change the output.
	Concurrency int
}

// WriteBundleWith is WriteBundle with a choice of compressor and
// parallelism: files are compressed concurrently, each into memory, and
// written in entry-name order as raw ZIP entries.
func WriteBundleWith(w io.Writer, attrs BundleAttributes, files []BundleFile, opts BundleWriteOptions) (*BundleManifest, error) {
	for i := range files {
		f := &files[i]
		if err := checkBundleFile(f.URL, f.Type, f.Headers); err != nil {
			return nil, fmt.Errorf("%w: file %d (%s): %w", ErrBundleInvalid, i, f.URL, err)
		}
		if !utf8.Valid(f.Content) {
			return nil, fmt.Errorf("%w: %s: content is not UTF-8", ErrBundleInvalid, f.URL)
		}
	}
	if attrs.DebugID == "" {
		attrs.DebugID = BundleDebugID(files)
	} else if id, ok := parseDebugID(attrs.DebugID); ok {
		attrs.DebugID = id
	} else {
		return nil, fmt.Errorf("%w: bundle debug_id %q is not a UUID", ErrBundleInvalid, attrs.DebugID)
	}
	compress := opts.Compressor
	if compress == nil {
		compress = func(out io.Writer) (io.WriteCloser, error) { return flate.NewWriter(out, bundleLevel) }
	}

	sorted := sortBundleFiles(files)
	m := &BundleManifest{Files: make(map[string]BundleFileInfo, len(files)), BundleAttributes: attrs}
	names := make([]string, len(sorted))
	for i, e := range sorted {
		name := e.base
		for n := 1; ; n++ {
			if _, taken := m.Files[name]; !taken && name != BundleManifestName {
				break
			}
			name = e.base + "." + strconv.Itoa(n)
		}
		info := BundleFileInfo{Type: e.file.Type, URL: e.file.URL}
		if len(e.headers) > 0 {
			info.Headers = e.headers
			if id := e.headers["debug-id"]; id != "" {
				info.Headers["debug-id"], _ = parseDebugID(id)
			}
		}
		m.Files[name] = info
		names[i] = name
	}
	mb, _ := m.MarshalJSON()

	// Compress every entry (the manifest last) on a pool of workers; the
	// writer below takes them in order as they finish.
	contents := make([][]byte, len(sorted)+1)
	for i, e := range sorted {
		contents[i] = e.file.Content
	}
	contents[len(sorted)] = mb
	names = append(names, BundleManifestName)
	done := make([]chan deflated, len(contents))
	for i := range done {
		done[i] = make(chan deflated, 1)
	}
	workers := opts.Concurrency
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var next atomic.Int64
	stop := make(chan struct{})
	defer close(stop)
	for range min(workers, len(contents)) {
		go func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(contents) {
					return
				}
				select {
				case <-stop:
					return
				default:
				}
				done[i] <- deflate(compress, contents[i])
			}
		}()
	}

	var header [8]byte
	copy(header[:4], bundleMagic[:])
	binary.LittleEndian.PutUint32(header[4:], bundleVersion)
	if _, err := w.Write(header[:]); err != nil {
		return nil, err
	}
	zw := zip.NewWriter(w)
	dosDate, dosTime := msDosTime(bundleTime)
	for i, name := range names {
		d := <-done[i]
		if d.err != nil {
			return nil, fmt.Errorf("compressing %s: %w", name, d.err)
		}
		fw, err := zw.CreateRaw(&zip.FileHeader{
			Name: name, Method: zip.Deflate, ModifiedDate: dosDate, ModifiedTime: dosTime,
			CRC32: d.crc, CompressedSize64: uint64(d.buf.Len()), UncompressedSize64: uint64(len(contents[i])),
		})
		if err == nil {
			_, err = fw.Write(d.buf.Bytes())
		}
		deflateBuffers.Put(d.buf)
		if err != nil {
			return nil, fmt.Errorf("writing %s: %w", name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return m, nil
}

// deflated is one compressed entry; buf goes back to the pool once the
// entry is written.
type deflated struct {
	buf *bytes.Buffer
	crc uint32
	err error
}

// deflateBuffers are reused across entries: a fresh buffer is memory the
// kernel must zero first, which on some VMs costs as much as compressing.
var deflateBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func deflate(compress func(io.Writer) (io.WriteCloser, error), content []byte) deflated {
	buf := deflateBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	// Maps and JS compress to a quarter or so; growing from there costs
	// little.
	buf.Grow(len(content)/3 + 64)
	zw, err := compress(buf)
	if err == nil {
		_, err = zw.Write(content)
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		deflateBuffers.Put(buf)
		return deflated{err: err}
	}
	return deflated{buf: buf, crc: crc32.ChecksumIEEE(content)}
}

// msDosTime is t as a ZIP header's MS-DOS date and time (2-second
// resolution, no time zone).
func msDosTime(t time.Time) (date, tm uint16) {
	date = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
	tm = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	return date, tm
}

// checkBundleFile validates one file's manifest fields.
func checkBundleFile(fileURL, typ string, headers map[string]string) error {
	if strings.TrimSpace(fileURL) == "" {
		return errors.New("empty url")
	}
	switch typ {
	case BundleSource, BundleMinifiedSource, BundleSourceMap, BundleIndexedRAMBundle:
	case "":
		return errors.New("missing type")
	default:
		return fmt.Errorf("unknown type %q", typ)
	}
	for k, v := range headers {
		if strings.EqualFold(k, "debug-id") {
			if _, ok := parseDebugID(v); !ok {
				return fmt.Errorf("debug-id %q is not a UUID", v)
			}
		}
	}
	return nil
}

// parseDebugID accepts a UUID, hyphenated or as 32 hex digits, optionally
// with a "-appendix" (Sentry's debug id form), and returns it lowercased
// and hyphenated without the appendix.
func parseDebugID(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) == 32 && isHex(s) {
		s = s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
	}
	if len(s) > 36 && s[36] == '-' {
		s = s[:36]
	}
	if !isUUID(s) {
		return "", false
	}
	return s, true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// BundleLimits caps what OpenBundle accepts. Zero fields take the
// defaults (DefaultBundleLimits).
type BundleLimits struct {
	// MaxFileSize caps one entry's decompressed size.
	MaxFileSize int64
	// MaxTotalSize caps the sum of all entries' decompressed sizes.
	MaxTotalSize int64
	// MaxFiles caps the number of entries.
	MaxFiles int
	// MaxManifestSize caps manifest.json.
	MaxManifestSize int64
}

// DefaultBundleLimits are generous for real builds (a large app's maps run
// to tens of MB each) and small enough that a crafted archive cannot
// exhaust memory or disk.
func DefaultBundleLimits() BundleLimits {
	return BundleLimits{
		MaxFileSize:     256 << 20,
		MaxTotalSize:    2 << 30,
		MaxFiles:        100_000,
		MaxManifestSize: 64 << 20,
	}
}

func (l BundleLimits) withDefaults() BundleLimits {
	d := DefaultBundleLimits()
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = d.MaxFileSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = d.MaxTotalSize
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = d.MaxFiles
	}
	if l.MaxManifestSize <= 0 {
		l.MaxManifestSize = d.MaxManifestSize
	}
	return l
}

// BundleArchive is an opened, validated artifact bundle. Its files are read
// on demand from the underlying io.ReaderAt, one at a time. It is safe for
// concurrent use.
type BundleArchive struct {
	// Manifest is the validated manifest.json (debug ids normalized,
	// untyped files typed "source"). Treat it as read-only: lookups use
	// indexes built from it.
	Manifest BundleManifest
	// Version is the SYSB header's version, 0 for a bare ZIP.
	Version uint32

	limits  BundleLimits
	entries map[string]*zip.File
	// Built once the manifest is validated: its entry names sorted, and
	// those names by URL and by debug ID.
	paths   []string
	byURL   map[string][]string
	byDebug map[string][]string
}

// ReadBundle opens a bundle held in memory; the archive reads from data
// without copying it.
func ReadBundle(data []byte, limits BundleLimits) (*BundleArchive, error) {
	return OpenBundle(bytes.NewReader(data), int64(len(data)), limits)
}

// OpenBundle reads a bundle's directory and manifest from r and validates
// them: the SYSB header is optional (older tools write a bare ZIP); every
// entry name must stay inside the archive (no absolute paths, "..",
// backslashes, drive letters or NULs) and be unique; declared sizes must be
// within limits; every file the manifest lists must exist, with a known
// type, a URL and well-formed debug ids. File contents are not read until
// asked for.
func OpenBundle(r io.ReaderAt, size int64, limits BundleLimits) (*BundleArchive, error) {
	limits = limits.withDefaults()
	b := &BundleArchive{limits: limits}
	var head [8]byte
	if n, _ := r.ReadAt(head[:], 0); n == 8 && bytes.Equal(head[:4], bundleMagic[:]) {
		b.Version = binary.LittleEndian.Uint32(head[4:])
		if b.Version == 0 || b.Version > bundleVersion {
			return nil, fmt.Errorf("%w: unsupported bundle version %d (this snag reads up to %d)", ErrBundleInvalid, b.Version, bundleVersion)
		}
		r = io.NewSectionReader(r, 8, size-8)
		size -= 8
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("%w: not a ZIP archive: %w", ErrBundleInvalid, err)
	}
	if len(zr.File) > limits.MaxFiles {
		return nil, fmt.Errorf("%w: %d entries (limit %d)", ErrBundleTooLarge, len(zr.File), limits.MaxFiles)
	}
	b.entries = make(map[string]*zip.File, len(zr.File))
	var total uint64
	for _, f := range zr.File {
		if err := CheckBundleEntryName(f.Name); err != nil {
			return nil, err
		}
		if strings.HasSuffix(f.Name, "/") {
			continue // a directory entry
		}
		if _, dup := b.entries[f.Name]; dup {
			return nil, fmt.Errorf("%w: entry %q appears twice", ErrBundleInvalid, f.Name)
		}
		switch f.Method {
		case zip.Store, zip.Deflate:
		default:
			return nil, fmt.Errorf("%w: entry %q uses compression method %d (only stored and deflated are read)", ErrBundleInvalid, f.Name, f.Method)
		}
		if f.UncompressedSize64 > uint64(limits.MaxFileSize) {
			return nil, fmt.Errorf("%w: entry %q is %d bytes decompressed (limit %d)", ErrBundleTooLarge, f.Name, f.UncompressedSize64, limits.MaxFileSize)
		}
		total += f.UncompressedSize64
		if total > uint64(limits.MaxTotalSize) {
			return nil, fmt.Errorf("%w: entries exceed %d bytes decompressed in total", ErrBundleTooLarge, limits.MaxTotalSize)
		}
		b.entries[f.Name] = f
	}
	mf, ok := b.entries[BundleManifestName]
	if !ok {
		return nil, fmt.Errorf("%w: no %s", ErrBundleInvalid, BundleManifestName)
	}
	if mf.UncompressedSize64 > uint64(limits.MaxManifestSize) {
		return nil, fmt.Errorf("%w: %s is %d bytes (limit %d)", ErrBundleTooLarge, BundleManifestName, mf.UncompressedSize64, limits.MaxManifestSize)
	}
	data, err := b.readEntry(mf)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &b.Manifest); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBundleInvalid, BundleManifestName, err)
	}
	if err := b.validate(); err != nil {
		return nil, err
	}
	b.paths = b.Manifest.Paths()
	b.byURL = make(map[string][]string, len(b.paths))
	b.byDebug = map[string][]string{}
	for _, p := range b.paths {
		f := b.Manifest.Files[p]
		b.byURL[f.URL] = append(b.byURL[f.URL], p)
		if id := f.Headers["debug-id"]; id != "" {
			b.byDebug[id] = append(b.byDebug[id], p)
		}
	}
	return b, nil
}

// validate checks the manifest against the archive, and normalizes debug
// ids to lowercase.
func (b *BundleArchive) validate() error {
	m := &b.Manifest
	if m.DebugID != "" {
		id, ok := parseDebugID(m.DebugID)
		if !ok {
			return fmt.Errorf("%w: %s: debug_id %q is not a UUID", ErrBundleInvalid, BundleManifestName, m.DebugID)
		}
		m.DebugID = id
	}
	for _, p := range m.Paths() {
		f := m.Files[p]
		if p == BundleManifestName {
			return fmt.Errorf("%w: %s lists itself as a file", ErrBundleInvalid, BundleManifestName)
		}
		if err := CheckBundleEntryName(p); err != nil {
			return err
		}
		if _, ok := b.entries[p]; !ok {
			return fmt.Errorf("%w: %s lists %q, which is not in the archive", ErrBundleInvalid, BundleManifestName, p)
		}
		if f.Type == "" {
			// symbolic's default for an untyped file.
			f.Type = BundleSource
		}
		if err := checkBundleFile(f.URL, f.Type, f.Headers); err != nil {
			return fmt.Errorf("%w: %s: file %q: %w", ErrBundleInvalid, BundleManifestName, p, err)
		}
		if id := f.Headers["debug-id"]; id != "" {
			f.Headers["debug-id"], _ = parseDebugID(id)
		}
		m.Files[p] = f
	}
	return nil
}

// CheckBundleEntryName rejects a ZIP entry name that could escape the
// directory it is extracted into, or name a different file on another OS:
// empty, absolute, containing ".." segments, backslashes, NULs or other
// control characters, or starting with a drive letter.
func CheckBundleEntryName(name string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: entry %q: %s", ErrBundleUnsafePath, name, why)
	}
	switch {
	case name == "":
		return bad("empty name")
	case !utf8.ValidString(name):
		return bad("not UTF-8")
	case strings.HasPrefix(name, "/"):
		return bad("absolute path")
	case strings.ContainsRune(name, '\\'):
		return bad("backslash")
	case len(name) >= 2 && name[1] == ':' && isDriveLetter(name[:1]):
		return bad("drive letter")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return bad("control character")
		}
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." {
			return bad("\"..\" segment")
		}
	}
	return nil
}

// Files returns the manifest's entry names, sorted.
func (b *BundleArchive) Files() []string { return slices.Clone(b.paths) }

// Info returns the manifest entry for name.
func (b *BundleArchive) Info(name string) (BundleFileInfo, bool) {
	f, ok := b.Manifest.Files[name]
	return f, ok
}

// Open streams one file's content, decompressed and capped at the
// per-file limit. name is a manifest entry name ("files/_/_/app.js").
func (b *BundleArchive) Open(name string) (io.ReadCloser, error) {
	if _, ok := b.Manifest.Files[name]; !ok {
		return nil, fmt.Errorf("%w: %q", ErrBundleFileNotFound, name)
	}
	f := b.entries[name]
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: entry %q: %w", ErrBundleInvalid, name, err)
	}
	return &cappedReader{rc: rc, name: name, left: min(int64(f.UncompressedSize64), b.limits.MaxFileSize)}, nil
}

// ReadFile returns one file's content. name is a manifest entry name.
func (b *BundleArchive) ReadFile(name string) ([]byte, error) {
	if _, ok := b.Manifest.Files[name]; !ok {
		return nil, fmt.Errorf("%w: %q", ErrBundleFileNotFound, name)
	}
	return b.readEntry(b.entries[name])
}

func (b *BundleArchive) readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: entry %q: %w", ErrBundleInvalid, f.Name, err)
	}
	defer rc.Close()
	cr := &cappedReader{rc: rc, name: f.Name, left: min(int64(f.UncompressedSize64), b.limits.MaxFileSize)}
	var buf bytes.Buffer
	// The declared size sizes the buffer, but only up to a few MB: a
	// header may lie.
	buf.Grow(int(min(cr.left, 4<<20)) + bytes.MinRead)
	if _, err := buf.ReadFrom(cr); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// cappedReader fails once more than its declared (and capped) size comes
// out of a decompressor: archive/zip checks declared sizes too, but this
// keeps a lying header from ever producing more than the cap.
type cappedReader struct {
	rc   io.ReadCloser
	name string
	left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// Allow the decompressor to report EOF, nothing more.
		var one [1]byte
		n, err := c.rc.Read(one[:])
		// archive/zip says ErrFormat when more comes than was declared.
		if n > 0 || errors.Is(err, zip.ErrFormat) {
			return 0, fmt.Errorf("%w: entry %q is larger than its declared size", ErrBundleTooLarge, c.name)
		}
		if err == nil {
			err = io.EOF
		}
		return 0, c.wrap(err)
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	return n, c.wrap(err)
}

func (c *cappedReader) wrap(err error) error {
	if err == nil || err == io.EOF || errors.Is(err, ErrBundleTooLarge) {
		return err
	}
	return fmt.Errorf("%w: entry %q: %w", ErrBundleInvalid, c.name, err)
}

func (c *cappedReader) Close() error { return c.rc.Close() }

// FileByDebugID finds the file of the given type ("" for any) carrying
// debug id id ("debug-id" header), e.g. the source_map for a frame's debug
// id, and returns its entry name (the first in name order).
func (b *BundleArchive) FileByDebugID(id, typ string) (string, bool) {
	id, ok := parseDebugID(id)
	if !ok {
		return "", false
	}
	for _, p := range b.byDebug[id] {
		if typ == "" || b.Manifest.Files[p].Type == typ {
			return p, true
		}
	}
	return "", false
}

// FileByURL finds the file with exactly this manifest URL and type ("" for
// any), and returns its entry name.
func (b *BundleArchive) FileByURL(fileURL, typ string) (string, bool) {
	for _, p := range b.byURL[fileURL] {
		if typ == "" || b.Manifest.Files[p].Type == typ {
			return p, true
		}
	}
	return "", false
}

// Entries lists the manifest's files with their entry names, sorted by
// name: what an index of the bundle (debug id, URL, type) needs.
func (b *BundleArchive) Entries() []BundleEntry {
	out := make([]BundleEntry, 0, len(b.paths))
	for _, p := range b.paths {
		out = append(out, BundleEntry{Name: p, BundleFileInfo: b.Manifest.Files[p], Size: int64(b.entries[p].UncompressedSize64)})
	}
	return out
}

// BundleEntry is one manifest file with its entry name and decompressed
// size.
type BundleEntry struct {
	Name string
	BundleFileInfo
	Size int64
}

// ResolveBundleURL resolves a "sourcemap" header (ref) against the URL of
// the minified file that carries it, keeping the "~/" form: "app.js.map"
// beside "~/static/app.js" is "~/static/app.js.map".
func ResolveBundleURL(base, ref string) string {
	if ref == "" || strings.HasPrefix(ref, "~/") || strings.Contains(ref, "://") || strings.HasPrefix(ref, "data:") {
		return ref
	}
	if rest, ok := strings.CutPrefix(base, "~/"); ok {
		if strings.HasPrefix(ref, "/") {
			return "~" + path.Clean(ref)
		}
		return "~" + path.Clean("/"+path.Join(path.Dir("/"+rest), ref))
	}
	if u, err := url.Parse(base); err == nil {
		if r, err := url.Parse(ref); err == nil {
			return u.ResolveReference(r).String()
		}
	}
	return ref
}
