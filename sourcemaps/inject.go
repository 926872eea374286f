package sourcemaps

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Debug-ID injection, compatible with `sentry-cli sourcemaps inject`.
//
// A JS file gets three things:
//
//   - a one-line runtime snippet (DebugIDSnippet) that records the file's
//     debug ID in globalThis._sentryDebugIds, keyed by a stack trace taken
//     inside the file, which is how Sentry SDKs find the ID of every frame;
//   - a `//# debugId=<uuid>` comment as the file's last line, after the
//     sourceMappingURL comment (where sentry-cli writes it);
//   - in its sourcemap, a "debugId" field with the same UUID.
//
// With a sourcemap the snippet goes near the top, on its own line, after a
// hashbang, leading comments and the directive prologue ("use strict",
// "use client"), so it runs before any code of the file can throw. The
// map's mappings are shifted to match (see shiftMappings). Without a map it
// goes at the end, before the trailing sourceMappingURL comment, and nothing
// needs remapping.

// DebugIDSnippet returns the runtime snippet for id: one line of JS that
// creates an Error in the file and stores id under its stack string in the
// global _sentryDebugIds object, as the snippet sentry-cli injects does. It
// starts with ';' so it cannot continue a statement left open above it.
func DebugIDSnippet(id string) string {
	return `;!function(){try{var g="undefined"!=typeof window?window:"undefined"!=typeof global?global:` +
		`"undefined"!=typeof globalThis?globalThis:"undefined"!=typeof self?self:{},k=(new g.Error).stack;` +
		`k&&((g._sentryDebugIds=g._sentryDebugIds||{})[k]="` + id + `")}catch(x){}}();`
}

// debugIDComment is the comment line's text, without a line terminator.
func debugIDComment(id string) string { return "//# debugId=" + id }

// DebugIDFromContent derives a deterministic debug ID from a JS file and
// its sourcemap (nil when it has none): the first 16 bytes of
// SHA-1(js || 0x00 || map), or of SHA-1(js) without a map, formatted as a
// version-5 (name-based, SHA-1) RFC 4122 UUID.
//
// Hashing the JS as well as the map keeps distinct files apart when their
// maps are byte-identical (esbuild gives every chunk without sources the
// same empty map), which is how sentry-cli derives ids since it fixed that
// collision. The exact bytes hashed are snag's own, so the ids differ from
// the ones sentry-cli would pick for the same files; both are stable.
func DebugIDFromContent(js, sourceMap []byte) string {
	h := sha1.New()
	h.Write(js)
	if sourceMap != nil {
		h.Write([]byte{0})
		h.Write(sourceMap)
	}
	return formatUUIDv5(h.Sum(nil))
}

func formatUUIDv5(sum []byte) string {
	var u [16]byte
	copy(u[:], sum)
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
	return string(b[:])
}

// isUUID reports whether s is a UUID in its canonical 8-4-4-4-12 hex form,
// the shape the `//# debugId=` comment must have. Either case is accepted.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// Placement says where the runtime snippet went.
type Placement string

const (
	// PlacedTop: near the top, after the prologue; the map was shifted.
	PlacedTop Placement = "top"
	// PlacedEnd: at the end, before the sourceMappingURL comment (no map).
	PlacedEnd Placement = "end"
)

// Injection is what InjectDebugID decided for one JS file.
type Injection struct {
	// DebugID is the file's debug ID: the one it or its map already had,
	// or one derived from the content.
	DebugID string
	// AlreadyInjected is true when the JS file already had a
	// `//# debugId=` comment; it is then left as it is (except that an
	// inline map may get the id).
	AlreadyInjected bool
	// JS is the new JS file, or nil when it is unchanged.
	JS []byte
	// Map is the new external sourcemap, or nil when it is unchanged or
	// there is none. An inline map's changes are part of JS.
	Map []byte
	// HasMap and InlineMap say which sourcemap was used.
	HasMap, InlineMap bool
	// MapChanged is true when the map (external or inline) was changed.
	MapChanged bool
	// Placement is where the snippet went ("" when none was added). Line
	// is the 0-based line it occupies in the new file; when it split a
	// line of code, Split is set and Column is the UTF-16 column where the
	// original line was cut.
	Placement Placement
	Line      int
	Column    int
	Split     bool
}

// InjectError is a refusal: the file cannot be injected safely.
type InjectError struct {
	What string // "js" or "map": which file is at fault
	Err  error
}

func (e *InjectError) Error() string { return e.Err.Error() }
func (e *InjectError) Unwrap() error { return e.Err }

func jsErr(format string, args ...any) error {
	return &InjectError{What: "js", Err: fmt.Errorf(format, args...)}
}

func mapErr(format string, args ...any) error {
	return &InjectError{What: "map", Err: fmt.Errorf(format, args...)}
}

// InjectDebugID adds a debug ID to a JS file and its sourcemap. sourceMap
// is the external map's content, or nil; without one, a data: URL in the
// file's sourceMappingURL comment is used as an inline map (decoded,
// updated and re-encoded in place). It never returns partial output: on
// any doubt it returns an *InjectError and the caller leaves the files
// alone. Running it again on its own output changes nothing.
func InjectDebugID(js, sourceMap []byte) (*Injection, error) {
	if !utf8.Valid(js) {
		return nil, jsErr("not UTF-8 text")
	}
	tr := scanTrailer(js)
	inj := &Injection{}

	// Find the map: external, inline, or none.
	var (
		mapData []byte
		inline  *dataURL
	)
	switch {
	case sourceMap != nil:
		mapData = sourceMap
	case tr.smuFound && strings.HasPrefix(tr.smu, "data:"):
		d, err := parseDataURL(tr.smu)
		if err != nil {
			return nil, mapErr("inline sourcemap: %v", err)
		}
		inline, mapData = d, d.data
		inj.InlineMap = true
	}
	var m *Map
	if mapData != nil {
		inj.HasMap = true
		var err error
		m, err = Parse(mapData)
		if err == nil {
			err = m.Validate()
		}
		if err != nil {
			return nil, mapErr("%v", err)
		}
	}

	var mapID string
	if m != nil && m.DebugID() != "" {
		mapID = m.DebugID()
		if !isUUID(mapID) {
			return nil, mapErr("its debugId %q is not a UUID", mapID)
		}
		mapID = strings.ToLower(mapID)
	}

	if tr.debugIDFound {
		inj.AlreadyInjected = true
		if !isUUID(tr.debugID) {
			return nil, jsErr("its //# debugId comment %q is not a UUID", tr.debugID)
		}
		inj.DebugID = strings.ToLower(tr.debugID)
		if m == nil {
			return inj, nil
		}
		if mapID != "" && mapID != inj.DebugID {
			return nil, mapErr("its debugId %s differs from the JS file's //# debugId=%s", mapID, inj.DebugID)
		}
		// The snippet is there already, and so is any shift of the
		// mappings: only the map's debugId field may be missing.
		newMap, err := setMapDebugID(mapData, m, inj.DebugID, nil)
		if err != nil {
			return nil, err
		}
		if err := checkMapEdit(m, newMap, nil, inj.DebugID); err != nil {
			return nil, err
		}
		if !bytes.Equal(newMap, mapData) {
			inj.MapChanged = true
			if inline != nil {
				inj.JS = replaceSpan(js, tr.smuValue, inline.encode(newMap))
			} else {
				inj.Map = newMap
			}
		}
		return inj, nil
	}

	switch {
	case mapID != "":
		inj.DebugID = mapID
	case m != nil:
		inj.DebugID = DebugIDFromContent(js, mapData)
	default:
		inj.DebugID = DebugIDFromContent(js, nil)
	}
	nl := lineEnding(js)
	snippet := DebugIDSnippet(inj.DebugID)
	var edits []edit

	if m == nil {
		// No map: the snippet goes last among the code, before the
		// sourceMappingURL comment so that one stays after all code.
		inj.Placement = PlacedEnd
		pos, text, below := len(js), snippet+nl, 0
		switch {
		case tr.smuFound:
			pos = tr.smuLine.start
		case !atLineStart(js):
			text, below = nl+snippet, 1
		}
		edits = append(edits, edit{pos, pos, text})
		line, _, err := lineCol(js, pos)
		if err != nil {
			return nil, jsErr("%v", err)
		}
		inj.Line = line + below
	} else {
		pos, err := insertionPoint(js)
		if err != nil {
			return nil, jsErr("cannot place the debug ID snippet: %v", err)
		}
		if tr.smuFound && pos > tr.smuLine.start {
			// Nothing but comments: stay above the sourceMappingURL one.
			pos = tr.smuLine.start
		}
		line, col, err := lineCol(js, pos)
		if err != nil {
			return nil, jsErr("cannot place the debug ID snippet: %v", err)
		}
		inj.Placement = PlacedTop
		ins := snippet + nl
		k := 1
		if col > 0 {
			// The snippet gets its own line between the prologue and the
			// code that shared its line.
			ins = nl + snippet + nl
			k = 2
			inj.Split, inj.Column = true, col
		}
		inj.Line = line + k - 1
		edits = append(edits, edit{pos, pos, ins})

		sh := &shift{line: line, col: col, k: k}
		newMap, err := setMapDebugID(mapData, m, inj.DebugID, sh)
		if err != nil {
			return nil, err
		}
		if err := checkMapEdit(m, newMap, sh, inj.DebugID); err != nil {
			return nil, err
		}
		inj.MapChanged = !bytes.Equal(newMap, mapData)
		if inline != nil {
			edits = append(edits, edit{tr.smuValue.start, tr.smuValue.end, inline.encode(newMap)})
		} else if inj.MapChanged {
			inj.Map = newMap
		}
	}

	// The comment is the last line; the file keeps (or keeps lacking) its
	// final line terminator.
	if atLineStart(js) {
		edits = append(edits, edit{len(js), len(js), debugIDComment(inj.DebugID) + nl})
	} else {
		edits = append(edits, edit{len(js), len(js), nl + debugIDComment(inj.DebugID)})
	}
	sortEdits(edits)
	inj.JS = applyEdits(js, edits)
	return inj, nil
}

// edit replaces js[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// applyEdits applies non-overlapping edits given in increasing order of
// position (edits at the same position apply in the order given).
func applyEdits(b []byte, edits []edit) []byte {
	n := len(b)
	for _, e := range edits {
		n += len(e.text) - (e.end - e.start)
	}
	out := make([]byte, 0, n)
	at := 0
	for _, e := range edits {
		out = append(out, b[at:e.start]...)
		out = append(out, e.text...)
		at = e.end
	}
	return append(out, b[at:]...)
}

func replaceSpan(b []byte, sp span, text string) []byte {
	return applyEdits(b, []edit{{sp.start, sp.end, text}})
}

// lineEnding returns the file's line terminator style: "\r\n" when its
// first line ends that way, "\n" otherwise.
func lineEnding(js []byte) string {
	if i := bytes.IndexByte(js, '\n'); i > 0 && js[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// endsWithNewline reports a final '\n'. A lone '\r' does not count: a
// comment written after it would share its line for the many tools that
// split lines on '\n' only, so one is added first.
func endsWithNewline(js []byte) bool {
	return len(js) > 0 && js[len(js)-1] == '\n'
}

// atLineStart reports whether text appended to js starts a line of its
// own: after a final '\n', or in an empty file.
func atLineStart(js []byte) bool { return len(js) == 0 || endsWithNewline(js) }

// trailer is what the trailing comments of a JS file say, with positions.
type trailer struct {
	smuFound     bool
	smu          string // the last sourceMappingURL value
	smuValue     span   // where that value is in the file
	smuLine      span   // the whole line holding it
	debugIDFound bool
	debugID      string
}

// scanTrailer reads the block of comment and blank lines at the end of a
// JS file, as ECMA-426 prescribes for sourceMappingURL: the first line of
// code from the end stops the search, so a comment-like line inside a
// string or template literal earlier in the file is never taken.
func scanTrailer(js []byte) trailer {
	var tr trailer
	end := len(js)
	for end > 0 {
		start := bytes.LastIndexByte(js[:end], '\n') + 1
		raw := js[start:end]
		lineEnd := end
		end = start - 1
		if end < 0 {
			end = 0
		}
		line := bytes.TrimSpace(raw)
		if len(line) == 0 {
			if start == 0 {
				break
			}
			continue
		}
		isComment := bytes.HasPrefix(line, []byte("//")) ||
			bytes.HasPrefix(line, []byte("/*")) && bytes.HasSuffix(line, []byte("*/")) && bytes.Count(line, []byte("*/")) == 1
		if !isComment {
			break
		}
		if v, name, ok := magicComment(line); ok {
			switch {
			case name == "sourceMappingURL" && !tr.smuFound:
				off := bytes.Index(raw, []byte("sourceMappingURL="))
				if off >= 0 {
					vs := start + off + len("sourceMappingURL=")
					// The value as magicComment found it starts right after
					// '=' (spaces inside the value are not allowed).
					if bytes.HasPrefix(js[vs:], []byte(v)) {
						tr.smuFound, tr.smu = true, v
						tr.smuValue = span{vs, vs + len(v)}
						tr.smuLine = span{start, lineEnd}
					}
				}
			case name == "debugId" && !tr.debugIDFound:
				tr.debugIDFound, tr.debugID = true, v
			}
		}
		if start == 0 {
			break
		}
	}
	return tr
}

// dataURL is a decoded base64 data: URL, remembered so the new content is
// written back in the same shape.
type dataURL struct {
	meta string // everything before the comma, "data:" included
	enc  *base64.Encoding
	data []byte
}

func parseDataURL(u string) (*dataURL, error) {
	meta, payload, ok := strings.Cut(u, ",")
	if !ok {
		return nil, errors.New("data: URL has no comma")
	}
	if !strings.HasSuffix(strings.ToLower(meta), ";base64") {
		return nil, errors.New("data: URL is not base64-encoded")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.Strict().DecodeString(payload); err == nil {
			// Strict decoding round-trips exactly, so re-encoding the same
			// bytes gives back the same text.
			return &dataURL{meta: meta, enc: enc, data: b}, nil
		}
	}
	return nil, errors.New("data: URL is not valid base64")
}

func (d *dataURL) encode(data []byte) string {
	return d.meta + "," + d.enc.EncodeToString(data)
}

// ---- Where the snippet goes ----

// insertionPoint returns the byte offset where the snippet goes: after a
// byte order mark, a hashbang line, leading comments and the directive
// prologue. When the code that follows starts a line (after indentation),
// the offset is that line's start; otherwise it is the code's first byte
// and the caller splits the line there.
func insertionPoint(js []byte) (int, error) {
	i := 0
	if bytes.HasPrefix(js, []byte("\xEF\xBB\xBF")) {
		i = 3
	}
	if bytes.HasPrefix(js[i:], []byte("#!")) {
		for i < len(js) && !isLineTerminatorAt(js, i) {
			i++
		}
	}
	for {
		t, _, err := skipTrivia(js, i)
		if err != nil {
			return 0, err
		}
		if t >= len(js) || (js[t] != '"' && js[t] != '\'') {
			return codeStart(js, t), nil
		}
		end, directive, err := directiveAt(js, t)
		if err != nil {
			return 0, err
		}
		if !directive {
			return codeStart(js, t), nil
		}
		i = end
	}
}

// codeStart moves the insertion point to the start of the line when only
// indentation precedes the code on it.
func codeStart(js []byte, t int) int {
	ls := t
	for ls > 0 {
		c := js[ls-1]
		if c == ' ' || c == '\t' {
			ls--
			continue
		}
		if c == '\n' || c == '\r' || ls >= 3 && js[ls-3] == 0xE2 && isLineTerminatorAt(js, ls-3) {
			return ls
		}
		break
	}
	if ls == 0 || ls == 3 && bytes.HasPrefix(js, []byte("\xEF\xBB\xBF")) {
		return ls
	}
	return t
}

// isLineTerminatorAt reports an ECMAScript line terminator starting at i.
func isLineTerminatorAt(js []byte, i int) bool {
	switch js[i] {
	case '\n', '\r':
		return true
	case 0xE2:
		// U+2028 and U+2029.
		return i+2 < len(js) && js[i+1] == 0x80 && (js[i+2] == 0xA8 || js[i+2] == 0xA9)
	}
	return false
}

// skipTrivia skips whitespace, line terminators and comments from i. It
// reports whether a line terminator was crossed (which matters for
// automatic semicolon insertion). An unterminated block comment is an
// error.
func skipTrivia(js []byte, i int) (int, bool, error) {
	nl := false
	for i < len(js) {
		c := js[i]
		switch {
		case c == ' ' || c == '\t' || c == '\v' || c == '\f':
			i++
		case c == '\n' || c == '\r':
			nl = true
			i++
		case isLineTerminatorAt(js, i):
			nl = true
			i += 3
		case bytes.HasPrefix(js[i:], []byte("\u00a0")), bytes.HasPrefix(js[i:], []byte("\ufeff")):
			_, n := utf8.DecodeRune(js[i:])
			i += n
		case bytes.HasPrefix(js[i:], []byte("//")):
			for i < len(js) && !isLineTerminatorAt(js, i) {
				i++
			}
		case bytes.HasPrefix(js[i:], []byte("/*")):
			k := bytes.Index(js[i+2:], []byte("*/"))
			if k < 0 {
				return 0, false, errors.New("unterminated block comment at the top of the file")
			}
			body := js[i+2 : i+2+k]
			if bytes.ContainsAny(body, "\n\r\u2028\u2029") {
				nl = true
			}
			i += 2 + k + 2
		default:
			return i, nl, nil
		}
	}
	return i, nl, nil
}

// directiveAt reads the string literal at t and decides whether it is a
// directive (a statement made of the string alone). end is where the
// directive ends. A string followed by more expression (`"a".length`) is
// code, not a directive. When only automatic semicolon insertion could
// end it and the next token leaves that in doubt, it is an error rather
// than a guess: inserting code above a real directive would disable it.
func directiveAt(js []byte, t int) (end int, directive bool, err error) {
	q := js[t]
	j := t + 1
	for {
		if j >= len(js) {
			return 0, false, errors.New("unterminated string at the top of the file")
		}
		c := js[j]
		if c == q {
			j++
			break
		}
		if c == '\\' {
			j += 2
			continue
		}
		if c == '\n' || c == '\r' {
			return 0, false, errors.New("unterminated string at the top of the file")
		}
		j++
	}
	u, nl, err := skipTrivia(js, j)
	if err != nil {
		return 0, false, err
	}
	if u >= len(js) {
		return j, true, nil
	}
	if js[u] == ';' {
		return u + 1, true, nil
	}
	if !nl {
		return 0, false, nil // more expression on the same line: code
	}
	// A line break follows the string: it ends the statement only where
	// the next token cannot continue the expression.
	c := js[u]
	next := byte(0)
	if u+1 < len(js) {
		next = js[u+1]
	}
	switch {
	case c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		w := u
		for w < len(js) && (js[w] == '_' || js[w] == '$' || js[w] >= 'a' && js[w] <= 'z' || js[w] >= 'A' && js[w] <= 'Z' || js[w] >= '0' && js[w] <= '9') {
			w++
		}
		if word := string(js[u:w]); word == "in" || word == "instanceof" {
			return 0, false, nil
		}
		return j, true, nil
	case c >= '0' && c <= '9', c == '"', c == '\'', c == '{', c == '}', c == '~':
		return j, true, nil
	case (c == '+' || c == '-') && next == c:
		return j, true, nil // ++ and -- after a line break start a new statement
	case c == '!' && next != '=':
		return j, true, nil
	case strings.IndexByte("([.`,?=*%<>&|^/+-!", c) >= 0:
		return 0, false, nil
	}
	return 0, false, fmt.Errorf("cannot tell whether the string at byte %d is a directive", t)
}

// lineCol converts a byte offset into a 0-based line and a UTF-16 column,
// counting ECMAScript line terminators. A leading byte order mark takes no
// column: engines drop it before parsing.
func lineCol(js []byte, pos int) (line, col int, err error) {
	start := 0
	if bytes.HasPrefix(js, []byte("\xEF\xBB\xBF")) {
		start = 3
	}
	ls := start
	for i := start; i < pos; {
		switch {
		case js[i] == '\r':
			if i+1 < len(js) && js[i+1] == '\n' {
				i++
			}
			i++
			line++
			ls = i
		case js[i] == '\n':
			i++
			line++
			ls = i
		case isLineTerminatorAt(js, i):
			i += 3
			line++
			ls = i
		default:
			i++
		}
	}
	for i := ls; i < pos; {
		r, n := utf8.DecodeRune(js[i:])
		if r == utf8.RuneError && n <= 1 {
			return 0, 0, errors.New("invalid UTF-8")
		}
		col++
		if r >= 0x10000 {
			col++
		}
		i += n
	}
	return line, col, nil
}

// ---- Shifting mappings ----

// shift describes the text inserted into the generated file: k line
// terminators inserted at (line, col) with nothing after the last one, so
// what followed the insertion point now starts line+k at column 0.
type shift struct {
	line, col, k int
}

// errUnsortedLine refuses a split of a line whose segments are not in
// column order: which segments belong after the split would be a guess.
var errUnsortedLine = errors.New("the segments of the line to split are not sorted by column")

// shiftMappings rewrites a regular map's mappings for text inserted at a
// generated position (see shift): segments on sh.line at columns >= sh.col
// move to line sh.line+k with sh.col subtracted from their column, and
// later lines move down by k. Lines are added as ';'s.
//
// Only one value changes encoding: the generated column of the first moved
// segment, which becomes absolute on its new line. Every other value
// stays byte-identical, because a segment's generated column is relative
// to the previous segment on the same line (unchanged for the moved ones
// after the first) while source, original line, original column and name
// are relative to the previous segment anywhere, and the order of the
// segments does not change.
//
// When the first moved segment starts after sh.col, positions between the
// split and it used to resolve to the last segment before the split. To
// keep those lookups, a copy of that segment is put at column 0 of the new
// line; its fields are all zero deltas ("A", "AAAA" or "AAAAA"), so it
// leaves the decoding state, and the segments after it, unchanged. The
// copy is skipped when that segment shares its column with the one before
// it, since lookups pick the first of equal columns and a zero-delta copy
// of the earlier one cannot be written without re-encoding what follows.
func shiftMappings(mp []byte, sh shift) ([]byte, error) {
	start := 0
	for l := 0; l < sh.line; l++ {
		i := bytes.IndexByte(mp[start:], ';')
		if i < 0 {
			return mp, nil // the mappings end before the insertion point
		}
		start += i + 1
	}
	end := len(mp)
	if i := bytes.IndexByte(mp[start:], ';'); i >= 0 {
		end = start + i
	}
	if len(bytes.Trim(mp[start:], ";")) == 0 {
		return mp, nil // no segment at or after the insertion point
	}
	semis := strings.Repeat(";", sh.k)
	out := make([]byte, 0, len(mp)+sh.k+8)
	if sh.col == 0 {
		out = append(out, mp[:start]...)
		out = append(out, semis...)
		return append(out, mp[start:]...), nil
	}

	// Decode the line's segments: start offsets, absolute columns, the
	// length of the column field, and field counts.
	type segInfo struct {
		off, colLen, fields int
		col                 int64
	}
	var segs []segInfo
	col := int64(0)
	for i := start; i < end; {
		s := segInfo{off: i}
		v, j, kind := readVLQSlow(mp, i)
		if kind != 0 {
			return nil, fmt.Errorf("mappings: %s", vlqKindText(kind, mp, j))
		}
		col += v
		s.col, s.colLen, s.fields = col, j-i, 1
		for j < end && mp[j] != ',' {
			_, j2, kind := readVLQSlow(mp, j)
			if kind != 0 {
				return nil, fmt.Errorf("mappings: %s", vlqKindText(kind, mp, j2))
			}
			j = j2
			s.fields++
		}
		if s.fields != 1 && s.fields != 4 && s.fields != 5 {
			return nil, fmt.Errorf("mappings: segment with %d fields", s.fields)
		}
		if len(segs) > 0 && col < segs[len(segs)-1].col {
			return nil, errUnsortedLine
		}
		segs = append(segs, s)
		i = j
		if i < end {
			i++ // ','
		}
	}
	idx := len(segs)
	for n, s := range segs {
		if s.col >= int64(sh.col) {
			idx = n
			break
		}
	}
	cut := end // where the pre-split segments end, ',' excluded
	if idx < len(segs) {
		cut = segs[idx].off - 1
		if idx == 0 {
			cut = start
		}
	}
	out = append(out, mp[:cut]...)
	out = append(out, semis...)
	dup := ""
	if idx > 0 && (idx == len(segs) || segs[idx].col > int64(sh.col)) &&
		(idx == 1 || segs[idx-1].col > segs[idx-2].col) {
		dup = "AAAAA"[:segs[idx-1].fields]
	}
	if idx == len(segs) {
		out = append(out, dup...)
		return append(out, mp[end:]...), nil
	}
	if dup != "" {
		out = append(out, dup...)
		out = append(out, ',')
	}
	first := segs[idx]
	out = putVLQ(out, first.col-int64(sh.col))
	return append(out, mp[first.off+first.colLen:]...), nil
}

const vlqAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// putVLQ appends v as a base64 VLQ.
func putVLQ(b []byte, v int64) []byte {
	var u uint64
	if v < 0 {
		u = uint64(-v)<<1 | 1
	} else {
		u = uint64(v) << 1
	}
	for {
		d := u & 31
		u >>= 5
		if u != 0 {
			d |= 32
		}
		b = append(b, vlqAlphabet[d])
		if u == 0 {
			return b
		}
	}
}

// ---- Editing the map's JSON ----

// mapLayout is where the parts injection edits lie in a map document.
type mapLayout struct {
	firstKey  int    // offset of the first top-level key
	ws        string // whitespace between '{' and that key
	debugIDs  []span // values of top-level "debugId" keys
	mappings  span   // contents of the top-level mappings string
	sections  []sectionLayout
	hasDebugI bool
}

type sectionLayout struct {
	line, col span // offset.line and offset.column values
	mappings  span // contents of map.mappings
	hasMap    bool
}

// layoutOf locates the parts of a map document that injection edits. The
// document has already been parsed, so errors here are unexpected.
func layoutOf(data []byte, prefixLen int) (*mapLayout, error) {
	l := &mapLayout{}
	s := &scanner{d: data, i: prefixLen}
	if s.peek() != '{' {
		return nil, s.unexpected("'{'")
	}
	open := s.i + 1
	k := open
	for k < len(data) && (data[k] == ' ' || data[k] == '\t' || data[k] == '\n' || data[k] == '\r') {
		k++
	}
	l.firstKey, l.ws = k, string(data[open:k])
	err := s.object(func(key string) error {
		switch key {
		case "debugId":
			l.hasDebugI = true
			st := s.peekOffset()
			if err := s.skip(); err != nil {
				return err
			}
			l.debugIDs = append(l.debugIDs, span{st, s.i})
			return nil
		case "mappings":
			if s.peek() != '"' {
				return s.skip()
			}
			sp, err := s.rawString()
			l.mappings = sp
			return err
		case "sections":
			return s.array(func(int) error {
				var sec sectionLayout
				err := s.object(func(k string) error {
					switch k {
					case "offset":
						return s.object(func(k2 string) error {
							st := s.peekOffset()
							if err := s.skip(); err != nil {
								return err
							}
							switch k2 {
							case "line":
								sec.line = span{st, s.i}
							case "column":
								sec.col = span{st, s.i}
							}
							return nil
						})
					case "map":
						sec.hasMap = true
						return s.object(func(k2 string) error {
							if k2 == "mappings" && s.peek() == '"' {
								sp, err := s.rawString()
								sec.mappings = sp
								return err
							}
							return s.skip()
						})
					}
					return s.skip()
				})
				l.sections = append(l.sections, sec)
				return err
			})
		}
		return s.skip()
	})
	return l, err
}

// peekOffset returns the offset of the next non-space byte.
func (s *scanner) peekOffset() int {
	s.ws()
	return s.i
}

// setMapDebugID returns the map document with its debugId set to id and,
// when sh is not nil, its mappings (or section offsets) shifted. Only the
// edited values change: the rest of the JSON keeps its bytes.
func setMapDebugID(data []byte, m *Map, id string, sh *shift) ([]byte, error) {
	l, err := layoutOf(data, len(m.Prefix()))
	if err != nil {
		return nil, mapErr("%v", err)
	}
	var edits []edit
	quoted := `"` + id + `"`
	if !l.hasDebugI {
		text := `"debugId":` + quoted + `,`
		if l.ws != "" {
			text = `"debugId": ` + quoted + `,` + l.ws
		}
		edits = append(edits, edit{l.firstKey, l.firstKey, text})
	} else {
		for _, sp := range l.debugIDs {
			if string(data[sp.start:sp.end]) != quoted && !strings.EqualFold(string(data[sp.start:sp.end]), quoted) {
				edits = append(edits, edit{sp.start, sp.end, quoted})
			}
		}
	}
	if sh != nil {
		if !m.isIndex {
			nm, err := shiftMappings(m.mappings, *sh)
			if err != nil {
				return nil, mapErr("cannot shift the mappings: %v", err)
			}
			if !bytes.Equal(nm, m.mappings) {
				edits = append(edits, edit{l.mappings.start, l.mappings.end, string(nm)})
			}
		} else {
			if len(l.sections) != len(m.sections) {
				return nil, mapErr("sections do not match their layout")
			}
			for k, s := range m.sections {
				sl := l.sections[k]
				if s.line > sh.line || s.line == sh.line && s.col >= sh.col {
					// The section starts at or after the insertion point.
					nl, nc := s.line+sh.k, s.col
					if s.line == sh.line {
						nc = s.col - sh.col
					}
					if nl != s.line {
						edits = append(edits, edit{sl.line.start, sl.line.end, strconv.Itoa(nl)})
					}
					if nc != s.col {
						edits = append(edits, edit{sl.col.start, sl.col.end, strconv.Itoa(nc)})
					}
					continue
				}
				// The section starts before it: split its own mappings at
				// the point in its coordinates.
				local := shift{line: sh.line - s.line, col: sh.col, k: sh.k}
				if local.line == 0 {
					local.col -= s.col
				}
				nm, err := shiftMappings(s.m.mappings, local)
				if err != nil {
					return nil, mapErr("cannot shift the mappings of section %d: %v", k, err)
				}
				if !bytes.Equal(nm, s.m.mappings) {
					edits = append(edits, edit{sl.mappings.start, sl.mappings.end, string(nm)})
				}
			}
		}
	}
	sortEdits(edits)
	return applyEdits(data, edits), nil
}

func sortEdits(e []edit) {
	// Few edits: insertion sort keeps equal positions in order.
	for i := 1; i < len(e); i++ {
		for j := i; j > 0 && e[j].start < e[j-1].start; j-- {
			e[j], e[j-1] = e[j-1], e[j]
		}
	}
}

// checkMapEdit re-reads the edited map and checks it against the original:
// it must be valid, carry id, and hold every original segment, in order,
// at its shifted position with the same original position and name (plus
// at most the one copy shiftMappings may add). It is the guard that keeps
// a bug in the edit from ever being written.
func checkMapEdit(old *Map, data []byte, sh *shift, id string) error {
	nm, err := Parse(data)
	if err == nil {
		err = nm.Validate()
	}
	if err != nil {
		return mapErr("internal error: the edited map does not decode: %v", err)
	}
	if !strings.EqualFold(nm.DebugID(), id) {
		return mapErr("internal error: the edited map has debugId %q, want %s", nm.DebugID(), id)
	}
	if nm.NumSources() != old.NumSources() || nm.NumNames() != old.NumNames() || nm.IsIndex() != old.IsIndex() {
		return mapErr("internal error: the edited map lost sources or names")
	}
	var want []Mapping
	if err := old.Walk(func(mp Mapping) error { want = append(want, mp); return nil }); err != nil {
		return mapErr("%v", err)
	}
	// The copy, if any, repeats the last segment before the split.
	var pre *Mapping
	if sh != nil && sh.col > 0 {
		for i := range want {
			g := want[i].Generated
			if g.Line == sh.line && g.Column < sh.col {
				pre = &want[i]
			}
		}
	}
	i, extra := 0, false
	err = nm.Walk(func(got Mapping) error {
		if i < len(want) {
			w := want[i]
			w.Generated = shiftPos(w.Generated, sh)
			if got == w {
				i++
				return nil
			}
		}
		if !extra && pre != nil && got.Generated == (Pos{sh.line + sh.k, 0}) {
			c := *pre
			c.Generated = got.Generated
			if got == c {
				extra = true
				return nil
			}
		}
		return fmt.Errorf("segment %d differs after the edit", i)
	})
	if err == nil && i != len(want) {
		err = fmt.Errorf("%d of %d segments kept", i, len(want))
	}
	if err != nil {
		return mapErr("internal error: %v", err)
	}
	return nil
}

// shiftPos is where a generated position moves for sh (nil: nowhere).
func shiftPos(p Pos, sh *shift) Pos {
	switch {
	case sh == nil || p.Line < sh.line || p.Line == sh.line && p.Column < sh.col:
		return p
	case p.Line == sh.line:
		return Pos{p.Line + sh.k, p.Column - sh.col}
	}
	return Pos{p.Line + sh.k, p.Column}
}

// ---- Files on disk ----

// DefaultInjectExtensions are the JS extensions InjectFiles looks for, as
// sentry-cli's.
var DefaultInjectExtensions = []string{"js", "cjs", "mjs"}

// InjectOptions configure InjectFiles.
type InjectOptions struct {
	// Extensions of the JS files to inject, without the dot; nil means
	// DefaultInjectExtensions.
	Extensions []string
	// Ignore holds path.Match globs. A file or directory is left out when
	// a glob matches its base name, its slash path under the PATH given,
	// or its whole path.
	Ignore []string
	// DryRun computes everything and writes nothing.
	DryRun bool
}

// InjectStatus is the outcome for one file.
type InjectStatus string

const (
	StatusInjected        InjectStatus = "injected"         // snippet and comment added
	StatusAlreadyInjected InjectStatus = "already_injected" // had a //# debugId= comment
	StatusSkipped         InjectStatus = "skipped"          // not a file to inject (Reason says why)
	StatusRefused         InjectStatus = "refused"          // unsafe to change; left untouched (Reason says why)
)

// InjectedFile reports on one JS file.
type InjectedFile struct {
	Path      string
	Status    InjectStatus
	DebugID   string
	Map       string // the external sourcemap used, or ""
	InlineMap bool   // the sourcemap is a data: URL inside the JS file
	// JSModified and MapModified say what was (or, in a dry run, would
	// be) written. An inline map's changes count as both.
	JSModified  bool
	MapModified bool
	Placement   Placement
	// Line is the 1-based line of the snippet in the new file (0 if none).
	Line   int
	Reason string
}

// InjectFiles injects debug IDs into the JS files under paths (files or
// directories; node_modules is skipped, hidden directories such as .next
// are not) and into their sourcemaps: the file named by the
// sourceMappingURL comment, an inline data: URL, or else <file>.map.
//
// Each pair is written atomically (a temporary file renamed over the
// original, keeping its mode), the map first; if the JS file cannot be
// written the map is put back. A file that cannot be handled safely is
// reported as refused and neither it nor its map is touched. The error is
// for the arguments only (a path that does not exist).
func InjectFiles(paths []string, opts InjectOptions) ([]InjectedFile, error) {
	exts := opts.Extensions
	if len(exts) == 0 {
		exts = DefaultInjectExtensions
	}
	hasExt := extensionMatcher(exts)
	ignored := func(full, rel string) bool {
		full, rel = filepath.ToSlash(full), filepath.ToSlash(rel)
		for _, g := range opts.Ignore {
			for _, s := range []string{path.Base(full), rel, full} {
				if ok, _ := path.Match(g, s); ok {
					return true
				}
			}
		}
		return false
	}

	var (
		out   []InjectedFile
		files []string
		seen  = map[string]bool{}
	)
	add := func(p string) {
		key, err := filepath.Abs(p)
		if err != nil {
			key = p
		}
		if !seen[key] {
			seen[key] = true
			files = append(files, p)
		}
	}
	for _, root := range paths {
		st, err := os.Stat(root)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			switch {
			case ignored(root, path.Base(filepath.ToSlash(root))):
			case !hasExt(root):
				out = append(out, InjectedFile{Path: root, Status: StatusSkipped,
					Reason: "not a ." + strings.Join(exts, ", .") + " file"})
			default:
				add(root)
			}
			continue
		}
		err = filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p == root {
				return nil
			}
			rel, _ := filepath.Rel(root, p)
			if e.IsDir() {
				if e.Name() == "node_modules" || ignored(p, rel) {
					return fs.SkipDir
				}
				return nil
			}
			if e.Type().IsRegular() && hasExt(e.Name()) && !ignored(p, rel) {
				add(p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}

	usedMaps := map[string]string{} // map file -> the JS file that used it
	for _, p := range files {
		out = append(out, injectFile(p, opts.DryRun, usedMaps))
	}
	return out, nil
}

func injectFile(p string, dryRun bool, usedMaps map[string]string) InjectedFile {
	r := InjectedFile{Path: p}
	refuse := func(format string, args ...any) InjectedFile {
		r.Status, r.Reason = StatusRefused, fmt.Sprintf(format, args...)
		r.JSModified, r.MapModified, r.Placement, r.Line, r.DebugID = false, false, "", 0, ""
		return r
	}
	js, err := os.ReadFile(p)
	if err != nil {
		return refuse("%v", err)
	}
	tr := scanTrailer(js)
	var mapData []byte
	if mp := findMapFile(p, tr); mp != "" {
		r.Map = mp
		key, err := filepath.EvalSymlinks(mp)
		if err != nil {
			return refuse("map %s: %v", mp, err)
		}
		if key, err = filepath.Abs(key); err != nil {
			return refuse("map %s: %v", mp, err)
		}
		if other, ok := usedMaps[key]; ok {
			return refuse("map %s also belongs to %s; a map can carry only one file's debug ID", mp, other)
		}
		usedMaps[key] = p
		if mapData, err = os.ReadFile(mp); err != nil {
			return refuse("map %s: %v", mp, err)
		}
	}
	inj, err := InjectDebugID(js, mapData)
	if err != nil {
		var ie *InjectError
		if errors.As(err, &ie) && ie.What == "map" {
			if r.Map != "" {
				return refuse("map %s: %v", r.Map, err)
			}
			return refuse("%v", err)
		}
		return refuse("%v", err)
	}
	r.DebugID, r.InlineMap = inj.DebugID, inj.InlineMap
	r.Status = StatusInjected
	if inj.AlreadyInjected {
		r.Status = StatusAlreadyInjected
	}
	r.JSModified = inj.JS != nil
	r.MapModified = inj.MapChanged
	r.Placement = inj.Placement
	if inj.Placement != "" {
		r.Line = inj.Line + 1
	}
	if dryRun {
		return r
	}
	if err := writePair(p, inj.JS, r.Map, inj.Map, mapData); err != nil {
		return refuse("%v", err)
	}
	return r
}

// findMapFile resolves a JS file's external sourcemap: the file its
// sourceMappingURL names (a relative path, or the base name of a URL or
// absolute path, looked for beside the JS file), else <file>.map. It
// returns "" for none, and for an inline map (the JS holds it).
func findMapFile(jsPath string, tr trailer) string {
	dir := filepath.Dir(jsPath)
	if tr.smuFound {
		ref := tr.smu
		if strings.HasPrefix(ref, "data:") {
			return ""
		}
		if i := strings.IndexAny(ref, "?#"); i >= 0 {
			ref = ref[:i]
		}
		if u, err := url.PathUnescape(ref); err == nil {
			ref = u
		}
		var cand string
		if strings.Contains(ref, "://") || strings.HasPrefix(ref, "/") {
			cand = filepath.Join(dir, path.Base(ref))
		} else if ref != "" {
			cand = filepath.Join(dir, filepath.FromSlash(ref))
		}
		if cand != "" && isRegularFile(cand) {
			return cand
		}
	}
	if cand := jsPath + ".map"; isRegularFile(cand) {
		return cand
	}
	return ""
}

func isRegularFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// writePair writes the new map (if any) and then the new JS file (if
// any), each atomically. When the JS file fails, the map is restored so a
// second run does not shift it twice.
func writePair(jsPath string, js []byte, mapPath string, newMap, oldMap []byte) error {
	var jsTmp, mapTmp *pendingWrite
	var err error
	if js != nil {
		if jsTmp, err = prepareWrite(jsPath, js); err != nil {
			return err
		}
	}
	if newMap != nil {
		if mapTmp, err = prepareWrite(mapPath, newMap); err != nil {
			jsTmp.discard()
			return err
		}
	}
	if err := mapTmp.commit(); err != nil {
		jsTmp.discard()
		return err
	}
	if err := jsTmp.commit(); err != nil {
		if mapTmp != nil {
			if back, err2 := prepareWrite(mapPath, oldMap); err2 == nil {
				err2 = back.commit()
				if err2 != nil {
					return fmt.Errorf("%v; and restoring %s failed: %v", err, mapPath, err2)
				}
			}
		}
		return err
	}
	return nil
}

// pendingWrite is a complete temporary file waiting to be renamed.
type pendingWrite struct {
	tmp, dst string
}

func prepareWrite(dst string, data []byte) (*pendingWrite, error) {
	// Write through symlinks to the file they name.
	if real, err := filepath.EvalSymlinks(dst); err == nil {
		dst = real
	}
	st, err := os.Stat(dst)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".snag-*")
	if err != nil {
		return nil, err
	}
	pw := &pendingWrite{tmp: f.Name(), dst: dst}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = f.Chmod(st.Mode().Perm())
	}
	if err2 := f.Close(); err == nil {
		err = err2
	}
	if err != nil {
		os.Remove(pw.tmp)
		return nil, err
	}
	return pw, nil
}

func (w *pendingWrite) commit() error {
	if w == nil {
		return nil
	}
	if err := os.Rename(w.tmp, w.dst); err != nil {
		os.Remove(w.tmp)
		return err
	}
	return nil
}

func (w *pendingWrite) discard() {
	if w != nil {
		os.Remove(w.tmp)
	}
}
