package sourcemaps

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Explaining why a frame was or was not unminified: the lookups the local
// server makes for a JavaScript frame, in its order (the frame's debug ID
// among uploaded files, then release + dist + the frame's candidate URLs,
// then the --maps directories), what each found, and for a frame no lookup
// maps, the fix for the first that failed.

// ExplainArtifact is one uploaded file of an artifact bundle, as the
// artifact index lists it.
type ExplainArtifact struct {
	Bundle  string // the bundle's id, for people
	DebugID string
	URL     string // "~/static/js/app.js", "https://cdn.example.com/app.js"
	Release string
	Dist    string
	Type    string // minified_source, source_map, source, ...
}

// Artifact types an explanation looks at.
const (
	artifactMinified  = "minified_source"
	artifactSourceMap = "source_map"
)

// ExplainInput is what Explain works from.
type ExplainInput struct {
	// Frames are the event's minified JavaScript frames, with the debug ID
	// its debug_meta gives each file.
	Frames []FrameRef
	// Release and Dist are the event's.
	Release, Dist string
	// Artifacts are every file uploaded for the event's project, when
	// ArtifactsKnown (the local store); a remote Sentry's are not listed.
	Artifacts      []ExplainArtifact
	ArtifactsKnown bool
	// Dirs are the --maps directories; nil for none.
	Dirs *Dirs
}

// ExplainStep is one lookup and what it found.
type ExplainStep struct {
	// Source is where the lookup went: "event" (its debug_meta), "upload"
	// (the uploaded artifact bundles) or "maps" (the --maps directories).
	Source string `json:"source"`
	// Method is debug-id, release, or an Unminifier attempt's method
	// (maps-dir, sourceMappingURL, map-file).
	Method string `json:"method"`
	Target string `json:"target"`
	Found  string `json:"found,omitempty"`
	Detail string `json:"detail,omitempty"`
	OK     bool   `json:"ok"`
}

// FrameExplanation is the story of one frame.
type FrameExplanation struct {
	URL      string        `json:"abs_path"`
	Function string        `json:"function,omitempty"`
	Line     int           `json:"lineno"`
	Column   int           `json:"colno"`
	DebugID  string        `json:"debug_id,omitempty"`
	Steps    []ExplainStep `json:"steps"`
	// Resolved says a lookup found a sourcemap for the frame's file; Map
	// names it. With --maps, Mapped says whether the position maps too.
	Resolved bool   `json:"resolved"`
	Map      string `json:"map,omitempty"`
	// Mapped is set by the --maps lookup, which reads the map: the frame
	// maps to Original ("src/cart.ts:40:22").
	Mapped   bool   `json:"mapped"`
	Original string `json:"original,omitempty"`
	// Fix is the change that would map the frame, when nothing does.
	Fix string `json:"fix,omitempty"`
	// Note is the fix for an earlier lookup that failed when a later one
	// (the --maps directories) maps the frame: what the server, without
	// those directories, would need.
	Note string `json:"note,omitempty"`
}

// Explain tells, per frame, which lookups were tried and what they found.
func Explain(in ExplainInput) []FrameExplanation {
	out := make([]FrameExplanation, 0, len(in.Frames))
	var u *Unminifier
	if in.Dirs != nil {
		u = &Unminifier{Dirs: in.Dirs}
		defer u.Close()
	}
	for _, f := range in.Frames {
		out = append(out, explainFrame(in, u, f))
	}
	return out
}

func explainFrame(in ExplainInput, u *Unminifier, f FrameRef) FrameExplanation {
	x := FrameExplanation{URL: f.URL, Function: f.Function, Line: f.Line, Column: f.Column, DebugID: f.DebugID, Steps: []ExplainStep{}}
	add := func(s ExplainStep) { x.Steps = append(x.Steps, s) }
	var fixes []string

	// 1. The event's debug ID for the file, among uploaded files.
	if f.DebugID == "" {
		add(ExplainStep{Source: "event", Method: "debug-id", Target: f.URL,
			Detail: "the event's debug_meta names no debug ID for this file"})
	} else {
		add(ExplainStep{Source: "event", Method: "debug-id", Target: f.URL, Found: f.DebugID, OK: true})
		if in.ArtifactsKnown {
			s, fix := debugIDStep(in, f)
			add(s)
			if s.OK {
				x.Resolved, x.Map = true, s.Found
			} else if fix != "" {
				fixes = append(fixes, fix)
			}
		}
	}

	// 2. Release + dist + the frame's candidate URLs.
	if in.ArtifactsKnown && !x.Resolved {
		s, fix := releaseStep(in, f)
		add(s)
		if s.OK {
			x.Resolved, x.Map = true, s.Found
		} else if fix != "" {
			fixes = append(fixes, fix)
		}
	}

	// 3. The --maps directories, by debug ID then by path; this reads the
	// map, so it says whether the position maps.
	if u != nil {
		m := u.Unminify([]FrameRef{f})[0]
		for _, a := range m.Attempts {
			add(ExplainStep{Source: "maps", Method: a.Method, Target: a.Target, Found: a.Found, Detail: a.Detail, OK: a.Found != ""})
		}
		switch {
		case m.Mapped:
			x.Mapped = true
			x.Original = fmt.Sprintf("%s:%d:%d", m.Filename, m.Line, m.Column)
			if !x.Resolved {
				x.Resolved, x.Map = true, m.Map
			}
		case m.Map != "":
			// The map was found but the position is not in it: the map is
			// from another build than the file the event ran.
			fixes = append(fixes, fmt.Sprintf("%s does not map line %d column %d (%s): it is not the map of the code that ran; rebuild and use the maps of the deployed build",
				m.Map, f.Line, f.Column, m.Reason))
		default:
			fixes = append(fixes, dirsFix(f))
		}
	}

	if x.Resolved && (u == nil || x.Mapped) && len(fixes) > 0 {
		x.Note = fixes[0]
	}
	if !x.Resolved || (u != nil && !x.Mapped) {
		switch {
		case len(fixes) > 0:
			x.Fix = fixes[0]
		case !in.ArtifactsKnown && u == nil:
			x.Fix = "pass --maps with the build output directory to check its sourcemaps against this frame (uploads to Sentry are not inspected)"
		}
		if x.Fix != "" && f.DebugID == "" && !strings.Contains(x.Fix, "inject") {
			x.Fix += "; or inject debug IDs before uploading (snag sourcemaps inject), so that lookups do not depend on release and URL"
		}
	}
	return x
}

// debugIDStep looks for the frame's debug ID among uploaded files.
func debugIDStep(in ExplainInput, f FrameRef) (ExplainStep, string) {
	s := ExplainStep{Source: "upload", Method: "debug-id", Target: f.DebugID}
	var minified *ExplainArtifact
	for i := range in.Artifacts {
		a := &in.Artifacts[i]
		if !strings.EqualFold(a.DebugID, f.DebugID) {
			continue
		}
		switch a.Type {
		case artifactSourceMap:
			s.Found, s.OK = artifactDesc(*a), true
			return s, ""
		case artifactMinified:
			minified = a
		}
	}
	if minified != nil {
		s.Detail = "the minified file was uploaded (" + artifactDesc(*minified) + ") but no sourcemap with this debug ID"
		return s, "upload the sourcemap of " + minified.URL + " with it (its .map file, with the same debug ID)"
	}
	s.Detail = "no uploaded file has this debug ID"
	if len(in.Artifacts) == 0 {
		return s, "nothing was uploaded for this project: upload the build's sourcemaps (snag sourcemaps upload <build dir>)"
	}
	// The same file uploaded from another build?
	if a, ok := nearest(in.Artifacts, f.URL, ""); ok && a.DebugID != "" {
		return s, fmt.Sprintf("the event's %s has debug ID %s, but the uploaded %s has %s: the event comes from another build than the one uploaded; upload the deployed build's sourcemaps",
			path.Base(URLPath(f.URL)), f.DebugID, a.URL, a.DebugID)
	}
	return s, "upload the sourcemaps of the build that produced " + path.Base(URLPath(f.URL)) + " (snag sourcemaps upload <build dir>)"
}

// releaseStep looks for the frame's file among the files uploaded for the
// event's release and dist, by candidate URL.
func releaseStep(in ExplainInput, f FrameRef) (ExplainStep, string) {
	cands := candidateURLs(f.URL)
	s := ExplainStep{Source: "upload", Method: "release", Target: releaseName(in.Release, in.Dist) + ": " + strings.Join(cands, ", ")}
	if in.Release == "" {
		s.Target = "(the event has no release)"
		s.Detail = "release lookups need the event's release"
		rels := releases(in.Artifacts)
		if f.DebugID != "" || len(rels) == 0 {
			return s, ""
		}
		return s, fmt.Sprintf("the event has no release and files were uploaded for %s: set release in Sentry.init to the release you upload with, or inject debug IDs (snag sourcemaps inject) before uploading",
			strings.Join(rels, ", "))
	}
	var inRelease, inDist []ExplainArtifact
	for _, a := range in.Artifacts {
		if a.Release != in.Release {
			continue
		}
		inRelease = append(inRelease, a)
		if a.Dist == in.Dist {
			inDist = append(inDist, a)
		}
	}
	switch {
	case len(inRelease) == 0:
		s.Detail = "nothing was uploaded for release " + in.Release
		if rels := releases(in.Artifacts); len(rels) > 0 {
			return s, fmt.Sprintf("nothing was uploaded for release %s (uploaded: %s): upload with --release %s, or make the SDK report the release you upload", in.Release, strings.Join(rels, ", "), in.Release)
		}
		return s, "upload the build's sourcemaps with --release " + in.Release
	case len(inDist) == 0:
		dists := map[string]bool{}
		var names []string
		for _, a := range inRelease {
			if !dists[a.Dist] {
				dists[a.Dist] = true
				names = append(names, distName(a.Dist))
			}
		}
		s.Detail = fmt.Sprintf("release %s was uploaded with %s, the event has %s", in.Release, strings.Join(names, ", "), distName(in.Dist))
		if in.Dist == "" {
			return s, s.Detail + ": upload without --dist, or set dist in Sentry.init"
		}
		return s, s.Detail + ": upload with --dist " + in.Dist
	}
	// The minified file at a candidate URL, then its map in the same bundle.
	for _, c := range cands {
		for _, a := range inDist {
			if a.URL != c || (a.Type != artifactMinified && a.Type != artifactSourceMap) {
				continue
			}
			if a.Type == artifactSourceMap {
				s.Found, s.OK = artifactDesc(a), true
				return s, ""
			}
			if m, ok := mapBeside(inDist, a); ok {
				s.Found, s.OK = artifactDesc(m), true
				s.Detail = "the map of " + a.URL
				return s, ""
			}
			s.Detail = "found " + a.URL + " but no sourcemap for it in bundle " + a.Bundle
			return s, "upload " + path.Base(URLPath(a.URL)) + ".map together with " + path.Base(URLPath(a.URL))
		}
	}
	s.Detail = fmt.Sprintf("%s has %d uploaded files, none at these URLs", releaseName(in.Release, in.Dist), len(inDist))
	if a, ok := nearest(inDist, f.URL, artifactMinified); ok {
		return s, urlPrefixFix(a.URL, f.URL)
	}
	return s, fmt.Sprintf("%s has no file named %s: upload the build that contains it", releaseName(in.Release, in.Dist), path.Base(URLPath(f.URL)))
}

// mapBeside finds the sourcemap uploaded with a minified file: the same
// debug ID, or its URL + ".map", in the same bundle.
func mapBeside(arts []ExplainArtifact, min ExplainArtifact) (ExplainArtifact, bool) {
	for _, a := range arts {
		if a.Type != artifactSourceMap || a.Bundle != min.Bundle {
			continue
		}
		if (min.DebugID != "" && strings.EqualFold(a.DebugID, min.DebugID)) || a.URL == min.URL+".map" {
			return a, true
		}
	}
	return ExplainArtifact{}, false
}

// nearest finds the uploaded file (of type typ, "" for any) whose path
// shares the longest tail of path segments with the frame's, at least its
// file name.
func nearest(arts []ExplainArtifact, frameURL, typ string) (ExplainArtifact, bool) {
	fp := strings.Split(strings.Trim(artifactPath(frameURL), "/"), "/")
	best, bestN := ExplainArtifact{}, 0
	for _, a := range arts {
		if typ != "" && a.Type != typ {
			continue
		}
		if typ == "" && a.Type == artifactSourceMap {
			continue
		}
		ap := strings.Split(strings.Trim(artifactPath(a.URL), "/"), "/")
		n := 0
		for n < len(fp) && n < len(ap) && fp[len(fp)-1-n] == ap[len(ap)-1-n] {
			n++
		}
		if n > bestN {
			best, bestN = a, n
		}
	}
	return best, bestN > 0
}

// urlPrefixFix says how to upload a file so its URL matches the frame's:
// uploaded as ~/static/js/app.js, seen as /assets/app.js → --url-prefix
// ~/assets, from the directory that holds app.js.
func urlPrefixFix(uploaded, frameURL string) string {
	up := strings.Split(strings.Trim(artifactPath(uploaded), "/"), "/")
	fp := strings.Split(strings.Trim(artifactPath(frameURL), "/"), "/")
	n := 0
	for n < len(fp) && n < len(up) && fp[len(fp)-1-n] == up[len(up)-1-n] {
		n++
	}
	framePrefix := "~/" + strings.Join(fp[:len(fp)-n], "/")
	uploadedRest := strings.Join(up[:len(up)-n], "/")
	common := strings.Join(fp[len(fp)-n:], "/")
	msg := fmt.Sprintf("uploaded as %s, the frame is %s: ", uploaded, artifactPath(frameURL))
	if uploadedRest == "" {
		return msg + "use --url-prefix '" + framePrefix + "'"
	}
	return msg + fmt.Sprintf("upload the directory that holds %s with --url-prefix '%s' (now %s/ is part of its URL)", common, framePrefix, uploadedRest)
}

// dirsFix says what to do when the --maps directories have nothing for a
// frame.
func dirsFix(f FrameRef) string {
	return fmt.Sprintf("no file under --maps ends with %s: pass the build output directory that contains it", artifactPath(f.URL))
}

// artifactPath is a URL's path: "~/a/b.js" and "https://host/a/b.js?x" give
// "/a/b.js".
func artifactPath(u string) string {
	u, _, _ = strings.Cut(u, "#")
	u, _, _ = strings.Cut(u, "?")
	switch {
	case strings.HasPrefix(u, "~/"):
		return u[1:]
	case strings.Contains(u, "://"):
		rest := u[strings.Index(u, "://")+3:]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			return rest[i:]
		}
		return "/"
	}
	if !strings.HasPrefix(u, "/") {
		return "/" + u
	}
	return u
}

// candidateURLs are the URLs a frame's file may have been uploaded under,
// in the order Sentry tries them: without fragment, without query, then
// "~" + path with and without the query.
func candidateURLs(absPath string) []string {
	u, _, _ := strings.Cut(absPath, "#")
	if u == "" {
		return nil
	}
	out := []string{u}
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	noQuery, query, hasQuery := strings.Cut(u, "?")
	p := artifactPath(noQuery)
	if hasQuery {
		add(noQuery)
		add("~" + p + "?" + query)
	}
	add("~" + p)
	return out
}

func releases(arts []ExplainArtifact) []string {
	var out []string
	for _, a := range arts {
		if a.Release != "" && !slices.Contains(out, a.Release) {
			out = append(out, a.Release)
		}
	}
	return out
}

func releaseName(release, dist string) string {
	return "release " + release + ", " + distName(dist)
}

func distName(dist string) string {
	if dist == "" {
		return "no dist"
	}
	return "dist " + dist
}

func artifactDesc(a ExplainArtifact) string {
	if a.Bundle == "" {
		return a.URL
	}
	return a.URL + " (bundle " + a.Bundle + ")"
}
