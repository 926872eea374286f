// Package server is snag's local Sentry-compatible HTTP server: the ingest
// routes SDKs send to (envelope, store, Spotlight's stream), a health check,
// and Sentry's web API subset under /api/0/ (webapi*.go). It wires the
// pipeline (authenticate, limit, parse, normalize, unminify, fingerprint,
// store) from local/ingest, sourcemaps and a store.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/grouping"
	"github.com/snag-dev/snag/local/ingest"
	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/sourcemaps"
)

// Store is what the server needs of the local store (local/store.Store
// satisfies it). Accept returns only once the event is committed to the
// database file (its ingest queue), so an SDK is answered 200 only for
// events that are safely on disk; grouping and counting follow a few
// milliseconds later.
type Store interface {
	ProjectKeyLookup(ctx context.Context, publicKey string) (store.Project, error)
	Accept(ctx context.Context, rec *store.EventRecord) error
	AddFeedback(ctx context.Context, f store.Feedback) (int64, error)
}

// Grouper computes an event's grouping hashes.
type Grouper func(ev *api.Event) []string

// Config holds the server's settings; zero values mean the defaults.
type Config struct {
	Limits ingest.Limits
	// RateLimit is events per second per project; 0 turns limiting off.
	RateLimit int
	// DefaultProject receives Spotlight's /stream envelopes, which carry
	// no DSN.
	DefaultProject int64
	// Unminifier maps JS frames before grouping (the --maps directories);
	// nil skips it unless the store has artifact bundles for the event's
	// project (see unminify.go).
	Unminifier *sourcemaps.Unminifier
	// NoStoreUnminify turns off the lookups in stored artifact bundles.
	NoStoreUnminify bool
	// Group computes hashes; nil uses Sentry's grouping (local/grouping).
	Group  Grouper
	Logger *slog.Logger
	Now    func() time.Time
	// API tunes the web API (/api/0/), served when the store is a
	// *store.Store.
	API APIConfig
}

// Server answers SDKs.
type Server struct {
	store     Store
	cfg       Config
	limiter   *limiter
	log       *slog.Logger
	artifacts *artifactLookup // nil when the store has no artifact lookups
	api       *webAPI         // nil without a *store.Store
}

// New returns a server in front of st.
func New(st Store, cfg Config) *Server {
	if cfg.Limits == (ingest.Limits{}) {
		cfg.Limits = ingest.DefaultLimits()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Group == nil {
		// Sentry's grouping, so that issues here are the issues Sentry would make.
		cfg.Group = func(ev *api.Event) []string { return grouping.Hashes(ev, grouping.Options{}) }
	}
	if cfg.DefaultProject == 0 {
		cfg.DefaultProject = 1
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{store: st, cfg: cfg, limiter: newLimiter(cfg.RateLimit, cfg.Now), log: log, artifacts: newArtifactLookup(st)}
	if ls, ok := st.(*store.Store); ok {
		s.api = newWebAPI(ls, cfg.API, log, cfg.Now)
	}
	return s
}

// Handler is the server's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /api/{project_id}/envelope/", withCORS(http.HandlerFunc(s.handleEnvelope)))
	mux.Handle("OPTIONS /api/{project_id}/envelope/", withCORS(http.NotFoundHandler()))
	mux.Handle("POST /api/{project_id}/store/", withCORS(http.HandlerFunc(s.handleStore)))
	mux.Handle("OPTIONS /api/{project_id}/store/", withCORS(http.NotFoundHandler()))
	mux.Handle("POST /stream", withCORS(http.HandlerFunc(s.handleStream)))
	mux.Handle("OPTIONS /stream", withCORS(http.NotFoundHandler()))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	if s.api != nil {
		return withServerHeader(s.api.withWebAPI(mux))
	}
	return withServerHeader(mux)
}

func withServerHeader(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "snag")
		next.ServeHTTP(w, r)
	})
}

// ShutdownTimeout bounds how long in-flight requests may take to finish.
const ShutdownTimeout = 10 * time.Second

// Serve answers requests on ln until ctx is done, then stops accepting and
// lets in-flight requests finish (their events are committed or refused)
// before returning.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if s.api != nil {
		s.api.close() // assemblies under way stop; their chunks stay for a retry
	}
	if err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
