package sourcemaps

import (
	"container/list"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// MapSource is somewhere an Unminifier finds a frame's sourcemap besides
// the frame's own path on this machine: the --maps directories (*Dirs), or
// the artifact bundles stored for an event's project and release (the local
// server's store-backed source). An Unminifier asks every source for a
// debug-ID match first, then every source by URL, in order.
//
// A source is used by one Unminify call at a time unless it says otherwise;
// *Dirs is safe for concurrent use.
type MapSource interface {
	// FindByDebugID looks for the map of the file with debug ID id
	// (lowercase). It returns nil when it has none, and the attempts made
	// either way.
	FindByDebugID(id string) (*FoundMap, []Attempt)
	// FindByURL looks for the file served at url (a frame's abs_path) and
	// the map it names.
	FindByURL(url string) (*FoundMap, []Attempt)
}

// FoundMap is a sourcemap a MapSource found: a file in FS, or bytes loaded
// on demand.
type FoundMap struct {
	// Key identifies the map's content: two FoundMaps with the same Key
	// must hold the same map, so a source whose files can be replaced puts
	// a version in it (a stored bundle's checksum). The Unminifier caches
	// parsed maps by Key.
	Key string
	// Desc names the map for people and for frame.data.sourcemap
	// ("~/static/js/app.js.map", "dist/app.js.map").
	Desc string

	// FS and Name locate a map file; Name is also where sources the map
	// does not embed are looked for (beside it). Maps from files are kept
	// for the Unminifier's life.
	FS   fs.FS
	Name string
	// Load returns the map's bytes when it is not a file (an artifact
	// bundle's entry, an inline data: URL). It is called only when the map
	// is not cached; such maps live in a bounded cache
	// (Unminifier.MaxCachedMaps, MaxCachedBytes).
	Load func() ([]byte, error)
}

// FindByDebugID finds the map carrying debug ID id in the directories.
func (d *Dirs) FindByDebugID(id string) (*FoundMap, []Attempt) {
	a := Attempt{Method: "debug-id", Target: id}
	if m, ok := d.ByDebugID(id); ok {
		a.Found = m.Name
		return d.fileMap(m), []Attempt{a}
	}
	a.Detail = "no map with this debug ID in the --maps directories"
	return nil, []Attempt{a}
}

// FindByURL finds the JS file under the directories whose path ends like
// the frame's URL, then its map: by the file's //# debugId comment, its
// sourceMappingURL (a file or an inline map), or a map named after the
// frame's file.
func (d *Dirs) FindByURL(frameURL string) (*FoundMap, []Attempt) {
	var attempts []Attempt
	try := func(a Attempt) { attempts = append(attempts, a) }

	a := Attempt{Method: "maps-dir", Target: URLPath(frameURL)}
	js, ambiguous, ok := d.Match(frameURL)
	if ok && isJSName(js.Name) {
		a.Found = js.Name
		if ambiguous {
			a.Detail = "several files share this path suffix; the shortest path was used"
		}
		try(a)
		if fm, more := d.mapOfJS(js); fm != nil {
			return fm, append(attempts, more...)
		} else {
			attempts = append(attempts, more...)
		}
	} else {
		a.Detail = "no JS file under --maps ends with this path"
		try(a)
	}

	a = Attempt{Method: "map-file", Target: URLPath(frameURL) + ".map"}
	if m, _, ok := d.Match(frameURL + ".map"); ok {
		a.Found = m.Name
		try(a)
		return d.fileMap(m), attempts
	}
	a.Detail = "no such map under --maps"
	try(a)
	return nil, attempts
}

// mapOfJS follows a JS file's trailing comments to its map.
func (d *Dirs) mapOfJS(js File) (*FoundMap, []Attempt) {
	c, err := ReadComments(d.roots[js.Root], js.Name)
	if err != nil {
		return nil, []Attempt{{Method: "sourceMappingURL", Target: js.Name, Detail: err.Error()}}
	}
	var attempts []Attempt
	if c.DebugID != "" {
		if m, ok := d.ByDebugID(c.DebugID); ok {
			attempts = append(attempts, Attempt{Method: "debug-id", Target: c.DebugID, Found: m.Name, Detail: "from //# debugId in " + js.Name})
			return d.fileMap(m), attempts
		}
	}
	fm, a := commentMap(c.SourceMappingURL, js.Name, func(ref string) (*FoundMap, bool) {
		m, ok := d.MapFor(js, ref)
		if !ok {
			return nil, false
		}
		return d.fileMap(m), true
	})
	if fm != nil && fm.Load != nil {
		fm.Key = fmt.Sprintf("dirs:%p:%d:inline:%s", d, js.Root, js.Name)
	}
	return fm, append(attempts, a)
}

// commentMap resolves a sourceMappingURL value written in the JS file desc:
// an inline data: map, or a reference that resolve finds.
func commentMap(ref, desc string, resolve func(ref string) (*FoundMap, bool)) (*FoundMap, Attempt) {
	a := Attempt{Method: "sourceMappingURL", Target: desc}
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
		return &FoundMap{Key: "inline:" + desc, Desc: "inline map in " + desc, Load: func() ([]byte, error) { return data, nil }}, a
	default:
		if fm, ok := resolve(ref); ok {
			a.Found = fm.Desc
			return fm, a
		}
		a.Detail = fmt.Sprintf("%s names %s, which was not found", desc, ref)
	}
	return nil, a
}

func (d *Dirs) fileMap(f File) *FoundMap {
	fsys := d.roots[f.Root]
	desc := f.Name
	if od, ok := fsys.(OSDir); ok {
		desc = od.Path(f.Name)
	}
	return &FoundMap{Key: fmt.Sprintf("dirs:%p:%d:%s", d, f.Root, f.Name), Desc: desc, FS: fsys, Name: f.Name}
}

// Defaults for the bounded cache of loaded (not file) maps.
const (
	defaultCachedMaps  = 512
	defaultCachedBytes = 256 << 20
)

// mapLRU holds loaded maps, least recently used first out, bounded by count
// and by the size of their JSON. Evicted maps are not closed: a concurrent
// lookup may still hold one, and loaded maps own no resources the garbage
// collector cannot free.
type mapLRU struct {
	maxN     int
	maxBytes int64
	bytes    int64
	order    *list.List // of *lruEntry, most recent at the front
	byKey    map[string]*list.Element
}

type lruEntry struct {
	key  string
	lm   *loadedMap
	size int64
}

func (c *mapLRU) get(key string) (*loadedMap, bool) {
	if e, ok := c.byKey[key]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*lruEntry).lm, true
	}
	return nil, false
}

func (c *mapLRU) add(key string, lm *loadedMap) {
	if c.byKey == nil {
		c.byKey = map[string]*list.Element{}
		c.order = list.New()
	}
	c.byKey[key] = c.order.PushFront(&lruEntry{key: key, lm: lm})
	c.trim()
}

// setSize records a map's size once loaded, and trims.
func (c *mapLRU) setSize(key string, lm *loadedMap, size int64) {
	e, ok := c.byKey[key]
	if !ok || e.Value.(*lruEntry).lm != lm {
		return
	}
	ent := e.Value.(*lruEntry)
	c.bytes += size - ent.size
	ent.size = size
	c.trim()
}

func (c *mapLRU) remove(key string, lm *loadedMap) {
	if e, ok := c.byKey[key]; ok && e.Value.(*lruEntry).lm == lm {
		c.order.Remove(e)
		delete(c.byKey, key)
		c.bytes -= e.Value.(*lruEntry).size
	}
}

func (c *mapLRU) trim() {
	for c.order.Len() > 1 && (c.order.Len() > c.maxN || c.bytes > c.maxBytes) {
		e := c.order.Back()
		ent := e.Value.(*lruEntry)
		c.order.Remove(e)
		delete(c.byKey, ent.key)
		c.bytes -= ent.size
	}
}

func (c *mapLRU) len() int {
	if c.order == nil {
		return 0
	}
	return c.order.Len()
}

// ReleaseCandidateURLs lists the artifact URLs a frame's abs_path may have
// been uploaded under, in the order Sentry tries them (its
// ReleaseFile.normalize): the URL without its fragment, then without its
// query, then "~" + path with and then without the query ("~/" matches any
// host). "https://example.com/static/app.js?v=2#x" gives
// "https://example.com/static/app.js?v=2", "https://example.com/static/app.js",
// "~/static/app.js?v=2", "~/static/app.js".
func ReleaseCandidateURLs(absPath string) []string {
	u, _, _ := strings.Cut(absPath, "#")
	if u == "" {
		return nil
	}
	noQuery, query, hasQuery := strings.Cut(u, "?")
	p := noQuery
	if i := strings.Index(p, "://"); i >= 0 {
		// scheme://host/path: the path, "" for none.
		rest := p[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			p = rest[j:]
		} else {
			p = ""
		}
	} else if strings.HasPrefix(p, "~/") {
		p = p[1:]
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	out := []string{u}
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if hasQuery {
		add(noQuery)
		add("~" + p + "?" + query)
	}
	add("~" + p)
	return out
}
