package tui

import (
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/snag-dev/snag/api"
)

// ago is a compact age: "now", "42s", "5m", "3h", "12d", "4mo", "2y".
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	switch {
	case d < 5*time.Second:
		return "now"
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 24*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d < 60*24*time.Hour:
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	case d < 365*24*time.Hour:
		return strconv.Itoa(int(d/(30*24*time.Hour))) + "mo"
	}
	return strconv.Itoa(int(d/(365*24*time.Hour))) + "y"
}

// agoLong is ago spelled for sentences: "5m ago", "just now".
func agoLong(t, now time.Time) string {
	a := ago(t, now)
	switch a {
	case "now":
		return "just now"
	case "-":
		return "never"
	}
	return a + " ago"
}

// compact prints a count in at most 5 cells: 999, 1.2k, 34k, 1.2M.
func compact(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10)
	case n < 10_000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + "k"
	case n < 1_000_000:
		return strconv.FormatInt(n/1000, 10) + "k"
	case n < 10_000_000:
		return strconv.FormatFloat(float64(n)/1_000_000, 'f', 1, 64) + "M"
	}
	return strconv.FormatInt(n/1_000_000, 10) + "M"
}

// thousands prints n with comma separators: 1,234,567.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return thousands(n) + " " + word + "s"
}

// count is an issue's event count (a string on the wire).
func count(is *api.Issue) int64 {
	n, _ := strconv.ParseInt(is.Count, 10, 64)
	return n
}

var sparkRunes = []rune("▁▂▃▄▅▆▇█")

// sparkline draws values in width cells, summing neighbouring buckets when
// there are more values than cells. An empty bucket is a space so that
// quiet hours read as quiet; the tallest is a full block.
func sparkline(values []float64, width int) string {
	if width <= 0 {
		return ""
	}
	cells := make([]float64, width)
	if len(values) > 0 {
		// The newest bucket always lands in the last cell.
		for i, v := range values {
			c := (i * width) / len(values)
			if len(values) < width {
				c = width - len(values) + i
			}
			cells[c] += v
		}
	}
	hi := 0.0
	for _, v := range cells {
		hi = max(hi, v)
	}
	var b strings.Builder
	for _, v := range cells {
		switch {
		case v <= 0 || hi == 0:
			b.WriteByte(' ')
		default:
			i := int(v / hi * float64(len(sparkRunes)-1))
			b.WriteRune(sparkRunes[i])
		}
	}
	return b.String()
}

// statsValues are the counts of an issue's trend series, oldest first.
func statsValues(is *api.Issue) []float64 {
	st, ok := is.Stats[api.Stats24h]
	if !ok {
		for _, v := range is.Stats {
			st = v
			break
		}
	}
	out := make([]float64, len(st))
	for i, b := range st {
		out[i] = b[1]
	}
	return out
}

// fit truncates s (which may hold ANSI styles) to w cells with an ellipsis
// and pads it with spaces to exactly w.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	return s
}

// fitRight is fit aligned right.
func fitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s = strings.Repeat(" ", pad) + s
	}
	return s
}

// oneLine folds newlines and tabs so a title stays on its row.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\n\r\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// levelLetter is the one-cell badge of a level.
func levelLetter(level string) string {
	switch level {
	case "fatal":
		return "F"
	case "warning":
		return "W"
	case "info":
		return "I"
	case "debug":
		return "D"
	case "sample":
		return "S"
	}
	return "E"
}
