// Package events holds the `snag events` commands.
package events

import (
	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/cmd/cmdutil"
)

// NewCmdEvents builds the parent command.
func NewCmdEvents(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "events <command>",
		Short: "Send and inspect single events",
		Long: heredoc.Doc(`
			Work with single Sentry events: send a test event, see how one is grouped into an issue.
		`),
		Args: cmdutil.NoArgs,
		// A parent command with no verb shows its help; an unknown verb is a
		// usage error rather than help and exit 0.
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewCmdFingerprint(f, nil))
	cmd.AddCommand(NewCmdSend(f, nil))
	return cmd
}
