package grouping_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/snag-dev/snag/local/grouping"
	"github.com/snag-dev/snag/local/ingest"
)

// A frame whose filename ends in a separator has an empty basename, e.g. an
// inline script of a site's root page ("https://example.com/"): it groups
// by its function, without a filename, and does not panic.
func TestFrameWithEmptyBasename(t *testing.T) {
	tests := []struct {
		name  string
		frame string
	}{
		{"root URL", `{"abs_path":"https://example.com/","function":"boot","lineno":1}`},
		{"URL directory", `{"abs_path":"https://example.com/app/","filename":"/app/","function":"boot","lineno":1}`},
		{"backslash", `{"abs_path":"C:\\app\\","filename":"C:\\app\\","function":"boot","lineno":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := `{"platform":"javascript","exception":{"values":[{"type":"Error","value":"x","stacktrace":{"frames":[` + tt.frame + `]}}]}}`
			ne, err := ingest.Normalize([]byte(raw), ingest.NormalizeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			res := grouping.Compute(ne.Event, grouping.Options{})
			sys := res.Variants["system"]
			if sys == nil || !sys.Contributes {
				t.Fatalf("system variant does not contribute: %+v", sys)
			}
			tree := grouping.FormatTree(sys.Component, "")
			if strings.Contains(tree, "filename") || !strings.Contains(tree, `"boot"`) {
				t.Errorf("want the function and no filename:\n%s", tree)
			}
			if got := grouping.Hashes(ne.Event, grouping.Options{}); !slices.Equal(got, res.Hashes) {
				t.Errorf("Hashes %v, Compute %v", got, res.Hashes)
			}
		})
	}
}
