// Package completion is `snag completion`, the shell completion scripts.
package completion

import (
	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/cmd/cmdutil"
)

// NewCmdCompletion builds the command.
func NewCmdCompletion(f *cmdutil.Factory) *cobra.Command {
	io := f.IOStreams
	return &cobra.Command{
		Use:   "completion {bash|zsh|fish|powershell}",
		Short: "Print a shell completion script",
		Long: heredoc.Doc(`
			Print the completion script for a shell. Load it once per session, or install it
			where your shell looks for completions:

			  bash        source <(snag completion bash)
			              or: snag completion bash > /etc/bash_completion.d/snag
			  zsh         snag completion zsh > "${fpath[1]}/_snag"
			  fish        snag completion fish > ~/.config/fish/completions/snag.fish
			  powershell  snag completion powershell | Out-String | Invoke-Expression
		`),
		Example: cmdutil.Examples(
			"source <(snag completion bash)",
			`snag completion zsh > "${fpath[1]}/_snag"`,
			"snag completion fish > ~/.config/fish/completions/snag.fish",
		),
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args:      cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(io.Out, true)
			case "zsh":
				return root.GenZshCompletion(io.Out)
			case "fish":
				return root.GenFishCompletion(io.Out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(io.Out)
			}
			return cmdutil.FlagErrorf("unsupported shell %q: use bash, zsh, fish or powershell", args[0])
		},
	}
}
