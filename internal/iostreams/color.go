package iostreams

// ColorScheme wraps text in ANSI styles when colour is enabled and returns it
// unchanged otherwise, so callers never branch on colour themselves.
type ColorScheme struct{ enabled bool }

// Enabled reports whether this scheme emits escape sequences.
func (c *ColorScheme) Enabled() bool { return c.enabled }

func (c *ColorScheme) wrap(code, s string) string {
	if !c.enabled || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (c *ColorScheme) Bold(s string) string   { return c.wrap("1", s) }
func (c *ColorScheme) Red(s string) string    { return c.wrap("31", s) }
func (c *ColorScheme) Green(s string) string  { return c.wrap("32", s) }
func (c *ColorScheme) Yellow(s string) string { return c.wrap("33", s) }
func (c *ColorScheme) Cyan(s string) string   { return c.wrap("36", s) }
func (c *ColorScheme) Gray(s string) string   { return c.wrap("90", s) }

// SuccessIcon, WarningIcon and FailureIcon prefix status lines on stderr.
func (c *ColorScheme) SuccessIcon() string { return c.Green("✓") }
func (c *ColorScheme) WarningIcon() string { return c.Yellow("!") }
func (c *ColorScheme) FailureIcon() string { return c.Red("X") }
