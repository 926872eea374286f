package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// ReadAPIToken reads the token of a database a Store has open, and leaves
// the database and its journal alone.
func TestReadAPIToken(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "snag.db")
	s := mustOpen(t, path, Options{})
	want, err := s.APIToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadDir(dir)
	got, err := ReadAPIToken(ctx, path)
	if err != nil || got != want {
		t.Fatalf("ReadAPIToken = %q, %v; want %q", got, err, want)
	}
	if after, _ := os.ReadDir(dir); len(after) != len(before) {
		t.Errorf("files beside the database: %d before, %d after", len(before), len(after))
	}
	if _, err := ReadAPIToken(ctx, filepath.Join(dir, "missing.db")); err == nil {
		t.Error("a missing database gave a token")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Error("reading a missing database created it")
	}
}
