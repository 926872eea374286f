package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Release is a release as the web API creates and finalizes it. Releases of
// events need no row here: events carry their release as a string.
type Release struct {
	ID           int64
	Version      string
	Ref          string
	URL          string
	Created      time.Time
	DateStarted  time.Time // zero when not given
	DateReleased time.Time // zero until finalized
	Projects     []Project // by id
	// NewGroups is how many issues were first seen in this release.
	NewGroups int64
}

// NewRelease is what CreateRelease takes.
type NewRelease struct {
	Version      string
	Projects     []int64 // at least one
	Ref          string
	URL          string
	DateStarted  time.Time
	DateReleased time.Time
}

// ReleaseUpdate changes a release; nil fields are left alone, and Projects
// are added to the release's.
type ReleaseUpdate struct {
	Ref          *string
	URL          *string
	DateReleased *time.Time
	Projects     []int64
}

// ValidateReleaseVersion applies Sentry's rules for release names: not
// empty, at most 200 characters, no slashes, backslashes or control
// characters, and not ".", ".." or "latest".
func ValidateReleaseVersion(v string) error {
	switch {
	case strings.TrimSpace(v) == "":
		return fmt.Errorf("%w: a release version cannot be empty", ErrInvalid)
	case len(v) > 200:
		return fmt.Errorf("%w: release version %.40q… is longer than 200 characters", ErrInvalid, v)
	case v == "." || v == ".." || strings.EqualFold(v, "latest"):
		return fmt.Errorf("%w: %q is not allowed as a release version", ErrInvalid, v)
	case strings.ContainsAny(v, `/\`) || strings.IndexFunc(v, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: release version %q contains a slash, a backslash or a control character", ErrInvalid, v)
	}
	return nil
}

// CreateRelease creates a release or, if the version exists, adds the
// projects to it (Sentry's endpoint is get-or-create). created reports which.
func (s *Store) CreateRelease(ctx context.Context, r NewRelease) (rel Release, created bool, err error) {
	if err := ValidateReleaseVersion(r.Version); err != nil {
		return Release{}, false, err
	}
	if len(r.Projects) == 0 {
		return Release{}, false, fmt.Errorf("%w: release %s needs at least one project", ErrInvalid, r.Version)
	}
	now := ms(s.opts.Now())
	err = s.do(ctx, func(ctx context.Context, w *writer) error {
		c := w.conn
		var id int64
		err := c.QueryRowContext(ctx, `SELECT id FROM releases WHERE version = ?`, r.Version).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			res, err := c.ExecContext(ctx, `INSERT INTO releases(version, ref, url, created, date_started, date_released)
				VALUES (?, ?, ?, ?, ?, ?)`, r.Version, r.Ref, r.URL, now, nullMS(r.DateStarted), nullMS(r.DateReleased))
			if err != nil {
				return wrap("create release", err)
			}
			if id, err = res.LastInsertId(); err != nil {
				return wrap("create release", err)
			}
			created = true
		case err != nil:
			return wrap("create release", err)
		}
		return addReleaseProjects(ctx, c, id, r.Projects)
	})
	if err != nil {
		return Release{}, false, err
	}
	rel, err = s.GetRelease(ctx, r.Version)
	return rel, created, err
}

func addReleaseProjects(ctx context.Context, c *sql.Conn, release int64, projects []int64) error {
	for _, p := range projects {
		if _, err := c.ExecContext(ctx, `INSERT INTO release_projects(release_id, project_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING`, release, p); err != nil {
			return wrap(fmt.Sprintf("add project %d to release", p), err)
		}
	}
	return nil
}

// UpdateRelease changes a release (finalizing it when DateReleased is set),
// or returns ErrNotFound.
func (s *Store) UpdateRelease(ctx context.Context, version string, u ReleaseUpdate) (Release, error) {
	err := s.do(ctx, func(ctx context.Context, w *writer) error {
		c := w.conn
		var id int64
		if err := c.QueryRowContext(ctx, `SELECT id FROM releases WHERE version = ?`, version).Scan(&id); err != nil {
			return wrap(fmt.Sprintf("release %q", version), err)
		}
		var sets []string
		var args []any
		if u.Ref != nil {
			sets, args = append(sets, "ref = ?"), append(args, *u.Ref)
		}
		if u.URL != nil {
			sets, args = append(sets, "url = ?"), append(args, *u.URL)
		}
		if u.DateReleased != nil {
			sets, args = append(sets, "date_released = ?"), append(args, nullMS(*u.DateReleased))
		}
		if len(sets) > 0 {
			if _, err := c.ExecContext(ctx, `UPDATE releases SET `+strings.Join(sets, ", ")+` WHERE id = ?`,
				append(args, id)...); err != nil {
				return wrap("update release", err)
			}
		}
		return addReleaseProjects(ctx, c, id, u.Projects)
	})
	if err != nil {
		return Release{}, err
	}
	return s.GetRelease(ctx, version)
}

// DeleteRelease deletes a release; it reports whether it existed.
func (s *Store) DeleteRelease(ctx context.Context, version string) (bool, error) {
	var n int64
	err := s.do(ctx, func(ctx context.Context, w *writer) error {
		r, err := w.conn.ExecContext(ctx, `DELETE FROM releases WHERE version = ?`, version)
		if err != nil {
			return wrap("delete release", err)
		}
		n, err = r.RowsAffected()
		return wrap("delete release", err)
	})
	return n > 0, err
}

const releaseCols = `r.id, r.version, r.ref, r.url, r.created, r.date_started, r.date_released,
	(SELECT count(*) FROM issues i WHERE i.first_release = r.version)`

func scanRelease(sc interface{ Scan(...any) error }) (Release, error) {
	var r Release
	var created int64
	var started, released sql.NullInt64
	if err := sc.Scan(&r.ID, &r.Version, &r.Ref, &r.URL, &created, &started, &released, &r.NewGroups); err != nil {
		return r, err
	}
	r.Created = fromMS(created)
	if started.Valid {
		r.DateStarted = fromMS(started.Int64)
	}
	if released.Valid {
		r.DateReleased = fromMS(released.Int64)
	}
	return r, nil
}

// GetRelease returns a release with its projects, or ErrNotFound.
func (s *Store) GetRelease(ctx context.Context, version string) (Release, error) {
	if err := s.checkOpen(); err != nil {
		return Release{}, err
	}
	r, err := scanRelease(s.rdb.QueryRowContext(ctx, `SELECT `+releaseCols+` FROM releases r WHERE r.version = ?`, version))
	if err != nil {
		return Release{}, wrap(fmt.Sprintf("release %q", version), err)
	}
	if err := s.releaseProjects(ctx, []*Release{&r}); err != nil {
		return Release{}, err
	}
	return r, nil
}

// ReleasePage is one page of releases; NextCursor is "" on the last page.
type ReleasePage struct {
	Releases   []Release
	NextCursor string
}

// ListReleases pages through releases, newest first; projectID 0 lists
// every project's.
func (s *Store) ListReleases(ctx context.Context, projectID int64, cursor string, limit int) (ReleasePage, error) {
	if err := s.checkOpen(); err != nil {
		return ReleasePage{}, err
	}
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	where := []string{"1"}
	var args []any
	if projectID != 0 {
		where = append(where, "EXISTS (SELECT 1 FROM release_projects rp WHERE rp.release_id = r.id AND rp.project_id = ?)")
		args = append(args, projectID)
	}
	if cursor != "" {
		before, err := strconv.ParseInt(cursor, 10, 64)
		if err != nil {
			return ReleasePage{}, fmt.Errorf("%w: cursor %q", ErrInvalid, cursor)
		}
		where = append(where, "r.id < ?")
		args = append(args, before)
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+releaseCols+` FROM releases r WHERE `+strings.Join(where, " AND ")+
		` ORDER BY r.id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return ReleasePage{}, wrap("list releases", err)
	}
	var page ReleasePage
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			rows.Close()
			return ReleasePage{}, wrap("list releases", err)
		}
		if len(page.Releases) == limit {
			page.NextCursor = strconv.FormatInt(page.Releases[limit-1].ID, 10)
			break
		}
		page.Releases = append(page.Releases, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return ReleasePage{}, wrap("list releases", err)
	}
	ptrs := make([]*Release, len(page.Releases))
	for i := range page.Releases {
		ptrs[i] = &page.Releases[i]
	}
	return page, s.releaseProjects(ctx, ptrs)
}

// releaseProjects fills in the projects of rs.
func (s *Store) releaseProjects(ctx context.Context, rs []*Release) error {
	if len(rs) == 0 {
		return nil
	}
	byID := make(map[int64]*Release, len(rs))
	args := make([]any, len(rs))
	for i, r := range rs {
		byID[r.ID] = r
		args[i] = r.ID
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT rp.release_id, p.id, p.slug, p.name, p.org_slug, p.platform, p.created
		FROM release_projects rp JOIN projects p ON p.id = rp.project_id
		WHERE rp.release_id IN (`+placeholders(len(rs))+`) ORDER BY rp.release_id, p.id`, args...)
	if err != nil {
		return wrap("release projects", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rid, created int64
		var p Project
		if err := rows.Scan(&rid, &p.ID, &p.Slug, &p.Name, &p.OrgSlug, &p.Platform, &created); err != nil {
			return wrap("release projects", err)
		}
		p.Created = fromMS(created)
		byID[rid].Projects = append(byID[rid].Projects, p)
	}
	return wrap("release projects", rows.Err())
}

// nullMS is t in milliseconds, or NULL for the zero time.
func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ms(t)
}
