package grouping

import (
	"bytes"
	"encoding/json"
	"strings"
)

// FormatTree renders a component tree one node per line, the way Sentry's
// snapshots do: "id*" for a contributing component, the hint in
// parentheses, leaf values as JSON strings below their component.
func FormatTree(c *Component, indent string) string {
	var b strings.Builder
	writeTree(&b, c, indent)
	return b.String()
}

func writeTree(b *strings.Builder, c *Component, indent string) {
	if c == nil {
		return
	}
	b.WriteString(indent + c.ID)
	if c.Contributes {
		b.WriteByte('*')
	}
	if c.Hint != "" {
		b.WriteString(" (" + c.Hint + ")")
	}
	b.WriteByte('\n')
	for _, v := range c.Values {
		if x, ok := v.(*Component); ok {
			writeTree(b, x, indent+"  ")
		} else if s, ok := leafString(v); ok {
			b.WriteString(indent + "  " + quoteJSON(s) + "\n")
		}
	}
}

// quoteJSON is s as a JSON string, without HTML escaping.
func quoteJSON(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
