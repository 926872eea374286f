// Package login is `snag login`: check an auth token and save it.
package login

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/config"
	"github.com/snag-dev/snag/internal/iostreams"
)

// Options are `snag login`'s inputs.
type Options struct {
	IO         *iostreams.IOStreams
	Config     func() (*config.Config, error)
	HTTPClient func() *http.Client
	WithToken  bool
}

// NewCmdLogin builds the command; runF replaces the run function in tests.
func NewCmdLogin(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, HTTPClient: f.HTTPClient}
	cmd := &cobra.Command{
		Use:   "login [--url URL] [--with-token]",
		Short: "Check a Sentry auth token and save it for later commands",
		Long: heredoc.Doc(`
			Check an auth token against the Sentry server (GET /api/0/) and save it in snag's
			config file (snag/config.ini in the config directory, readable only by you).

			The token is read from a hidden prompt on a terminal, from standard input with
			--with-token, or from --auth-token. Org tokens (sntrys_...) carry their server URL
			and org; for user tokens (sntryu_...) pass --url for a server other than sentry.io,
			and it is saved with the token.

			A token from SENTRY_AUTH_TOKEN or a .sentryclirc file takes precedence over the saved
			one; snag says so when that happens.
		`),
		Example: cmdutil.Examples(
			"snag login",
			"snag login --with-token < token.txt",
			`echo "$TOKEN" | snag login --url https://sentry.example.com --with-token`,
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
	cmdutil.AddConfigFlags(cmd, config.URL, config.AuthToken)
	cmd.Flags().BoolVar(&opts.WithToken, "with-token", false, "Read the token from standard input")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	io := opts.IO
	token, err := readToken(cfg, opts)
	if err != nil {
		return err
	}

	url := cfg.Get(config.URL)
	if config.KindOf(token) == config.TokenOrg {
		ot, err := config.ParseOrgToken(token)
		if err != nil {
			return &cmdutil.AuthError{Err: err}
		}
		if ot.URL != "" && (url.Source == config.SourceDefault || url.Source == config.SourceOrgToken) {
			url = config.Setting{Value: ot.URL, Source: config.SourceOrgToken}
		}
	}

	// One retry at most: a person is waiting, and a wrong URL should fail fast.
	client, err := api.New(url.Value, token, api.WithHTTPClient(opts.HTTPClient()), api.WithMaxRetries(1))
	if err != nil {
		return err
	}
	info, err := client.Authenticate(ctx)
	if err != nil {
		if api.IsAuthError(err) {
			return cmdutil.WithHint(err, fmt.Sprintf("Check that the token is complete and was made on %s.", client.BaseURL()))
		}
		return err
	}

	// Save the URL only when the user chose it; the default and an org
	// token's own URL need no saving.
	saveURL := ""
	if url.Source != config.SourceDefault && url.Source != config.SourceOrgToken {
		saveURL = url.Value
	}
	if err := config.SaveCredentials(cfg.SnagFile, token, saveURL); err != nil {
		return err
	}

	cs := io.ErrColorScheme()
	who := "with a token"
	switch {
	case info.User != nil && info.User.Email != "":
		who = "as " + info.User.Email
	case config.KindOf(token) == config.TokenOrg:
		who = "with an org token"
		if ot, _ := config.ParseOrgToken(token); ot.Org != "" {
			who += " for " + ot.Org
		}
	}
	fmt.Fprintf(io.ErrOut, "%s Logged in to %s %s\n", cs.SuccessIcon(), client.BaseURL(), who)
	fmt.Fprintf(io.ErrOut, "%s Token saved to %s\n", cs.SuccessIcon(), cfg.SnagFile)
	if cur := cfg.Get(config.AuthToken); cur.IsSet() && cur.Source != cfg.SnagFile && !strings.HasPrefix(cur.Source, "--") {
		fmt.Fprintf(io.ErrOut, "%s The token from %s takes precedence over the saved one; remove it to use the new token.\n", cs.WarningIcon(), cur.Source)
	}
	return nil
}

// readToken takes the token from --auth-token, standard input, or a prompt.
func readToken(cfg *config.Config, opts *Options) (string, error) {
	io := opts.IO
	if tok := cfg.Get(config.AuthToken); strings.HasPrefix(tok.Source, "--") {
		if opts.WithToken {
			return "", cmdutil.FlagErrorf("--auth-token and --with-token cannot be used together")
		}
		return tok.Value, nil
	}
	var token string
	switch {
	case opts.WithToken:
		b, err := readAllLimited(io.In)
		if err != nil {
			return "", fmt.Errorf("reading the token from standard input: %w", err)
		}
		token = strings.TrimSpace(string(b))
	case io.CanPrompt():
		base := strings.TrimRight(cfg.Value(config.URL), "/")
		fmt.Fprintf(io.ErrOut, "Create a token at %s/settings/account/api/auth-tokens/ (or an org token under Settings > Auth Tokens).\n", base)
		fmt.Fprint(io.ErrOut, "Paste the token: ")
		t, err := io.ReadSecret()
		if err != nil {
			return "", fmt.Errorf("reading the token: %w", err)
		}
		token = t
	default:
		return "", cmdutil.FlagErrorf("no token: pass it on standard input with --with-token, or with --auth-token, when not running interactively")
	}
	if token == "" {
		return "", &cmdutil.AuthError{Err: errors.New("the token is empty")}
	}
	return token, nil
}

// readAllLimited reads a token; anything larger than 16 KiB is not one.
func readAllLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, 16<<10+1))
	if err == nil && len(b) > 16<<10 {
		return nil, errors.New("input is too large to be a token")
	}
	return b, err
}
