package cmdutil

import "strings"

// Examples formats a command's examples the way help prints them: each
// command line as "  $ snag ...", and lines starting with # as comments.
func Examples(lines ...string) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		if strings.HasPrefix(l, "#") {
			b.WriteString("  " + l)
			continue
		}
		b.WriteString("  $ " + l)
	}
	return b.String()
}

// ExampleCount counts the command lines in an Example string.
func ExampleCount(example string) int {
	n := 0
	for _, l := range strings.Split(example, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "$ ") {
			n++
		}
	}
	return n
}
