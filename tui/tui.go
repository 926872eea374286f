package tui

import (
	"context"
	"errors"
	"fmt"
	"io"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/snag-dev/snag/api"
)

// Terminal is where the UI runs.
type Terminal struct {
	In  io.Reader
	Out io.Writer
	// NoColor renders without colours (NO_COLOR, CLICOLOR=0, TERM=dumb);
	// bold, underline and reverse still mark the cursor and the tabs.
	NoColor bool
}

// Run shows the triage UI over b until the user quits or ctx ends.
func Run(ctx context.Context, b api.Backend, term Terminal, opts Options) error {
	m := New(ctx, b, opts)
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(term.In), tea.WithOutput(term.Out)}
	if term.NoColor {
		popts = append(popts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err := tea.NewProgram(m, popts...).Run()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tea.ErrInterrupted):
		return fmt.Errorf("triage UI: %w", context.Canceled)
	case ctx.Err() != nil:
		return fmt.Errorf("triage UI: %w", ctx.Err())
	}
	return fmt.Errorf("triage UI: %w", err)
}
