package store

import (
	"context"
)

// maxListedArtifacts bounds ProjectArtifacts: far more files than a local
// project's uploads hold.
const maxListedArtifacts = 100_000

// ProjectArtifacts lists every indexed file of a project's artifact
// bundles, newest bundle first, for explaining lookups (which file was
// uploaded under which URL, release, dist and debug ID).
func (s *Store) ProjectArtifacts(ctx context.Context, projectID int64) ([]ArtifactRef, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT b.id, b.bundle_id, b.created, x.debug_id, x.url, x.release, x.dist, x.type
		FROM artifact_index x JOIN artifact_bundles b ON b.id = x.bundle
		WHERE b.project_id = ? ORDER BY b.created DESC, b.id DESC, x.url LIMIT ?`, projectID, maxListedArtifacts)
	if err != nil {
		return nil, wrap("list artifacts", err)
	}
	defer rows.Close()
	var out []ArtifactRef
	for rows.Next() {
		var r ArtifactRef
		var created int64
		if err := rows.Scan(&r.Bundle, &r.BundleID, &created, &r.DebugID, &r.URL, &r.Release, &r.Dist, &r.Type); err != nil {
			return nil, wrap("list artifacts", err)
		}
		r.Created = fromMS(created)
		out = append(out, r)
	}
	return out, wrap("list artifacts", rows.Err())
}
