// Package sourcemaps holds the `snag sourcemaps` commands.
package sourcemaps

import (
	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/cmd/cmdutil"
)

// NewCmdSourcemaps builds the parent command.
func NewCmdSourcemaps(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sourcemaps <command>",
		Short: "Check, inspect and prepare sourcemaps",
		Long: heredoc.Doc(`
			Work with JavaScript sourcemaps: validate maps against their bundles, inject debug
			IDs so Sentry (and snag) find the right map for every file, upload them, look up one
			position, and explain why an event's frames were or were not unminified.
		`),
		Args: cmdutil.NoArgs,
		// A parent command with no verb shows its help; an unknown verb is a
		// usage error rather than help and exit 0.
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(NewCmdResolve(f, nil))
	cmd.AddCommand(NewCmdValidate(f, nil))
	cmd.AddCommand(NewCmdInject(f, nil))
	cmd.AddCommand(NewCmdUpload(f, nil))
	cmd.AddCommand(NewCmdExplain(f, nil))
	return cmd
}
