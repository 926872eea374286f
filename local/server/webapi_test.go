package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/store"
)

func TestWebAPIAuth(t *testing.T) {
	env := newAPIEnv(t, Config{})
	routes := []struct{ method, path string }{
		{"GET", "/api/0/organizations/"},
		{"GET", "/api/0/organizations/local/projects/"},
		{"GET", "/api/0/projects/local/default/keys/"},
		{"GET", "/api/0/organizations/local/chunk-upload/"},
		{"POST", "/api/0/organizations/local/chunk-upload/"},
		{"POST", "/api/0/organizations/local/artifactbundle/assemble/"},
		{"POST", "/api/0/organizations/local/releases/"},
		{"GET", "/api/0/organizations/local/issues/"},
		{"PUT", "/api/0/projects/local/default/issues/?id=1"},
	}
	for _, tc := range []struct {
		name, auth, detail string
	}{
		{"no token", "", "Authentication credentials were not provided."},
		{"wrong token", "Bearer sntryu_" + strings.Repeat("0", 64), "Invalid token"},
		{"token prefix", "Bearer " + env.token[:20], "Invalid token"},
		{"basic auth", "Basic " + env.token, "Invalid token"},
		{"empty bearer", "Bearer ", "Invalid token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range routes {
				h := http.Header{"Authorization": {tc.auth}}
				if tc.auth == "" {
					h = http.Header{"Authorization": nil}
				}
				resp, body := env.do(t, r.method, r.path, h, nil)
				var got struct{ Detail string }
				json.Unmarshal(body, &got)
				if resp.StatusCode != http.StatusUnauthorized || got.Detail != tc.detail {
					t.Errorf("%s %s: %d %s, want 401 %q", r.method, r.path, resp.StatusCode, body, tc.detail)
				}
			}
		})
	}
	// The client maps 401 to its sentinel.
	c, _ := api.New(env.url, "sntryu_"+strings.Repeat("1", 64), api.WithMaxRetries(0))
	if _, err := c.OrganizationsPage(context.Background(), api.ListOptions{}); !errors.Is(err, api.ErrUnauthorized) {
		t.Errorf("wrong token through api.Client: %v, want ErrUnauthorized", err)
	}
}

func TestWebAPIUnknownRoutes(t *testing.T) {
	env := newAPIEnv(t, Config{})
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/0/nope/", 404},
		{"GET", "/api/0/organizations/acme/", 404},
		{"GET", "/api/0/projects/local/nope/", 404},
		{"GET", "/api/0/organizations/local/releases/nope/", 404},
		{"DELETE", "/api/0/organizations/", 405},
	} {
		resp, body := env.do(t, tc.method, tc.path, nil, nil)
		var got struct{ Detail string }
		if resp.StatusCode != tc.status || json.Unmarshal(body, &got) != nil || got.Detail == "" {
			t.Errorf("%s %s: %d %s, want %d with a detail", tc.method, tc.path, resp.StatusCode, body, tc.status)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q", tc.method, tc.path, ct)
		}
	}
}

func TestWebAPIIndex(t *testing.T) {
	env := newAPIEnv(t, Config{})
	var anon, authed struct {
		Version string
		Auth    *struct{ Scopes []string }
		User    *struct{ Email string }
	}
	resp, body := env.do(t, "GET", "/api/0/", http.Header{"Authorization": nil}, nil)
	if resp.StatusCode != 200 || json.Unmarshal(body, &anon) != nil || anon.Auth != nil || anon.User != nil {
		t.Errorf("anonymous index: %d %s", resp.StatusCode, body)
	}
	env.doJSON(t, "GET", "/api/0/", nil, 200, &authed)
	if authed.Auth == nil || len(authed.Auth.Scopes) == 0 || authed.User == nil {
		t.Errorf("authenticated index: %+v", authed)
	}
	resp, _ = env.do(t, "GET", "/api/0/", http.Header{"Authorization": {"Bearer nope"}}, nil)
	if resp.StatusCode != 401 {
		t.Errorf("index with a wrong token: %d", resp.StatusCode)
	}
}

// TestWebAPIClientOrgsProjectsKeys reads the organization, projects and
// keys through snag's own client.
func TestWebAPIClientOrgsProjectsKeys(t *testing.T) {
	env := newAPIEnv(t, Config{})
	ctx := context.Background()
	var orgs []api.Organization
	for o, err := range env.client.Organizations(ctx, api.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, o)
	}
	if len(orgs) != 1 || orgs[0].Slug != "local" || orgs[0].ID != "1" || orgs[0].Links.RegionURL != env.url ||
		orgs[0].DateCreated.IsZero() {
		t.Errorf("organizations = %+v", orgs)
	}
	var projects []api.Project
	for p, err := range env.client.Projects(ctx, "local", api.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		projects = append(projects, p)
	}
	if len(projects) != 1 || projects[0].ID != "1" || projects[0].Slug != "default" || projects[0].FirstEvent != nil {
		t.Errorf("projects = %+v", projects)
	}
	var keys []api.ProjectKey
	for k, err := range env.client.ProjectKeys(ctx, "local", "default", "active", api.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	host := strings.TrimPrefix(env.url, "http://")
	if len(keys) != 2 {
		t.Fatalf("keys = %+v", keys)
	}
	k := keys[1] // the fixtures' key was added after the bootstrap one
	if k.Public != fixtureKey || k.ProjectID != 1 || !k.IsActive ||
		k.DSN.Public != "http://"+fixtureKey+"@"+host+"/1" ||
		k.DSN.CSP != env.url+"/api/1/csp-report/?sentry_key="+fixtureKey {
		t.Errorf("key = %+v", k)
	}
	for range env.client.ProjectKeys(ctx, "local", "default", "inactive", api.ListOptions{}) {
		t.Error("an inactive key was listed")
	}
	// Project detail by slug and by id; the org by id.
	var p api.Project
	env.doJSON(t, "GET", "/api/0/projects/local/1/", nil, 200, &p)
	if p.Slug != "default" {
		t.Errorf("project by id = %+v", p)
	}
	env.doJSON(t, "GET", "/api/0/organizations/1/", nil, 200, nil)
	// sentry-cli's Organization needs requireEmailVerification.
	var raw []map[string]any
	env.doJSON(t, "GET", "/api/0/organizations/", nil, 200, &raw)
	if _, ok := raw[0]["requireEmailVerification"]; !ok {
		t.Errorf("organization lacks requireEmailVerification: %v", raw[0])
	}
}

func TestWebAPIReleases(t *testing.T) {
	env := newAPIEnv(t, Config{})
	ctx := context.Background()
	rel, err := env.client.CreateRelease(ctx, "local", api.NewRelease{Version: "web@1.0.0", Projects: []string{"default"}})
	if err != nil {
		t.Fatal(err)
	}
	if rel.Version != "web@1.0.0" || rel.DateReleased != nil || len(rel.Projects) != 1 || rel.Projects[0].Slug != "default" {
		t.Errorf("created = %+v", rel)
	}
	// Get-or-create: 208 the second time, same release.
	resp := env.doJSON(t, "POST", "/api/0/organizations/local/releases/",
		map[string]any{"version": "web@1.0.0", "projects": []any{1}}, http.StatusAlreadyReported, nil)
	_ = resp
	at := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	fin, err := env.client.FinalizeRelease(ctx, "local", "web@1.0.0", at)
	if err != nil {
		t.Fatal(err)
	}
	if fin.DateReleased == nil || !fin.DateReleased.Equal(at) {
		t.Errorf("finalized = %+v", fin)
	}
	var got struct {
		api.Release
		Status    string `json:"status"`
		NewGroups int    `json:"newGroups"`
	}
	env.doJSON(t, "GET", "/api/0/organizations/local/releases/web@1.0.0/", nil, 200, &got)
	if got.DateReleased == nil || got.Status != "open" {
		t.Errorf("GET release = %+v", got)
	}
	// The project-scoped create adds the path's project.
	env.doJSON(t, "POST", "/api/0/projects/local/default/releases/", map[string]any{"version": "2.0"}, 201, nil)
	var list []api.Release
	env.doJSON(t, "GET", "/api/0/projects/local/default/releases/", nil, 200, &list)
	if len(list) != 2 || list[0].Version != "2.0" {
		t.Errorf("project releases = %+v", list)
	}

	for _, tc := range []struct {
		name string
		body any
		want int
	}{
		{"no version", map[string]any{"projects": []string{"default"}}, 400},
		{"slash", map[string]any{"version": "a/b", "projects": []string{"default"}}, 400},
		{"no projects", map[string]any{"version": "3.0"}, 400},
		{"unknown project", map[string]any{"version": "3.0", "projects": []string{"nope"}}, 400},
	} {
		resp, body := env.do(t, "POST", "/api/0/organizations/local/releases/", nil, mustJSON(t, tc.body))
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.name, resp.StatusCode, body, tc.want)
		}
	}
	if _, err := env.client.FinalizeRelease(ctx, "local", "nope", at); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("finalizing an unknown release: %v", err)
	}
	env.doJSON(t, "DELETE", "/api/0/organizations/local/releases/2.0/", nil, 204, nil)
	if _, err := env.store.GetRelease(ctx, "2.0"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("release 2.0 after DELETE: %v", err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
