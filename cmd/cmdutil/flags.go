package cmdutil

import (
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/internal/config"
)

var configFlagUsage = map[config.Key]string{
	config.URL:       "Sentry server URL (env SENTRY_URL; default https://sentry.io/)",
	config.AuthToken: "Sentry auth token (env SENTRY_AUTH_TOKEN)",
	config.Org:       "Organization slug (env SENTRY_ORG)",
	config.Project:   "Project slug (env SENTRY_PROJECT)",
	config.Release:   "Release name (env SENTRY_RELEASE)",
	config.Dist:      "Distribution, e.g. a build number (env SENTRY_DIST)",
	config.DB:        "Local database file (env SNAG_DB)",
	config.Addr:      "Local server address (env SNAG_ADDR; default 127.0.0.1:8969)",
}

// ServerFlags are the flags that pick a Sentry server and project.
var ServerFlags = []config.Key{config.URL, config.AuthToken, config.Org, config.Project}

// AddConfigFlags adds a flag for each key. Their values are read back by
// ConfigFlags, so the flag wins over every other source of the setting.
func AddConfigFlags(cmd *cobra.Command, keys ...config.Key) {
	for _, k := range keys {
		cmd.Flags().String(config.Flag[k], "", configFlagUsage[k])
	}
}

// AddConfigFlagP adds the flag for one key with a one-letter shorthand, for
// commands whose sentry-cli counterpart has one (-o, -p, -r, -d).
func AddConfigFlagP(cmd *cobra.Command, k config.Key, shorthand string) {
	cmd.Flags().StringP(config.Flag[k], shorthand, "", configFlagUsage[k])
}
