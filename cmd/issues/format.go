package issues

import (
	"fmt"
	"strings"
	"time"

	"github.com/snag-dev/snag/api"
)

// relativeTime says how long ago t was, coarsely, as lists show it.
func relativeTime(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return "-"
	case d < 0:
		return "just now"
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 24*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	case d < 30*24*time.Hour:
		return plural(int(d/(24*time.Hour)), "day") + " ago"
	case d < 365*24*time.Hour:
		return plural(int(d/(30*24*time.Hour)), "month") + " ago"
	}
	return plural(int(d/(365*24*time.Hour)), "year") + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", unit)
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

var sparks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws a stats series, scaled to its own peak; buckets without
// events are the lowest bar, so an idle issue is a flat line.
func sparkline(st api.Stat) string {
	if len(st) == 0 {
		return ""
	}
	peak := 0.0
	for _, b := range st {
		peak = max(peak, b[1])
	}
	var s strings.Builder
	for _, b := range st {
		i := 0
		if peak > 0 && b[1] > 0 {
			i = 1 + int(b[1]/peak*float64(len(sparks)-2)+0.5)
			i = min(i, len(sparks)-1)
		}
		s.WriteRune(sparks[i])
	}
	return s.String()
}
