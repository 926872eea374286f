package server

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/snag-dev/snag/local/store"
)

// Reading an uploaded artifact bundle (sentry-cli's format: "SYSB", a u32
// version, then a ZIP with manifest.json and files/...). Everything in it is
// untrusted: entry paths must be plain relative paths, the manifest must
// describe entries that exist, and every entry is decompressed once, under
// caps, so a bundle that would explode or fail its CRC is refused at upload
// rather than when an event needs it.

// bundleLimits caps what a bundle may hold once decompressed.
type bundleLimits struct {
	entries  int   // ZIP entries
	manifest int64 // manifest.json
	entry    int64 // any one file
	total    int64 // all files together
}

var defaultBundleLimits = bundleLimits{entries: 100_000, manifest: 32 << 20, entry: 1 << 30, total: 4 << 30}

// bundleManifest is manifest.json.
type bundleManifest struct {
	Files   map[string]manifestFile `json:"files"`
	DebugID string                  `json:"debug_id"`
	Org     string                  `json:"org"`
	Project string                  `json:"project"`
	Release string                  `json:"release"`
	Dist    string                  `json:"dist"`
}

type manifestFile struct {
	Type    string            `json:"type"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
}

// The file types a manifest may name.
var bundleFileTypes = map[string]bool{
	"source": true, "minified_source": true, "source_map": true, "indexed_ram_bundle": true,
}

// errBadBundle marks a bundle that is malformed, as opposed to a failure to
// read or store it.
var errBadBundle = errors.New("the bundle is invalid")

func badBundle(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errBadBundle, fmt.Sprintf(format, args...))
}

// readBundle checks a bundle and returns its manifest and the index entries
// its files give (release and dist from the manifest; the caller overrides
// them with the request's).
func readBundle(data []byte, lim bundleLimits) (*bundleManifest, []store.ArtifactEntry, error) {
	if len(data) >= 8 && string(data[:4]) == "SYSB" {
		if v := uint32(data[4]) | uint32(data[5])<<8 | uint32(data[6])<<16 | uint32(data[7])<<24; v != 2 {
			return nil, nil, badBundle("unsupported bundle version %d (want 2)", v)
		}
	}
	// archive/zip finds the archive behind the SYSB header from its end
	// record; a bundle without the header is read the same way.
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, nil, badBundle("not a ZIP archive: %v", err)
	}
	if len(zr.File) > lim.entries {
		return nil, nil, badBundle("%d entries, more than %d", len(zr.File), lim.entries)
	}
	files := make(map[string]*zip.File, len(zr.File))
	var total int64
	var manifestData []byte
	for _, f := range zr.File {
		if err := checkEntryPath(f.Name); err != nil {
			return nil, nil, err
		}
		if strings.HasSuffix(f.Name, "/") {
			continue // a directory entry
		}
		if files[f.Name] != nil {
			return nil, nil, badBundle("entry %q appears twice", f.Name)
		}
		files[f.Name] = f
		limit := lim.entry
		if f.Name == "manifest.json" {
			limit = lim.manifest
		}
		limit = min(limit, lim.total-total)
		b, n, err := readEntry(f, limit, f.Name == "manifest.json")
		if err != nil {
			return nil, nil, err
		}
		total += n
		if f.Name == "manifest.json" {
			manifestData = b
		}
	}
	if manifestData == nil {
		return nil, nil, badBundle("no manifest.json")
	}
	var m bundleManifest
	if err := json.Unmarshal(manifestData, &m); err != nil {
		return nil, nil, badBundle("manifest.json: %v", err)
	}
	if len(m.Files) == 0 {
		return nil, nil, badBundle("manifest.json lists no files")
	}
	var entries []store.ArtifactEntry
	// In path order, so the index rows come out the same for the same bundle.
	for _, path := range slices.Sorted(maps.Keys(m.Files)) {
		mf := m.Files[path]
		if files[path] == nil {
			return nil, nil, badBundle("manifest.json: file %q is not in the archive", path)
		}
		if !strings.HasPrefix(path, "files/") {
			return nil, nil, badBundle("manifest.json: file %q is not under files/", path)
		}
		if !bundleFileTypes[mf.Type] {
			return nil, nil, badBundle("manifest.json: file %q has unknown type %q", path, mf.Type)
		}
		if mf.URL == "" {
			return nil, nil, badBundle("manifest.json: file %q has no url", path)
		}
		if !utf8.ValidString(mf.URL) || strings.ContainsAny(mf.URL, "\x00\r\n") {
			return nil, nil, badBundle("manifest.json: file %q has an invalid url", path)
		}
		e := store.ArtifactEntry{URL: mf.URL, Type: mf.Type}
		for k, v := range mf.Headers {
			if k = strings.ToLower(k); k == "debug-id" || k == "debug_id" {
				id, ok := normalizeDebugID(v)
				if !ok {
					return nil, nil, badBundle("manifest.json: file %q has an invalid debug id %q", path, v)
				}
				e.DebugID = id
			}
		}
		entries = append(entries, e)
	}
	if m.DebugID != "" {
		id, ok := normalizeDebugID(m.DebugID)
		if !ok {
			return nil, nil, badBundle("manifest.json: invalid debug_id %q", m.DebugID)
		}
		m.DebugID = id
	}
	return &m, entries, nil
}

// readEntry decompresses f under limit bytes, checking its CRC; it keeps the
// bytes only when keep is set.
func readEntry(f *zip.File, limit int64, keep bool) ([]byte, int64, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, 0, badBundle("entry %q is %d bytes uncompressed, over the limit of %d", f.Name, f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, 0, badBundle("entry %q: %v", f.Name, err)
	}
	defer rc.Close()
	var dst io.Writer = io.Discard
	var buf bytes.Buffer
	if keep {
		dst = &buf
	}
	// One byte over the limit tells a lying size header from an honest one.
	n, err := io.Copy(dst, io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, 0, badBundle("entry %q: %v", f.Name, err)
	}
	if n > limit {
		return nil, 0, badBundle("entry %q decompresses to more than %d bytes", f.Name, limit)
	}
	return buf.Bytes(), n, nil
}

// checkEntryPath refuses entry names that could escape a directory or mean
// different files on different systems.
func checkEntryPath(name string) error {
	bad := func(why string) error { return badBundle("entry %q: %s", name, why) }
	switch {
	case name == "":
		return bad("empty name")
	case !utf8.ValidString(name):
		return bad("not UTF-8")
	case strings.ContainsAny(name, "\x00\\"):
		return bad("contains a NUL or a backslash")
	case strings.HasPrefix(name, "/"):
		return bad("absolute path")
	case len(name) >= 2 && name[1] == ':':
		return bad("drive letter")
	}
	for i, seg := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		switch seg {
		case "..":
			return bad("contains ..")
		case ".", "":
			return bad(fmt.Sprintf("empty or . segment %d", i+1))
		}
	}
	return nil
}

// normalizeDebugID accepts a UUID with or without dashes, in either case,
// and returns it lower case with dashes.
func normalizeDebugID(s string) (string, bool) {
	h := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "")
	if len(h) != 32 {
		return "", false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
	}
	if len(s) != 32 && len(s) != 36 {
		return "", false
	}
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], true
}
