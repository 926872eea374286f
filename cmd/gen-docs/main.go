// Command gen-docs renders snag's reference docs from the command tree:
// markdown into docs/cli (committed, and checked for drift in CI) and, for
// releases, man pages.
//
//	go run ./cmd/gen-docs                 # rewrite docs/cli
//	go run ./cmd/gen-docs -check          # exit 1 when docs/cli is stale
//	go run ./cmd/gen-docs -man manpages   # write man pages
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/snag-dev/snag/cmd/factory"
	"github.com/snag-dev/snag/cmd/root"
	"github.com/snag-dev/snag/internal/build"
	"github.com/snag-dev/snag/internal/iostreams"
)

func main() {
	dir := flag.String("dir", "docs/cli", "where the markdown reference lives")
	check := flag.Bool("check", false, "compare instead of writing; exit 1 on any difference")
	man := flag.String("man", "", "write man pages into this directory instead")
	flag.Parse()

	var err error
	switch {
	case *man != "":
		err = writeMan(*man)
	case *check:
		var stale []string
		if stale, err = checkMarkdown(*dir); err == nil && len(stale) > 0 {
			fmt.Fprintf(os.Stderr, "%s is out of date with the command tree:\n  %s\nRun: go run ./cmd/gen-docs\n", *dir, strings.Join(stale, "\n  "))
			os.Exit(1)
		}
	default:
		err = writeMarkdown(*dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen-docs:", err)
		os.Exit(1)
	}
}

// tree builds the command tree in a neutral environment, so that nothing on
// the machine running this leaks into the docs.
func tree() *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	f := factory.NewWith(factory.Options{IO: ios, Getenv: func(string) string { return "" }, WorkDir: os.TempDir(), HomeDir: os.TempDir()})
	cmd := root.NewCmdRoot(f)
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		c.DisableAutoGenTag = true
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cmd)
	return cmd
}

// topics are the help-topic commands, which cobra's generators skip.
func topics(cmd *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, c := range cmd.Commands() {
		if c.IsAdditionalHelpTopicCommand() {
			out = append(out, c)
		}
	}
	return out
}

// renderMarkdown returns every file of the markdown reference by name.
func renderMarkdown() (map[string][]byte, error) {
	tmp, err := os.MkdirTemp("", "snag-docs-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	cmd := tree()
	prepend := func(string) string { return "" }
	link := func(name string) string { return name }
	if err := doc.GenMarkdownTreeCustom(cmd, tmp, prepend, link); err != nil {
		return nil, err
	}
	for _, t := range topics(cmd) {
		var buf bytes.Buffer
		if err := doc.GenMarkdownCustom(t, &buf, link); err != nil {
			return nil, err
		}
		name := strings.ReplaceAll(t.CommandPath(), " ", "_") + ".md"
		if err := os.WriteFile(filepath.Join(tmp, name), buf.Bytes(), 0o644); err != nil {
			return nil, err
		}
	}
	files := map[string][]byte{}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(tmp, e.Name()))
		if err != nil {
			return nil, err
		}
		files[e.Name()] = b
	}
	return files, nil
}

func writeMarkdown(dir string) error {
	files, err := renderMarkdown()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Remove pages of commands that no longer exist.
	old, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return err
	}
	for _, p := range old {
		if _, ok := files[filepath.Base(p)]; !ok {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// checkMarkdown lists the files in dir that differ from a fresh rendering.
func checkMarkdown(dir string) ([]string, error) {
	files, err := renderMarkdown()
	if err != nil {
		return nil, err
	}
	var stale []string
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			stale = append(stale, name+" (missing)")
		case err != nil:
			return nil, err
		case !bytes.Equal(got, want):
			stale = append(stale, name+" (differs)")
		}
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return nil, err
	}
	for _, p := range old {
		if _, ok := files[filepath.Base(p)]; !ok {
			stale = append(stale, filepath.Base(p)+" (no such command)")
		}
	}
	sort.Strings(stale)
	return stale, nil
}

// writeMan writes section-1 man pages. Their date is SOURCE_DATE_EPOCH when
// set, so release builds are reproducible.
func writeMan(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	date := time.Now().UTC()
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH: %w", err)
		}
		date = time.Unix(sec, 0).UTC()
	}
	header := &doc.GenManHeader{Title: "SNAG", Section: "1", Source: "snag " + build.Get().Version, Manual: "snag manual", Date: &date}
	cmd := tree()
	if err := doc.GenManTree(cmd, header, dir); err != nil {
		return err
	}
	for _, t := range topics(cmd) {
		f, err := os.Create(filepath.Join(dir, strings.ReplaceAll(t.CommandPath(), " ", "-")+".1"))
		if err != nil {
			return err
		}
		err = doc.GenMan(t, header, f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}
