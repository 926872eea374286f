package grouping

import (
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
		switch x := v.(type) {
		case *Component:
			writeTree(b, x, indent+"  ")
		case string:
			q, _ := json.Marshal(x)
			b.WriteString(indent + "  " + string(q) + "\n")
		}
	}
}
