package store

import (
	"context"
	"strings"
	"time"
)

// StoredBundle is an artifact bundle row, without its data.
type StoredBundle struct {
	ID        int64 // row id for ArtifactBundleData
	ProjectID int64
	BundleID  string
	Checksum  string
	Size      int64
	Created   time.Time
	// Releases are the distinct (release, dist) pairs its files are indexed
	// under; ["", ""] for files indexed by debug ID only.
	Releases [][2]string
}

// ArtifactBundlesByChecksum lists the stored bundles whose upload had this
// SHA-1, in every project, oldest first: the web API answers an unchanged
// re-upload from them without asking for its chunks again.
func (s *Store) ArtifactBundlesByChecksum(ctx context.Context, checksum string) ([]StoredBundle, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT b.id, b.project_id, b.bundle_id, b.checksum, b.size, b.created,
		coalesce((SELECT json_group_array(json_array(release, dist)) FROM
			(SELECT DISTINCT release, dist FROM artifact_index x WHERE x.bundle = b.id ORDER BY 1, 2)), '[]')
		FROM artifact_bundles b WHERE b.checksum = ? ORDER BY b.id`, strings.ToLower(checksum))
	if err != nil {
		return nil, wrap("artifact bundles by checksum", err)
	}
	defer rows.Close()
	var out []StoredBundle
	for rows.Next() {
		var b StoredBundle
		var created int64
		var rels string
		if err := rows.Scan(&b.ID, &b.ProjectID, &b.BundleID, &b.Checksum, &b.Size, &created, &rels); err != nil {
			return nil, wrap("artifact bundles by checksum", err)
		}
		b.Created = fromMS(created)
		b.Releases = decodeTags(rels)
		out = append(out, b)
	}
	return out, wrap("artifact bundles by checksum", rows.Err())
}
