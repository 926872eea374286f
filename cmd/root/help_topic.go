package root

import (
	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"
)

// helpTopics are commands with only a Long text; cobra lists them under
// "Additional help topics" and `snag help <topic>` prints them.
func helpTopics() []*cobra.Command {
	topics := []*cobra.Command{
		{
			Use:   "environment",
			Short: "Environment variables and config files snag reads",
			Long: heredoc.Doc(`
				snag reads sentry-cli's configuration, so CI set up for sentry-cli works unchanged.

				Each setting comes from the first of these that has it:

				  1. a command-line flag (--url, --auth-token, --org, --project, --release, --dist, --db, --addr)
				  2. an environment variable (below)
				  3. the first .sentryclirc found walking up from the working directory
				  4. ~/.sentryclirc (or, when it does not exist, sentry/sentrycli.ini in the config directory)
				  5. snag's own config file, snag/config.ini in the config directory ($XDG_CONFIG_HOME,
				     else ~/.config), where 'snag login' saves a token

				An org auth token (sntrys_...) carries its server URL and org; snag uses them when no
				other source sets them, and warns when another source sets them differently.
				'snag info' shows every effective value and where it came from.

				Config files are INI, as sentry-cli writes them:

				  [defaults]
				  url = https://sentry.io/
				  org = my-org
				  project = my-project

				  [auth]
				  token = sntrys_...

				  [snag]
				  db = /path/to/snag.db
				  addr = 127.0.0.1:8969

				SENTRY_URL: the Sentry server (default https://sentry.io/).

				SENTRY_AUTH_TOKEN: the auth token. snag never prints it.

				SENTRY_ORG, SENTRY_PROJECT: the organization and project slugs.

				SENTRY_RELEASE, SENTRY_DIST: the release and distribution for uploads and events.

				SNAG_DB: the local database (default $XDG_DATA_HOME/snag/snag.db, else
				~/.local/share/snag/snag.db).

				SNAG_ADDR: the local server's address (default 127.0.0.1:8969).

				NO_COLOR: set to anything to turn colour off.

				CLICOLOR: set to 0 to turn colour off. CLICOLOR_FORCE: set to 1 to keep colour when
				output is piped (NO_COLOR still wins).

				SNAG_FORCE_TTY: set to 1, or to a column count, to print as if stdout were a terminal.
			`),
		},
		{
			Use:   "exit-codes",
			Short: "What snag's exit codes mean",
			Long: heredoc.Doc(`
				snag exits with:

				  0    success
				  1    failure, or validation problems found (sourcemaps validate)
				  2    usage error: an unknown command or flag, a missing or bad argument
				  4    authentication problem: no token, a malformed token, or the server refused it
				  130  interrupted (Ctrl-C, SIGTERM) or cancelled
			`),
		},
		{
			Use:   "formatting",
			Short: "Tables, colour and JSON output",
			Long: heredoc.Doc(`
				Data goes to standard output; progress, warnings and errors go to standard error.

				On a terminal, lists print as aligned columns with a header, cut to the terminal's width,
				with colour. When output is piped, they print as tab-separated values with no header and
				no colour, one record per line, so 'cut', 'awk' and 'sort' work on them.

				Every command that prints data takes --json: indented JSON with stable field names,
				Sentry's own names where Sentry has one. Fields may be added; none are renamed or removed
				without notice.
			`),
		},
	}
	return topics
}
