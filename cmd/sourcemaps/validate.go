package sourcemaps

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/iostreams"
	sm "github.com/snag-dev/snag/sourcemaps"
)

// ValidateOptions are `snag sourcemaps validate`'s inputs.
type ValidateOptions struct {
	IO     *iostreams.IOStreams
	Paths  []string
	Strict bool
	JSON   bool
}

// NewCmdValidate builds the command; runF replaces the run function in tests.
func NewCmdValidate(f *cmdutil.Factory, runF func(context.Context, *ValidateOptions) error) *cobra.Command {
	opts := &ValidateOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "validate <path>...",
		Short: "Check sourcemaps and the JS files they belong to",
		Long: heredoc.Doc(`
			Check built JavaScript files and their sourcemaps before they are uploaded. Each path
			is a file or a directory, searched recursively (node_modules is skipped; hidden build
			directories such as .next are not).

			Every map must decode under ECMA-426 (version 3, valid VLQ mappings, indexes in range,
			index-map sections in order) and carry its sources in sourcesContent or have them on
			disk. Every JS file must reference a map that exists (a relative path, a URL whose path
			ends in the map's, or an inline data: URL, which is checked too); the map's positions
			must lie inside the file; its named segments must land on identifiers of the file,
			which a map from another build, or a file changed after the build, does not; and the
			debug IDs of the file and its map must agree.

			Problems are printed per file with their severity, a stable code and a hint. Exits 1
			when there is an error, or with --strict a warning. The codes:

			  maps       invalid-map, invalid-version, invalid-mappings, section-overlap,
			             map-prefix, empty-mappings, missing-sources-content,
			             sources-not-embedded, sources-content-length, duplicate-sources,
			             file-mismatch, invalid-debug-id, unreferenced-map
			  JS files   missing-map, no-source-mapping-url, legacy-source-mapping-url,
			             map-not-found, invalid-inline-map, debug-id-mismatch, debug-id-missing,
			             no-debug-id, position-out-of-bounds, foreign-map, unreadable

			foreign-map compares where the map's named segments land: in a JS file built with the
			map nearly all (over 90%) start an identifier. Under 50% is an error, under 80% a
			warning; --json reports the share as identifier_score.
		`),
		Example: cmdutil.Examples(
			"snag sourcemaps validate dist/",
			"snag sourcemaps validate .next/static build/app.js --strict",
			"snag sourcemaps validate dist/ --json | jq '.files[] | select(.problems != [])'",
		),
		Args: cmdutil.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runValidate(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Strict, "strict", false, "Exit 1 on warnings too")
	cmdutil.AddJSONFlag(cmd, &opts.JSON)
	return cmd
}

// hostFS opens the file system root of the given paths, so that maps and
// sources referenced outside the paths (../maps/app.js.map) are reachable.
// It returns the paths as names in that FS and a function that shows a
// name as the user would write it: relative to the working directory when
// every path given was relative.
func hostFS(paths []string) (sm.OSDir, []string, func(string) string, error) {
	cwd, err := os.Getwd()
	if err != nil {
		return "", nil, nil, err
	}
	var root string
	names := make([]string, len(paths))
	relative := true
	for i, p := range paths {
		if filepath.IsAbs(p) {
			relative = false
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", nil, nil, err
		}
		r := filepath.VolumeName(abs) + string(filepath.Separator)
		if root != "" && r != root {
			return "", nil, nil, cmdutil.FlagErrorf("paths on different drives (%s and %s) cannot be checked together", root, r)
		}
		root = r
		names[i] = filepath.ToSlash(strings.TrimPrefix(abs, root))
		if names[i] == "" {
			names[i] = "."
		}
	}
	display := func(name string) string {
		p := filepath.Join(root, filepath.FromSlash(name))
		if relative {
			if rel, err := filepath.Rel(cwd, p); err == nil {
				return rel
			}
		}
		return p
	}
	return sm.OSDir(root), names, display, nil
}

func runValidate(ctx context.Context, opts *ValidateOptions) error {
	fsys, names, display, err := hostFS(opts.Paths)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r, err := sm.Validate(fsys, names, sm.ValidateOptions{DisplayPath: display})
	if err != nil {
		return err
	}
	if opts.JSON {
		if err := cmdutil.WriteJSON(opts.IO.Out, r); err != nil {
			return err
		}
	} else {
		if err := printReport(opts.IO, r); err != nil {
			return err
		}
		printSummary(opts, r)
	}
	if r.Failed(opts.Strict) {
		return cmdutil.ErrSilent
	}
	return nil
}

// printReport writes the files that have problems, each with its problems;
// a hint is printed the first time its code appears.
func printReport(io *iostreams.IOStreams, r *sm.Report) error {
	cs := io.ColorScheme()
	hinted := map[string]bool{}
	var b strings.Builder
	for _, f := range r.Files {
		if len(f.Problems) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(cs.Bold(f.Path))
		var about []string
		if f.Map != "" {
			about = append(about, "map "+f.Map)
		}
		if f.IdentifierScore != nil {
			about = append(about, fmt.Sprintf("identifier score %.1f%% of %d", 100**f.IdentifierScore, f.NamedChecked))
		}
		if len(about) > 0 {
			b.WriteString(cs.Gray("  (" + strings.Join(about, ", ") + ")"))
		}
		b.WriteByte('\n')
		for _, p := range f.Problems {
			fmt.Fprintf(&b, "  %s %s %s\n", severityLabel(cs, p.Severity), p.Message, cs.Gray("["+code(p)+"]"))
			if p.Hint != "" && !hinted[p.Code] {
				hinted[p.Code] = true
				fmt.Fprintf(&b, "    %s %s\n", cs.Gray("hint:"), p.Hint)
			}
		}
	}
	_, err := io.Out.Write([]byte(b.String()))
	return err
}

func severityLabel(cs *iostreams.ColorScheme, s sm.Severity) string {
	label := fmt.Sprintf("%-7s", s)
	switch s {
	case sm.SeverityError:
		return cs.Red(label)
	case sm.SeverityWarning:
		return cs.Yellow(label)
	default:
		return cs.Cyan(label)
	}
}

// code is the problem's code, with the decoder's rule for mappings errors.
func code(p sm.Problem) string {
	if m := p.Mappings; m != nil && m.Kind != "" {
		return p.Code + ": " + m.Kind
	}
	return p.Code
}

func printSummary(opts *ValidateOptions, r *sm.Report) {
	cs := opts.IO.ErrColorScheme()
	s := r.Summary
	icon := cs.SuccessIcon()
	switch {
	case r.Failed(opts.Strict):
		icon = cs.FailureIcon()
	case s.Warnings > 0:
		icon = cs.WarningIcon()
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Checked %s and %s: %s, %s, %s\n", icon,
		plural(s.JSFiles, "JS file"), plural(s.Maps, "map"),
		plural(s.Errors, "error"), plural(s.Warnings, "warning"), fmt.Sprintf("%d info", s.Infos))
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
