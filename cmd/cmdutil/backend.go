package cmdutil

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/internal/config"
	"github.com/snag-dev/snag/local/store"
)

// TargetFlags choose where issue commands read and act: --local forces the
// local store; --verbose says on stderr which target is used, and why.
type TargetFlags struct {
	Local   bool
	Verbose bool
}

// AddTargetFlags adds --local, --verbose, the server flags and --db.
func AddTargetFlags(cmd *cobra.Command, t *TargetFlags) {
	AddConfigFlags(cmd, config.URL, config.AuthToken, config.Org, config.Project, config.DB)
	cmd.Flags().BoolVar(&t.Local, "local", false, "Use the local store even when an auth token is configured")
	cmd.Flags().BoolVar(&t.Verbose, "verbose", false, "Say which target (Sentry or the local store) is used, and why")
}

// OpenBackend returns what issue commands work against, as DESIGN.md says:
// the Sentry API when an auth token is configured, the local store opened
// directly otherwise or with --local. close releases it.
func OpenBackend(ctx context.Context, f *Factory, cfg *config.Config, t TargetFlags) (b api.Backend, closeFn func(), err error) {
	io := f.IOStreams
	tok := cfg.Get(config.AuthToken)
	if tok.IsSet() && !t.Local {
		c, err := f.APIClient(cfg)
		if err != nil {
			return nil, nil, err
		}
		org := cfg.Value(config.Org)
		if org == "" {
			return nil, nil, WithHint(fmt.Errorf("the Sentry API at %s: %w", c.BaseURL(), api.ErrNoOrg),
				"Set the organization with --org or SENTRY_ORG, or use the local store with --local.")
		}
		r := api.NewRemote(c, org, cfg.Value(config.Project))
		if t.Verbose {
			fmt.Fprintf(io.ErrOut, "Target: %s (auth token from %s)\n", r.Target(), tok.Source)
		}
		return r, func() {}, nil
	}
	path := cfg.Value(config.DB)
	st, err := OpenStore(ctx, path, store.Options{Now: f.Now})
	if err != nil {
		return nil, nil, err
	}
	opts := store.BackendOptions{Path: path, BaseURL: LocalURL(cfg.Value(config.Addr))}
	// SENTRY_PROJECT names a project on Sentry; only an explicit --project
	// narrows the local store.
	if p := cfg.Get(config.Project); p.Source == "--"+config.Flag[config.Project]+" flag" {
		opts.Project = p.Value
	}
	lb := store.NewBackend(st, opts)
	if t.Verbose {
		why := "no auth token configured"
		if t.Local {
			why = "--local"
		}
		fmt.Fprintf(io.ErrOut, "Target: %s (%s)\n", lb.Target(), why)
	}
	return lb, func() { st.Close() }, nil
}
