package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/store"
)

func (a *webAPI) releaseRoutes(handle func(string, apiHandler)) {
	handle("GET /api/0/organizations/{org}/releases/{$}", a.handleReleases)
	handle("POST /api/0/organizations/{org}/releases/{$}", a.handleCreateRelease)
	handle("GET /api/0/projects/{org}/{project}/releases/{$}", a.handleReleases)
	handle("POST /api/0/projects/{org}/{project}/releases/{$}", a.handleCreateRelease)
	handle("GET /api/0/organizations/{org}/releases/{version}/{$}", a.handleGetRelease)
	handle("PUT /api/0/organizations/{org}/releases/{version}/{$}", a.handleUpdateRelease)
	handle("DELETE /api/0/organizations/{org}/releases/{version}/{$}", a.handleDeleteRelease)
	handle("GET /api/0/projects/{org}/{project}/releases/{version}/{$}", a.handleGetRelease)
	handle("PUT /api/0/projects/{org}/{project}/releases/{version}/{$}", a.handleUpdateRelease)
}

// releaseJSON is api.Release plus the fields Sentry's release serializer
// always sends, which sentry-cli and other tools read.
type releaseJSON struct {
	api.Release
	Status       string         `json:"status"`
	DateStarted  *time.Time     `json:"dateStarted"`
	NewGroups    int64          `json:"newGroups"`
	CommitCount  int            `json:"commitCount"`
	DeployCount  int            `json:"deployCount"`
	LastCommit   *struct{}      `json:"lastCommit"`
	LastDeploy   *struct{}      `json:"lastDeploy"`
	FirstEvent   *time.Time     `json:"firstEvent"`
	LastEvent    *time.Time     `json:"lastEvent"`
	Authors      []struct{}     `json:"authors"`
	Owner        *struct{}      `json:"owner"`
	Data         map[string]any `json:"data"`
	VersionInfo  versionInfo    `json:"versionInfo"`
	ReleaseProjs []releaseProj  `json:"projects"`
}

type versionInfo struct {
	Package     *string `json:"package"`
	Version     any     `json:"version"`
	Description string  `json:"description"`
	BuildHash   *string `json:"buildHash"`
}

// releaseProj shadows api.Release.Projects to add what Sentry sends per
// project (name is required by sentry-cli).
type releaseProj struct {
	ID           int64    `json:"id"`
	Slug         string   `json:"slug"`
	Name         string   `json:"name"`
	Platform     *string  `json:"platform"`
	Platforms    []string `json:"platforms"`
	NewGroups    int64    `json:"newGroups"`
	HasHealthDat bool     `json:"hasHealthData"`
}

func renderRelease(rel store.Release) releaseJSON {
	out := releaseJSON{
		Release: api.Release{
			ID:           rel.ID,
			Version:      rel.Version,
			ShortVersion: rel.Version,
			DateCreated:  rel.Created,
		},
		Status:       "open",
		NewGroups:    rel.NewGroups,
		Authors:      []struct{}{},
		Data:         map[string]any{},
		VersionInfo:  versionInfo{Version: map[string]string{"raw": rel.Version}, Description: rel.Version},
		ReleaseProjs: []releaseProj{},
	}
	if rel.Ref != "" {
		out.Ref = &rel.Ref
	}
	if rel.URL != "" {
		out.URL = &rel.URL
	}
	if !rel.DateReleased.IsZero() {
		t := rel.DateReleased
		out.DateReleased = &t
	}
	if !rel.DateStarted.IsZero() {
		t := rel.DateStarted
		out.DateStarted = &t
	}
	for _, p := range rel.Projects {
		rp := releaseProj{ID: p.ID, Slug: p.Slug, Name: p.Name, Platforms: []string{}}
		if p.Platform != "" {
			rp.Platform = &p.Platform
			rp.Platforms = []string{p.Platform}
		}
		out.ReleaseProjs = append(out.ReleaseProjs, rp)
	}
	return out
}

// releaseBody is a release create or update. Fields sentry-cli sends that
// the local store has no use for (refs, commits, status) are accepted and
// ignored.
type releaseBody struct {
	Version      *string          `json:"version"`
	Projects     projectRefs      `json:"projects"`
	Ref          *string          `json:"ref"`
	URL          *string          `json:"url"`
	DateStarted  *time.Time       `json:"dateStarted"`
	DateReleased *time.Time       `json:"dateReleased"`
	Refs         *json.RawMessage `json:"refs"`
	Commits      *json.RawMessage `json:"commits"`
	Status       *string          `json:"status"`
}

// projectRefs are projects named by slug or id; sentry-cli sends numeric ids
// as JSON numbers.
type projectRefs []string

func (p *projectRefs) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return errors.New("projects must be a list of slugs or ids")
	}
	*p = (*p)[:0]
	for _, r := range raw {
		var s string
		if json.Unmarshal(r, &s) != nil {
			var n json.Number
			if err := json.Unmarshal(r, &n); err != nil {
				return errors.New("projects must be a list of slugs or ids")
			}
			s = n.String()
		}
		*p = append(*p, s)
	}
	return nil
}

// projectIDs resolves slugs or ids to project ids; unknown ones are a 400,
// as Sentry answers them.
func (a *webAPI) projectIDs(r *http.Request, refs projectRefs) ([]int64, error) {
	var ids []int64
	for _, ref := range refs {
		p, err := a.project(r.Context(), ref)
		if err != nil {
			if isNotFound(err) {
				return nil, badRequest("Invalid project ids or slugs: %s", ref)
			}
			return nil, err
		}
		ids = append(ids, p.ID)
	}
	return ids, nil
}

func (a *webAPI) handleCreateRelease(w http.ResponseWriter, r *http.Request) error {
	var pathProject *store.Project
	if r.PathValue("project") != "" {
		p, err := a.pathProject(r)
		if err != nil {
			return err
		}
		pathProject = &p
	} else if err := checkOrg(r); err != nil {
		return err
	}
	var body releaseBody
	if err := readJSON(w, r, &body, false); err != nil {
		return err
	}
	if body.Version == nil || *body.Version == "" {
		return &apiError{status: http.StatusBadRequest, detail: "version: This field is required."}
	}
	ids, err := a.projectIDs(r, body.Projects)
	if err != nil {
		return err
	}
	if pathProject != nil {
		ids = append(ids, pathProject.ID)
	}
	if len(ids) == 0 {
		return &apiError{status: http.StatusBadRequest, detail: "projects: This field is required."}
	}
	nr := store.NewRelease{Version: *body.Version, Projects: ids}
	if body.Ref != nil {
		nr.Ref = *body.Ref
	}
	if body.URL != nil {
		nr.URL = *body.URL
	}
	if body.DateStarted != nil {
		nr.DateStarted = *body.DateStarted
	}
	if body.DateReleased != nil {
		nr.DateReleased = *body.DateReleased
	}
	rel, created, err := a.st.CreateRelease(r.Context(), nr)
	if err != nil {
		return err
	}
	// Sentry: 201 for a new release, 208 for one that existed.
	status := http.StatusCreated
	if !created {
		status = http.StatusAlreadyReported
		if body.DateReleased != nil && rel.DateReleased.IsZero() {
			if rel, err = a.st.UpdateRelease(r.Context(), rel.Version, store.ReleaseUpdate{DateReleased: body.DateReleased}); err != nil {
				return err
			}
		}
	}
	apiJSON(w, status, renderRelease(rel))
	return nil
}

// release finds the {version} of the path, checking the org or project.
func (a *webAPI) release(r *http.Request) (store.Release, error) {
	var project int64
	if r.PathValue("project") != "" {
		p, err := a.pathProject(r)
		if err != nil {
			return store.Release{}, err
		}
		project = p.ID
	} else if err := checkOrg(r); err != nil {
		return store.Release{}, err
	}
	rel, err := a.st.GetRelease(r.Context(), r.PathValue("version"))
	if err != nil {
		return store.Release{}, err
	}
	if project != 0 && !hasProject(rel, project) {
		return store.Release{}, errNotFound
	}
	return rel, nil
}

func hasProject(rel store.Release, id int64) bool {
	for _, p := range rel.Projects {
		if p.ID == id {
			return true
		}
	}
	return false
}

func (a *webAPI) handleGetRelease(w http.ResponseWriter, r *http.Request) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	apiJSON(w, http.StatusOK, renderRelease(rel))
	return nil
}

// handleUpdateRelease is PUT …/releases/{version}/: sentry-cli's finalize
// sends dateReleased (and projects).
func (a *webAPI) handleUpdateRelease(w http.ResponseWriter, r *http.Request) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	var body releaseBody
	if err := readJSON(w, r, &body, false); err != nil {
		return err
	}
	ids, err := a.projectIDs(r, body.Projects)
	if err != nil {
		return err
	}
	rel, err = a.st.UpdateRelease(r.Context(), rel.Version, store.ReleaseUpdate{
		Ref: body.Ref, URL: body.URL, DateReleased: body.DateReleased, Projects: ids,
	})
	if err != nil {
		return err
	}
	apiJSON(w, http.StatusOK, renderRelease(rel))
	return nil
}

func (a *webAPI) handleDeleteRelease(w http.ResponseWriter, r *http.Request) error {
	rel, err := a.release(r)
	if err != nil {
		return err
	}
	if _, err := a.st.DeleteRelease(r.Context(), rel.Version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *webAPI) handleReleases(w http.ResponseWriter, r *http.Request) error {
	var project int64
	if r.PathValue("project") != "" {
		p, err := a.pathProject(r)
		if err != nil {
			return err
		}
		project = p.ID
	} else if err := checkOrg(r); err != nil {
		return err
	}
	limit, err := pageSize(r, "per_page")
	if err != nil {
		return err
	}
	cursor := r.URL.Query().Get("cursor")
	if cursor != "" {
		if _, err := strconv.ParseInt(cursor, 10, 64); err != nil {
			return badRequest("Invalid cursor %q", cursor)
		}
	}
	page, err := a.st.ListReleases(r.Context(), project, cursor, limit)
	if err != nil {
		return err
	}
	out := make([]releaseJSON, 0, len(page.Releases))
	for _, rel := range page.Releases {
		out = append(out, renderRelease(rel))
	}
	setLinks(w, r, page.NextCursor)
	apiJSON(w, http.StatusOK, out)
	return nil
}
