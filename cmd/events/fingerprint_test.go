package events

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/golden"
	"github.com/snag-dev/snag/internal/iostreams"
)

var fixtures = filepath.Join("..", "..", "local", "ingest", "testdata", "fixtures")

func runCmd(t *testing.T, stdin string, stdinTTY bool, args ...string) (string, string, error) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	ios.SetStdinTTY(stdinTTY)
	cmd := NewCmdEvents(&cmdutil.Factory{IOStreams: ios})
	cmd.SetArgs(append([]string{"fingerprint"}, args...))
	cmd.SetOut(errOut)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// Recorded SDK requests: a Node exception, a browser exception from a
// minified bundle, a wrapped Go error, a message, a custom fingerprint and
// a hybrid one.
var goldenEvents = []string{
	"node/03-event-node-config",
	"browser/03-event-browser-config",
	"go/04-event-go-wrapped",
	"node/06-event-node-message",
	"node/12-event-node-fp-a",
	"node/14-event-node-tenant-a",
}

func TestFingerprintText(t *testing.T) {
	for _, name := range goldenEvents {
		t.Run(name, func(t *testing.T) {
			out, _, err := runCmd(t, "", false, filepath.Join(fixtures, name+".envelope"))
			if err != nil {
				t.Fatal(err)
			}
			golden.Assert(t, strings.ReplaceAll(name, "/", "-"), []byte(out))
		})
	}
}

func TestFingerprintJSON(t *testing.T) {
	for _, name := range []string{"node/03-event-node-config", "node/06-event-node-message", "node/14-event-node-tenant-a"} {
		t.Run(name, func(t *testing.T) {
			out, _, err := runCmd(t, "", false, filepath.Join(fixtures, name+".envelope"), "--json")
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Hashes   []string               `json:"hashes"`
				Variants map[string]jsonVariant `json:"variants"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Hashes) == 0 || doc.Variants[firstVariant(doc.Variants, doc.Hashes[0])].Hash == nil {
				t.Errorf("hashes %v do not name a variant", doc.Hashes)
			}
			golden.Assert(t, strings.ReplaceAll(name, "/", "-")+".json", []byte(out))
		})
	}
}

type jsonVariant struct {
	Hash        *string         `json:"hash"`
	Contributes bool            `json:"contributes"`
	Component   json.RawMessage `json:"component"`
}

func firstVariant(m map[string]jsonVariant, h string) string {
	for name, v := range m {
		if v.Hash != nil && *v.Hash == h {
			return name
		}
	}
	return ""
}

func TestFingerprintStdinEventJSON(t *testing.T) {
	event := `{"platform":"python","exception":{"values":[{"type":"KeyError","value":"'user 42'"}]}}`
	out, _, err := runCmd(t, event, false, "-", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Hashes []string `json:"hashes"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	// md5("KeyError" + "'user <int>'")
	if len(doc.Hashes) != 1 || doc.Hashes[0] != "f0a7a9983dcfe77c4e5939324f8e4b28" {
		t.Errorf("hashes = %v", doc.Hashes)
	}
}

func TestFingerprintUsageErrors(t *testing.T) {
	var fe *cmdutil.FlagError
	if _, _, err := runCmd(t, "", true); !errors.As(err, &fe) {
		t.Errorf("no input on a terminal: err = %v, want a usage error", err)
	}
	if _, _, err := runCmd(t, "", false, "a.json", "b.json"); !errors.As(err, &fe) {
		t.Errorf("two files: err = %v, want a usage error", err)
	}
	if _, _, err := runCmd(t, "not json", false); err == nil || errors.As(err, &fe) {
		t.Errorf("garbage input: err = %v, want a plain error", err)
	}
	if _, _, err := runCmd(t, "{}", false, "--stack-trace-rules", filepath.Join(t.TempDir(), "missing")); !errors.As(err, &fe) {
		t.Errorf("missing rules file: err = %v, want a usage error", err)
	}
}

func TestFingerprintRulesFlags(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "fp.txt")
	if err := writeFile(rules, "error.type:KeyError -> missing-key\n"); err != nil {
		t.Fatal(err)
	}
	event := `{"platform":"python","exception":{"values":[{"type":"KeyError","value":"x"}]}}`
	out, _, err := runCmd(t, event, false, "--fingerprint-rules", rules)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "custom_fingerprint") || !strings.Contains(out, `fingerprint ["missing-key"]`) {
		t.Errorf("output:\n%s", out)
	}
}
