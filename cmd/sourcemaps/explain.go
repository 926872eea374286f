package sourcemaps

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/sourcemaps"
)

// ExplainOptions are `snag sourcemaps explain`'s inputs.
type ExplainOptions struct {
	IO      *iostreams.IOStreams
	Backend func(ctx context.Context) (api.Backend, func(), error)

	EventID string
	Maps    []string
	JSON    bool
}

// Explanation is the --json document.
type Explanation struct {
	EventID string         `json:"event_id"`
	Release string         `json:"release"`
	Dist    string         `json:"dist"`
	Target  api.Target     `json:"target"`
	Frames  []ExplainFrame `json:"frames"`
}

// ExplainFrame is one frame's story, and whether it was unminified when the
// event was stored.
type ExplainFrame struct {
	sourcemaps.FrameExplanation
	Unminified   bool   `json:"unminified"`
	UnminifiedAs string `json:"unminified_as,omitempty"`
}

// NewCmdExplain builds `snag sourcemaps explain`; runF replaces the run
// function in tests.
func NewCmdExplain(f *cmdutil.Factory, runF func(context.Context, *ExplainOptions) error) *cobra.Command {
	opts := &ExplainOptions{IO: f.IOStreams}
	var target cmdutil.TargetFlags
	cmd := &cobra.Command{
		Use:   "explain <event-id> [--maps <dir>]...",
		Short: "Explain why each frame of an event was or was not unminified",
		Long: heredoc.Doc(`
			For each JavaScript frame of an event, show the lookups a sourcemap is found by, in
			the order 'snag serve' makes them, what each found, and for a frame nothing maps, the
			fix for the first that failed (a missing debug ID, another release or dist, an upload
			under another URL prefix, a map from another build).

			The lookups: the frame's debug ID (from the event's debug_meta) among uploaded files;
			the event's release and dist with the frame's URL candidates (the URL, without its
			query, and ~/path); then the --maps directories, by debug ID and by path, reading the
			map to check that the frame's position maps.

			The event is read like 'snag issues view' reads it: from Sentry when an auth token is
			configured, else from the local store (--local forces it). Uploaded files are listed
			from the local store only; for an event on Sentry, pass --maps to check a build's maps.
			Works offline.
		`),
		Example: cmdutil.Examples(
			"snag sourcemaps explain 4f1d3c1a9b8e4d2f8c7b6a5948372615",
			"snag sourcemaps explain 4f1d3c1a-9b8e-4d2f-8c7b-6a5948372615 --maps dist/",
			"snag sourcemaps explain 4f1d3c1a9b8e4d2f8c7b6a5948372615 --json | jq '.frames[].fix'",
		),
		Args: cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.EventID = args[0]
			for _, d := range opts.Maps {
				st, err := os.Stat(d)
				if err != nil {
					return cmdutil.FlagErrorf("--maps %s: %v", d, errors.Unwrap(err))
				}
				if !st.IsDir() {
					return cmdutil.FlagErrorf("--maps %s: not a directory", d)
				}
			}
			opts.Backend = func(ctx context.Context) (api.Backend, func(), error) {
				cfg, err := f.Config(cmd.Flags())
				if err != nil {
					return nil, nil, err
				}
				return cmdutil.OpenBackend(ctx, f, cfg, target)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runExplain(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Maps, "maps", nil, "Directory with the built JS files and their sourcemaps (repeatable)")
	cmdutil.AddJSONFlag(cmd, &opts.JSON)
	cmdutil.AddTargetFlags(cmd, &target)
	return cmd
}

func runExplain(ctx context.Context, opts *ExplainOptions) error {
	b, done, err := opts.Backend(ctx)
	if err != nil {
		return err
	}
	defer done()
	ev, err := b.Event(ctx, opts.EventID)
	if errors.Is(err, api.ErrNotFound) {
		return cmdutil.WithHint(fmt.Errorf("event %s not found (%s)", opts.EventID, b.Target()),
			"Event ids are 32 hex digits, as SDKs log them and 'snag issues view' shows them.")
	}
	if err != nil {
		return fmt.Errorf("event %s: %w", opts.EventID, err)
	}

	in := sourcemaps.ExplainInput{}
	if ev.Release != nil {
		in.Release = ev.Release.Version
	}
	if ev.Dist != nil {
		in.Dist = *ev.Dist
	}
	frames, stored, err := jsFrames(ev)
	if err != nil {
		return err
	}
	in.Frames = frames
	if lb, ok := b.(*store.Backend); ok {
		pid, _ := strconv.ParseInt(ev.ProjectID, 10, 64)
		refs, err := lb.Store().ProjectArtifacts(ctx, pid)
		if err != nil {
			return err
		}
		in.ArtifactsKnown = true
		for _, r := range refs {
			in.Artifacts = append(in.Artifacts, sourcemaps.ExplainArtifact{Bundle: r.BundleID, DebugID: r.DebugID,
				URL: r.URL, Release: r.Release, Dist: r.Dist, Type: r.Type})
		}
	}
	if len(opts.Maps) > 0 {
		roots := make([]fs.FS, len(opts.Maps))
		for i, d := range opts.Maps {
			roots[i] = sourcemaps.OSDir(d)
		}
		if in.Dirs, err = sourcemaps.NewDirs(roots...); err != nil {
			return err
		}
	}

	doc := Explanation{EventID: ev.EventID, Release: in.Release, Dist: in.Dist, Target: b.Target(), Frames: []ExplainFrame{}}
	for i, x := range sourcemaps.Explain(in) {
		doc.Frames = append(doc.Frames, ExplainFrame{FrameExplanation: x, Unminified: stored[i] != "", UnminifiedAs: stored[i]})
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, doc)
	}
	return printExplanation(opts, doc, len(opts.Maps) > 0)
}

// jsFrames lists the event's minified JavaScript frames, innermost first
// (as engines print them), and for each how it was stored ("" when it was
// not unminified).
func jsFrames(ev *api.IssueEvent) ([]sourcemaps.FrameRef, []string, error) {
	debugIDs, err := ev.SourcemapDebugIDs()
	if err != nil {
		return nil, nil, err
	}
	exs, err := ev.Exceptions()
	if err != nil {
		return nil, nil, err
	}
	var refs []sourcemaps.FrameRef
	var stored []string
	for i := len(exs) - 1; i >= 0; i-- {
		ex := exs[i]
		st, raw := ex.Stacktrace, ex.RawStacktrace
		if st == nil {
			continue
		}
		frames := st.Frames
		if raw != nil && len(raw.Frames) > 0 {
			frames = raw.Frames
		}
		for j := len(frames) - 1; j >= 0; j-- {
			f := frames[j]
			url := f.AbsPath
			if url == "" {
				url = f.Filename
			}
			if !explainable(ev.Platform, f, url) {
				continue
			}
			ref := sourcemaps.FrameRef{URL: url, Function: f.Function, Line: *f.LineNo, DebugID: debugIDs[url]}
			if f.ColNo != nil {
				ref.Column = *f.ColNo
			}
			refs = append(refs, ref)
			as := ""
			if raw != nil && len(raw.Frames) == len(st.Frames) {
				if m := st.Frames[j]; m.AbsPath != f.AbsPath || ptrInt(m.LineNo) != ptrInt(f.LineNo) || ptrInt(m.ColNo) != ptrInt(f.ColNo) {
					as = fmt.Sprintf("%s:%d:%d", orDefault(m.Filename, m.AbsPath), ptrInt(m.LineNo), ptrInt(m.ColNo))
				}
			}
			stored = append(stored, as)
		}
	}
	return refs, stored, nil
}

// explainable says whether a frame could have a sourcemap: a JavaScript
// frame with a file and a line, not a builtin.
func explainable(platform string, f api.EventFrame, url string) bool {
	p := f.Platform
	if p == "" {
		p = platform
	}
	if p != "javascript" && p != "node" {
		return false
	}
	return url != "" && f.LineNo != nil && *f.LineNo > 0 && url != "native" && url != "[native code]" &&
		url != "<anonymous>" && !strings.HasPrefix(url, "node:")
}

func ptrInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func printExplanation(opts *ExplainOptions, doc Explanation, maps bool) error {
	io := opts.IO
	cs := io.ColorScheme()
	w := io.Out
	rel := "no release"
	if doc.Release != "" {
		rel = "release " + doc.Release
	}
	if doc.Dist != "" {
		rel += ", dist " + doc.Dist
	}
	fmt.Fprintf(w, "Event %s (%s), from the %s\n", doc.EventID, rel, doc.Target)
	if len(doc.Frames) == 0 {
		fmt.Fprintln(w, "The event has no JavaScript frames with a file and line to look up.")
		return nil
	}
	unmin := 0
	for _, f := range doc.Frames {
		if f.Unminified {
			unmin++
		}
	}
	fmt.Fprintf(w, "%d of %d JavaScript frames were unminified when stored.\n", unmin, len(doc.Frames))
	if doc.Target.Kind != api.TargetLocal && !maps {
		fmt.Fprintln(w, cs.Gray("Uploads on Sentry are not listed: pass --maps with the build output to check its sourcemaps."))
	}
	for _, f := range doc.Frames {
		fmt.Fprintln(w)
		fn := orDefault(f.Function, "<anonymous>")
		head := fmt.Sprintf("at %s (%s:%d:%d)", fn, f.URL, f.Line, f.Column)
		state := cs.Yellow("not unminified")
		if f.Unminified {
			state = cs.Green("unminified") + " → " + f.UnminifiedAs
		}
		fmt.Fprintf(w, "%s  %s\n", cs.Bold(head), state)
		for _, s := range f.Steps {
			mark := cs.Red("✗")
			if s.OK {
				mark = cs.Green("✓")
			}
			text := s.Target
			if s.Found != "" {
				text += " → " + s.Found
			}
			fmt.Fprintf(w, "  %s %-6s %-16s %s\n", mark, s.Source, s.Method, text)
			if s.Detail != "" {
				fmt.Fprintf(w, "    %s\n", cs.Gray(s.Detail))
			}
		}
		switch {
		case f.Mapped:
			fmt.Fprintf(w, "  %s maps to %s with %s\n", cs.Green("→"), f.Original, f.Map)
		case f.Resolved && f.Fix == "":
			fmt.Fprintf(w, "  %s sourcemap: %s\n", cs.Green("→"), f.Map)
		}
		if f.Fix != "" {
			fmt.Fprintf(w, "  %s %s\n", cs.Bold("fix:"), f.Fix)
		}
		if f.Note != "" {
			fmt.Fprintf(w, "  %s %s\n", cs.Bold("note:"), "without --maps: "+f.Note)
		}
	}
	return nil
}
