package grouping

import (
	"strings"
	"unicode/utf8"
)

// normalizeMessage is what Sentry groups by instead of a message or an
// exception value: its first two non-empty lines ("..." appended if that
// dropped anything), with variable parts (numbers, ids, dates, addresses,
// ...) replaced by placeholders such as <int>.
func normalizeMessage(s string) string {
	return parameterize(firstTwoLines(s))
}

// firstTwoLines keeps the first two lines that are not blank, joined with
// "\n" (Python's str.splitlines line breaks).
func firstTwoLines(s string) string {
	if !hasLineBreak(s) {
		if !isBlank(s) {
			return s
		}
		return "..."
	}
	var kept [2]string
	n := 0
	rest := s
	for n < 2 && rest != "" {
		line, next := splitLine(rest)
		if !isBlank(line) {
			kept[n] = line
			n++
		}
		rest = next
	}
	var out string
	switch n {
	case 1:
		out = kept[0]
	case 2:
		out = kept[0] + "\n" + kept[1]
	}
	if out != s {
		out += "..."
	}
	return out
}

func hasLineBreak(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' || c == '\r' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1e) {
			return true
		}
		if c >= 0x80 {
			return strings.ContainsRune(s[i:], 0x85) || strings.ContainsRune(s[i:], 0x2028) || strings.ContainsRune(s[i:], 0x2029)
		}
	}
	return false
}

// splitLine returns the first line of s (without its break) and the rest.
func splitLine(s string) (string, string) {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				return s[:i], s[i+2:]
			}
			return s[:i], s[i+1:]
		case c == '\n' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1e):
			return s[:i], s[i+1:]
		case c >= 0x80:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == 0x85 || r == 0x2028 || r == 0x2029 {
				return s[:i], s[i+size:]
			}
			i += size
			continue
		}
		i++
	}
	return s, ""
}

func isBlank(s string) bool {
	for _, r := range s {
		if !isPySpaceRune(r) {
			return false
		}
	}
	return true
}

// messageComp is Sentry's message strategy: the logentry template if there
// is one, else the formatted message, normalized.
func (g *grouper) messageComp() *Component {
	le := g.ev.LogEntry
	if le == nil || (le.Message == "" && le.Formatted == "") {
		return nil
	}
	raw := le.Message
	if raw == "" {
		raw = le.Formatted
	}
	norm := normalizeMessage(raw)
	c := g.leaf("message", norm)
	if c == nil {
		return nil
	}
	if norm != raw {
		c.Hint = "stripped event-specific values"
	}
	return c
}
