package server

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/snag-dev/snag/local/store"
)

// The web API: Sentry's /api/0/ subset that sentry-cli, snag's api.Client
// and other Sentry API tools use, answered from the local store in Sentry's
// JSON shapes. Every route but the index needs the store's API token as
// "Authorization: Bearer <token>". There is one organization, store.OrgSlug
// ("local", id 1), holding the store's projects.

// APIConfig tunes the web API; zero values mean the defaults.
type APIConfig struct {
	// ChunkDir is where uploaded chunks wait for their assembly (files
	// named by SHA-1, mode 0600). Default: the database path + ".chunks".
	ChunkDir string
	// MaxFileSize caps an assembled artifact bundle (DefaultMaxBundleSize).
	MaxFileSize int64
	// ChunkTTL is how long an unassembled chunk is kept (DefaultChunkTTL).
	ChunkTTL time.Duration
	// AssembleWait is how long an assemble request waits for the assembly
	// it started before answering "assembling" (DefaultAssembleWait); later
	// polls get the outcome.
	AssembleWait time.Duration
}

// webAPI serves /api/0/.
type webAPI struct {
	st      *store.Store
	cfg     APIConfig
	log     *slog.Logger
	now     func() time.Time
	mux     *http.ServeMux
	uploads *uploads

	tokenMu sync.Mutex
	token   string // cached once read; the store's token never changes
}

// orgID is the local organization's id; Sentry's ids are strings on the wire.
const orgID = "1"

func newWebAPI(st *store.Store, cfg APIConfig, log *slog.Logger, now func() time.Time) *webAPI {
	a := &webAPI{st: st, cfg: cfg, log: log, now: now, mux: http.NewServeMux()}
	a.uploads = newUploads(a)
	a.routes()
	return a
}

// apiHandler is a route; an error it returns is rendered as Sentry does.
type apiHandler func(w http.ResponseWriter, r *http.Request) error

// routes registers every route. Paths end in a slash, as Sentry's do; a
// request without it is redirected by the mux.
func (a *webAPI) routes() {
	handle := func(pattern string, h apiHandler) { a.mux.Handle(pattern, a.authed(h)) }
	a.mux.Handle("GET /api/0/{$}", a.wrap(a.handleIndex))

	handle("GET /api/0/organizations/{$}", a.handleOrganizations)
	handle("GET /api/0/organizations/{org}/{$}", a.handleOrganization)
	handle("GET /api/0/organizations/{org}/projects/{$}", a.handleProjects)
	handle("GET /api/0/projects/{$}", a.handleProjects)
	handle("GET /api/0/projects/{org}/{project}/{$}", a.handleProject)
	handle("GET /api/0/projects/{org}/{project}/keys/{$}", a.handleProjectKeys)
	handle("GET /api/0/organizations/{org}/project-keys/{$}", a.handleProjectKeys)

	a.releaseRoutes(handle)
	a.uploadRoutes(handle)
	a.issueRoutes(handle)
}

// ServeHTTP answers a request under /api/0/. Unknown paths get Sentry's
// JSON 404 (and a wrong method a JSON 405) whether or not a token came.
func (a *webAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := a.mux.Handler(r)
	if pattern == "" {
		// The mux's own answer would be a plain-text 404 or 405: find out
		// which, and say it in JSON.
		rec := &statusRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		switch rec.status {
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", rec.header.Get("Allow"))
			writeDetail(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method %q not allowed.", r.Method))
		default:
			writeDetail(w, http.StatusNotFound, "The requested resource does not exist")
		}
		return
	}
	a.mux.ServeHTTP(w, r) // which sets the path values; h alone would not
}

// statusRecorder keeps only the status and headers of an answer.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return len(b), nil
}
func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
}

// wrap turns an apiHandler into an http.Handler.
func (a *webAPI) wrap(h apiHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.writeErr(w, r, err)
		}
	})
}

// authed requires the API token.
func (a *webAPI) authed(h apiHandler) http.Handler {
	return a.wrap(func(w http.ResponseWriter, r *http.Request) error {
		ok, err := a.checkToken(r)
		if err != nil {
			return err
		}
		if !ok {
			return errUnauthorized(r)
		}
		return h(w, r)
	})
}

// bearer is the token of an "Authorization: Bearer <token>" header, or "".
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", h != ""
	}
	return strings.TrimSpace(tok), true
}

// checkToken compares the request's token with the store's in constant time.
func (a *webAPI) checkToken(r *http.Request) (bool, error) {
	got, _ := bearer(r)
	if got == "" {
		return false, nil
	}
	want, err := a.apiToken(r.Context())
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1, nil
}

func (a *webAPI) apiToken(ctx context.Context) (string, error) {
	a.tokenMu.Lock()
	defer a.tokenMu.Unlock()
	if a.token == "" {
		t, err := a.st.APIToken(ctx)
		if err != nil {
			return "", fmt.Errorf("reading the API token: %w", err)
		}
		a.token = t
	}
	return a.token, nil
}

func errUnauthorized(r *http.Request) error {
	if _, sent := bearer(r); !sent {
		return &apiError{status: http.StatusUnauthorized, detail: "Authentication credentials were not provided."}
	}
	return &apiError{status: http.StatusUnauthorized, detail: "Invalid token"}
}

// apiError is an answer other than 2xx, in Sentry's shape: {"detail": ...},
// or {"error": ...} where Sentry's endpoint says it that way.
type apiError struct {
	status int
	detail string
	key    string // "detail" when empty
}

func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.status, e.detail) }

func badRequest(format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, detail: fmt.Sprintf(format, args...)}
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

var errNotFound = &apiError{status: http.StatusNotFound, detail: "The requested resource does not exist"}

// writeErr renders err: an *apiError as it says, the store's sentinels as
// the matching status, anything else as a logged 500.
func (a *webAPI) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
	case errors.Is(err, store.ErrNotFound):
		ae = errNotFound
	case errors.Is(err, store.ErrInvalid):
		ae = &apiError{status: http.StatusBadRequest, detail: strings.TrimPrefix(err.Error(), "local store: invalid argument: ")}
	case errors.As(err, &mbe):
		ae = &apiError{status: http.StatusRequestEntityTooLarge, detail: fmt.Sprintf("Request body is larger than %d bytes", mbe.Limit)}
	case errors.Is(err, store.ErrQueueFull), errors.Is(err, store.ErrClosed):
		ae = &apiError{status: http.StatusServiceUnavailable, detail: "The server is busy or shutting down; try again"}
	case errors.Is(err, context.Canceled):
		return // the client went away
	default:
		a.log.Error("web API", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = &apiError{status: http.StatusInternalServerError, detail: "Internal Error"}
	}
	if ae.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="api"`)
	}
	key := ae.key
	if key == "" {
		key = "detail"
	}
	apiJSON(w, ae.status, map[string]string{key: ae.detail})
}

func writeDetail(w http.ResponseWriter, status int, detail string) {
	apiJSON(w, status, map[string]string{"detail": detail})
}

func apiJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"detail":"Internal Error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// maxJSONBody bounds the JSON bodies of the API's writes.
const maxJSONBody = 1 << 20

// readJSON decodes a request's JSON body into v. strict refuses unknown
// fields, as Sentry's jsonschema-validated endpoints do.
func readJSON(w http.ResponseWriter, r *http.Request, v any, strict bool) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		if len(bytes.TrimSpace(body)) == 0 {
			return badRequest("The request body is empty; JSON was expected")
		}
		return badRequest("Invalid JSON body: %v", err)
	}
	return nil
}

// baseURL is this server as the client reached it: links and upload URLs
// point there.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// checkOrg accepts the local organization by slug or id.
func checkOrg(r *http.Request) error {
	switch r.PathValue("org") {
	case store.OrgSlug, orgID:
		return nil
	}
	return errNotFound
}

// project finds a project by slug or numeric id.
func (a *webAPI) project(ctx context.Context, ref string) (store.Project, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return a.st.ProjectByID(ctx, id)
	}
	return a.st.ProjectBySlug(ctx, ref)
}

// pathProject is the {org}/{project} of a project-scoped route.
func (a *webAPI) pathProject(r *http.Request) (store.Project, error) {
	if err := checkOrg(r); err != nil {
		return store.Project{}, err
	}
	return a.project(r.Context(), r.PathValue("project"))
}

// setLinks writes Sentry's Link header for a list: rel="previous" (never
// followed: the lists here only go forward) and rel="next", which has
// results when next is not "".
func setLinks(w http.ResponseWriter, r *http.Request, next string) {
	q := r.URL.Query()
	q.Del("cursor")
	uri := baseURL(r) + r.URL.Path + "?"
	if enc := q.Encode(); enc != "" {
		uri += enc + "&"
	}
	link := func(rel, cursor string, results bool) string {
		return fmt.Sprintf(`<%scursor=%s>; rel=%q; results="%t"; cursor=%q`, uri, url.QueryEscape(cursor), rel, results, cursor)
	}
	w.Header().Set("Link", link("previous", "", false)+", "+link("next", next, next != ""))
}

// pageSize reads per_page (or limit), Sentry's default and maximum being 100.
func pageSize(r *http.Request, param string) (int, error) {
	v := r.URL.Query().Get(param)
	if v == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, badRequest("Invalid %s %q: a positive number is expected", param, v)
	}
	return min(n, 100), nil
}

// close stops background work (assemblies) and waits for it.
func (a *webAPI) close() { a.uploads.close() }

// withWebAPI sends /api/0/ to the web API and everything else to next. A
// prefix test rather than a mux pattern: "/api/0/" would collide with the
// ingest routes' "/api/{project_id}/..." (project ids start at 1).
func (a *webAPI) withWebAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/0" || strings.HasPrefix(r.URL.Path, "/api/0/") {
			a.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
