package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/sourcemaps"
)

// Ingest-time unminifying from stored artifact bundles.
//
// For each JavaScript event the pipeline asks unminifierFor for an
// Unminifier: the configured one (the --maps directories) with a
// bundleSource for the event's project, release and dist searched first.
// Per frame, the lookup order is: the frame's debug ID (debug_meta.images
// matched by code_file) in the project's bundles, then in the --maps
// directories; then release + dist + the frame's candidate URLs in the
// bundles; then the --maps directories by URL.
//
// What an event costs: one SQLite query for the project's artifact
// generation (a fingerprint of its bundles that changes with every upload,
// replacement or deletion; concurrent events share one), then map lookups
// in memory. Index lookups (one
// query per distinct file) are cached under the generation, so they are
// redone only after an upload; parsed maps are cached by the Unminifier's
// bounded cache keyed by bundle version + entry; opened bundles (their
// manifests) and the minified-file → map resolutions are cached here,
// bounded, keyed by the bundle's version. So an upload is seen by the next
// event, and a bundle replaced under the same id never serves old files.

// ArtifactStore is what ingest-time unminifying needs of the store
// (local/store.Store satisfies it).
type ArtifactStore interface {
	ArtifactGeneration(ctx context.Context, project int64) (string, error)
	FindArtifacts(ctx context.Context, q store.ArtifactFind) ([]store.ArtifactHit, error)
	ArtifactBundleData(ctx context.Context, bundle int64) ([]byte, error)
}

var _ ArtifactStore = (*store.Store)(nil)

// Cache bounds for stored bundles.
const (
	maxCachedBundleBytes = 128 << 20
	maxCachedResolutions = 4096
	maxCachedLookups     = 4096
)

// artifactLookup is the server's shared state for bundle lookups.
type artifactLookup struct {
	st   ArtifactStore
	base *sourcemaps.Unminifier // used when Config.Unminifier is nil

	mu       sync.Mutex
	bundles  map[string]*cachedBundle // by bundle version
	order    []string                 // versions, oldest first
	bytes    int64
	resolved map[string]sourcemaps.BundleMapRef // version + "|" + minified URL
	lookups  map[string][]store.ArtifactHit
	gens     map[int64]*genState // by project
}

// genState batches the generation queries of one project's concurrent
// events: at most one runs at a time, and every event that arrives while
// one runs joins the next, which starts after they arrived, so each event
// still sees every upload committed before it came. Under load this keeps
// ingest from queueing for the store's few reader connections.
type genState struct {
	running bool
	next    *genFlight
}

type genFlight struct {
	done    chan struct{}
	gen     string
	err     error
	waiters int // calls sharing this query (under artifactLookup.mu)
}

// generationTimeout bounds one generation query, which no single request
// owns.
const generationTimeout = 5 * time.Second

// generation returns the project's artifact generation as of a moment
// after the call began.
func (a *artifactLookup) generation(ctx context.Context, project int64) (string, error) {
	a.mu.Lock()
	st := a.gens[project]
	if st == nil {
		st = &genState{}
		a.gens[project] = st
	}
	f := st.next
	if f == nil {
		f = &genFlight{done: make(chan struct{})}
		st.next = f
		if !st.running {
			a.launchGeneration(st, project)
		}
	}
	f.waiters++
	a.mu.Unlock()
	select {
	case <-f.done:
		return f.gen, f.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// launchGeneration runs st.next; a.mu is held.
func (a *artifactLookup) launchGeneration(st *genState, project int64) {
	f := st.next
	st.next, st.running = nil, true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), generationTimeout)
		f.gen, f.err = a.st.ArtifactGeneration(ctx, project)
		cancel()
		close(f.done)
		a.mu.Lock()
		st.running = false
		if st.next != nil {
			a.launchGeneration(st, project)
		}
		a.mu.Unlock()
	}()
}

type cachedBundle struct {
	once sync.Once
	arch *sourcemaps.BundleArchive
	err  error
	size int64
}

func newArtifactLookup(st Store) *artifactLookup {
	as, ok := st.(ArtifactStore)
	if !ok {
		return nil
	}
	return &artifactLookup{
		st:       as,
		base:     &sourcemaps.Unminifier{Context: 5, Indexed: true},
		bundles:  map[string]*cachedBundle{},
		resolved: map[string]sourcemaps.BundleMapRef{},
		lookups:  map[string][]store.ArtifactHit{},
		gens:     map[int64]*genState{},
	}
}

// unminifierFor returns the Unminifier for a JavaScript event, with the
// project's artifact bundles searched first; nil when there is nothing to
// map with.
func (s *Server) unminifierFor(ctx context.Context, project int64, ev *api.Event) *sourcemaps.Unminifier {
	if !isJavaScript(ev.Platform) || !hasMappableFrame(ev) {
		return nil
	}
	a := s.artifacts
	if a == nil || s.cfg.NoStoreUnminify {
		return s.cfg.Unminifier
	}
	base := s.cfg.Unminifier
	if base == nil {
		base = a.base
	}
	gen, err := a.generation(ctx, project)
	if err != nil {
		s.log.Debug("artifact lookup", "project", project, "err", err)
	}
	if gen == "" {
		return s.cfg.Unminifier
	}
	return base.WithSources(&bundleSource{ctx: ctx, a: a, gen: gen, project: project, release: ev.Release, dist: ev.Dist})
}

// hasMappableFrame reports whether an exception or thread of ev has a frame
// with a file and a line: events without one cost no lookup.
func hasMappableFrame(ev *api.Event) bool {
	mappable := func(st *api.Stacktrace) bool {
		if st == nil {
			return false
		}
		for i := range st.Frames {
			if f := &st.Frames[i]; f.Lineno > 0 && (f.AbsPath != "" || f.Filename != "") {
				return true
			}
		}
		return false
	}
	if ev.Exception != nil {
		for i := range ev.Exception.Values {
			if mappable(ev.Exception.Values[i].Stacktrace) {
				return true
			}
		}
	}
	if ev.Threads != nil {
		for i := range ev.Threads.Values {
			if mappable(ev.Threads.Values[i].Stacktrace) {
				return true
			}
		}
	}
	return false
}

// bundleSource finds maps in the artifact bundles stored for one event's
// project, release and dist. It serves one event.
type bundleSource struct {
	ctx     context.Context
	a       *artifactLookup
	gen     string // the project's artifact generation
	project int64
	release string
	dist    string
	// memo answers the event's other frames of the same file.
	memo map[string]memoized
}

type memoized struct {
	fm       *sourcemaps.FoundMap
	attempts []sourcemaps.Attempt
}

var bundleMapTypes = []string{sourcemaps.BundleSourceMap, sourcemaps.BundleMinifiedSource}

// FindByDebugID looks up the map carrying id, else the minified file
// carrying it and the map that file names.
func (b *bundleSource) FindByDebugID(id string) (*sourcemaps.FoundMap, []sourcemaps.Attempt) {
	return b.memoize("d:"+id, func() (*sourcemaps.FoundMap, []sourcemaps.Attempt) { return b.findByDebugID(id) })
}

// FindByURL looks for the minified file under the event's release and dist
// at the frame's candidate URLs, and the map it names; failing that, a map
// uploaded at a candidate URL + ".map".
func (b *bundleSource) FindByURL(frameURL string) (*sourcemaps.FoundMap, []sourcemaps.Attempt) {
	return b.memoize("u:"+frameURL, func() (*sourcemaps.FoundMap, []sourcemaps.Attempt) { return b.findByURL(frameURL) })
}

func (b *bundleSource) memoize(key string, f func() (*sourcemaps.FoundMap, []sourcemaps.Attempt)) (*sourcemaps.FoundMap, []sourcemaps.Attempt) {
	if m, ok := b.memo[key]; ok {
		return m.fm, m.attempts
	}
	fm, attempts := f()
	if b.memo == nil {
		b.memo = map[string]memoized{}
	}
	b.memo[key] = memoized{fm, attempts}
	return fm, attempts
}

func (b *bundleSource) findByDebugID(id string) (*sourcemaps.FoundMap, []sourcemaps.Attempt) {
	at := sourcemaps.Attempt{Method: "debug-id", Target: id}
	hits, err := b.find(store.ArtifactFind{ProjectID: b.project, DebugID: id, Types: bundleMapTypes})
	if err != nil {
		at.Detail = "artifact bundles: " + err.Error()
		return nil, []sourcemaps.Attempt{at}
	}
	for _, h := range hits {
		if h.Type == sourcemaps.BundleSourceMap {
			at.Found = h.URL
			at.Detail = "artifact bundle " + h.BundleID
			return b.entryMap(h, h.URL, func(arch *sourcemaps.BundleArchive) (string, bool) {
				return arch.FileByDebugID(id, sourcemaps.BundleSourceMap)
			}, "debug:"+id), []sourcemaps.Attempt{at}
		}
	}
	for _, h := range hits {
		fm, more := b.mapOfMinified(h)
		if fm != nil {
			at.Found = h.URL
			at.Detail = "minified file in artifact bundle " + h.BundleID
			return fm, append([]sourcemaps.Attempt{at}, more...)
		}
		at.Detail = more[len(more)-1].Detail
	}
	if at.Detail == "" {
		at.Detail = "no artifact bundle of this project has this debug ID"
	}
	return nil, []sourcemaps.Attempt{at}
}

func (b *bundleSource) findByURL(frameURL string) (*sourcemaps.FoundMap, []sourcemaps.Attempt) {
	cands := sourcemaps.ReleaseCandidateURLs(frameURL)
	at := sourcemaps.Attempt{Method: "release-url", Target: strings.Join(cands, " ")}
	if b.release == "" {
		at.Detail = "the event has no release: artifact bundles are searched by debug ID only"
		return nil, []sourcemaps.Attempt{at}
	}
	if len(cands) == 0 {
		at.Detail = "no URL"
		return nil, []sourcemaps.Attempt{at}
	}
	urls := append([]string(nil), cands...)
	for _, c := range cands {
		urls = append(urls, c+".map")
	}
	hits, err := b.find(store.ArtifactFind{ProjectID: b.project, Release: b.release, Dist: b.dist, URLs: urls, Types: bundleMapTypes})
	if err != nil {
		at.Detail = "artifact bundles: " + err.Error()
		return nil, []sourcemaps.Attempt{at}
	}
	attempts := []sourcemaps.Attempt{}
	// Candidates in order; within one, the newest bundle first.
	for _, c := range cands {
		for _, h := range hits {
			if h.URL != c || h.Type != sourcemaps.BundleMinifiedSource {
				continue
			}
			a := at
			a.Found = h.URL
			a.Detail = fmt.Sprintf("minified file in artifact bundle %s (release %s)", h.BundleID, h.Release)
			fm, more := b.mapOfMinified(h)
			attempts = append(append(attempts, a), more...)
			if fm != nil {
				return fm, attempts
			}
		}
	}
	for _, c := range cands {
		for _, h := range hits {
			if h.URL != c+".map" || h.Type != sourcemaps.BundleSourceMap {
				continue
			}
			a := at
			a.Found = h.URL
			a.Detail = "map named after the frame's file in artifact bundle " + h.BundleID
			u := h.URL
			return b.entryMap(h, h.URL, func(arch *sourcemaps.BundleArchive) (string, bool) {
				return arch.FileByURL(u, sourcemaps.BundleSourceMap)
			}, "url:"+u), append(attempts, a)
		}
	}
	if len(attempts) == 0 {
		at.Detail = fmt.Sprintf("no artifact uploaded at these URLs for release %q dist %q", b.release, b.dist)
		attempts = append(attempts, at)
	}
	return nil, attempts
}

// find runs an index lookup, or reuses the answer to the same lookup under
// the same artifact generation.
func (b *bundleSource) find(q store.ArtifactFind) ([]store.ArtifactHit, error) {
	key := fmt.Sprintf("%d|%s|%q|%q|%q|%q|%q", q.ProjectID, b.gen, q.DebugID, q.Release, q.Dist, q.URLs, q.Types)
	a := b.a
	a.mu.Lock()
	hits, ok := a.lookups[key]
	a.mu.Unlock()
	if ok {
		return hits, nil
	}
	hits, err := a.st.FindArtifacts(b.ctx, q)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	if len(a.lookups) >= maxCachedLookups {
		clear(a.lookups) // rare: a lookup is one query to redo
	}
	a.lookups[key] = hits
	a.mu.Unlock()
	return hits, nil
}

// entryMap is a map stored in h's bundle, found in it by find; the bundle
// is read only when the map is not cached.
func (b *bundleSource) entryMap(h store.ArtifactHit, desc string, find func(*sourcemaps.BundleArchive) (string, bool), what string) *sourcemaps.FoundMap {
	ctx, a := b.ctx, b.a
	return &sourcemaps.FoundMap{
		Key:  "bundle:" + h.Version() + "|" + what,
		Desc: desc,
		Load: func() ([]byte, error) {
			arch, err := a.bundle(ctx, h)
			if err != nil {
				return nil, err
			}
			name, ok := find(arch)
			if !ok {
				return nil, fmt.Errorf("artifact bundle %s: %w: %s", h.BundleID, sourcemaps.ErrBundleFileNotFound, h.URL)
			}
			return arch.ReadFile(name)
		},
	}
}

// mapOfMinified finds the map of the minified file h: the source_map with
// the file's debug ID, else the one its sourcemap header (or
// sourceMappingURL comment) names, in the same bundle or, failing that,
// under the same release.
func (b *bundleSource) mapOfMinified(h store.ArtifactHit) (*sourcemaps.FoundMap, []sourcemaps.Attempt) {
	at := sourcemaps.Attempt{Method: "sourceMappingURL", Target: h.URL}
	r, err := b.a.resolve(b.ctx, h)
	if err != nil {
		at.Detail = err.Error()
		return nil, []sourcemaps.Attempt{at}
	}
	switch {
	case r.Inline != nil:
		at.Found = "inline map"
		data := r.Inline
		return &sourcemaps.FoundMap{Key: "bundle:" + h.Version() + "|inline:" + h.URL, Desc: "inline map in " + h.URL,
			Load: func() ([]byte, error) { return data, nil }}, []sourcemaps.Attempt{at}
	case r.Entry != "":
		at.Found = r.URL
		entry := r.Entry
		return b.entryMap(h, r.URL, func(*sourcemaps.BundleArchive) (string, bool) { return entry, true }, "entry:"+entry),
			[]sourcemaps.Attempt{at}
	case r.URL != "" && b.release != "":
		// The map may have been uploaded in another bundle of the release.
		hits, err := b.find(store.ArtifactFind{ProjectID: b.project, Release: b.release, Dist: b.dist,
			URLs: sourcemaps.ReleaseCandidateURLs(r.URL), Types: []string{sourcemaps.BundleSourceMap}})
		if err == nil && len(hits) > 0 {
			m := hits[0]
			at.Found = m.URL
			at.Detail = "in artifact bundle " + m.BundleID
			u := m.URL
			return b.entryMap(m, m.URL, func(arch *sourcemaps.BundleArchive) (string, bool) {
				return arch.FileByURL(u, sourcemaps.BundleSourceMap)
			}, "url:"+u), []sourcemaps.Attempt{at}
		}
		at.Detail = fmt.Sprintf("%s names %s, which is not uploaded for release %q", h.URL, r.URL, b.release)
	default:
		at.Detail = r.Detail
	}
	return nil, []sourcemaps.Attempt{at}
}

// resolve finds where a minified file's map is, once per bundle version.
func (a *artifactLookup) resolve(ctx context.Context, h store.ArtifactHit) (sourcemaps.BundleMapRef, error) {
	key := h.Version() + "|" + h.URL
	a.mu.Lock()
	r, ok := a.resolved[key]
	a.mu.Unlock()
	if ok {
		return r, nil
	}
	arch, err := a.bundle(ctx, h)
	if err != nil {
		return sourcemaps.BundleMapRef{}, err
	}
	if entry, ok := arch.FileByURL(h.URL, sourcemaps.BundleMinifiedSource); ok {
		r = arch.MapForMinified(entry)
	} else {
		r = sourcemaps.BundleMapRef{Detail: "the bundle's manifest does not list " + h.URL}
	}
	a.mu.Lock()
	if len(a.resolved) >= maxCachedResolutions {
		clear(a.resolved) // rare: resolutions are cheap to redo
	}
	a.resolved[key] = r
	a.mu.Unlock()
	return r, nil
}

// bundle returns h's bundle, opened and validated, from the cache or the
// store.
func (a *artifactLookup) bundle(ctx context.Context, h store.ArtifactHit) (*sourcemaps.BundleArchive, error) {
	key := h.Version()
	a.mu.Lock()
	cb, ok := a.bundles[key]
	if !ok {
		cb = &cachedBundle{}
		a.bundles[key] = cb
		a.order = append(a.order, key)
	}
	a.mu.Unlock()
	cb.once.Do(func() {
		data, err := a.st.ArtifactBundleData(ctx, h.Bundle)
		if err != nil {
			cb.err = err
			return
		}
		cb.arch, cb.err = sourcemaps.ReadBundle(data, sourcemaps.BundleLimits{})
		if cb.err != nil {
			cb.err = fmt.Errorf("artifact bundle %s: %w", h.BundleID, cb.err)
		}
		cb.size = int64(len(data))
	})
	a.mu.Lock()
	defer a.mu.Unlock()
	if cb.err != nil && !errors.Is(cb.err, sourcemaps.ErrBundleInvalid) && !errors.Is(cb.err, sourcemaps.ErrBundleTooLarge) && !errors.Is(cb.err, sourcemaps.ErrBundleUnsafePath) {
		// A failed read (a cancelled request) is tried again next time.
		a.forget(key, cb)
		return nil, cb.err
	}
	if !ok && a.bundles[key] == cb {
		a.bytes += cb.size
		for a.bytes > maxCachedBundleBytes && len(a.order) > 1 {
			a.forget(a.order[0], a.bundles[a.order[0]])
		}
	}
	return cb.arch, cb.err
}

// forget drops a cached bundle; a.mu is held.
func (a *artifactLookup) forget(key string, cb *cachedBundle) {
	if a.bundles[key] != cb {
		return
	}
	delete(a.bundles, key)
	for i, k := range a.order {
		if k == key {
			a.order = append(a.order[:i], a.order[i+1:]...)
			break
		}
	}
	a.bytes -= cb.size
}
