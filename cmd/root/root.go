// Package root assembles snag's command tree and runs it.
package root

import (
	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/cmd/cmdutil"
	completionCmd "github.com/snag-dev/snag/cmd/completion"
	dsnCmd "github.com/snag-dev/snag/cmd/dsn"
	eventsCmd "github.com/snag-dev/snag/cmd/events"
	infoCmd "github.com/snag-dev/snag/cmd/info"
	issuesCmd "github.com/snag-dev/snag/cmd/issues"
	loginCmd "github.com/snag-dev/snag/cmd/login"
	serveCmd "github.com/snag-dev/snag/cmd/serve"
	sourcemapsCmd "github.com/snag-dev/snag/cmd/sourcemaps"
	unminifyCmd "github.com/snag-dev/snag/cmd/unminify"
	versionCmd "github.com/snag-dev/snag/cmd/version"
	"github.com/snag-dev/snag/internal/build"
)

// Command groups, in the order help lists them.
var groups = []*cobra.Group{
	{ID: "server", Title: "Local server:"},
	{ID: "sourcemaps", Title: "Sourcemaps and stack traces:"},
	{ID: "issues", Title: "Issues and events:"},
	{ID: "setup", Title: "Setup:"},
}

// NewCmdRoot builds the whole command tree.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	io := f.IOStreams
	cmd := &cobra.Command{
		Use:   "snag <command> [flags]",
		Short: "Sourcemaps, stack traces and a local Sentry for JavaScript teams",
		Long: heredoc.Doc(`
			snag does three jobs around production errors:

			  In CI            validate sourcemaps, inject debug IDs, upload them to Sentry.
			  In the terminal  unminify a stack trace offline; triage issues in a TUI,
			                   against Sentry's web API or the local store.
			  In development   run a local Sentry-compatible server that real SDKs send to.

			It reads the same configuration as sentry-cli: SENTRY_URL, SENTRY_AUTH_TOKEN,
			SENTRY_ORG, SENTRY_PROJECT and .sentryclirc files. See 'snag help environment'.
		`),
		Example: cmdutil.Examples(
			"snag info",
			"snag login",
			`snag completion zsh > "${fpath[1]}/_snag"`,
		),
		Version:       build.Get().String(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	cmd.SetIn(io.In)
	cmd.SetOut(io.Out)
	cmd.SetErr(io.ErrOut)
	cmd.SetUsageTemplate(usageTemplate)
	cmd.SetVersionTemplate("snag version {{.Version}}\n")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
	// Only `snag completion` generates completions, with its own help.
	cmd.CompletionOptions.DisableDefaultCmd = true

	add := func(group string, cs ...*cobra.Command) {
		for _, c := range cs {
			c.GroupID = group
			cmd.AddCommand(c)
		}
	}
	add("server",
		serveCmd.NewCmdServe(f, nil),
		dsnCmd.NewCmdDSN(f, nil),
	)
	add("sourcemaps",
		unminifyCmd.NewCmdUnminify(f, nil),
		sourcemapsCmd.NewCmdSourcemaps(f),
	)
	add("issues",
		issuesCmd.NewCmdIssues(f, nil), // the TUI (issue 7) plugs in here
		eventsCmd.NewCmdEvents(f),
	)
	add("setup",
		infoCmd.NewCmdInfo(f, nil),
		loginCmd.NewCmdLogin(f, nil),
		completionCmd.NewCmdCompletion(f),
		versionCmd.NewCmdVersion(f, nil),
	)
	cmd.AddCommand(helpTopics()...)

	// A group appears in help only once a command belongs to it, so that
	// help never shows an empty heading.
	for _, g := range groups {
		for _, c := range cmd.Commands() {
			if c.GroupID == g.ID {
				cmd.AddGroup(g)
				break
			}
		}
	}
	cmd.SetHelpCommandGroupID("setup")
	return cmd
}
