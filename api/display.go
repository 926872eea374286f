package api

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The one-line texts the issue commands and the triage UI both show.

// StatusText says an issue's status with its condition: "resolved in next
// release", "ignored until 2026-12-01 10:00 UTC or for 100 more events".
func (is *Issue) StatusText() string {
	d := is.StatusDetails
	s := is.Status
	switch is.Status {
	case StatusResolved:
		switch {
		case d.InNextRelease:
			s += " in next release"
		case d.InRelease != "":
			s += " in " + d.InRelease
		}
	case StatusIgnored:
		var conds []string
		if d.IgnoreUntil != nil {
			conds = append(conds, "until "+d.IgnoreUntil.UTC().Format("2006-01-02 15:04 UTC"))
		} else if d.IgnoreDuration > 0 {
			conds = append(conds, "for "+(time.Duration(d.IgnoreDuration)*time.Minute).String())
		}
		if d.IgnoreCount > 0 {
			conds = append(conds, "for "+countOf(d.IgnoreCount, "more event"))
		}
		if d.IgnoreUserCount > 0 {
			conds = append(conds, "for "+countOf(d.IgnoreUserCount, "more user"))
		}
		if len(conds) > 0 {
			s += " " + strings.Join(conds, " or ")
		}
	}
	return s
}

func countOf(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

// BreadcrumbDataText renders a breadcrumb's data on one line: navigation
// as "from → to", HTTP as "METHOD url status", anything else as key=value.
func BreadcrumbDataText(raw json.RawMessage) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return ""
	}
	str := func(k string) string {
		switch v := m[k].(type) {
		case string:
			return v
		case float64:
			return strconv.FormatFloat(v, 'f', -1, 64)
		case nil:
			return ""
		default:
			b, _ := json.Marshal(v)
			return string(b)
		}
	}
	if from, to := str("from"), str("to"); to != "" {
		return strings.TrimSpace(from + " → " + to)
	}
	if u := str("url"); u != "" {
		return strings.TrimSpace(strings.Join([]string{str("method"), u, str("status_code")}, " "))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+str(k))
	}
	return strings.Join(parts, " ")
}
