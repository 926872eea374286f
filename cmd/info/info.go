// Package info is `snag info`: the effective configuration and where each
// value came from.
package info

import (
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/config"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/internal/tableprinter"
)

// Options are `snag info`'s inputs.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	JSON   bool
}

// NewCmdInfo builds the command; runF replaces the run function in tests.
func NewCmdInfo(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "info",
		Short: "Show the effective configuration and where each value comes from",
		Long: heredoc.Doc(`
			Show every setting snag uses (server URL, auth token, org, project, release, dist,
			local database and server address), the source each value comes from, the config
			files looked at, and whether commands will talk to Sentry or to the local store.

			The auth token is never printed: only its kind and public prefix.
		`),
		Example: cmdutil.Examples(
			"snag info",
			"snag info --json | jq -r .config.org.source",
			"SENTRY_ORG=acme snag info --org other",
		),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Config = func() (*config.Config, error) { return f.Config(cmd.Flags()) }
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	cmdutil.AddConfigFlags(cmd, config.Keys...)
	cmdutil.AddJSONFlag(cmd, &opts.JSON)
	return cmd
}

// Report is the --json document.
type Report struct {
	// Target is where issue and artifact commands go: "sentry" when an auth
	// token is configured, "local" otherwise.
	Target   string                    `json:"target"`
	Config   map[string]config.Setting `json:"config"`
	Auth     Auth                      `json:"auth"`
	Files    []config.File             `json:"files"`
	Warnings []string                  `json:"warnings"`
}

// Auth describes the token without revealing it.
type Auth struct {
	Type   string `json:"type"` // org, user, unknown or none
	Masked string `json:"masked,omitempty"`
}

func newReport(c *config.Config) Report {
	r := Report{Target: "local", Config: map[string]config.Setting{}, Files: c.Files, Warnings: c.Warnings}
	for _, k := range config.Keys {
		r.Config[string(k)] = c.Get(k)
	}
	tok := c.Value(config.AuthToken)
	r.Config[string(config.AuthToken)] = config.Setting{Value: config.Mask(tok), Source: c.Get(config.AuthToken).Source}
	r.Auth = Auth{Type: string(config.KindOf(tok)), Masked: config.Mask(tok)}
	if tok != "" {
		r.Target = "sentry"
	}
	if r.Warnings == nil {
		r.Warnings = []string{}
	}
	return r
}

func run(opts *Options) error {
	c, err := opts.Config()
	if err != nil {
		return err
	}
	r := newReport(c)
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, r)
	}
	io := opts.IO
	cs := io.ColorScheme()
	out := io.Out

	if io.IsStdoutTTY() {
		target := "local store " + c.Value(config.DB) + " (no auth token configured)"
		if r.Target == "sentry" {
			target = "Sentry at " + c.Value(config.URL)
		}
		fmt.Fprintf(out, "%s %s\n\n", cs.Bold("Target:"), target)
	}
	tp := tableprinter.New(out, io.IsStdoutTTY(), io.TerminalWidth())
	tp.AddHeader("setting", "value", "source")
	for _, k := range config.Keys {
		s := r.Config[string(k)]
		tp.AddField(string(k))
		if s.IsSet() {
			tp.AddField(s.Value, tableprinter.WithTruncate())
			tp.AddField(s.Source, tableprinter.WithColor(cs.Gray))
		} else if io.IsStdoutTTY() {
			tp.AddField("-", tableprinter.WithColor(cs.Gray))
			tp.AddField("not set", tableprinter.WithColor(cs.Gray))
		} else {
			tp.AddField("")
			tp.AddField("")
		}
		tp.EndRow()
	}
	if err := tp.Render(); err != nil {
		return err
	}
	if !io.IsStdoutTTY() {
		// Piped output is the settings table alone, so scripts can cut it.
		for _, w := range r.Warnings {
			fmt.Fprintf(io.ErrOut, "warning: %s\n", w)
		}
		return nil
	}

	fmt.Fprintf(out, "\n%s\n", cs.Bold("Config files (highest precedence first):"))
	files := tableprinter.New(out, true, io.TerminalWidth())
	for _, f := range r.Files {
		files.AddField(f.Role)
		files.AddField(f.Path, tableprinter.WithTruncate())
		if f.Found {
			files.AddField("read", tableprinter.WithColor(cs.Green))
		} else {
			files.AddField("not found", tableprinter.WithColor(cs.Gray))
		}
		files.EndRow()
	}
	if err := files.Render(); err != nil {
		return err
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(io.ErrOut, "%s %s\n", io.ErrColorScheme().WarningIcon(), w)
	}
	return nil
}
