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
	return s.artifactRefs(ctx, "list artifacts", `b.project_id = ? ORDER BY b.created DESC, b.id DESC, x.url LIMIT ?`,
		projectID, maxListedArtifacts)
}
