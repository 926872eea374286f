package root

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	issuesCmd "github.com/snag-dev/snag/cmd/issues"
	"github.com/snag-dev/snag/tui"
)

// runTUI opens the backend the flags chose and runs the triage UI on the
// terminal; with --debug it logs to a file, never to the screen.
func runTUI(ctx context.Context, opts *issuesCmd.TUIOptions) error {
	b, done, err := opts.Backend(ctx)
	if err != nil {
		return err
	}
	defer done()
	topts := tui.Options{Now: opts.Now}
	if opts.Debug {
		f, err := os.OpenFile(issuesCmd.DebugLogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("opening the debug log: %w", err)
		}
		defer f.Close()
		topts.Log = slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	io := opts.IO
	return tui.Run(ctx, b, tui.Terminal{In: io.In, Out: io.Out, NoColor: !io.ColorScheme().Enabled()}, topts)
}
