package cmdutil

import (
	"fmt"
	"io"
	"strconv"

	"github.com/snag-dev/snag/internal/iostreams"
	"github.com/snag-dev/snag/sourcemaps"
)

// WriteSourceContext prints the lines of source around a mapped frame with
// their numbers, the frame's own line marked with ">".
func WriteSourceContext(w io.Writer, indent string, m sourcemaps.MappedFrame, cs *iostreams.ColorScheme) {
	first := m.Line - len(m.PreContext)
	width := len(strconv.Itoa(m.Line + len(m.PostContext)))
	num := func(n int) string { return fmt.Sprintf("%*d", width, n) }
	for i, l := range m.PreContext {
		fmt.Fprintf(w, "%s  %s %s %s\n", indent, cs.Gray(num(first+i)), cs.Gray("|"), l)
	}
	fmt.Fprintf(w, "%s%s %s %s %s\n", indent, cs.Red(">"), num(m.Line), cs.Gray("|"), cs.Bold(m.ContextLine))
	for i, l := range m.PostContext {
		fmt.Fprintf(w, "%s  %s %s %s\n", indent, cs.Gray(num(m.Line+1+i)), cs.Gray("|"), l)
	}
}
