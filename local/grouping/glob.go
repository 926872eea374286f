package grouping

import "strings"

// glob is a compiled Sentry glob pattern: '*' and '?' (which do not cross
// '/' in path patterns), '**' (which does), and [...] classes. Patterns
// that are a literal, or a literal with '**' around it, are matched with
// strings functions instead of the general matcher.
type glob struct {
	kind globKind
	lit  string // for exact, prefix, suffix, contains
	pat  string // for generic
	path bool   // '*' stops at '/'
}

type globKind uint8

const (
	globGeneric globKind = iota
	globAny
	globExact
	globPrefix
	globSuffix
	globContains
)

func hasMeta(s string) bool { return strings.ContainsAny(s, "*?[") }

// compileGlob compiles pattern; path makes single '*' and '?' stop at '/'.
func compileGlob(pattern string, path bool) glob {
	if !path && strings.Contains(pattern, "**") && !strings.ContainsAny(pattern, "\\[") {
		// Outside paths a run of '*' matches as one does: "unpkg/**" is a
		// prefix. (Escapes and classes, where a '*' may be literal, keep
		// the pattern as written.)
		pattern = collapseStars(pattern)
	}
	g := glob{kind: globGeneric, pat: pattern, path: path}
	star := "**"
	if !path {
		// Outside paths every star crosses everything: treat runs of '*'
		// alike, so "foo*" is a prefix match.
		star = "*"
	}
	switch {
	case pattern == "**" || (!path && pattern == "*"):
		g.kind = globAny
	case !hasMeta(pattern):
		g.kind, g.lit = globExact, pattern
	case strings.HasPrefix(pattern, star) && strings.HasSuffix(pattern, star) && len(pattern) > 2*len(star) &&
		!hasMeta(pattern[len(star):len(pattern)-len(star)]):
		g.kind, g.lit = globContains, pattern[len(star):len(pattern)-len(star)]
	case strings.HasSuffix(pattern, star) && !hasMeta(pattern[:len(pattern)-len(star)]):
		g.kind, g.lit = globPrefix, pattern[:len(pattern)-len(star)]
	case strings.HasPrefix(pattern, star) && !hasMeta(pattern[len(star):]):
		g.kind, g.lit = globSuffix, pattern[len(star):]
	}
	return g
}

// collapseStars replaces each run of '*' with one.
func collapseStars(p string) string {
	b := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '*' && i > 0 && p[i-1] == '*' {
			continue
		}
		b = append(b, p[i])
	}
	return string(b)
}

func (g *glob) match(s string) bool {
	switch g.kind {
	case globAny:
		return true
	case globExact:
		return s == g.lit
	case globPrefix:
		return strings.HasPrefix(s, g.lit)
	case globSuffix:
		return strings.HasSuffix(s, g.lit)
	case globContains:
		return strings.Contains(s, g.lit)
	}
	return globMatch(g.pat, s, g.path)
}

// globMatch is the general matcher (backtracking; patterns are short).
func globMatch(p, s string, path bool) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			cross := !path
			if len(p) > 1 && p[1] == '*' {
				cross = true
				for len(p) > 0 && p[0] == '*' {
					p = p[1:]
				}
			} else {
				p = p[1:]
			}
			if len(p) == 0 {
				return cross || !strings.Contains(s, "/")
			}
			for i := 0; i <= len(s); i++ {
				if globMatch(p, s[i:], path) {
					return true
				}
				if i < len(s) && !cross && s[i] == '/' {
					return false
				}
			}
			return false
		case '?':
			if len(s) == 0 || (path && s[0] == '/') {
				return false
			}
			p, s = p[1:], s[1:]
		case '[':
			end := strings.IndexByte(p[1:], ']')
			if end < 0 || len(s) == 0 {
				if len(s) == 0 || s[0] != '[' {
					return false
				}
				p, s = p[1:], s[1:]
				continue
			}
			class := p[1 : end+1]
			if !classMatch(class, s[0]) {
				return false
			}
			p, s = p[end+2:], s[1:]
		case '\\':
			if len(p) > 1 {
				p = p[1:]
			}
			fallthrough
		default:
			if len(s) == 0 || s[0] != p[0] {
				return false
			}
			p, s = p[1:], s[1:]
		}
	}
	return len(s) == 0
}

func classMatch(class string, c byte) bool {
	neg := false
	if len(class) > 0 && (class[0] == '!' || class[0] == '^') {
		neg, class = true, class[1:]
	}
	ok := false
	for i := 0; i < len(class); i++ {
		if i+2 < len(class) && class[i+1] == '-' {
			if class[i] <= c && c <= class[i+2] {
				ok = true
			}
			i += 2
			continue
		}
		if class[i] == c {
			ok = true
		}
	}
	return ok != neg
}
