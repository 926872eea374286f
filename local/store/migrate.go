package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded files in order. Names are NNNN_what.sql;
// a file is never edited once released, only followed by a new one.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []migration
	for _, n := range names {
		base := strings.TrimPrefix(n, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and _", base)
		}
		if len(out) > 0 && out[len(out)-1].version >= v {
			return nil, fmt.Errorf("migration %s: version %d is not increasing", base, v)
		}
		b, err := migrationFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: base, sql: string(b)})
	}
	return out, nil
}

// SchemaVersion is the newest schema this binary knows.
func SchemaVersion() int {
	m, err := migrations()
	if err != nil || len(m) == 0 {
		return 0
	}
	return m[len(m)-1].version
}

// migrate applies the missing migrations, each in its own immediate
// transaction (so two processes opening a new file do not both apply one),
// and refuses a database whose schema is newer than ours.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("migrate local store: %w", err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name    TEXT    NOT NULL,
		applied INTEGER NOT NULL)`); err != nil {
		return wrap("migrate local store", err)
	}
	known := ms[len(ms)-1].version
	for _, m := range ms {
		if err := applyMigration(ctx, db, m, known); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, m migration, known int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("migrate local store", err)
	}
	defer tx.Rollback()
	var cur int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&cur); err != nil {
		return wrap("migrate local store", err)
	}
	if cur > known {
		return fmt.Errorf("%w: the database has schema version %d, this snag knows up to %d; use a newer snag or another --db",
			ErrSchemaTooNew, cur, known)
	}
	if cur >= m.version {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return wrap("migrate local store: "+m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, name, applied) VALUES (?, ?, ?)`,
		m.version, m.name, time.Now().UnixMilli()); err != nil {
		return wrap("migrate local store: "+m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return wrap("migrate local store: "+m.name, err)
	}
	return nil
}

// bootstrap creates project "default" with a DSN key, and the API token, the
// first time the database is opened.
func bootstrap(ctx context.Context, db *sql.DB, now time.Time) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("initialize local store", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM projects`).Scan(&n); err != nil {
		return wrap("initialize local store", err)
	}
	if n > 0 {
		return nil
	}
	t := ms(now)
	stmts := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO projects(id, slug, name, org_slug, created) VALUES (?, ?, ?, ?, ?)`,
			[]any{DefaultProjectID, DefaultProjectSlug, "Default", OrgSlug, t}},
		{`INSERT INTO project_keys(public_key, project_id, created) VALUES (?, ?, ?)`,
			[]any{randomHex(16), DefaultProjectID, t}},
		{`INSERT INTO api_tokens(token, created) VALUES (?, ?)`,
			[]any{"sntryu_" + randomHex(32), t}},
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return wrap("initialize local store", err)
		}
	}
	return wrap("initialize local store", tx.Commit())
}
