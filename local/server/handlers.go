package server

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"

	"github.com/snag-dev/snag/local/ingest"
	"github.com/snag-dev/snag/local/store"
)

// bodies recycles request buffers: at thousands of events a second a fresh
// buffer per request is most of the garbage.
var bodies = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// maxPooledBody keeps a rare huge body from pinning its buffer forever.
const maxPooledBody = 1 << 20

func (s *Server) handleEnvelope(w http.ResponseWriter, r *http.Request) {
	project, ok := s.routeProject(w, r)
	if !ok {
		return
	}
	auth, err := ingest.ParseAuth(r.Header, r.URL.RawQuery, "")
	if err != nil {
		s.fail(w, err)
		return
	}
	env, release, err := s.readEnvelope(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	defer release()
	// The envelope's dsn header may be the only carrier of the key.
	if err := auth.CheckEnvelopeDSN(env.Header.DSN, uint64(project)); err != nil {
		s.fail(w, err)
		return
	}
	if err := auth.Require(); err != nil {
		s.fail(w, err)
		return
	}
	if !s.authorize(w, r, auth.Key(), project) {
		return
	}
	s.accept(w, r, project, env)
}

func (s *Server) handleStore(w http.ResponseWriter, r *http.Request) {
	project, ok := s.routeProject(w, r)
	if !ok {
		return
	}
	auth, err := ingest.ParseAuth(r.Header, r.URL.RawQuery, "")
	if err != nil {
		s.fail(w, err)
		return
	}
	envelope := ingest.IsEnvelopeContentType(r.Header.Get("Content-Type"))
	limit := s.cfg.Limits.Event
	if envelope {
		limit = s.cfg.Limits.Envelope
	}
	body, release, err := s.readBody(r, limit)
	if err != nil {
		s.fail(w, err)
		return
	}
	defer release()
	var env *ingest.Envelope
	if envelope {
		if env, err = ingest.ParseEnvelope(body, s.cfg.Limits); err == nil {
			err = auth.CheckEnvelopeDSN(env.Header.DSN, uint64(project))
		}
	} else {
		var event []byte
		if event, err = ingest.DecodeStoreBody(body, s.cfg.Limits.Event); err == nil {
			env = &ingest.Envelope{Items: []ingest.Item{{Header: ingest.ItemHeader{Type: "event", Length: int64(len(event))}, Payload: event}}}
		}
	}
	if err == nil {
		err = auth.Require()
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	if !s.authorize(w, r, auth.Key(), project) {
		return
	}
	s.accept(w, r, project, env)
}

// handleStream is Spotlight's sidecar endpoint: SDKs with Spotlight turned
// on post envelopes here without a DSN. Having no key, it is open only to
// this machine.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) {
	if !isLoopback(r.RemoteAddr) {
		writeJSON(w, http.StatusForbidden, map[string]any{"detail": "the Spotlight stream accepts only local clients", "causes": []string{}})
		return
	}
	env, release, err := s.readEnvelope(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	defer release()
	s.accept(w, r, s.cfg.DefaultProject, env)
}

// readEnvelope reads and parses an envelope body. The envelope's payloads
// point into a pooled buffer: call release once the request is answered.
func (s *Server) readEnvelope(r *http.Request) (*ingest.Envelope, func(), error) {
	body, release, err := s.readBody(r, s.cfg.Limits.Envelope)
	if err != nil {
		return nil, nil, err
	}
	env, err := ingest.ParseEnvelope(body, s.cfg.Limits)
	if err != nil {
		release()
		return nil, nil, err
	}
	return env, release, nil
}

// routeProject reads {project_id}: a positive integer, as Relay requires.
func (s *Server) routeProject(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("project_id"), 10, 64)
	if err != nil || id <= 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "invalid project id in the URL: " + strconv.Quote(r.PathValue("project_id")), "causes": []string{}})
		return 0, false
	}
	return id, true
}

// authorize checks that the key belongs to the project in the URL.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, key string, project int64) bool {
	p, err := s.store.ProjectKeyLookup(r.Context(), key)
	owner := p.ID
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeJSON(w, http.StatusForbidden, map[string]any{"detail": "event submission rejected with reason: ProjectId", "causes": []string{"unknown DSN public key " + key + "; run `snag dsn` for this server's DSN"}})
		return false
	case err != nil:
		s.fail(w, err)
		return false
	case owner != project:
		writeJSON(w, http.StatusForbidden, map[string]any{"detail": "event submission rejected with reason: ProjectId", "causes": []string{"the DSN key belongs to project " + strconv.FormatInt(owner, 10) + ", not " + strconv.FormatInt(project, 10)}})
		return false
	}
	return true
}

func (s *Server) readBody(r *http.Request, limit int64) ([]byte, func(), error) {
	bp := bodies.Get().(*[]byte)
	body, err := ingest.ReadBody((*bp)[:0], r.Body, r.Header.Get("Content-Encoding"), limit)
	release := func() {
		if cap(body) <= maxPooledBody {
			*bp = body[:0]
			bodies.Put(bp)
		}
	}
	if err != nil {
		release()
		return nil, func() {}, err
	}
	return body, release, nil
}

// fail answers with the error's status and Relay's {"detail", "causes"}.
func (s *Server) fail(w http.ResponseWriter, err error) {
	var ie *ingest.Error
	switch {
	case errors.As(err, &ie):
		writeJSON(w, ie.Status, ie.Body())
	case errors.Is(err, store.ErrQueueFull):
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"detail": "the server is busy: try again", "causes": []string{}})
	default:
		s.log.Error("ingest failed", "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]any{"detail": "internal error", "causes": []string{}})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
