// Package theme holds the triage UI's palette and every lipgloss style it
// uses, built in one place for a light or a dark terminal. Colour is
// decided by the program's colour profile (NO_COLOR gives one without
// colours), so styles here never test the environment themselves.
package theme

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Palette is the theme's colours for one background.
type Palette struct {
	Fg, Dim, Faint, Accent, AccentFg, Border color.Color
	Fatal, Error, Warning, Info, Debug       color.Color
	OK, Selected, CursorBg, CursorFg         color.Color
}

// palette picks each colour for a dark or a light background.
func palette(dark bool) Palette {
	ld := lipgloss.LightDark(dark)
	c := lipgloss.Color
	return Palette{
		Fg:       ld(c("#1F1F1F"), c("#E4E4E4")),
		Dim:      ld(c("#6E6E6E"), c("#8A8A8A")),
		Faint:    ld(c("#A0A0A0"), c("#5C5C5C")),
		Accent:   ld(c("#5A3FC0"), c("#9D8CFF")),
		AccentFg: ld(c("#FFFFFF"), c("#1A1A1A")),
		Border:   ld(c("#C8C8C8"), c("#444444")),
		Fatal:    ld(c("#A0004A"), c("#FF5FAF")),
		Error:    ld(c("#C4232B"), c("#FF6B6B")),
		Warning:  ld(c("#9A6700"), c("#F5C542")),
		Info:     ld(c("#1F6FC5"), c("#6CB6FF")),
		Debug:    ld(c("#6E6E6E"), c("#9E9E9E")),
		OK:       ld(c("#1A7F37"), c("#57D27A")),
		Selected: ld(c("#8250DF"), c("#D2A8FF")),
		CursorBg: ld(c("#DDD6FE"), c("#3B3363")),
		CursorFg: ld(c("#1F1F1F"), c("#FFFFFF")),
	}
}

// Styles are every style the UI renders with.
type Styles struct {
	Dark    bool
	Palette Palette

	// Chrome.
	App, Header, HeaderTarget, HeaderRight lipgloss.Style
	Tab, TabActive, TabCount               lipgloss.Style
	ColumnHeader                           lipgloss.Style
	Footer, Status, StatusError, StatusOK  lipgloss.Style
	Prompt, FilterText                     lipgloss.Style

	// The issue list.
	Row, RowCursor, RowSelectedMark lipgloss.Style
	Section, SectionCursor          lipgloss.Style
	SectionTotals                   lipgloss.Style
	ShortID, Title, Culprit, Count  lipgloss.Style
	Spark, Empty                    lipgloss.Style

	// The detail view.
	IssueTitle, Heading, Label, Value  lipgloss.Style
	ExceptionTitle                     lipgloss.Style
	FrameInApp, FrameSystem, Collapsed lipgloss.Style
	LineNo, ErrorLine, ErrorMarker     lipgloss.Style
	Context                            lipgloss.Style

	// Dialogs.
	Dialog, DialogTitle, Button, ButtonActive, Danger lipgloss.Style

	Help help.Styles

	levels map[string]lipgloss.Style
}

// New builds the styles for a dark or a light background.
func New(dark bool) *Styles {
	p := palette(dark)
	ns := lipgloss.NewStyle
	s := &Styles{Dark: dark, Palette: p}
	s.App = ns()
	s.Header = ns().Bold(true).Foreground(p.Accent)
	s.HeaderTarget = ns().Foreground(p.Dim)
	s.HeaderRight = ns().Foreground(p.Dim)
	s.Tab = ns().Foreground(p.Dim)
	s.TabActive = ns().Bold(true).Underline(true).Foreground(p.Accent)
	s.TabCount = ns().Foreground(p.Faint)
	s.ColumnHeader = ns().Foreground(p.Dim).Bold(true)
	s.Footer = ns().Foreground(p.Dim)
	s.Status = ns().Foreground(p.Fg)
	s.StatusError = ns().Foreground(p.Error).Bold(true)
	s.StatusOK = ns().Foreground(p.OK)
	s.Prompt = ns().Foreground(p.Accent).Bold(true)
	s.FilterText = ns().Foreground(p.Fg)

	s.Row = ns().Foreground(p.Fg)
	s.RowCursor = ns().Background(p.CursorBg).Foreground(p.CursorFg).Bold(true)
	s.RowSelectedMark = ns().Foreground(p.Selected).Bold(true)
	s.Section = ns().Foreground(p.Accent).Bold(true)
	s.SectionCursor = ns().Background(p.CursorBg).Foreground(p.CursorFg).Bold(true)
	s.SectionTotals = ns().Foreground(p.Dim)
	s.ShortID = ns().Foreground(p.Dim)
	s.Title = ns().Foreground(p.Fg)
	s.Culprit = ns().Foreground(p.Dim)
	s.Count = ns().Foreground(p.Fg)
	s.Spark = ns().Foreground(p.Accent)
	s.Empty = ns().Foreground(p.Dim).Italic(true)

	s.IssueTitle = ns().Bold(true).Foreground(p.Fg)
	s.Heading = ns().Bold(true).Foreground(p.Accent)
	s.Label = ns().Foreground(p.Dim)
	s.Value = ns().Foreground(p.Fg)
	s.ExceptionTitle = ns().Bold(true).Foreground(p.Error)
	s.FrameInApp = ns().Bold(true).Foreground(p.Fg)
	s.FrameSystem = ns().Foreground(p.Dim)
	s.Collapsed = ns().Foreground(p.Faint).Italic(true)
	s.LineNo = ns().Foreground(p.Faint)
	s.ErrorLine = ns().Bold(true).Foreground(p.Fg)
	s.ErrorMarker = ns().Bold(true).Foreground(p.Error)
	s.Context = ns().Foreground(p.Dim)

	s.Dialog = ns().Border(lipgloss.RoundedBorder()).BorderForeground(p.Accent).Padding(0, 1)
	s.DialogTitle = ns().Bold(true).Foreground(p.Fg)
	s.Button = ns().Foreground(p.Dim).Padding(0, 1)
	s.ButtonActive = ns().Bold(true).Reverse(true).Padding(0, 1)
	s.Danger = ns().Bold(true).Foreground(p.Error)

	s.Help = help.DefaultStyles(dark)
	s.Help.ShortKey = ns().Foreground(p.Accent)
	s.Help.FullKey = ns().Foreground(p.Accent)

	s.levels = map[string]lipgloss.Style{
		"fatal":   ns().Bold(true).Foreground(p.Fatal),
		"error":   ns().Bold(true).Foreground(p.Error),
		"warning": ns().Bold(true).Foreground(p.Warning),
		"info":    ns().Bold(true).Foreground(p.Info),
		"debug":   ns().Foreground(p.Debug),
	}
	return s
}

// Level is the style of a level badge ("error", "warning", ...).
func (s *Styles) Level(level string) lipgloss.Style {
	if st, ok := s.levels[level]; ok {
		return st
	}
	return s.levels["error"]
}
