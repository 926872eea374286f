package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

func TestAddProjectKey(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "keys.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const key = "0123456789abcdef0123456789abcdef"
	if err := st.AddProjectKey(ctx, DefaultProjectID, key, "fixtures"); err != nil {
		t.Fatal(err)
	}
	if err := st.AddProjectKey(ctx, DefaultProjectID, key, ""); err != nil {
		t.Fatalf("adding the same key again: %v", err)
	}
	p, err := st.ProjectKeyLookup(ctx, key)
	if err != nil || p.ID != DefaultProjectID {
		t.Fatalf("lookup = %+v, %v", p, err)
	}
	keys, err := st.ProjectKeys(ctx, DefaultProjectID)
	if err != nil || len(keys) != 2 {
		t.Fatalf("keys = %+v, %v", keys, err)
	}
	for _, bad := range []string{"", "XYZ", "0123456789ABCDEF0123456789ABCDEF"} {
		if err := st.AddProjectKey(ctx, DefaultProjectID, bad, ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("AddProjectKey(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}
