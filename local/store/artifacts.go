package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// ArtifactBundle is an uploaded sourcemap bundle (the zip sentry-cli builds).
type ArtifactBundle struct {
	ProjectID int64
	BundleID  string // the bundle's id from its manifest
	Checksum  string // sha1 of Data, as the assemble request names it
	Data      []byte
}

// ArtifactEntry is one file of a bundle, as its manifest describes it.
type ArtifactEntry struct {
	DebugID string
	URL     string // e.g. ~/static/js/main.js
	Release string
	Dist    string
	Type    string // minified_source, source_map, ...
}

// ArtifactRef is an index row found by LookupArtifacts.
type ArtifactRef struct {
	Bundle   int64 // row id for ArtifactBundleData
	BundleID string
	Created  time.Time
	ArtifactEntry
}

// ArtifactQuery selects index rows: by DebugID, or by Release (+ Dist) and
// URL. Type narrows either.
type ArtifactQuery struct {
	ProjectID int64
	DebugID   string
	Release   string
	Dist      string
	URL       string
	Type      string
}

// InsertArtifactBundle stores a bundle and its index, replacing a bundle
// with the same id in the project, and returns the bundle's row id.
func (s *Store) InsertArtifactBundle(ctx context.Context, b ArtifactBundle, entries []ArtifactEntry) (int64, error) {
	if b.ProjectID <= 0 || b.BundleID == "" {
		return 0, fmt.Errorf("%w: artifact bundle needs a project and a bundle id", ErrInvalid)
	}
	now := ms(s.opts.Now())
	var id int64
	err := s.do(ctx, func(ctx context.Context, w *writer) error {
		c := w.conn
		if _, err := c.ExecContext(ctx, `DELETE FROM artifact_bundles WHERE project_id = ? AND bundle_id = ?`,
			b.ProjectID, b.BundleID); err != nil {
			return wrap("store artifact bundle", err)
		}
		r, err := c.ExecContext(ctx, `INSERT INTO artifact_bundles(project_id, bundle_id, checksum, created, size, data)
			VALUES (?, ?, ?, ?, ?, ?)`, b.ProjectID, b.BundleID, b.Checksum, now, len(b.Data), b.Data)
		if err != nil {
			return wrap("store artifact bundle", err)
		}
		if id, err = r.LastInsertId(); err != nil {
			return wrap("store artifact bundle", err)
		}
		ins, err := c.PrepareContext(ctx, `INSERT INTO artifact_index(bundle, debug_id, url, release, dist, type)
			VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return wrap("store artifact bundle", err)
		}
		defer ins.Close()
		for _, e := range entries {
			if _, err := ins.ExecContext(ctx, id, strings.ToLower(e.DebugID), e.URL, e.Release, e.Dist, e.Type); err != nil {
				return wrap("store artifact bundle", err)
			}
		}
		return nil
	})
	// After the commit, so a generation cached from before it is stale.
	s.artifactEpoch.Add(1)
	return id, err
}

// LookupArtifacts finds index rows, newest bundle first.
func (s *Store) LookupArtifacts(ctx context.Context, q ArtifactQuery) ([]ArtifactRef, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	where := []string{"b.project_id = ?"}
	args := []any{q.ProjectID}
	switch {
	case q.DebugID != "":
		where = append(where, "x.debug_id = ?")
		args = append(args, strings.ToLower(q.DebugID))
	case q.Release != "":
		where = append(where, "x.release = ?", "x.dist = ?")
		args = append(args, q.Release, q.Dist)
		if q.URL != "" {
			where = append(where, "x.url = ?")
			args = append(args, q.URL)
		}
	default:
		return nil, fmt.Errorf("%w: artifact lookup needs a debug id or a release", ErrInvalid)
	}
	if q.Type != "" {
		where = append(where, "x.type = ?")
		args = append(args, q.Type)
	}
	return s.artifactRefs(ctx, "look up artifacts", strings.Join(where, " AND ")+` ORDER BY b.created DESC, b.id DESC`, args...)
}

// artifactRefs reads index rows with their bundles: cond is what follows
// WHERE (the condition, ordering and limit).
func (s *Store) artifactRefs(ctx context.Context, what, cond string, args ...any) ([]ArtifactRef, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT b.id, b.bundle_id, b.created, x.debug_id, x.url, x.release, x.dist, x.type
		FROM artifact_index x JOIN artifact_bundles b ON b.id = x.bundle WHERE `+cond, args...)
	if err != nil {
		return nil, wrap(what, err)
	}
	defer rows.Close()
	var out []ArtifactRef
	for rows.Next() {
		var r ArtifactRef
		var created int64
		if err := rows.Scan(&r.Bundle, &r.BundleID, &created, &r.DebugID, &r.URL, &r.Release, &r.Dist, &r.Type); err != nil {
			return nil, wrap(what, err)
		}
		r.Created = fromMS(created)
		out = append(out, r)
	}
	return out, wrap(what, rows.Err())
}

// ArtifactBundleData returns a stored bundle's bytes.
func (s *Store) ArtifactBundleData(ctx context.Context, bundle int64) ([]byte, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	var b []byte
	err := s.rdb.QueryRowContext(ctx, `SELECT data FROM artifact_bundles WHERE id = ?`, bundle).Scan(&b)
	return b, wrap(fmt.Sprintf("artifact bundle %d", bundle), err)
}
