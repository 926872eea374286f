package tui

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/snag-dev/snag/internal/golden"
)

// The golden files under testdata/ are the screens at a fixed size and
// clock, without colour (styles are stripped: every mark the screens rely on
// is text). docs/triage.md shows them; go test ./tui -update rewrites them.
func TestViewGolden(t *testing.T) {
	_, b, _ := seed(t)
	tests := []struct {
		name          string
		width, height int
		keys          []string
		text          string // typed after keys
	}{
		{name: "list", width: 80, height: 24},
		{name: "list-wide", width: 120, height: 16},
		{name: "list-narrow", width: 60, height: 16},
		{name: "list-all-by-events", width: 80, height: 16, keys: []string{"4", "s", "s"}},
		{name: "list-grouped-type", width: 80, height: 20, keys: []string{"g"}},
		{name: "list-grouped-release", width: 80, height: 20, keys: []string{"g", "g", "g"}},
		{name: "list-grouped-level-folded", width: 80, height: 16, keys: []string{"g", "g", "g", "g", "g", "enter"}},
		{name: "list-filter-typing", width: 80, height: 16, keys: []string{"/"}, text: "range"},
		{name: "list-filter-applied", width: 80, height: 16, keys: []string{"/"}, text: "level:error release:web@1.5.0"},
		{name: "list-selected", width: 80, height: 16, keys: []string{"space", "space"}},
		{name: "help", width: 80, height: 24, keys: []string{"?"}},
		{name: "ignore-menu", width: 80, height: 24, keys: []string{"i"}},
		{name: "delete-confirm", width: 80, height: 16, keys: []string{"space", "space", "d"}},
		{name: "detail", width: 80, height: 24, keys: []string{"j", "j", "enter"}},
		{name: "detail-stack", width: 80, height: 24, keys: []string{"j", "j", "enter", "pgdown"}},
		{name: "detail-system-frames", width: 80, height: 24, keys: []string{"j", "j", "enter", "s", "pgdown"}},
		{name: "detail-bottom", width: 80, height: 24, keys: []string{"j", "j", "enter", "end"}},
		{name: "detail-older-event", width: 80, height: 24, keys: []string{"j", "j", "enter", "["}},
		{name: "detail-help", width: 80, height: 24, keys: []string{"j", "j", "enter", "?"}},
		{name: "detail-message", width: 80, height: 24, keys: []string{"end", "enter"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := start(newTestModel(t, b, tt.width, tt.height))
			press(m, tt.keys...)
			if tt.text != "" {
				typeText(m, tt.text)
				if strings.HasSuffix(tt.name, "applied") {
					press(m, "enter")
				}
			}
			got := screenText(m)
			if n := strings.Count(got, "\n"); n != tt.height {
				t.Errorf("the screen has %d lines, want %d", n, tt.height)
			}
			for i, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
				if w := len([]rune(l)); w > tt.width {
					t.Errorf("line %d is %d cells wide (> %d): %q", i+1, w, tt.width, l)
				}
			}
			golden.Assert(t, "view-"+tt.name, []byte(got))
		})
	}
}

// A resize re-lays everything out for the new size, keeping the cursor.
func TestResize(t *testing.T) {
	_, b, _ := seed(t)
	m := start(newTestModel(t, b, 80, 24))
	press(m, "j", "j")
	want := m.list.current().ShortID
	for _, size := range [][2]int{{40, 10}, {200, 60}, {80, 24}} {
		m.Update(resize(size[0], size[1]))
		if got := m.list.current().ShortID; got != want {
			t.Errorf("after resizing to %v the cursor is on %s, want %s", size, got, want)
		}
		if n := strings.Count(screenText(m), "\n"); n != size[1] {
			t.Errorf("at %v the screen has %d lines", size, n)
		}
	}
}

// docs/triage.md shows the golden screens; with -update this rewrites its
// captures (after TestViewGolden rewrote the goldens), otherwise it fails
// when they drifted.
func TestDocsShowTheScreens(t *testing.T) {
	const path = "../docs/triage.md"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	marker := regexp.MustCompile("(?s)<!-- golden: ([a-z0-9-]+) -->\n(?:\n```text\n.*?```\n)?")
	n := 0
	want := marker.ReplaceAllFunc(doc, func(m []byte) []byte {
		name := string(marker.FindSubmatch(m)[1])
		screen, err := os.ReadFile(filepath.Join("testdata", name+".golden"))
		if err != nil {
			t.Errorf("docs/triage.md shows %s: %v", name, err)
			return m
		}
		n++
		return []byte("<!-- golden: " + name + " -->\n\n```text\n" + string(screen) + "```\n")
	})
	if n == 0 {
		t.Fatal("docs/triage.md shows no screens")
	}
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(want) != string(doc) {
		t.Error("docs/triage.md does not show the current screens: run go test ./tui -update")
	}
}
