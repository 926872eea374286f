// Package dsn is `snag dsn`: the DSN of a local project.
package dsn

import (
	"context"
	"fmt"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/config"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/local/store"
)

// Options are `snag dsn`'s inputs.
type Options struct {
	IO      *iostreams.IOStreams
	Config  func() (*config.Config, error)
	Project string
	JSON    bool
}

// NewCmdDSN builds the command; runF replaces the run function in tests.
func NewCmdDSN(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "dsn [--project <slug>]",
		Short: "Print the DSN that sends events to the local server",
		Long: heredoc.Doc(`
			Print the DSN of a project in the local database, for the address 'snag serve' listens
			on (--addr or SNAG_ADDR, default 127.0.0.1:8969). The database is created if it does
			not exist yet, so the DSN stays the same once 'snag serve' starts.
		`),
		Example: cmdutil.Examples(
			"export SENTRY_DSN=$(snag dsn)",
			"SENTRY_DSN=$(snag dsn --addr 127.0.0.1:9000) npm start",
			"snag dsn --json",
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
	cmdutil.AddConfigFlags(cmd, config.Addr, config.DB)
	cmd.Flags().StringVar(&opts.Project, "project", store.DefaultProjectSlug, "Project slug")
	cmdutil.AddJSONFlag(cmd, &opts.JSON)
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	st, err := cmdutil.OpenStore(ctx, cfg.Value(config.DB), store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	p, err := st.ProjectBySlug(ctx, opts.Project)
	if err != nil {
		return fmt.Errorf("project %q: %w", opts.Project, err)
	}
	keys, err := st.ProjectKeys(ctx, p.ID)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return fmt.Errorf("project %q has no DSN key", opts.Project)
	}
	dsn := cmdutil.LocalDSN(cfg.Value(config.Addr), keys[0].PublicKey, p.ID)
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, map[string]any{"dsn": dsn, "project": p.Slug, "projectId": p.ID, "publicKey": keys[0].PublicKey})
	}
	_, err = fmt.Fprintln(opts.IO.Out, dsn)
	return err
}
