// Package serve is `snag serve`, the local Sentry-compatible server.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/config"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/local/server"
	"github.com/snag-dev/snag/local/store"
	"github.com/snag-dev/snag/sourcemaps"
)

// Options are `snag serve`'s inputs.
type Options struct {
	IO          *iostreams.IOStreams
	Config      func() (*config.Config, error)
	Maps        []string
	RateLimit   int
	AllowRemote bool
	Retention   store.Options
	// Ready, when set, is called with the listener's address once the
	// server accepts requests (tests).
	Ready func(addr string)
}

// NewCmdServe builds the command; runF replaces the run function in tests.
func NewCmdServe(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	var maxAge time.Duration
	cmd := &cobra.Command{
		Use:   "serve [--addr <host:port>] [--db <path>] [--maps <dir>]...",
		Short: "Run the local Sentry-compatible capture server",
		Long: heredoc.Doc(`
			Run a local server that Sentry SDKs send errors to. Point your app's DSN at it (the DSN
			is printed on start, and by 'snag dsn'), or turn on Spotlight in the SDK: snag listens
			on Spotlight's port, 8969, and accepts its /stream endpoint.

			Events are stored in one SQLite file, unminified with the maps under --maps, grouped
			into issues, counted and kept within the retention limits. An SDK is answered only
			after its event is committed, so nothing acknowledged is lost.

			Routes: POST /api/<project>/envelope/ and /api/<project>/store/ (with the DSN key),
			POST /stream (Spotlight; this machine only), GET /healthz.

			It also answers Sentry's web API under /api/0/ with the API token it prints
			(organization "local", project "default"), so sentry-cli, snag and other Sentry API
			tools work against it: sourcemap upload (chunk-upload and artifact-bundle assembly),
			releases, and issues and events. For example:

			  SENTRY_URL=http://127.0.0.1:8969 SENTRY_AUTH_TOKEN=<token> SENTRY_ORG=local \
			    sentry-cli sourcemaps upload --project default dist/

			The server listens on 127.0.0.1 by default. Listening on another address exposes
			your events to the network: it needs --allow-remote.
		`),
		Example: cmdutil.Examples(
			"snag serve",
			"snag serve --maps dist/ --rate-limit 100",
			"SNAG_DB=/tmp/scratch.db snag serve --addr 127.0.0.1:9000",
			"# then, in your app's environment:",
			"export SENTRY_DSN=$(snag dsn)",
		),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Config = func() (*config.Config, error) { return f.Config(cmd.Flags()) }
			if opts.RateLimit < 0 {
				return cmdutil.FlagErrorf("--rate-limit must be 0 (off) or more, not %d", opts.RateLimit)
			}
			opts.Retention.MaxAge = maxAge
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmdutil.AddConfigFlags(cmd, config.Addr, config.DB)
	cmd.Flags().StringArrayVar(&opts.Maps, "maps", nil, "Directory of built JS files and sourcemaps to unminify events with (repeatable)")
	cmd.Flags().IntVar(&opts.RateLimit, "rate-limit", 0, "Events per second accepted per project; 0 is no limit")
	cmd.Flags().BoolVar(&opts.AllowRemote, "allow-remote", false, "Allow listening on a non-loopback address")
	cmd.Flags().IntVar(&opts.Retention.MaxEvents, "max-events", 0, fmt.Sprintf("Events kept in total; counts stay exact (default %d, -1 for no limit)", store.DefaultMaxEvents))
	cmd.Flags().IntVar(&opts.Retention.MaxEventsPerIssue, "max-events-per-issue", 0, fmt.Sprintf("Events kept per issue (default %d, -1 for no limit)", store.DefaultMaxEventsPerIssue))
	cmd.Flags().DurationVar(&maxAge, "retention", 0, "Delete events older than this, e.g. 72h (default 90 days)")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	addr, dbPath := cfg.Value(config.Addr), cfg.Value(config.DB)
	loopback, err := isLoopbackAddr(addr)
	if err != nil {
		return cmdutil.FlagErrorf("--addr %s: %v", addr, err)
	}
	cs := opts.IO.ErrColorScheme()
	if !loopback {
		if !opts.AllowRemote {
			return cmdutil.FlagErrorf("--addr %s is reachable from other machines; pass --allow-remote to listen there anyway", addr)
		}
		fmt.Fprintf(opts.IO.ErrOut, "%s Listening on %s: anyone who can reach it and knows the DSN can send events, and the API token gives access to them.\n", cs.WarningIcon(), addr)
	}

	var unmin *sourcemaps.Unminifier
	if len(opts.Maps) > 0 {
		roots := make([]fs.FS, 0, len(opts.Maps))
		for _, d := range opts.Maps {
			if st, err := os.Stat(d); err != nil || !st.IsDir() {
				return cmdutil.FlagErrorf("--maps %s: not a directory", d)
			}
			roots = append(roots, sourcemaps.OSDir(d))
		}
		dirs, err := sourcemaps.NewDirs(roots...)
		if err != nil {
			return err
		}
		unmin = &sourcemaps.Unminifier{Dirs: dirs, Context: 5, Indexed: true}
		defer unmin.Close()
	}

	st, err := cmdutil.OpenStore(ctx, dbPath, opts.Retention)
	if err != nil {
		return err
	}
	defer st.Close()
	tuneGC()
	keys, err := st.ProjectKeys(ctx, store.DefaultProjectID)
	if err != nil {
		return err
	}
	token, err := st.APIToken(ctx)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return cmdutil.WithHint(err, "Another server (an earlier snag serve, or Spotlight) is using this port: stop it, or pick another with --addr or SNAG_ADDR.")
	}
	if err != nil {
		return err
	}
	srv := server.New(st, server.Config{
		RateLimit:      opts.RateLimit,
		DefaultProject: store.DefaultProjectID,
		Unminifier:     unmin,
		Logger:         slog.New(slog.NewTextHandler(opts.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})

	bound := ln.Addr().String()
	out := opts.IO.ErrOut
	fmt.Fprintf(out, "%s snag is listening on %s\n\n", cs.SuccessIcon(), cmdutil.LocalURL(bound))
	if len(keys) > 0 {
		fmt.Fprintf(out, "  DSN        %s\n", cmdutil.LocalDSN(bound, keys[0].PublicKey, store.DefaultProjectID))
	}
	fmt.Fprintf(out, "  Spotlight  %s/stream\n", cmdutil.LocalURL(bound))
	fmt.Fprintf(out, "  API        %s/api/0/  token %s\n", cmdutil.LocalURL(bound), token)
	fmt.Fprintf(out, "  Database   %s\n", dbPath)
	if len(opts.Maps) > 0 {
		fmt.Fprintf(out, "  Maps       %v\n", opts.Maps)
	}
	fmt.Fprintf(out, "\nPress Ctrl-C to stop.\n")
	if opts.Ready != nil {
		opts.Ready(bound)
	}
	if err := srv.Serve(ctx, ln); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s Stopped; every acknowledged event is stored.\n", cs.SuccessIcon())
	return nil
}

// isLoopbackAddr reports whether host:port listens only on this machine.
// An empty host means every interface.
func isLoopbackAddr(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, err
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	if ip == nil {
		if host == "" {
			return false, nil
		}
		// A name: loopback only if every address it has is.
		ips, err := net.LookupIP(host)
		if err != nil || len(ips) == 0 {
			return false, fmt.Errorf("cannot resolve %q", host)
		}
		for _, ip := range ips {
			if !ip.IsLoopback() {
				return false, nil
			}
		}
		return true, nil
	}
	return ip.IsLoopback(), nil
}
