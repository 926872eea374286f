package issues

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/iostreams"
)

// Actions the commands of this file take.
const (
	actionResolve   = "resolve"
	actionUnresolve = "unresolve"
	actionIgnore    = "ignore"
	actionMerge     = "merge"
	actionDelete    = "delete"
)

// ActionOptions are the inputs of resolve, unresolve, ignore, merge and
// delete.
type ActionOptions struct {
	IO      *iostreams.IOStreams
	Backend func(ctx context.Context) (api.Backend, func(), error)

	Action string
	IDs    []string
	// resolve
	InNextRelease bool
	// ignore
	For   time.Duration
	Count int
	// delete
	Yes  bool
	JSON bool
}

// StatusResult is the --json document of resolve, unresolve and ignore.
type StatusResult struct {
	IDs           []string           `json:"ids"`
	Status        string             `json:"status"`
	StatusDetails *api.StatusDetails `json:"statusDetails"`
}

// DeleteResult is the --json document of delete.
type DeleteResult struct {
	Deleted []string `json:"deleted"`
}

func newActionCmd(f *cmdutil.Factory, action string, runF func(context.Context, *ActionOptions) error, c *cobra.Command,
	check func(*ActionOptions) error) (*cobra.Command, *ActionOptions) {
	opts := &ActionOptions{IO: f.IOStreams, Action: action}
	var target cmdutil.TargetFlags
	c.RunE = func(cmd *cobra.Command, args []string) error {
		opts.IDs = args
		if check != nil {
			if err := check(opts); err != nil {
				return err
			}
		}
		opts.Backend = backendOpener(f, cmd, &target)
		if runF != nil {
			return runF(cmd.Context(), opts)
		}
		return runAction(cmd.Context(), opts)
	}
	cmdutil.AddJSONFlag(c, &opts.JSON)
	cmdutil.AddTargetFlags(c, &target)
	return c, opts
}

// NewCmdResolve builds `snag issues resolve`.
func NewCmdResolve(f *cmdutil.Factory, runF func(context.Context, *ActionOptions) error) *cobra.Command {
	cmd, opts := newActionCmd(f, actionResolve, runF, &cobra.Command{
		Use:   "resolve <id>... [--in-next-release]",
		Short: "Mark issues as resolved",
		Long: heredoc.Doc(`
			Mark issues as resolved. A resolved issue reopens (as regressed) when a new event
			arrives; with --in-next-release, only when one arrives from a release other than the
			one it was last seen in.
		`),
		Example: cmdutil.Examples(
			"snag issues resolve DEFAULT-1",
			"snag issues resolve WEB-1A WEB-1B --in-next-release",
			"snag issues list --query 'level:info' --json | jq -r '.[].id' | xargs snag issues resolve",
		),
		Args: cmdutil.MinimumNArgs(1),
	}, nil)
	cmd.Flags().BoolVar(&opts.InNextRelease, "in-next-release", false, "Reopen only on an event from a later release")
	return cmd
}

// NewCmdUnresolve builds `snag issues unresolve`.
func NewCmdUnresolve(f *cmdutil.Factory, runF func(context.Context, *ActionOptions) error) *cobra.Command {
	cmd, _ := newActionCmd(f, actionUnresolve, runF, &cobra.Command{
		Use:   "unresolve <id>...",
		Short: "Reopen resolved or ignored issues",
		Example: cmdutil.Examples(
			"snag issues unresolve DEFAULT-1",
			"snag issues unresolve 4127 4128 --local",
		),
		Args: cmdutil.MinimumNArgs(1),
	}, nil)
	return cmd
}

// NewCmdIgnore builds `snag issues ignore`.
func NewCmdIgnore(f *cmdutil.Factory, runF func(context.Context, *ActionOptions) error) *cobra.Command {
	var forText string
	cmd, opts := newActionCmd(f, actionIgnore, runF, &cobra.Command{
		Use:   "ignore <id>... [--for <duration>] [--count <n>]",
		Short: "Ignore issues, for good or until a condition is met",
		Long: heredoc.Doc(`
			Ignore (archive) issues. Without conditions an issue stays ignored; with --for it comes
			back once the time is up, with --count once it has seen that many more events
			(whichever comes first when both are given).

			--for takes a duration such as 30m, 2h, 7d or 2w (whole minutes, as Sentry counts).
		`),
		Example: cmdutil.Examples(
			"snag issues ignore DEFAULT-2",
			"snag issues ignore DEFAULT-2 --for 24h",
			"snag issues ignore WEB-1A --count 100",
		),
		Args: cmdutil.MinimumNArgs(1),
	}, func(o *ActionOptions) error {
		if forText != "" {
			d, err := parseDuration(forText)
			if err != nil {
				return cmdutil.FlagErrorf("--for: %v", err)
			}
			o.For = d
		}
		if o.Count < 0 {
			return cmdutil.FlagErrorf("--count must be positive, not %d", o.Count)
		}
		return nil
	})
	cmd.Flags().StringVar(&forText, "for", "", "Unignore after this long (30m, 2h, 7d, 2w)")
	cmd.Flags().IntVar(&opts.Count, "count", 0, "Unignore after this many more events")
	return cmd
}

// parseDuration reads a Go duration (1h30m) or Sentry's period (7d, 2w), in
// whole minutes of at least one.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		if d, err = api.ParseStatsPeriod(s); err != nil {
			return 0, fmt.Errorf("%q is not a duration such as 30m, 2h, 7d or 2w", s)
		}
	}
	if d < time.Minute || d%time.Minute != 0 {
		return 0, fmt.Errorf("%q: the duration must be a whole number of minutes, at least 1m", s)
	}
	return d, nil
}

// NewCmdMerge builds `snag issues merge`.
func NewCmdMerge(f *cmdutil.Factory, runF func(context.Context, *ActionOptions) error) *cobra.Command {
	cmd, _ := newActionCmd(f, actionMerge, runF, &cobra.Command{
		Use:   "merge <id> <id>...",
		Short: "Merge issues of one project into one",
		Long: heredoc.Doc(`
			Merge issues of one project: their events and grouping hashes move to the issue with
			the most events (Sentry's choice), and the others disappear. Later events that match
			any of the merged hashes join that issue.
		`),
		Example: cmdutil.Examples(
			"snag issues merge DEFAULT-3 DEFAULT-7",
			"snag issues merge WEB-1A WEB-1B WEB-1C --json",
		),
		Args: cmdutil.MinimumNArgs(2),
	}, nil)
	return cmd
}

// NewCmdDelete builds `snag issues delete`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *ActionOptions) error) *cobra.Command {
	cmd, opts := newActionCmd(f, actionDelete, runF, &cobra.Command{
		Use:   "delete <id>... [--yes]",
		Short: "Delete issues and their events",
		Long: heredoc.Doc(`
			Delete issues with all their events. A later event with the same grouping starts a new
			issue. On a terminal snag asks first; elsewhere pass --yes.
		`),
		Example: cmdutil.Examples(
			"snag issues delete DEFAULT-4",
			"snag issues delete DEFAULT-4 DEFAULT-5 --yes --local",
		),
		Args: cmdutil.MinimumNArgs(1),
	}, func(o *ActionOptions) error {
		if !o.Yes && !o.IO.CanPrompt() {
			return cmdutil.FlagErrorf("deleting without a terminal to confirm on needs --yes")
		}
		return nil
	})
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "Delete without asking")
	return cmd
}

func runAction(ctx context.Context, opts *ActionOptions) error {
	b, done, err := opts.Backend(ctx)
	if err != nil {
		return err
	}
	defer done()
	found, err := lookupIssues(ctx, b, opts.IDs)
	if err != nil {
		return err
	}
	// "1" and "DEFAULT-1" may name the same issue.
	var issues []*api.Issue
	var ids []string
	for _, is := range found {
		if !slices.Contains(ids, is.ID) {
			issues, ids = append(issues, is), append(ids, is.ID)
		}
	}
	io := opts.IO
	cs := io.ErrColorScheme()
	switch opts.Action {
	case actionMerge:
		if len(issues) < 2 {
			return cmdutil.FlagErrorf("merging needs two different issues")
		}
		res, err := b.MergeIssues(ctx, ids)
		if err != nil {
			return fmt.Errorf("merging %s: %w", shortIDs(issues), err)
		}
		if opts.JSON {
			return cmdutil.WriteJSON(io.Out, res)
		}
		for _, is := range issues {
			if is.ID == res.Parent {
				fmt.Fprintf(io.ErrOut, "%s Merged %d issues into %s  %s\n", cs.SuccessIcon(), len(issues), is.ShortID, is.Title)
			}
		}
		return nil
	case actionDelete:
		if !opts.Yes {
			ok, err := confirm(io, fmt.Sprintf("Delete %s (%s) and all their events? [y/N] ", plural(len(issues), "issue"), shortIDs(issues)))
			if err != nil {
				return err
			}
			if !ok {
				return cmdutil.ErrCancel
			}
		}
		if err := b.DeleteIssues(ctx, ids); err != nil {
			return fmt.Errorf("deleting %s: %w", shortIDs(issues), err)
		}
		if opts.JSON {
			return cmdutil.WriteJSON(io.Out, DeleteResult{Deleted: ids})
		}
		for _, is := range issues {
			fmt.Fprintf(io.ErrOut, "%s Deleted %s  %s\n", cs.SuccessIcon(), is.ShortID, is.Title)
		}
		return nil
	}

	u, verb := statusUpdate(opts)
	res, err := b.UpdateIssues(ctx, ids, u)
	if err != nil {
		return fmt.Errorf("%s %s: %w", opts.Action, shortIDs(issues), err)
	}
	if opts.JSON {
		return cmdutil.WriteJSON(io.Out, StatusResult{IDs: ids, Status: res.Status, StatusDetails: res.StatusDetails})
	}
	for _, is := range issues {
		fmt.Fprintf(io.ErrOut, "%s %s %s  %s\n", cs.SuccessIcon(), verb, is.ShortID, is.Title)
	}
	return nil
}

// statusUpdate is the change an action asks for, and how to say it was done.
func statusUpdate(opts *ActionOptions) (api.IssueUpdate, string) {
	switch opts.Action {
	case actionResolve:
		if opts.InNextRelease {
			return api.IssueUpdate{Status: api.StatusResolvedInNextRelease}, "Resolved in next release"
		}
		return api.IssueUpdate{Status: api.StatusResolved}, "Resolved"
	case actionUnresolve:
		return api.IssueUpdate{Status: api.StatusUnresolved}, "Reopened"
	}
	u := api.IssueUpdate{Status: api.StatusIgnored}
	var conds []string
	if opts.For > 0 || opts.Count > 0 {
		u.StatusDetails = &api.StatusDetails{IgnoreDuration: int(opts.For / time.Minute), IgnoreCount: opts.Count}
	}
	if opts.For > 0 {
		conds = append(conds, "for "+opts.For.String())
	}
	if opts.Count > 0 {
		conds = append(conds, "for "+plural(opts.Count, "event"))
	}
	verb := "Ignored"
	if len(conds) > 0 {
		verb += " (" + strings.Join(conds, " or ") + ")"
	}
	return u, verb
}

func shortIDs(issues []*api.Issue) string {
	s := make([]string, len(issues))
	for i, is := range issues {
		s[i] = is.ShortID
	}
	return strings.Join(s, ", ")
}

// confirm asks a yes/no question on stderr; anything but y or yes is no.
func confirm(io *iostreams.IOStreams, question string) (bool, error) {
	fmt.Fprint(io.ErrOut, question)
	line, err := bufio.NewReader(io.In).ReadString('\n')
	if err != nil && line == "" {
		if errors.Is(err, context.Canceled) {
			return false, cmdutil.ErrCancel
		}
		return false, nil
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}
