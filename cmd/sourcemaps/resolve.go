package sourcemaps

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/iostreams"
	sm "github.com/snag-dev/snag/sourcemaps"
)

// ResolveOptions are `snag sourcemaps resolve`'s inputs.
type ResolveOptions struct {
	IO      *iostreams.IOStreams
	Map     string
	Line    int
	Column  int
	Context int
	JSON    bool
}

// NewCmdResolve builds the command; runF replaces the run function in tests.
func NewCmdResolve(f *cmdutil.Factory, runF func(context.Context, *ResolveOptions) error) *cobra.Command {
	opts := &ResolveOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "resolve <map> <line>:<column>",
		Short: "Look up one generated position in a sourcemap",
		Long: heredoc.Doc(`
			Look up a position of the generated (minified) file in its sourcemap and print the
			original source, line, column and name, with lines of source around it.

			Line and column are 1-based, as stack traces print them. The map may also be given as
			the JS file, whose sourceMappingURL then names the map. Exits 1 when the position has
			no original (no segment on that line at or before the column, or a segment that maps
			to generated code).
		`),
		Example: cmdutil.Examples(
			"snag sourcemaps resolve dist/app.js.map 1:577",
			"snag sourcemaps resolve dist/app.js 1:577 --json",
			"snag sourcemaps resolve app.js.map -l 1 -c 577",
		),
		Args: cmdutil.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Map = args[0]
			if len(args) == 2 {
				l, c, err := parsePosition(args[1])
				if err != nil {
					return err
				}
				if cmd.Flags().Changed("line") || cmd.Flags().Changed("column") {
					return cmdutil.FlagErrorf("give the position as LINE:COLUMN or with --line and --column, not both")
				}
				opts.Line, opts.Column = l, c
			}
			if opts.Line < 1 || opts.Column < 1 {
				return cmdutil.FlagErrorf("a 1-based position is needed: LINE:COLUMN, or --line and --column")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runResolve(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVarP(&opts.Line, "line", "l", 0, "Generated line, 1-based")
	cmd.Flags().IntVarP(&opts.Column, "column", "c", 0, "Generated column, 1-based")
	cmd.Flags().IntVarP(&opts.Context, "context", "C", 3, "Lines of source to show around the position")
	cmdutil.AddJSONFlag(cmd, &opts.JSON)
	return cmd
}

func parsePosition(s string) (int, int, error) {
	l, c, ok := strings.Cut(s, ":")
	line, err1 := strconv.Atoi(l)
	col, err2 := strconv.Atoi(c)
	if !ok || err1 != nil || err2 != nil || line < 1 || col < 1 {
		return 0, 0, cmdutil.FlagErrorf("position %q: want LINE:COLUMN, both 1-based, such as 1:577", s)
	}
	return line, col, nil
}

// ResolveResult is the --json document.
type ResolveResult struct {
	Map       string   `json:"map"`
	Type      string   `json:"type"` // "regular" or "index"
	Generated Position `json:"generated"`
	// Segment is where the segment used starts; absent when none was found.
	Segment     *Position `json:"segment,omitempty"`
	Mapped      bool      `json:"mapped"`
	Source      string    `json:"source,omitempty"`
	Filename    string    `json:"filename,omitempty"`
	Line        int       `json:"line,omitempty"`
	Column      int       `json:"column,omitempty"`
	Name        string    `json:"name,omitempty"`
	ContextLine string    `json:"context_line,omitempty"`
	PreContext  []string  `json:"pre_context,omitempty"`
	PostContext []string  `json:"post_context,omitempty"`
	Reason      string    `json:"reason,omitempty"`
}

// Position is 1-based.
type Position struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

func runResolve(ctx context.Context, opts *ResolveOptions) error {
	u := &sm.Unminifier{Context: opts.Context}
	defer u.Close()
	r, err := u.ResolveFile(opts.Map, opts.Line, opts.Column)
	if err != nil {
		return err
	}
	res := ResolveResult{
		Map: r.Map, Type: "regular", Generated: Position{opts.Line, opts.Column},
		Mapped: r.Mapped, Source: r.AbsPath, Filename: r.Filename, Line: r.Line, Column: r.Column, Name: r.Name,
		ContextLine: r.ContextLine, PreContext: r.PreContext, PostContext: r.PostContext, Reason: r.Reason,
	}
	if r.Index {
		res.Type = "index"
	}
	if r.Found {
		res.Segment = &Position{r.SegmentLine, r.SegmentColumn}
	}
	if opts.JSON {
		if err := cmdutil.WriteJSON(opts.IO.Out, res); err != nil {
			return err
		}
		if !r.Mapped {
			return cmdutil.ErrSilent
		}
		return nil
	}
	if !r.Mapped {
		return errors.New(r.Reason)
	}
	cs := opts.IO.ColorScheme()
	out := opts.IO.Out
	fmt.Fprintf(out, "%s %s (%s map, %d sources)\n", cs.Bold("Map:"), res.Map, res.Type, r.Sources)
	fmt.Fprintf(out, "%s line %d, column %d (segment starts at column %d)\n", cs.Bold("Generated:"), opts.Line, opts.Column, r.SegmentColumn)
	name := ""
	if r.Name != "" {
		name = "  name " + cs.Cyan(r.Name)
	}
	fmt.Fprintf(out, "%s %s:%d:%d%s\n", cs.Bold("Original:"), r.Filename, r.Line, r.Column, name)
	if r.ContextLine != "" && opts.Context > 0 {
		fmt.Fprintln(out)
		cmdutil.WriteSourceContext(out, "", r.MappedFrame, cs)
	}
	return nil
}
