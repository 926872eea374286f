package issues

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/MakeNowJust/heredoc"
	"github.com/spf13/cobra"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/cmd/cmdutil"
	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/internal/tableprinter"
)

// ListOptions are `snag issues list`'s inputs.
type ListOptions struct {
	IO      *iostreams.IOStreams
	Backend func(ctx context.Context) (api.Backend, func(), error)
	Now     func() time.Time

	Query  string
	Sort   string
	Period string
	Limit  int
	JSON   bool
}

// The sorts Sentry's issue list takes.
var listSorts = []string{"date", "new", "freq", "user"}

// maxListLimit bounds --limit: pages of 100 are fetched until it is reached.
const maxListLimit = 10_000

// NewCmdList builds `snag issues list`; runF replaces the run function in
// tests.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Now: f.Now}
	var target cmdutil.TargetFlags
	cmd := &cobra.Command{
		Use:   "list [--query <search>] [--sort date|new|freq|user] [--limit <n>]",
		Short: "List issues",
		Long: heredoc.Doc(`
			List issues, most recently seen first. On a terminal the list is a table with each
			issue's trend over the last 24 hours; piped, it is tab-separated values (short id,
			level, status, events, users, last seen, title) without a header.

			--query takes Sentry's search syntax: is:unresolved, is:resolved, is:ignored,
			level:error, release:web@1.4.2, environment:production, other key:value pairs as
			tags, and free text matched against title and culprit. An empty query lists every
			status. --period bounds the search to issues seen within it (24h, 14d); Sentry
			searches the last 14 days unless told otherwise.

			--json prints the issues as Sentry's web API returns them.
		`),
		Example: cmdutil.Examples(
			"snag issues list",
			"snag issues list --query 'is:unresolved level:error release:web@1.4.2' --sort freq",
			"snag issues list --query '' --limit 500 --json | jq -r '.[].shortId'",
			"snag issues list --local --period 24h",
		),
		Aliases: []string{"ls"},
		Args:    cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(listSorts, opts.Sort) {
				return cmdutil.FlagErrorf("--sort must be one of %s, not %q", strings.Join(listSorts, ", "), opts.Sort)
			}
			if opts.Limit < 1 || opts.Limit > maxListLimit {
				return cmdutil.FlagErrorf("--limit must be between 1 and %d, not %d", maxListLimit, opts.Limit)
			}
			if opts.Period != "" {
				if _, err := api.ParseStatsPeriod(opts.Period); err != nil {
					return cmdutil.FlagErrorf("--period: %v", err)
				}
			}
			opts.Backend = backendOpener(f, cmd, &target)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runList(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Query, "query", "q", "is:unresolved", "Search, in Sentry's syntax")
	cmd.Flags().StringVarP(&opts.Sort, "sort", "s", "date", "Sort by last seen (date), first seen (new), events (freq) or users (user)")
	cmd.Flags().StringVar(&opts.Period, "period", "", "Only issues seen within this period (e.g. 24h, 14d)")
	cmd.Flags().IntVarP(&opts.Limit, "limit", "L", 25, "Most issues to list")
	cmdutil.AddJSONFlag(cmd, &opts.JSON)
	cmdutil.AddTargetFlags(cmd, &target)
	return cmd
}

func runList(ctx context.Context, opts *ListOptions) error {
	b, done, err := opts.Backend(ctx)
	if err != nil {
		return err
	}
	defer done()
	issues, err := listIssues(ctx, b, opts)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSON(opts.IO.Out, issues)
	}
	io := opts.IO
	if len(issues) == 0 {
		if io.IsStdoutTTY() {
			io.ErrOut.Write([]byte("No issues match " + strconv.Quote(opts.Query) + ".\n"))
		}
		return nil
	}
	return printIssues(io, issues, opts.Now())
}

// listIssues reads pages until the limit or the last page.
func listIssues(ctx context.Context, b api.Backend, opts *ListOptions) ([]api.Issue, error) {
	q := api.IssueQuery{Query: opts.Query, Sort: opts.Sort, StatsPeriod: opts.Period}
	if opts.JSON || !opts.IO.IsStdoutTTY() {
		q.Stats = api.StatsNone // the trend is only drawn on a terminal
	}
	var out []api.Issue
	for len(out) < opts.Limit {
		q.Limit = min(opts.Limit-len(out), 100)
		page, err := b.ListIssues(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if page.NextCursor == "" || len(page.Items) == 0 {
			break
		}
		q.Cursor = page.NextCursor
	}
	if len(out) > opts.Limit {
		out = out[:opts.Limit]
	}
	if out == nil {
		out = []api.Issue{}
	}
	return out, nil
}

func printIssues(io *iostreams.IOStreams, issues []api.Issue, now time.Time) error {
	tty := io.IsStdoutTTY()
	cs := io.ColorScheme()
	tp := tableprinter.New(io.Out, tty, io.TerminalWidth())
	if tty {
		tp.AddHeader("ID", "Level", "Status", "Events", "Users", "Last seen", "24h", "Title")
	}
	for _, is := range issues {
		tp.AddField(is.ShortID, tableprinter.WithColor(cs.Bold))
		tp.AddField(is.Level, tableprinter.WithColor(levelColor(cs, is.Level)))
		tp.AddField(is.Status)
		tp.AddField(is.Count)
		tp.AddField(strconv.Itoa(is.UserCount))
		if tty {
			tp.AddField(relativeTime(is.LastSeen, now))
			tp.AddField(sparkline(is.Stats["24h"]), tableprinter.WithColor(cs.Gray))
		} else {
			tp.AddField(is.LastSeen.UTC().Format(time.RFC3339))
		}
		tp.AddField(is.Title, tableprinter.WithTruncate())
		tp.EndRow()
	}
	return tp.Render()
}

func levelColor(cs *iostreams.ColorScheme, level string) func(string) string {
	switch level {
	case "fatal", "error":
		return cs.Red
	case "warning":
		return cs.Yellow
	case "info", "debug":
		return cs.Cyan
	}
	return func(s string) string { return s }
}
