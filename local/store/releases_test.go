package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestReleaseCreateGetFinalize(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "", Options{Now: func() time.Time { return t0 }})

	r, created, err := s.CreateRelease(ctx, NewRelease{Version: "1.2.3", Projects: []int64{1}, Ref: "abc"})
	if err != nil || !created {
		t.Fatalf("CreateRelease = %+v, %v, %v", r, created, err)
	}
	if r.Version != "1.2.3" || r.Ref != "abc" || !r.Created.Equal(t0) || !r.DateReleased.IsZero() ||
		len(r.Projects) != 1 || r.Projects[0].Slug != DefaultProjectSlug {
		t.Errorf("created release = %+v", r)
	}
	// Get-or-create: the second call finds it.
	again, created, err := s.CreateRelease(ctx, NewRelease{Version: "1.2.3", Projects: []int64{1}})
	if err != nil || created || again.ID != r.ID || again.Ref != "abc" {
		t.Errorf("second CreateRelease = %+v, %v, %v", again, created, err)
	}

	at := t0.Add(time.Hour)
	fin, err := s.UpdateRelease(ctx, "1.2.3", ReleaseUpdate{DateReleased: &at})
	if err != nil || !fin.DateReleased.Equal(at) {
		t.Fatalf("UpdateRelease = %+v, %v", fin, err)
	}
	if _, err := s.UpdateRelease(ctx, "nope", ReleaseUpdate{DateReleased: &at}); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateRelease(unknown) = %v, want ErrNotFound", err)
	}

	submit(t, s, func() *EventRecord { e := rec("h1"); e.Release = "1.2.3"; return e }())
	got, err := s.GetRelease(ctx, "1.2.3")
	if err != nil || got.NewGroups != 1 {
		t.Errorf("GetRelease = %+v, %v; want 1 new group", got, err)
	}

	if _, _, err := s.CreateRelease(ctx, NewRelease{Version: "2.0", Projects: []int64{1}}); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListReleases(ctx, 1, "", 1)
	if err != nil || len(page.Releases) != 1 || page.Releases[0].Version != "2.0" || page.NextCursor == "" {
		t.Fatalf("ListReleases page 1 = %+v, %v", page, err)
	}
	page, err = s.ListReleases(ctx, 0, page.NextCursor, 1)
	if err != nil || len(page.Releases) != 1 || page.Releases[0].Version != "1.2.3" || page.NextCursor != "" {
		t.Fatalf("ListReleases page 2 = %+v, %v", page, err)
	}

	if ok, err := s.DeleteRelease(ctx, "2.0"); !ok || err != nil {
		t.Errorf("DeleteRelease = %v, %v", ok, err)
	}
	if _, err := s.GetRelease(ctx, "2.0"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetRelease after delete = %v", err)
	}
}

func TestValidateReleaseVersion(t *testing.T) {
	for _, tc := range []struct {
		v  string
		ok bool
	}{
		{"1.0.0", true},
		{"my-app@1.0.0+abc", true},
		{"", false},
		{"  ", false},
		{".", false},
		{"..", false},
		{"latest", false},
		{"a/b", false},
		{`a\b`, false},
		{"a\nb", false},
		{string(make([]byte, 201)), false},
	} {
		err := ValidateReleaseVersion(tc.v)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateReleaseVersion(%q) = %v, want ok=%v", tc.v, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("ValidateReleaseVersion(%q) = %v, want ErrInvalid", tc.v, err)
		}
	}
}

func TestArtifactBundlesByChecksum(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "", Options{})
	const sum = "ed39087d5acc87775780c428d785e426bc5953e5"
	if got, err := s.ArtifactBundlesByChecksum(ctx, sum); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %v, %v", got, err)
	}
	_, err := s.InsertArtifactBundle(ctx, ArtifactBundle{ProjectID: 1, BundleID: "b1", Checksum: sum, Data: []byte("zip")},
		[]ArtifactEntry{
			{DebugID: "A4E806A5-1F03-5D3E-BD90-A20021F5091C", URL: "~/a.js", Type: "minified_source"},
			{URL: "~/a.js.map", Release: "1.0", Dist: "web", Type: "source_map"},
		})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.ArtifactBundlesByChecksum(ctx, sum)
	if err != nil || len(got) != 1 {
		t.Fatalf("ArtifactBundlesByChecksum = %+v, %v", got, err)
	}
	b := got[0]
	if b.ProjectID != 1 || b.BundleID != "b1" || b.Size != 3 || len(b.Releases) != 2 ||
		b.Releases[0] != [2]string{"", ""} || b.Releases[1] != [2]string{"1.0", "web"} {
		t.Errorf("bundle = %+v", b)
	}
}

func TestProjectFirstEvent(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "", Options{})
	if first, err := s.ProjectFirstEvent(ctx, 1); err != nil || !first.IsZero() {
		t.Errorf("empty project: %v, %v", first, err)
	}
	late, early := rec("a"), rec("b")
	late.Timestamp, early.Timestamp = t0.Add(time.Hour), t0
	submit(t, s, late)
	submit(t, s, early)
	if first, err := s.ProjectFirstEvent(ctx, 1); err != nil || !first.Equal(t0) {
		t.Errorf("first event = %v, %v; want %v", first, err, t0)
	}
}
