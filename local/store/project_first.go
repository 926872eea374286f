package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ProjectFirstEvent is when the project's oldest issue was first seen (the
// web API's project firstEvent); zero when it has none.
func (s *Store) ProjectFirstEvent(ctx context.Context, projectID int64) (time.Time, error) {
	if err := s.checkOpen(); err != nil {
		return time.Time{}, err
	}
	var first sql.NullInt64
	err := s.rdb.QueryRowContext(ctx, `SELECT min(first_seen) FROM issues WHERE project_id = ?`, projectID).Scan(&first)
	if err != nil || !first.Valid {
		return time.Time{}, wrap(fmt.Sprintf("first event of project %d", projectID), err)
	}
	return fromMS(first.Int64), nil
}
