package sourcemaps

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/iostreams"
	sm "github.com/snag-dev/snag/sourcemaps"
)

// InjectOptions are `snag sourcemaps inject`'s inputs.
type InjectOptions struct {
	IO         *iostreams.IOStreams
	Paths      []string
	DryRun     bool
	Extensions []string
	Ignore     []string
	JSON       bool
}

// NewCmdInject builds the command; runF replaces the run function in tests.
func NewCmdInject(f *cmdutil.Factory, runF func(context.Context, *InjectOptions) error) *cobra.Command {
	opts := &InjectOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "inject <path>...",
		Short: "Add debug IDs to JS files and their sourcemaps",
		Long: heredoc.Docf(`
			Give every JS file under the paths a debug ID, the way sentry-cli sourcemaps inject
			does, so Sentry (or snag) can match its stack frames to the right sourcemap without
			release names or URL prefixes.

			Each file gets a one-line snippet that records its ID in _sentryDebugIds at run
			time (Sentry SDKs read it), and a %[1]s//# debugId=<uuid>%[1]s comment as its last line.
			Its sourcemap, named by the sourceMappingURL comment (an inline data: URL is
			updated in place) or else found as <file>.map, gets the same ID in a "debugId"
			field; only that field is added, the rest of the JSON is left as it is.

			With a sourcemap, the snippet goes near the top, on its own line after any hashbang,
			leading comments and "use strict" or "use client" directives, and the map's mappings
			are shifted so every position still maps to the same original. Without one, it goes
			at the end, before the sourceMappingURL comment.

			The ID comes from the map it already has, or is derived from the JS and map contents
			(a SHA-1 based UUID), so rebuilding the same output gives the same IDs. Files that
			already have a debug ID comment are left alone, so running inject twice changes
			nothing. A file that cannot be changed safely (a map that does not decode, a file
			that is not UTF-8, a top of file that cannot be parsed) is refused and left
			untouched; inject then exits 1.

			Directories are searched recursively for .js, .cjs and .mjs files (see --ext),
			including hidden ones such as .next, but not node_modules.
		`, "`"),
		Example: cmdutil.Examples(
			"snag sourcemaps inject dist/",
			"snag sourcemaps inject .next/static build/server --dry-run",
			"snag sourcemaps inject dist/ --ext js --ext jsbundle --ignore '*.worker.js'",
			"snag sourcemaps inject dist/ --json | jq -r '.files[] | select(.status == \"refused\") | .reason'",
		),
		Args: cmdutil.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			for _, e := range opts.Extensions {
				if strings.Trim(e, ".") == "" || strings.ContainsAny(e, "/\\*") {
					return cmdutil.FlagErrorf("--ext %q: want an extension such as js or .mjs", e)
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runInject(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "Report what would change without writing anything")
	cmd.Flags().StringArrayVarP(&opts.Extensions, "ext", "x", nil, "File extension to inject, replacing the defaults js, cjs and mjs (repeatable)")
	cmd.Flags().StringArrayVarP(&opts.Ignore, "ignore", "i", nil, "Glob of files or directories to leave out, matched against base names and paths (repeatable)")
	cmdutil.AddJSONFlag(cmd, &opts.JSON)
	return cmd
}

// InjectReport is the --json document.
type InjectReport struct {
	DryRun  bool               `json:"dry_run"`
	Files   []InjectFileResult `json:"files"`
	Summary InjectSummary      `json:"summary"`
}

// InjectFileResult is one JS file. Status is "injected",
// "already_injected", "skipped" or "refused"; Reason says why for the last
// two. Snippet is where the snippet went ("top" or "end"), SnippetLine its
// 1-based line.
type InjectFileResult struct {
	Path        string `json:"path"`
	Status      string `json:"status"`
	DebugID     string `json:"debug_id,omitempty"`
	Map         string `json:"map,omitempty"`
	InlineMap   bool   `json:"inline_map,omitempty"`
	JSModified  bool   `json:"js_modified"`
	MapModified bool   `json:"map_modified"`
	Snippet     string `json:"snippet,omitempty"`
	SnippetLine int    `json:"snippet_line,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// InjectSummary counts files; in a dry run, what would be modified.
type InjectSummary struct {
	ModifiedSources int `json:"modified_sources"`
	ModifiedMaps    int `json:"modified_maps"`
	AlreadyInjected int `json:"already_injected"`
	Skipped         int `json:"skipped"`
	Refused         int `json:"refused"`
}

func runInject(ctx context.Context, opts *InjectOptions) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	files, err := sm.InjectFiles(opts.Paths, sm.InjectOptions{Extensions: opts.Extensions, Ignore: opts.Ignore, DryRun: opts.DryRun})
	if err != nil {
		return err
	}
	rep := InjectReport{DryRun: opts.DryRun, Files: make([]InjectFileResult, 0, len(files))}
	for _, f := range files {
		r := InjectFileResult{
			Path: f.Path, Status: string(f.Status), DebugID: f.DebugID, Map: f.Map, InlineMap: f.InlineMap,
			JSModified: f.JSModified, MapModified: f.MapModified, Snippet: string(f.Placement), SnippetLine: f.Line, Reason: f.Reason,
		}
		rep.Files = append(rep.Files, r)
		switch f.Status {
		case sm.StatusAlreadyInjected:
			rep.Summary.AlreadyInjected++
		case sm.StatusSkipped:
			rep.Summary.Skipped++
		case sm.StatusRefused:
			rep.Summary.Refused++
		}
		if f.JSModified {
			rep.Summary.ModifiedSources++
		}
		if f.MapModified {
			rep.Summary.ModifiedMaps++
		}
	}

	if opts.JSON {
		if err := cmdutil.WriteJSON(opts.IO.Out, rep); err != nil {
			return err
		}
	} else if err := writeInjectText(opts.IO.Out, opts.IO.ColorScheme(), rep); err != nil {
		return err
	}
	summarizeInject(opts, rep)
	if rep.Summary.Refused > 0 {
		return cmdutil.ErrSilent
	}
	return nil
}

// writeInjectText prints the report in sections, as sentry-cli's
// injection report does; empty sections are left out.
func writeInjectText(w io.Writer, cs *iostreams.ColorScheme, rep InjectReport) error {
	rw := reportWriter{cs: cs}
	section := rw.section
	var sources, maps, already, skipped, refused []string
	for _, f := range rep.Files {
		switch {
		case f.Status == string(sm.StatusRefused):
			refused = append(refused, f.Path+": "+cs.Red(f.Reason))
			continue
		case f.Status == string(sm.StatusSkipped):
			skipped = append(skipped, f.Path+": "+f.Reason)
			continue
		case f.Status == string(sm.StatusAlreadyInjected):
			already = append(already, f.DebugID+"  "+f.Path)
		}
		if f.JSModified {
			note := ""
			switch {
			case f.Snippet == string(sm.PlacedTop):
				note = fmt.Sprintf("snippet at line %d", f.SnippetLine)
			case f.Snippet == string(sm.PlacedEnd):
				note = fmt.Sprintf("snippet at line %d, at the end: no sourcemap", f.SnippetLine)
			}
			if f.InlineMap && f.MapModified {
				if note != "" {
					note += ", "
				}
				note += "inline sourcemap updated"
			}
			if note != "" {
				note = "  " + cs.Gray("("+note+")")
			}
			sources = append(sources, f.DebugID+"  "+f.Path+note)
		}
		if f.MapModified && !f.InlineMap {
			maps = append(maps, f.DebugID+"  "+f.Map)
		}
	}
	section("Modified sources", sources)
	section("Modified sourcemaps", maps)
	section("Already had debug IDs", already)
	section("Skipped", skipped)
	section("Refused", refused)
	_, err := io.WriteString(w, rw.b.String())
	return err
}

func summarizeInject(opts *InjectOptions, rep InjectReport) {
	cs := opts.IO.ErrColorScheme()
	errOut := opts.IO.ErrOut
	s := rep.Summary
	if len(rep.Files) == 0 {
		fmt.Fprintf(errOut, "%s No JS files found under %s\n", cs.WarningIcon(), strings.Join(opts.Paths, ", "))
		return
	}
	icon := cs.SuccessIcon()
	if s.Refused > 0 {
		icon = cs.FailureIcon()
	}
	var parts []string
	switch {
	case s.ModifiedSources == 0 && s.ModifiedMaps == 0:
		parts = append(parts, "Nothing to inject")
	case rep.DryRun:
		parts = append(parts, fmt.Sprintf("Would inject debug IDs into %s and %s (dry run: nothing was written)",
			plural(s.ModifiedSources, "file"), plural(s.ModifiedMaps, "sourcemap")))
	default:
		parts = append(parts, fmt.Sprintf("Injected debug IDs into %s and %s",
			plural(s.ModifiedSources, "file"), plural(s.ModifiedMaps, "sourcemap")))
	}
	if s.AlreadyInjected > 0 {
		parts = append(parts, fmt.Sprintf("%s already had one", plural(s.AlreadyInjected, "file")))
	}
	if s.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%s skipped", plural(s.Skipped, "file")))
	}
	if s.Refused > 0 {
		parts = append(parts, fmt.Sprintf("%s refused", plural(s.Refused, "file")))
	}
	fmt.Fprintf(errOut, "%s %s\n", icon, strings.Join(parts, "; "))
}

// reportWriter builds a text report in titled sections, as sentry-cli
// prints its upload and injection reports; empty sections are left out.
type reportWriter struct {
	cs *iostreams.ColorScheme
	b  strings.Builder
}

func (rw *reportWriter) section(title string, rows []string) {
	if len(rows) == 0 {
		return
	}
	if rw.b.Len() > 0 {
		rw.b.WriteByte('\n')
	}
	fmt.Fprintf(&rw.b, "%s (%d):\n", rw.cs.Bold(title), len(rows))
	for _, r := range rows {
		rw.b.WriteString("  " + r + "\n")
	}
}
