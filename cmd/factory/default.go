// Package factory builds the real dependencies behind cmdutil.Factory. It is
// the only place that knows the concrete types.
package factory

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/pflag"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/config"
	"github.com/snag-dev/snag/internal/iostreams"
)

// New returns the factory for a real process. getenv is os.Getenv outside
// tests.
func New(getenv func(string) string) *cmdutil.Factory {
	return NewWith(Options{IO: iostreams.System(getenv), Getenv: getenv})
}

// Options let tests place the factory in a world of their own.
type Options struct {
	IO     *iostreams.IOStreams
	Getenv func(string) string
	// WorkDir and HomeDir default to the process's.
	WorkDir, HomeDir string
}

// NewWith returns a factory built from opts.
func NewWith(opts Options) *cmdutil.Factory {
	getenv := opts.Getenv
	f := &cmdutil.Factory{
		IOStreams: opts.IO,
		Getenv:    getenv,
		Now:       time.Now,
	}
	// Each dependency below is built from the ones above it.
	f.Config = func(flags *pflag.FlagSet) (*config.Config, error) {
		return config.Load(config.Options{Flags: cmdutil.ConfigFlags(flags), Getenv: getenv, WorkDir: opts.WorkDir, HomeDir: opts.HomeDir})
	}
	f.HTTPClient = func() *http.Client {
		// The default transport honours HTTPS_PROXY and friends. No overall
		// timeout here: the API client bounds each attempt itself, with a
		// longer budget for chunk uploads.
		return &http.Client{}
	}
	f.APIClient = func(cfg *config.Config) (*api.Client, error) {
		return APIClient(cfg, f.HTTPClient())
	}
	return f
}

// ErrNoToken means no auth token is configured anywhere.
var ErrNoToken = errors.New("no auth token configured")

// APIClient builds a Sentry API client from the configuration, refusing
// before any request when there is no usable token.
func APIClient(cfg *config.Config, hc *http.Client) (*api.Client, error) {
	tok := cfg.Get(config.AuthToken)
	if !tok.IsSet() {
		return nil, &cmdutil.AuthError{Err: ErrNoToken}
	}
	if config.KindOf(tok.Value) == config.TokenOrg {
		if _, err := config.ParseOrgToken(tok.Value); err != nil {
			return nil, &cmdutil.AuthError{Err: fmt.Errorf("auth token from %s: %w", tok.Source, err)}
		}
	}
	c, err := api.New(cfg.Value(config.URL), tok.Value, api.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("server URL from %s: %w", cfg.Get(config.URL).Source, err)
	}
	return c, nil
}
