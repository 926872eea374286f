package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/snag-dev/snag/sourcemaps"
)

func TestFindArtifacts(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "", Options{})
	const id = "c0ffee00-0000-4000-8000-000000000001"
	var buf bytes.Buffer
	_, err := sourcemaps.WriteBundle(&buf, sourcemaps.BundleAttributes{Org: "o", Release: "1.0", Dist: "web"}, []sourcemaps.BundleFile{
		{URL: "~/static/app.js", Type: sourcemaps.BundleMinifiedSource, Headers: map[string]string{"debug-id": id, "sourcemap": "app.js.map"}, Content: []byte("x")},
		{URL: "~/static/app.js.map", Type: sourcemaps.BundleSourceMap, Headers: map[string]string{"debug-id": strings.ToUpper(id)}, Content: []byte("{}")},
	})
	if err != nil {
		t.Fatal(err)
	}
	arch, err := sourcemaps.ReadBundle(buf.Bytes(), sourcemaps.BundleLimits{})
	if err != nil {
		t.Fatal(err)
	}
	entries := ArtifactEntriesOf(arch)
	if len(entries) != 2 || entries[1].DebugID != id || entries[0].Release != "1.0" || entries[0].Dist != "web" {
		t.Fatalf("entries %+v", entries)
	}
	row, err := s.InsertArtifactBundle(ctx, ArtifactBundle{ProjectID: 1, BundleID: arch.Manifest.DebugID, Checksum: "aaa", Data: buf.Bytes()}, entries)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		q    ArtifactFind
		want []string // urls
	}{
		{"debug id, any case", ArtifactFind{ProjectID: 1, DebugID: strings.ToUpper(id)}, []string{"~/static/app.js", "~/static/app.js.map"}},
		{"debug id and type", ArtifactFind{ProjectID: 1, DebugID: id, Types: []string{"source_map"}}, []string{"~/static/app.js.map"}},
		{"other project", ArtifactFind{ProjectID: 2, DebugID: id}, nil},
		{"release and candidates", ArtifactFind{ProjectID: 1, Release: "1.0", Dist: "web", URLs: []string{"https://h/static/app.js", "~/static/app.js"}, Types: []string{"minified_source"}}, []string{"~/static/app.js"}},
		{"wrong dist", ArtifactFind{ProjectID: 1, Release: "1.0", URLs: []string{"~/static/app.js"}}, nil},
		{"wrong release", ArtifactFind{ProjectID: 1, Release: "2.0", Dist: "web", URLs: []string{"~/static/app.js"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := s.FindArtifacts(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hits {
				got = append(got, h.URL)
				if h.Bundle != row || h.Checksum != "aaa" || h.Size != int64(buf.Len()) {
					t.Errorf("hit %+v", h)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("urls %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := s.FindArtifacts(ctx, ArtifactFind{ProjectID: 1, Release: "1.0"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("release without URLs: %v", err)
	}

	// Replacing the bundle under the same id changes the version, even when
	// SQLite reuses the row id.
	before, _ := s.FindArtifacts(ctx, ArtifactFind{ProjectID: 1, DebugID: id})
	if _, err := s.InsertArtifactBundle(ctx, ArtifactBundle{ProjectID: 1, BundleID: arch.Manifest.DebugID, Checksum: "bbb", Data: buf.Bytes()}, entries); err != nil {
		t.Fatal(err)
	}
	after, _ := s.FindArtifacts(ctx, ArtifactFind{ProjectID: 1, DebugID: id})
	if len(after) != 2 || after[0].Version() == before[0].Version() {
		t.Errorf("version before %s, after %v", before[0].Version(), after)
	}
}

func TestFindArtifactsUsesIndexes(t *testing.T) {
	s := mustOpen(t, "", Options{})
	for _, q := range []string{
		`SELECT b.id FROM artifact_index x JOIN artifact_bundles b ON b.id = x.bundle WHERE b.project_id = 1 AND x.debug_id = ? AND x.debug_id <> ''`,
		`SELECT b.id FROM artifact_index x JOIN artifact_bundles b ON b.id = x.bundle WHERE b.project_id = 1 AND x.release = ? AND x.release <> '' AND x.dist = ? AND x.url IN (?, ?)`,
	} {
		rows, err := s.rdb.Query(`EXPLAIN QUERY PLAN `+q, "a", "b", "c", "d")
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		joined := strings.Join(plan, "; ")
		if !strings.Contains(joined, "artifact_index_debug") && !strings.Contains(joined, "artifact_index_release") {
			t.Errorf("query does not use an index: %s", joined)
		}
	}
}

func TestArtifactGeneration(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "", Options{})
	gen := func() string {
		t.Helper()
		g, err := s.ArtifactGeneration(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	if g := gen(); g != "" {
		t.Fatalf("no bundles: generation %q", g)
	}
	entries := []ArtifactEntry{{URL: "~/a.js", Type: "minified_source", Release: "1"}}
	seen := map[string]bool{}
	for i, b := range []ArtifactBundle{
		{ProjectID: 1, BundleID: "b1", Checksum: "c1", Data: []byte("one")},
		{ProjectID: 1, BundleID: "b2", Checksum: "c2", Data: []byte("two")},
		// b2 replaced: same row id and size, other content.
		{ProjectID: 1, BundleID: "b2", Checksum: "c3", Data: []byte("TWO")},
	} {
		if _, err := s.InsertArtifactBundle(ctx, b, entries); err != nil {
			t.Fatal(err)
		}
		g := gen()
		if g == "" || seen[g] {
			t.Errorf("after insert %d: generation %q repeats", i, g)
		}
		seen[g] = true
	}
	if g, _ := s.ArtifactGeneration(ctx, 2); g != "" {
		t.Errorf("another project: %q", g)
	}
}
