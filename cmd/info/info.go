// Package info is `snag info`: the effective configuration and where each
// value came from.
package info

import (
	"context"
	"fmt"
	"os"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/config"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/internal/tableprinter"
	"github.com/snag-dev/snag/local/store"
)

// Options are `snag info`'s inputs.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*config.Config, error)
	JSON   bool
}

// NewCmdInfo builds the command; runF replaces the run function in tests.
func NewCmdInfo(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
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
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
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
	// Local describes the local database and server; absent fields mean
	// the database does not exist yet.
	Local Local `json:"local"`
}

// Local is where the local server keeps its data and how to reach it.
type Local struct {
	DB       string `json:"db"`
	Exists   bool   `json:"exists"`
	DSN      string `json:"dsn,omitempty"`
	APIURL   string `json:"api_url"`
	APIToken string `json:"api_token,omitempty"` // masked
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

// localInfo reads the DSN and token from the local database, without
// creating it when it does not exist.
func localInfo(ctx context.Context, c *config.Config) Local {
	l := Local{DB: c.Value(config.DB), APIURL: cmdutil.LocalURL(c.Value(config.Addr)) + "/api/0/"}
	if _, err := os.Stat(l.DB); err != nil {
		return l
	}
	l.Exists = true
	st, err := store.Open(ctx, l.DB, store.Options{})
	if err != nil {
		return l
	}
	defer st.Close()
	if keys, err := st.ProjectKeys(ctx, store.DefaultProjectID); err == nil && len(keys) > 0 {
		l.DSN = cmdutil.LocalDSN(c.Value(config.Addr), keys[0].PublicKey, store.DefaultProjectID)
	}
	if tok, err := st.APIToken(ctx); err == nil {
		l.APIToken = config.Mask(tok)
	}
	return l
}

func run(ctx context.Context, opts *Options) error {
	c, err := opts.Config()
	if err != nil {
		return err
	}
	r := newReport(c)
	r.Local = localInfo(ctx, c)
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

	fmt.Fprintf(out, "\n%s\n", cs.Bold("Local server:"))
	if r.Local.Exists {
		fmt.Fprintf(out, "  DSN        %s\n  API        %s  token %s\n  Database   %s\n", r.Local.DSN, r.Local.APIURL, r.Local.APIToken, r.Local.DB)
	} else {
		fmt.Fprintf(out, "  Database   %s %s\n", r.Local.DB, cs.Gray("(not created yet: 'snag serve' or 'snag dsn' creates it)"))
	}
	fmt.Fprintf(out, "\n%s\n", cs.Bold("Config files (highest precedence first):"))
	files := tableprinter.New(out, true, io.TerminalWidth())
	for _, f := range r.Files {
		files.AddField("  " + f.Role)
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
