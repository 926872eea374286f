package dsn

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/snag-dev/snag/cmd/factory"
	"github.com/snag-dev/snag/internal/iostreams"
)

func runDSN(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := factory.NewWith(factory.Options{IO: ios, Getenv: func(k string) string { return env[k] }, WorkDir: t.TempDir(), HomeDir: t.TempDir()})
	cmd := NewCmdDSN(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(errOut)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestDSN(t *testing.T) {
	env := map[string]string{"SNAG_DB": filepath.Join(t.TempDir(), "snag.db")}
	out, err := runDSN(t, env)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^http://[0-9a-f]{32}@127\.0\.0\.1:8969/1\n$`).MatchString(out) {
		t.Fatalf("dsn = %q", out)
	}
	// The database now exists: the same DSN every time, on any address.
	again, err := runDSN(t, env, "--addr", "127.0.0.1:9000", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		DSN       string `json:"dsn"`
		Project   string `json:"project"`
		ProjectID int64  `json:"projectId"`
		PublicKey string `json:"publicKey"`
	}
	if err := json.Unmarshal([]byte(again), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.DSN != strings.Replace(strings.TrimSpace(out), "8969", "9000", 1) || doc.Project != "default" || doc.ProjectID != 1 {
		t.Errorf("json = %+v", doc)
	}
	if _, err := runDSN(t, env, "--project", "nope"); err == nil || !strings.Contains(err.Error(), `project "nope"`) {
		t.Errorf("unknown project: %v", err)
	}
}
