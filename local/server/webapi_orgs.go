package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/store"
)

// organizationJSON is api.Organization with the fields sentry-cli requires
// beyond it (organizations list fails without requireEmailVerification).
type organizationJSON struct {
	api.Organization
	RequireEmailVerification bool       `json:"requireEmailVerification"`
	HasAuthProvider          bool       `json:"hasAuthProvider"`
	Avatar                   avatarJSON `json:"avatar"`
}

type avatarJSON struct {
	AvatarType string  `json:"avatarType"`
	AvatarUUID *string `json:"avatarUuid"`
}

// handleIndex is GET /api/0/: sentry-cli's info and login check a token
// with it. Without a token it answers, as Sentry does, with nulls.
func (a *webAPI) handleIndex(w http.ResponseWriter, r *http.Request) error {
	type authJSON struct {
		Scopes []string `json:"scopes"`
	}
	type userJSON struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Username string `json:"username"`
		Email    string `json:"email"`
	}
	out := struct {
		Version string    `json:"version"`
		Auth    *authJSON `json:"auth"`
		User    *userJSON `json:"user"`
	}{Version: "0"}
	if _, sent := bearer(r); sent {
		ok, err := a.checkToken(r)
		if err != nil {
			return err
		}
		if !ok {
			return errUnauthorized(r)
		}
		out.Auth = &authJSON{Scopes: []string{"org:read", "org:write", "project:read", "project:write",
			"project:releases", "event:read", "event:write", "event:admin"}}
		out.User = &userJSON{ID: "1", Name: "snag", Username: "snag", Email: "snag@localhost"}
	}
	apiJSON(w, http.StatusOK, out)
	return nil
}

func (a *webAPI) organization(r *http.Request) organizationJSON {
	created := time.Time{}
	if p, err := a.st.ProjectByID(r.Context(), store.DefaultProjectID); err == nil {
		created = p.Created // the database, and so the organization, began with it
	}
	base := baseURL(r)
	return organizationJSON{
		Organization: api.Organization{
			ID:          orgID,
			Slug:        store.OrgSlug,
			Name:        "Local",
			DateCreated: created,
			Status:      api.OrganizationStatus{ID: "active", Name: "active"},
			Features:    []string{},
			Links:       api.OrganizationLinks{OrganizationURL: base, RegionURL: base},
		},
		Avatar: avatarJSON{AvatarType: "letter_avatar"},
	}
}

func (a *webAPI) handleOrganizations(w http.ResponseWriter, r *http.Request) error {
	setLinks(w, r, "")
	apiJSON(w, http.StatusOK, []organizationJSON{a.organization(r)})
	return nil
}

func (a *webAPI) handleOrganization(w http.ResponseWriter, r *http.Request) error {
	if err := checkOrg(r); err != nil {
		return err
	}
	apiJSON(w, http.StatusOK, a.organization(r))
	return nil
}

// projectJSON is api.Project plus what Sentry's project list also carries
// and sentry-cli reads (team).
type projectJSON struct {
	api.Project
	Organization *orgRef `json:"organization,omitempty"`
	Team         *struct {
		ID   string `json:"id"`
		Slug string `json:"slug"`
		Name string `json:"name"`
	} `json:"team"`
	Teams []struct{} `json:"teams"`
}

type orgRef struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

func (a *webAPI) projectJSON(r *http.Request, p store.Project) (projectJSON, error) {
	out := projectJSON{
		Project: api.Project{
			ID:          strconv.FormatInt(p.ID, 10),
			Slug:        p.Slug,
			Name:        p.Name,
			DateCreated: p.Created,
			IsMember:    true,
			HasAccess:   true,
			Features:    []string{},
		},
		Organization: &orgRef{ID: orgID, Slug: store.OrgSlug, Name: "Local"},
		Teams:        []struct{}{},
	}
	if p.Platform != "" {
		out.Platform = &p.Platform
	}
	// firstEvent: when the project first received an event; clients read
	// it as "has this project received anything".
	first, err := a.st.ProjectFirstEvent(r.Context(), p.ID)
	if err != nil {
		return out, err
	}
	if !first.IsZero() {
		out.FirstEvent = &first
	}
	return out, nil
}

// handleProjects lists the organization's projects (also GET /projects/,
// every project the token sees).
func (a *webAPI) handleProjects(w http.ResponseWriter, r *http.Request) error {
	if r.PathValue("org") != "" {
		if err := checkOrg(r); err != nil {
			return err
		}
	}
	ps, err := a.st.Projects(r.Context())
	if err != nil {
		return err
	}
	out := make([]projectJSON, 0, len(ps))
	for _, p := range ps {
		pj, err := a.projectJSON(r, p)
		if err != nil {
			return err
		}
		out = append(out, pj)
	}
	setLinks(w, r, "")
	apiJSON(w, http.StatusOK, out)
	return nil
}

func (a *webAPI) handleProject(w http.ResponseWriter, r *http.Request) error {
	p, err := a.pathProject(r)
	if err != nil {
		return err
	}
	pj, err := a.projectJSON(r, p)
	if err != nil {
		return err
	}
	apiJSON(w, http.StatusOK, pj)
	return nil
}

// handleProjectKeys lists a project's DSN keys, or with no project in the
// path (organizations/{org}/project-keys/) every project's.
func (a *webAPI) handleProjectKeys(w http.ResponseWriter, r *http.Request) error {
	var projects []store.Project
	if r.PathValue("project") != "" {
		p, err := a.pathProject(r)
		if err != nil {
			return err
		}
		projects = []store.Project{p}
	} else {
		if err := checkOrg(r); err != nil {
			return err
		}
		ps, err := a.st.Projects(r.Context())
		if err != nil {
			return err
		}
		projects = ps
	}
	// Every local key is active.
	status := r.URL.Query().Get("status")
	out := []api.ProjectKey{}
	if status != "inactive" {
		for _, p := range projects {
			keys, err := a.st.ProjectKeys(r.Context(), p.ID)
			if err != nil {
				return err
			}
			for _, k := range keys {
				out = append(out, projectKeyJSON(baseURL(r), r.Host, k))
			}
		}
	}
	setLinks(w, r, "")
	apiJSON(w, http.StatusOK, out)
	return nil
}

// projectKeyJSON renders a key with its DSNs as Sentry forms them, pointed
// at this server. Local keys have no secret part.
func projectKeyJSON(base, host string, k store.ProjectKey) api.ProjectKey {
	id := strconv.FormatInt(k.ProjectID, 10)
	scheme := base[:len(base)-len(host)] // "http://" or "https://"
	public := scheme + k.PublicKey + "@" + host + "/" + id
	q := "?sentry_key=" + k.PublicKey
	return api.ProjectKey{
		ID:          k.PublicKey,
		Name:        k.Label,
		Label:       k.Label,
		Public:      k.PublicKey,
		Secret:      "",
		ProjectID:   k.ProjectID,
		IsActive:    true,
		DateCreated: k.Created,
		DSN: api.KeyDSN{
			Secret:   public,
			Public:   public,
			CSP:      base + "/api/" + id + "/csp-report/" + q,
			Security: base + "/api/" + id + "/security/" + q,
			Minidump: base + "/api/" + id + "/minidump/" + q,
			NEL:      base + "/api/" + id + "/nel/" + q,
			Unreal:   base + "/api/" + id + "/unreal/" + k.PublicKey + "/",
			CDN:      base + "/js-sdk-loader/" + k.PublicKey + ".min.js",
			Crons:    base + "/api/" + id + "/cron/___MONITOR_SLUG___/" + k.PublicKey + "/",
		},
	}
}
