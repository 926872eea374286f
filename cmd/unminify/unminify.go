// Package unminify is `snag unminify`: a minified stack trace in, the
// original one out.
package unminify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/sourcemaps"
)

// maxInput bounds what is read from the file or stdin.
const maxInput = 64 << 20

// Options are `snag unminify`'s inputs.
type Options struct {
	IO      *iostreams.IOStreams
	Input   string // a path, "-" or "" for stdin
	Maps    []string
	Context int
	JSON    bool
}

// NewCmdUnminify builds the command; runF replaces the run function in tests.
func NewCmdUnminify(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "unminify [<file> | -] [--maps <dir>]...",
		Short: "Map a minified stack trace back to original sources",
		Long: heredoc.Doc(`
			Read a JavaScript stack trace (V8, SpiderMonkey or JavaScriptCore text) or a Sentry
			event JSON, and print it with every frame mapped to its original function, file,
			line and column, with lines of source around it. Works offline.

			The map for a frame is found, in order: by debug ID (an event's debug_meta, or a
			//# debugId comment in the JS file); through the JS file's sourceMappingURL (a
			relative path, a URL path, or an inline data: URL); then as <file>.map. JS files are
			looked for on this machine when the frame names a local path (Node traces), and under
			each --maps directory by the longest matching path suffix, so a frame from
			https://example.com/static/js/app.js finds dist/static/js/app.js.

			Frames that cannot be mapped are printed unchanged and marked with the reason.
			Given an event JSON, the output is the event with its frames rewritten and the
			minified ones kept in raw_stacktrace, as Sentry stores them.
		`),
		Example: cmdutil.Examples(
			"snag unminify trace.txt --maps dist/",
			"pbpaste | snag unminify --maps build/ --context 0",
			"snag unminify event.json --maps dist/ --json > event.unminified.json",
			"node dist/server.js 2>&1 | snag unminify",
		),
		Args: cmdutil.RangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Input = args[0]
			}
			if opts.Context < 0 {
				return cmdutil.FlagErrorf("--context must be 0 or more, not %d", opts.Context)
			}
			if opts.Input == "" && opts.IO.IsStdinTTY() {
				return cmdutil.FlagErrorf("no input: pass a file, or pipe a stack trace into snag unminify")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringArrayVar(&opts.Maps, "maps", nil, "Directory with the built JS files and their sourcemaps (repeatable)")
	cmd.Flags().IntVarP(&opts.Context, "context", "C", 3, "Lines of source to show around each mapped frame")
	cmdutil.AddJSONFlag(cmd, &opts.JSON)
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	input, name, err := cmdutil.ReadInput(opts.IO, opts.Input, maxInput, "a stack trace")
	if err != nil {
		return err
	}
	u, err := newUnminifier(opts)
	if err != nil {
		return err
	}
	defer u.Close()
	if err := ctx.Err(); err != nil {
		return err
	}
	if t := bytes.TrimLeft(input, " \t\r\n\xef\xbb\xbf"); len(t) > 0 && t[0] == '{' {
		return runEvent(opts, u, input, name)
	}
	return runTrace(opts, u, string(input))
}

func newUnminifier(opts *Options) (*sourcemaps.Unminifier, error) {
	u := &sourcemaps.Unminifier{Context: opts.Context, LocalFiles: true}
	if len(opts.Maps) > 0 {
		roots := make([]fs.FS, 0, len(opts.Maps))
		for _, d := range opts.Maps {
			st, err := os.Stat(d)
			if err != nil {
				return nil, cmdutil.FlagErrorf("--maps %s: %v", d, errors.Unwrap(err))
			}
			if !st.IsDir() {
				return nil, cmdutil.FlagErrorf("--maps %s: not a directory", d)
			}
			roots = append(roots, sourcemaps.OSDir(d))
		}
		dirs, err := sourcemaps.NewDirs(roots...)
		if err != nil {
			return nil, err
		}
		u.Dirs = dirs
	}
	return u, nil
}

// Frame is one frame of `snag unminify --json`. Field names are Sentry's.
type Frame struct {
	Function    string   `json:"function"`
	Filename    string   `json:"filename"`
	AbsPath     string   `json:"abs_path"`
	Lineno      int      `json:"lineno"`
	Colno       int      `json:"colno"`
	InApp       bool     `json:"in_app"`
	ContextLine string   `json:"context_line,omitempty"`
	PreContext  []string `json:"pre_context,omitempty"`
	PostContext []string `json:"post_context,omitempty"`
	Mapped      bool     `json:"mapped"`
	// Map is the sourcemap used; Reason says why a frame was not mapped.
	Map    string `json:"map,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Raw is the frame's line as it was given.
	Raw string `json:"raw"`
}

func runTrace(opts *Options, u *sourcemaps.Unminifier, text string) error {
	trace := sourcemaps.ParseStack(text)
	frames := trace.Frames()
	if len(frames) == 0 {
		return cmdutil.WithHint(errors.New("no stack frames found in the input"),
			"snag unminify reads V8 (\"at fn (file:1:2)\"), SpiderMonkey and JavaScriptCore traces, or a Sentry event JSON.")
	}
	refs := make([]sourcemaps.FrameRef, len(frames))
	for i, f := range frames {
		refs[i] = sourcemaps.FrameRef{URL: f.URL, Function: f.Name(), Line: f.Line, Column: f.Column, Native: f.Native || f.URL == "<anonymous>", Async: f.Async}
	}
	mapped := u.Unminify(refs)

	if opts.JSON {
		out := struct {
			Frames []Frame `json:"frames"`
		}{Frames: make([]Frame, len(frames))}
		for i, f := range frames {
			out.Frames[i] = jsonFrame(f, mapped[i])
		}
		return cmdutil.WriteJSON(opts.IO.Out, out)
	}

	io := opts.IO
	cs := io.ColorScheme()
	var b strings.Builder
	k := 0
	lines := trace.Lines
	if n := len(lines); n > 0 && lines[n-1].Frame == nil && lines[n-1].Text == "" {
		lines = lines[:n-1] // the input's final newline
	}
	for _, line := range lines {
		if line.Frame == nil {
			b.WriteString(line.Text)
			b.WriteByte('\n')
			continue
		}
		f, m := *line.Frame, mapped[k]
		k++
		if !m.Mapped {
			b.WriteString(line.Text)
			if m.Reason != "" && mappable(f) {
				b.WriteString(cs.Gray("  (not mapped: " + m.Reason + ")"))
			}
			b.WriteByte('\n')
			continue
		}
		orig := f
		orig.Function = m.Function
		orig.Alias = ""
		orig.Constructor = orig.Constructor && !strings.HasPrefix(m.Function, "new ")
		orig.URL, orig.Line, orig.Column = m.Filename, m.Line, m.Column
		orig.Eval = false
		b.WriteString(line.Indent())
		rendered := orig.String()
		if m.InApp {
			rendered = cs.Bold(rendered)
		}
		b.WriteString(rendered)
		b.WriteByte('\n')
		if opts.Context > 0 && m.ContextLine != "" {
			cmdutil.WriteSourceContext(&b, line.Indent()+"    ", m, cs)
		}
	}
	if _, err := io.Out.Write([]byte(b.String())); err != nil {
		return err
	}
	return summarize(opts, frames, mapped)
}

// mappable says whether a frame could have a sourcemap: builtins and Node's
// own modules cannot, so they are neither marked nor counted.
func mappable(f sourcemaps.StackFrame) bool {
	return !f.Native && f.Line > 0 && f.URL != "<anonymous>" && !strings.HasPrefix(f.URL, "node:")
}

func jsonFrame(f sourcemaps.StackFrame, m sourcemaps.MappedFrame) Frame {
	if !m.Mapped {
		return Frame{Function: f.Name(), Filename: f.URL, AbsPath: f.URL, Lineno: f.Line, Colno: f.Column, Raw: f.Raw, Map: m.Map, Reason: m.Reason}
	}
	return Frame{
		Function: m.Function, Filename: m.Filename, AbsPath: m.AbsPath, Lineno: m.Line, Colno: m.Column, InApp: m.InApp,
		ContextLine: m.ContextLine, PreContext: m.PreContext, PostContext: m.PostContext,
		Mapped: true, Map: m.Map, Raw: f.Raw,
	}
}

// summarize tells stderr how many frames were mapped and, when some were
// not, the likely fix.
func summarize(opts *Options, frames []sourcemaps.StackFrame, mapped []sourcemaps.MappedFrame) error {
	total, ok := 0, 0
	var firstMiss *sourcemaps.MappedFrame
	for i := range mapped {
		if !mappable(frames[i]) {
			continue
		}
		total++
		if mapped[i].Mapped {
			ok++
		} else if firstMiss == nil {
			firstMiss = &mapped[i]
		}
	}
	if !opts.IO.IsStderrTTY() && ok == total {
		return nil
	}
	cs := opts.IO.ErrColorScheme()
	icon := cs.SuccessIcon()
	if ok < total {
		icon = cs.WarningIcon()
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s Mapped %d of %d frames\n", icon, ok, total)
	if firstMiss != nil && ok == 0 && len(opts.Maps) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "  No sourcemaps were found: pass --maps with your build output directory (dist/, build/, .next/).")
	}
	return nil
}

func runEvent(opts *Options, u *sourcemaps.Unminifier, input []byte, name string) error {
	out, results, err := sourcemaps.UnminifyEvent(u, input)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if opts.JSON {
		_, err := opts.IO.Out.Write(out)
		return err
	}
	// Without --json, print the event's stack traces as text.
	var b strings.Builder
	cs := opts.IO.ColorScheme()
	for _, r := range results {
		m := r.Mapped
		if !m.Mapped {
			fmt.Fprintf(&b, "  at %s (%v:%v:%v)%s\n", orDefault(str(r.Raw["function"]), "?"), orDefault(str(r.Raw["abs_path"]), str(r.Raw["filename"])), r.Raw["lineno"], r.Raw["colno"], cs.Gray("  (not mapped: "+m.Reason+")"))
			continue
		}
		fmt.Fprintf(&b, "  at %s (%s:%d:%d)\n", orDefault(m.Function, "<anonymous>"), m.Filename, m.Line, m.Column)
		if opts.Context > 0 && m.ContextLine != "" {
			cmdutil.WriteSourceContext(&b, "      ", m, cs)
		}
	}
	if len(results) == 0 {
		return errors.New(name + ": the event has no stack trace")
	}
	fmt.Fprintln(opts.IO.Out, "Frames, oldest call first:")
	_, err = io.WriteString(opts.IO.Out, b.String())
	return err
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
