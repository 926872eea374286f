package sourcemaps

import (
	"fmt"
	"strings"
)

// BundleMapRef is where a minified file's map is in a bundle.
type BundleMapRef struct {
	// Entry is the map's entry name, "" when the bundle does not hold it.
	Entry string
	// URL is the map's URL: the one it has in the bundle, or the one the
	// minified file names (resolved against the file's URL) when the
	// bundle does not hold it, so another bundle can be searched.
	URL string
	// Inline is the map from a data: URL in the file's comment.
	Inline []byte
	// Detail says why there is no map.
	Detail string
}

// MapForMinified finds the map of the minified file at entry, as Sentry
// does: the source_map with the file's debug ID (its "debug-id" header,
// else its //# debugId comment), else the one its "sourcemap" header or,
// without one, its //# sourceMappingURL comment names.
func (b *BundleArchive) MapForMinified(entry string) BundleMapRef {
	info, ok := b.Info(entry)
	if !ok {
		return BundleMapRef{Detail: fmt.Sprintf("%q is not in the bundle", entry)}
	}
	byID := func(id string) (BundleMapRef, bool) {
		if m, ok := b.FileByDebugID(id, BundleSourceMap); ok {
			return BundleMapRef{Entry: m, URL: b.Manifest.Files[m].URL}, true
		}
		return BundleMapRef{}, false
	}
	if id := info.DebugID(); id != "" {
		if r, ok := byID(id); ok {
			return r
		}
	}
	ref := info.SourceMapRef()
	if ref == "" {
		data, err := b.ReadFile(entry)
		if err != nil {
			return BundleMapRef{Detail: err.Error()}
		}
		c := ParseComments(data)
		if c.DebugID != "" {
			if r, ok := byID(c.DebugID); ok {
				return r
			}
		}
		ref = c.SourceMappingURL
	}
	switch {
	case ref == "":
		return BundleMapRef{Detail: info.URL + " has no sourcemap header and no sourceMappingURL comment"}
	case strings.HasPrefix(ref, "data:"):
		data, err := DecodeDataURL(ref)
		if err != nil {
			return BundleMapRef{Detail: "inline map in " + info.URL + ": " + err.Error()}
		}
		return BundleMapRef{Inline: data}
	}
	if i := strings.IndexAny(ref, "?#"); i >= 0 {
		ref = ref[:i]
	}
	mapURL := ResolveBundleURL(info.URL, ref)
	if m, ok := b.FileByURL(mapURL, BundleSourceMap); ok {
		return BundleMapRef{Entry: m, URL: mapURL}
	}
	return BundleMapRef{URL: mapURL, Detail: fmt.Sprintf("%s names %s, which is not in the bundle", info.URL, mapURL)}
}

// ArchiveSource is a MapSource over one opened bundle, whatever its
// release: a bundle file given on the command line, or a test's. Name
// labels it in attempts and cache keys; two ArchiveSources with the same
// Name must hold the same bundle.
type ArchiveSource struct {
	Archive *BundleArchive
	Name    string
}

// FindByDebugID finds the map with debug ID id, or the minified file with
// it and that file's map.
func (s *ArchiveSource) FindByDebugID(id string) (*FoundMap, []Attempt) {
	a := Attempt{Method: "debug-id", Target: id}
	if m, ok := s.Archive.FileByDebugID(id, BundleSourceMap); ok {
		a.Found = s.Archive.Manifest.Files[m].URL
		return s.entryMap(m), []Attempt{a}
	}
	if js, ok := s.Archive.FileByDebugID(id, BundleMinifiedSource); ok {
		return s.mapOf(js, a)
	}
	a.Detail = "no file with this debug ID in " + s.Name
	return nil, []Attempt{a}
}

// FindByURL finds the minified file at one of the frame's candidate URLs
// (ReleaseCandidateURLs), and its map.
func (s *ArchiveSource) FindByURL(frameURL string) (*FoundMap, []Attempt) {
	cands := ReleaseCandidateURLs(frameURL)
	a := Attempt{Method: "release-url", Target: strings.Join(cands, " ")}
	for _, c := range cands {
		if js, ok := s.Archive.FileByURL(c, BundleMinifiedSource); ok {
			return s.mapOf(js, a)
		}
	}
	a.Detail = "no minified file at these URLs in " + s.Name
	return nil, []Attempt{a}
}

func (s *ArchiveSource) mapOf(js string, a Attempt) (*FoundMap, []Attempt) {
	a.Found = s.Archive.Manifest.Files[js].URL
	r := s.Archive.MapForMinified(js)
	m := Attempt{Method: "sourceMappingURL", Target: a.Found}
	switch {
	case r.Inline != nil:
		m.Found = "inline map"
		data := r.Inline
		return &FoundMap{Key: "archive:" + s.Name + "|inline:" + js, Desc: "inline map in " + a.Found,
			Load: func() ([]byte, error) { return data, nil }}, []Attempt{a, m}
	case r.Entry != "":
		m.Found = r.URL
		return s.entryMap(r.Entry), []Attempt{a, m}
	}
	m.Detail = r.Detail
	return nil, []Attempt{a, m}
}

func (s *ArchiveSource) entryMap(entry string) *FoundMap {
	arch := s.Archive
	return &FoundMap{Key: "archive:" + s.Name + "|" + entry, Desc: arch.Manifest.Files[entry].URL,
		Load: func() ([]byte, error) { return arch.ReadFile(entry) }}
}
