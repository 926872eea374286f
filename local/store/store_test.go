package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/snag-dev/snag/api"
)

func TestOpenCreatesDefaultProject(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "snag.db")
	s := mustOpen(t, path, Options{})

	p, err := s.ProjectByID(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p.Slug != "default" || p.OrgSlug != "local" {
		t.Errorf("project = %+v", p)
	}
	if _, err := s.ProjectBySlug(ctx, "default"); err != nil {
		t.Error(err)
	}
	keys, err := s.ProjectKeys(ctx, 1)
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys = %v, %v", keys, err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(keys[0].PublicKey) {
		t.Errorf("public key %q", keys[0].PublicKey)
	}
	tok, err := s.APIToken(ctx)
	if err != nil || !regexp.MustCompile(`^sntryu_[0-9a-f]{64}$`).MatchString(tok) {
		t.Errorf("token %q, %v", tok, err)
	}
	got, err := s.ProjectKeyLookup(ctx, keys[0].PublicKey)
	if err != nil || got.ID != 1 {
		t.Errorf("ProjectKeyLookup = %+v, %v", got, err)
	}
	if _, err := s.ProjectKeyLookup(ctx, "0123456789abcdef0123456789abcdef"); !errors.Is(err, ErrNotFound) ||
		!errors.Is(err, api.ErrNotFound) {
		t.Errorf("unknown key: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}

	// Reopening keeps key and token and applies no migration twice.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := mustOpen(t, path, Options{})
	keys2, _ := s2.ProjectKeys(ctx, 1)
	tok2, _ := s2.APIToken(ctx)
	if keys2[0].PublicKey != keys[0].PublicKey || tok2 != tok {
		t.Error("key or token changed on reopen")
	}
	var n, v int
	if err := s2.rdb.QueryRowContext(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	if n != len(mustMigrations(t)) || v != SchemaVersion() {
		t.Errorf("schema_migrations: %d rows, version %d", n, v)
	}
}

func mustMigrations(t *testing.T) []migration {
	m, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPragmasOnEveryConnection(t *testing.T) {
	s := mustOpen(t, "", Options{})
	ctx := context.Background()
	for name, db := range map[string]*sql.DB{"reader": s.rdb} {
		// Hold several connections at once so that more than one is opened.
		var conns []*sql.Conn
		for range 3 {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for i, c := range conns {
			var mode string
			var fk, sync, busy int
			c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
			c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk)
			c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync)
			c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy)
			if mode != "wal" || fk != 1 || sync != 1 || busy != 5000 {
				t.Errorf("%s conn %d: journal_mode=%s foreign_keys=%d synchronous=%d busy_timeout=%d",
					name, i, mode, fk, sync, busy)
			}
			c.Close()
		}
	}
}

func TestSchemaTooNew(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "snag.db")
	s := mustOpen(t, path, Options{})
	s.Close()

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations(version, name, applied) VALUES (9999, '9999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	_, err = Open(ctx, path, Options{})
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open = %v, want ErrSchemaTooNew", err)
	}
}

func TestClosed(t *testing.T) {
	ctx := context.Background()
	s := mustOpen(t, "", Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.Submit(ctx, rec("a")); !errors.Is(err, ErrClosed) {
		t.Errorf("Submit after Close: %v", err)
	}
	if _, err := s.ListIssues(ctx, IssueQuery{}); !errors.Is(err, ErrClosed) {
		t.Errorf("ListIssues after Close: %v", err)
	}
	if _, err := s.UpdateIssueStatus(ctx, []int64{1}, StatusUpdate{Status: "resolved"}); !errors.Is(err, ErrClosed) {
		t.Errorf("UpdateIssueStatus after Close: %v", err)
	}
}

func TestSubmitInvalid(t *testing.T) {
	s := mustOpen(t, "", Options{})
	ctx := context.Background()
	tests := []struct {
		name string
		mod  func(r *EventRecord)
		want error
	}{
		{"bad event id", func(r *EventRecord) { r.EventID = "nope" }, ErrInvalid},
		{"no hashes", func(r *EventRecord) { r.Hashes = nil }, ErrInvalid},
		{"no project", func(r *EventRecord) { r.ProjectID = 0 }, ErrInvalid},
		{"unknown project", func(r *EventRecord) { r.ProjectID = 42 }, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rec("h")
			tt.mod(r)
			if _, err := s.Submit(ctx, r); !errors.Is(err, tt.want) {
				t.Errorf("Submit = %v, want %v", err, tt.want)
			}
		})
	}
	// The store still works after failed events.
	if res := submit(t, s, rec("h")); res.IssueID == 0 {
		t.Error("no issue")
	}
}

func TestEventIDForms(t *testing.T) {
	s := mustOpen(t, "", Options{})
	r := rec("h")
	r.EventID = "FC6D8C0C-43FC-4630-AD85-0DF4CF2D3A2E"
	submit(t, s, r)
	e, err := s.GetEvent(context.Background(), 1, "fc6d8c0c43fc4630ad850df4cf2d3a2e")
	if err != nil || e.EventID != "fc6d8c0c43fc4630ad850df4cf2d3a2e" {
		t.Fatalf("GetEvent = %+v, %v", e.EventID, err)
	}
	r2 := rec("h")
	r2.EventID = "fc6d8c0c43fc4630ad850df4cf2d3a2e"
	if res := submit(t, s, r2); !res.Duplicate {
		t.Error("same id in another spelling is not a duplicate")
	}
}
