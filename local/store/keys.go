package store

import (
	"context"
	"fmt"
	"regexp"
)

var publicKeyShape = regexp.MustCompile(`^[0-9a-f]{32}$`)

// AddProjectKey gives a project another DSN public key (32 lowercase hex,
// the shape SDKs accept). Adding a key the project already has is a no-op;
// a key that belongs to another project is ErrInvalid.
func (s *Store) AddProjectKey(ctx context.Context, projectID int64, publicKey, label string) error {
	if !publicKeyShape.MatchString(publicKey) {
		return fmt.Errorf("%w: a DSN key is 32 lowercase hex digits", ErrInvalid)
	}
	if label == "" {
		label = "Default"
	}
	err := s.do(ctx, func(ctx context.Context, w *writer) error {
		var owner int64
		err := w.conn.QueryRowContext(ctx, `SELECT project_id FROM project_keys WHERE public_key = ?`, publicKey).Scan(&owner)
		switch {
		case err == nil && owner == projectID:
			return nil
		case err == nil:
			return fmt.Errorf("%w: the key belongs to project %d", ErrInvalid, owner)
		}
		_, err = w.conn.ExecContext(ctx, `INSERT INTO project_keys(public_key, project_id, label, created) VALUES (?, ?, ?, ?)`,
			publicKey, projectID, label, ms(s.opts.Now()))
		return wrap("add project key", err)
	})
	return err
}
