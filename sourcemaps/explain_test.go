package sourcemaps

import (
	"slices"
	"strings"
	"testing"
)

func TestExplainReleaseLookups(t *testing.T) {
	up := func(url, release, dist, typ string) ExplainArtifact {
		return ExplainArtifact{Bundle: "b", URL: url, Release: release, Dist: dist, Type: typ}
	}
	frame := FrameRef{URL: "https://cdn.example/assets/app.js?v=3", Line: 1, Column: 10}
	tests := []struct {
		name     string
		release  string
		dist     string
		arts     []ExplainArtifact
		resolved bool
		fix      string
	}{
		{"found by ~path", "r1", "", []ExplainArtifact{up("~/assets/app.js", "r1", "", "minified_source"), up("~/assets/app.js.map", "r1", "", "source_map")}, true, ""},
		{"found with query", "r1", "", []ExplainArtifact{up("~/assets/app.js?v=3", "r1", "", "minified_source"), up("~/assets/app.js?v=3.map", "r1", "", "source_map")}, true, ""},
		{"map missing", "r1", "", []ExplainArtifact{up("~/assets/app.js", "r1", "", "minified_source")}, false, "upload app.js.map together with app.js"},
		{"prefix only", "r1", "", []ExplainArtifact{up("~/app.js", "r1", "", "minified_source")}, false, "uploaded as ~/app.js, the frame is /assets/app.js: use --url-prefix '~/assets'"},
		{"dist", "r1", "7", []ExplainArtifact{up("~/assets/app.js", "r1", "", "minified_source")}, false, "release r1 was uploaded with no dist, the event has dist 7: upload with --dist 7"},
		{"no dist", "r1", "", []ExplainArtifact{up("~/assets/app.js", "r1", "7", "minified_source")}, false, "release r1 was uploaded with dist 7, the event has no dist: upload without --dist"},
		{"other file", "r1", "", []ExplainArtifact{up("~/vendor.js", "r1", "", "minified_source")}, false, "release r1, no dist has no file named app.js"},
		{"nothing uploaded", "r1", "", nil, false, "upload the build's sourcemaps with --release r1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := Explain(ExplainInput{Frames: []FrameRef{frame}, Release: tt.release, Dist: tt.dist, Artifacts: tt.arts, ArtifactsKnown: true})[0]
			if x.Resolved != tt.resolved || !strings.HasPrefix(x.Fix, tt.fix) {
				t.Errorf("resolved %v fix %q\nwant %v %q\nsteps %+v", x.Resolved, x.Fix, tt.resolved, tt.fix, x.Steps)
			}
		})
	}
}

func TestExplainDebugID(t *testing.T) {
	frame := FrameRef{URL: "https://cdn.example/app.js", Line: 1, Column: 10, DebugID: "aaaa"}
	x := Explain(ExplainInput{Frames: []FrameRef{frame}, ArtifactsKnown: true,
		Artifacts: []ExplainArtifact{{Bundle: "b", URL: "~/app.js", DebugID: "AAAA", Type: "minified_source"}}})[0]
	if x.Resolved || !strings.HasPrefix(x.Fix, "upload the sourcemap of ~/app.js") {
		t.Errorf("minified only: %+v", x)
	}
	x = Explain(ExplainInput{Frames: []FrameRef{frame}})[0]
	if x.Resolved || !strings.Contains(x.Fix, "pass --maps") || len(x.Steps) != 1 || !x.Steps[0].OK {
		t.Errorf("remote: %+v", x)
	}
}

func TestCandidateURLs(t *testing.T) {
	got := candidateURLs("https://example.com/static/app.js?v=2#x")
	want := []string{"https://example.com/static/app.js?v=2", "https://example.com/static/app.js", "~/static/app.js?v=2", "~/static/app.js"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q", got)
	}
	if got := candidateURLs("app:///main.js"); !slices.Equal(got, []string{"app:///main.js", "~/main.js"}) {
		t.Errorf("app: %q", got)
	}
}

func FuzzExplainURLs(f *testing.F) {
	for _, s := range []string{"https://x/a/b.js?q#f", "~/a.js", "app:///x", "", "/", "a", "://", "?#"} {
		f.Add(s, "~/static/js/b.js")
	}
	f.Fuzz(func(t *testing.T, frameURL, uploaded string) {
		for _, c := range candidateURLs(frameURL) {
			if strings.Contains(c, "#") {
				t.Errorf("%q: candidate %q keeps the fragment", frameURL, c)
			}
		}
		if p := artifactPath(frameURL); !strings.HasPrefix(p, "/") {
			t.Errorf("%q: path %q", frameURL, p)
		}
		_ = urlPrefixFix(uploaded, frameURL)
	})
}
