package store

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"weak"

	"github.com/snag-dev/snag/sourcemaps"
)

// ArtifactFind selects index rows for ingest-time lookups: by DebugID, or
// by Release + Dist and any of URLs. Types, when given, narrows either.
type ArtifactFind struct {
	ProjectID int64
	DebugID   string
	Release   string
	Dist      string
	URLs      []string
	Types     []string
}

// ArtifactHit is an index row with what identifies its bundle's content:
// a bundle replaced under the same id gets a new Version, so caches keyed
// by it never serve the old files.
type ArtifactHit struct {
	ArtifactRef
	Checksum string
	Size     int64
}

// Version identifies the bundle's stored content.
func (h ArtifactHit) Version() string {
	return fmt.Sprintf("%d:%d:%d:%s", h.Bundle, h.Created.UnixMilli(), h.Size, h.Checksum)
}

// maxFindURLs bounds the URLs of one ArtifactFind (a frame has a handful of
// candidates).
const maxFindURLs = 64

// FindArtifacts finds index rows, newest bundle first, in one query: the
// debug-ID lookup, or the release + dist lookup over all of a frame's
// candidate URLs at once.
func (s *Store) FindArtifacts(ctx context.Context, q ArtifactFind) ([]ArtifactHit, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	where := []string{"b.project_id = ?"}
	args := []any{q.ProjectID}
	// The explicit "<> ''" terms let SQLite use the partial indexes.
	switch {
	case q.DebugID != "":
		where = append(where, "x.debug_id = ?", "x.debug_id <> ''")
		args = append(args, strings.ToLower(q.DebugID))
	case q.Release != "" && len(q.URLs) > 0:
		if len(q.URLs) > maxFindURLs {
			return nil, fmt.Errorf("%w: %d URLs in one artifact lookup (limit %d)", ErrInvalid, len(q.URLs), maxFindURLs)
		}
		where = append(where, "x.release = ?", "x.release <> ''", "x.dist = ?",
			"x.url IN ("+strings.TrimSuffix(strings.Repeat("?,", len(q.URLs)), ",")+")")
		args = append(args, q.Release, q.Dist)
		for _, u := range q.URLs {
			args = append(args, u)
		}
	default:
		return nil, fmt.Errorf("%w: artifact lookup needs a debug id, or a release and URLs", ErrInvalid)
	}
	if len(q.Types) > 0 {
		where = append(where, "x.type IN ("+strings.TrimSuffix(strings.Repeat("?,", len(q.Types)), ",")+")")
		for _, t := range q.Types {
			args = append(args, t)
		}
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT b.id, b.bundle_id, b.created, b.checksum, b.size,
		x.debug_id, x.url, x.release, x.dist, x.type
		FROM artifact_index x JOIN artifact_bundles b ON b.id = x.bundle
		WHERE `+strings.Join(where, " AND ")+` ORDER BY b.created DESC, b.id DESC, x.rowid`, args...)
	if err != nil {
		return nil, wrap("find artifacts", err)
	}
	defer rows.Close()
	var out []ArtifactHit
	for rows.Next() {
		var h ArtifactHit
		var created int64
		if err := rows.Scan(&h.Bundle, &h.BundleID, &created, &h.Checksum, &h.Size,
			&h.DebugID, &h.URL, &h.Release, &h.Dist, &h.Type); err != nil {
			return nil, wrap("find artifacts", err)
		}
		h.Created = fromMS(created)
		out = append(out, h)
	}
	return out, wrap("find artifacts", rows.Err())
}

// ArtifactGeneration fingerprints the bundles stored for a project: ""
// when there are none, and a different value whenever one is added,
// replaced or deleted. Ingest asks once per event and reuses index lookups
// made under the same generation, so an upload is seen by the next event.
func (s *Store) ArtifactGeneration(ctx context.Context, project int64) (string, error) {
	if err := s.checkOpen(); err != nil {
		return "", err
	}
	// A replaced bundle may get its old row id back (SQLite reuses the
	// highest one): its time, size or checksum still moves the aggregates.
	// One scan of the project's rows in the (project_id, bundle_id) index.
	stmt, err := s.artifactGenStmt(ctx)
	if err != nil {
		return "", wrap("artifact generation", err)
	}
	var n, maxID, maxCreated, size int64
	var checksum string
	err = stmt.QueryRowContext(ctx, project).Scan(&n, &maxID, &maxCreated, &size, &checksum)
	if err != nil {
		return "", wrap("artifact generation", err)
	}
	if n == 0 {
		return "", nil
	}
	return fmt.Sprintf("%d:%d:%d:%d:%s", n, maxID, maxCreated, size, checksum), nil
}

const artifactGenQuery = `SELECT count(*), coalesce(max(id), 0), coalesce(max(created), 0), coalesce(sum(size), 0), coalesce(max(checksum), '')
	FROM artifact_bundles WHERE project_id = ?`

// artifactGenStmts holds each open Store's prepared generation query: it
// runs for every JavaScript event, and preparing it costs more than
// running it. Keyed weakly, and closed when its Store is collected.
var artifactGenStmts sync.Map // weak.Pointer[Store] -> *sql.Stmt

func (s *Store) artifactGenStmt(ctx context.Context) (*sql.Stmt, error) {
	key := weak.Make(s)
	if v, ok := artifactGenStmts.Load(key); ok {
		return v.(*sql.Stmt), nil
	}
	stmt, err := s.rdb.PrepareContext(ctx, artifactGenQuery)
	if err != nil {
		return nil, err
	}
	if v, loaded := artifactGenStmts.LoadOrStore(key, stmt); loaded {
		stmt.Close()
		return v.(*sql.Stmt), nil
	}
	runtime.AddCleanup(s, func(k weak.Pointer[Store]) {
		if v, ok := artifactGenStmts.LoadAndDelete(k); ok {
			v.(*sql.Stmt).Close()
		}
	}, key)
	return stmt, nil
}

// ArtifactEntriesOf lists the index rows for a bundle read with
// sourcemaps.OpenBundle: one per file, with its debug ID and URL, under
// the bundle's release and dist.
func ArtifactEntriesOf(b *sourcemaps.BundleArchive) []ArtifactEntry {
	out := make([]ArtifactEntry, 0, len(b.Manifest.Files))
	for _, e := range b.Entries() {
		out = append(out, ArtifactEntry{
			DebugID: e.DebugID(), URL: e.URL, Type: e.Type,
			Release: b.Manifest.Release, Dist: b.Manifest.Dist,
		})
	}
	return out
}
