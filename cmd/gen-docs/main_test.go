package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocsUpToDate fails when docs/cli no longer matches the command tree,
// so `go test ./...` catches drift as CI does.
func TestDocsUpToDate(t *testing.T) {
	stale, err := checkMarkdown(filepath.Join("..", "..", "docs", "cli"))
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Fatalf("docs/cli is stale (run: go run ./cmd/gen-docs):\n%s", strings.Join(stale, "\n"))
	}
}

func TestRenderingIsDeterministic(t *testing.T) {
	a, err := renderMarkdown()
	if err != nil {
		t.Fatal(err)
	}
	b, err := renderMarkdown()
	if err != nil {
		t.Fatal(err)
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two renderings", name)
		}
		if bytes.Contains(a[name], []byte("Auto generated")) {
			t.Errorf("%s carries a generation date", name)
		}
	}
	for _, want := range []string{"snag.md", "snag_info.md", "snag_environment.md", "snag_exit-codes.md"} {
		if _, ok := a[want]; !ok {
			t.Errorf("no %s", want)
		}
	}
}

func TestManPages(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600")
	dir := t.TempDir()
	if err := writeMan(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "snag-info.1"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`.TH "SNAG" "1" "Jan 2026"`)) {
		t.Errorf("man header:\n%s", b[:min(len(b), 200)])
	}
	if _, err := os.Stat(filepath.Join(dir, "snag-environment.1")); err != nil {
		t.Error(err)
	}
}
