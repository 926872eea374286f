package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
)

// ReadAPIToken reads the web API token of the database at path without
// opening it as a Store: read-only, with no migration, writer or ingest
// journal. A client of the snag serve that owns the database (snag
// sourcemaps upload without a token) uses it, so it never competes with
// the server for the journal.
func ReadAPIToken(ctx context.Context, path string) (string, error) {
	q := url.Values{}
	q.Add("mode", "ro")
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "query_only(ON)")
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}).String())
	if err != nil {
		return "", fmt.Errorf("read api token: %w", err)
	}
	defer db.Close()
	var t string
	err = db.QueryRowContext(ctx, `SELECT token FROM api_tokens ORDER BY created, token LIMIT 1`).Scan(&t)
	return t, wrap("read api token", err)
}
