package sourcemaps

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/iostreams"
)

var bundles = filepath.Join("..", "..", "sourcemaps", "testdata", "bundles")

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	cmd := NewCmdSourcemaps(&cmdutil.Factory{IOStreams: ios})
	cmd.SetArgs(args)
	cmd.SetOut(errOut)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestResolve(t *testing.T) {
	esbuildMap := filepath.Join(bundles, "esbuild", "main.min.js.map")
	out, err := run(t, "resolve", esbuildMap, "1:577", "-C", "1")
	if err != nil {
		t.Fatal(err)
	}
	want := "Map: " + esbuildMap + " (regular map, 5 sources)\n" +
		"Generated: line 1, column 577 (segment starts at column 577)\n" +
		"Original: src/pricing.js:21:11\n\n" +
		"  20 |   if (percent > rules.maxDiscountPercent) {\n" +
		"> 21 |     throw new PricingError(`discount ${code} exceeds ${rules.maxDiscountPercent}%`, {\n" +
		"  22 |       sku: item.sku,\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}

	// The JS file, with flags for the position, names its map.
	out, err = run(t, "resolve", filepath.Join(bundles, "webpack", "main.min.js"), "-l", "1", "-c", "304", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var r ResolveResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if !r.Mapped || r.Filename != "src/errors.js" || r.Line != 26 || r.Type != "regular" || r.Segment == nil ||
		r.Map != filepath.Join(bundles, "webpack", "main.min.js.map") || r.Source != "webpack://snag-testdata/./src/errors.js" {
		t.Errorf("result = %+v", r)
	}
}

func TestResolveUnmapped(t *testing.T) {
	m := filepath.Join(bundles, "terser", "main.min.js.map")
	_, err := run(t, "resolve", m, "1:2643")
	if err == nil || !strings.Contains(err.Error(), "generated code with no original") {
		t.Errorf("err = %v", err)
	}
	out, err := run(t, "resolve", m, "1:2643", "--json")
	if !errors.Is(err, cmdutil.ErrSilent) || !strings.Contains(out, `"mapped": false`) {
		t.Errorf("json: %v\n%s", err, out)
	}
	if _, err := run(t, "resolve", m, "99:1"); err == nil || !strings.Contains(err.Error(), "no mapping at line 99") {
		t.Errorf("err = %v", err)
	}
}

func TestResolveUsage(t *testing.T) {
	for _, args := range [][]string{
		{"resolve", "x.map"},
		{"resolve", "x.map", "1"},
		{"resolve", "x.map", "0:5"},
		{"resolve", "x.map", "a:b"},
		{"resolve", "x.map", "1:2", "-l", "1"},
		{"bogus"},
	} {
		_, err := run(t, args...)
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) {
			t.Errorf("%q: err = %v, want a usage error", args, err)
		}
	}
	if _, err := run(t, "resolve", "/nonexistent.map", "1:1"); err == nil || !strings.Contains(err.Error(), "nonexistent.map") {
		t.Errorf("missing map: %v", err)
	}
}
