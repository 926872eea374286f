package grouping_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/snag-dev/snag/local/grouping"
	"github.com/snag-dev/snag/local/ingest"
)

// The corpus is Sentry's own grouping tests (FSL-licensed test data): it is
// read where it lies, never copied into this repository.
func corpusDir() string {
	if d := os.Getenv("SNAG_GROUPING_TESTS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared", "conformance", "sentry-grouping")
}

type corpusCase struct {
	ID       string          `json:"id"`
	Group    string          `json:"group"`
	Input    json.RawMessage `json:"input"`
	Expected struct {
		Hashes   []string `json:"hashes"`
		Variants map[string]struct {
			Hash *string `json:"hash"`
		} `json:"variants"`
	} `json:"expected"`
}

func loadCorpus(t testing.TB) []corpusCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(corpusDir(), "cases.json"))
	if err != nil {
		t.Skipf("grouping corpus not available: %v", err)
	}
	var doc struct {
		Config string       `json:"config"`
		Cases  []corpusCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Config != grouping.Config {
		t.Fatalf("corpus is for %s, not %s", doc.Config, grouping.Config)
	}
	return doc.Cases
}

// minPassing is the number of corpus cases per platform group that must
// keep passing: all of them.
var minPassing = map[string]int{
	"js": 27, "python": 10, "java": 10, "php": 1, "ruby": 1, "go": 1, "other": 24,
}

// computeRaw normalizes a raw event as ingest does and groups it with the
// rules the event carries (the corpus' project settings).
func computeRaw(t testing.TB, raw []byte) grouping.Result {
	t.Helper()
	ne, err := ingest.Normalize(raw, ingest.NormalizeOptions{})
	if err != nil {
		t.Fatalf("normalize: %v", err)
	}
	return grouping.Compute(ne.Event, grouping.Options{EventRules: true})
}

func variantKey(name string) string { return strings.ReplaceAll(name, "-", "_") }

func checkCase(c corpusCase, res grouping.Result) []string {
	var problems []string
	if fmt.Sprint(res.Hashes) != fmt.Sprint(c.Expected.Hashes) {
		problems = append(problems, fmt.Sprintf("hashes %v, want %v", res.Hashes, c.Expected.Hashes))
	}
	for name, want := range c.Expected.Variants {
		got, ok := res.Variants[variantKey(name)]
		if !ok {
			problems = append(problems, fmt.Sprintf("variant %s missing", name))
			continue
		}
		w := ""
		if want.Hash != nil {
			w = *want.Hash
		}
		if got.Hash != w || got.Contributes != (w != "") {
			problems = append(problems, fmt.Sprintf("variant %s: hash %q contributes %v, want %q", name, got.Hash, got.Contributes, w))
		}
	}
	for name := range res.Variants {
		found := false
		for want := range c.Expected.Variants {
			found = found || variantKey(want) == name
		}
		if !found && res.Variants[name].Contributes {
			problems = append(problems, fmt.Sprintf("unexpected contributing variant %s", name))
		}
	}
	return problems
}

func TestSentryGroupingCorpus(t *testing.T) {
	cases := loadCorpus(t)
	pass, total := map[string]int{}, map[string]int{}
	for _, c := range cases {
		total[c.Group]++
		res := computeRaw(t, c.Input)
		if dir := os.Getenv("SNAG_GROUPING_DUMP"); dir != "" {
			var b strings.Builder
			for _, name := range res.Order {
				b.WriteString(name + ":\n" + grouping.FormatTree(res.Variants[name].Component, "    "))
			}
			_ = os.WriteFile(filepath.Join(dir, c.ID+".txt"), []byte(b.String()), 0o644)
		}
		if problems := checkCase(c, res); len(problems) > 0 {
			t.Logf("%s [%s]: %s", c.ID, c.Group, strings.Join(problems, "; "))
			if os.Getenv("SNAG_GROUPING_DEBUG") != "" {
				for _, name := range res.Order {
					t.Logf("  %s:\n%s", name, grouping.FormatTree(res.Variants[name].Component, "    "))
				}
			}
			continue
		}
		pass[c.Group]++
	}
	groups := make([]string, 0, len(total))
	for g := range total {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	all := 0
	for _, g := range groups {
		t.Logf("%-7s %2d/%2d", g, pass[g], total[g])
		all += pass[g]
		if pass[g] < minPassing[g] {
			t.Errorf("%s: %d cases pass, fewer than the recorded minimum %d", g, pass[g], minPassing[g])
		}
	}
	t.Logf("all     %2d/%2d", all, len(cases))
}
