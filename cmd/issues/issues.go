// Package issues holds the `snag issues` commands: list, view and the triage
// actions, against the Sentry API or the local store through one
// api.Backend.
package issues

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/iostreams"
)

// TUIOptions are what the triage UI gets when `snag issues` runs on a
// terminal.
type TUIOptions struct {
	IO *iostreams.IOStreams
	// Backend opens the target (Sentry or the local store) and says how to
	// release it.
	Backend func(ctx context.Context) (api.Backend, func(), error)
	Now     func() time.Time
}

// TUIFunc runs the triage UI. The TUI package provides it and cmd/root
// passes it to NewCmdIssues; nil means this build has no TUI.
type TUIFunc func(ctx context.Context, opts *TUIOptions) error

// errNeedsTerminal is `snag issues` without a terminal.
var errNeedsTerminal = errors.New("snag issues opens the triage UI, which needs a terminal on stdin and stdout")

// NewCmdIssues builds the parent command; runTUI runs the triage UI (nil: not
// available yet).
func NewCmdIssues(f *cmdutil.Factory, runTUI TUIFunc) *cobra.Command {
	opts := &TUIOptions{IO: f.IOStreams, Now: f.Now}
	var target cmdutil.TargetFlags
	cmd := &cobra.Command{
		Use:   "issues [<command>]",
		Short: "Triage issues on Sentry or in the local store",
		Long: heredoc.Doc(`
			List, inspect, resolve, ignore and merge issues. With no command, on a terminal, open
			the triage UI.

			Every issues command works against the Sentry web API when an auth token is configured
			(--auth-token, SENTRY_AUTH_TOKEN, .sentryclirc or 'snag login'), with the organization
			from --org or SENTRY_ORG, and against the local store of 'snag serve' otherwise. The
			local store is opened directly: no server needs to run. --local forces the local store;
			--verbose says which target is used.

			Issues are named by their numeric id or their short id (WEB-1A, DEFAULT-3).
		`),
		Example: cmdutil.Examples(
			"snag issues",
			"snag issues list --query 'is:unresolved level:error'",
			"snag issues view DEFAULT-1",
			"snag issues resolve DEFAULT-1 DEFAULT-2",
		),
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			io := opts.IO
			if !io.IsStdinTTY() || !io.IsStdoutTTY() {
				return cmdutil.WithHint(&cmdutil.FlagError{Err: errNeedsTerminal},
					"To list issues from a script, run 'snag issues list' (add --json for JSON).")
			}
			if runTUI == nil {
				return cmdutil.WithHint(errors.New("the triage UI is not available in this build of snag"),
					"Run 'snag issues list' to list issues, and 'snag issues view <id>' to see one.")
			}
			opts.Backend = backendOpener(f, cmd, &target)
			return runTUI(cmd.Context(), opts)
		},
	}
	cmdutil.AddTargetFlags(cmd, &target)
	cmd.AddCommand(
		NewCmdList(f, nil),
		NewCmdView(f, nil),
		NewCmdResolve(f, nil),
		NewCmdUnresolve(f, nil),
		NewCmdIgnore(f, nil),
		NewCmdMerge(f, nil),
		NewCmdDelete(f, nil),
	)
	return cmd
}

// backendOpener opens the backend a command's flags select.
func backendOpener(f *cmdutil.Factory, cmd *cobra.Command, t *cmdutil.TargetFlags) func(ctx context.Context) (api.Backend, func(), error) {
	return func(ctx context.Context) (api.Backend, func(), error) {
		cfg, err := f.Config(cmd.Flags())
		if err != nil {
			return nil, nil, err
		}
		return cmdutil.OpenBackend(ctx, f, cfg, *t)
	}
}

// lookupIssues finds each issue by numeric or short id, failing with a
// message naming the first that does not exist.
func lookupIssues(ctx context.Context, b api.Backend, ids []string) ([]*api.Issue, error) {
	out := make([]*api.Issue, 0, len(ids))
	for _, id := range ids {
		is, err := b.GetIssue(ctx, id)
		if errors.Is(err, api.ErrNotFound) {
			return nil, cmdutil.WithHint(&notFoundError{what: fmt.Sprintf("issue %s", id), target: b.Target(), err: err},
				"Issues are named by numeric id or short id (DEFAULT-1A); 'snag issues list' shows them.")
		}
		if err != nil {
			return nil, fmt.Errorf("issue %s: %w", id, err)
		}
		out = append(out, is)
	}
	return out, nil
}

// notFoundError says what was not found where, without the wrapped cause's
// text (which repeats it), while errors.Is still sees api.ErrNotFound.
type notFoundError struct {
	what   string
	target api.Target
	err    error
}

func (e *notFoundError) Error() string { return e.what + " not found (" + e.target.String() + ")" }
func (e *notFoundError) Unwrap() error { return e.err }
