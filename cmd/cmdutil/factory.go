// Package cmdutil is what every command shares: the Factory of dependencies,
// the typed errors that become exit codes, and the --json exporter.
package cmdutil

import (
	"net/http"
	"time"

	"github.com/spf13/pflag"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/internal/config"
	"github.com/snag-dev/snag/internal/iostreams"
)

// Factory hands commands their dependencies. Expensive ones are functions,
// built only when a command asks; tests fill the struct with their own.
type Factory struct {
	IOStreams *iostreams.IOStreams
	// Getenv reads the environment (os.Getenv outside tests).
	Getenv func(string) string
	// Now is the clock.
	Now func() time.Time
	// Config resolves settings, with the flags the user set on this command
	// line taking precedence.
	Config func(flags *pflag.FlagSet) (*config.Config, error)
	// HTTPClient is used for every request to a Sentry server.
	HTTPClient func() *http.Client
	// APIClient returns a Sentry API client for the configured URL and token.
	APIClient func(cfg *config.Config) (*api.Client, error)
}

// ConfigFlags collects the flags the user set that name a config key, from
// this command's flags and the persistent ones it inherits.
func ConfigFlags(flags *pflag.FlagSet) map[config.Key]string {
	out := map[config.Key]string{}
	if flags == nil {
		return out
	}
	for k, name := range config.Flag {
		if f := flags.Lookup(name); f != nil && f.Changed {
			out[k] = f.Value.String()
		}
	}
	return out
}
