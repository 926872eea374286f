package sourcemaps

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"strings"
)

// IgnoreRules are gitignore-style patterns, as --ignore and --ignore-file
// take them:
//
//   - a pattern without a slash (other than a trailing one) matches a file
//     or directory name at any depth: "*.test.js", "node_modules";
//   - a pattern with a slash matches a path relative to the directory being
//     searched, or as it was given on the command line: "static/legacy/*.js",
//     "/vendor"; "**" matches any number of directories;
//   - a trailing slash matches directories only; an ignored directory is not
//     searched at all;
//   - "!" re-includes what an earlier pattern excluded; the last matching
//     pattern decides.
//
// Blank lines and lines starting with "#" are skipped.
type IgnoreRules struct {
	rules []ignoreRule
}

type ignoreRule struct {
	text     string
	negate   bool
	dirOnly  bool
	anchored bool     // matched against the whole relative path
	segs     []string // the pattern split at slashes
}

// ParseIgnoreRules compiles patterns; a malformed glob is an error naming
// it.
func ParseIgnoreRules(patterns []string) (*IgnoreRules, error) {
	r := &IgnoreRules{}
	for _, p := range patterns {
		if err := r.add(p); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// ReadIgnoreFile adds the patterns of an ignore file (one per line), naming
// the file and line of a malformed one.
func (r *IgnoreRules) ReadIgnoreFile(name string, data []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if err := r.add(sc.Text()); err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
	return sc.Err()
}

func (r *IgnoreRules) add(p string) error {
	text := p
	p = strings.TrimRight(p, " \t\r")
	if p == "" || strings.HasPrefix(p, "#") {
		return nil
	}
	rule := ignoreRule{text: text}
	if rest, ok := strings.CutPrefix(p, "!"); ok {
		rule.negate, p = true, rest
	}
	p = strings.TrimPrefix(p, `\`) // "\#x" and "\!x" name files starting with # or !
	if rest, ok := strings.CutSuffix(p, "/"); ok {
		rule.dirOnly, p = true, rest
	}
	p = strings.TrimPrefix(p, "./")
	if strings.Contains(p, "/") {
		rule.anchored = true
		p = strings.TrimPrefix(p, "/")
	}
	if p == "" {
		return fmt.Errorf("ignore pattern %q matches nothing", text)
	}
	for _, s := range strings.Split(p, "/") {
		if _, err := path.Match(s, ""); err != nil {
			return fmt.Errorf("ignore pattern %q: %w", text, err)
		}
		// "**/**" is "**", and collapsing keeps matching linear.
		if s == "**" && len(rule.segs) > 0 && rule.segs[len(rule.segs)-1] == "**" {
			continue
		}
		rule.segs = append(rule.segs, s)
	}
	r.rules = append(r.rules, rule)
	return nil
}

// Empty reports whether there are no rules.
func (r *IgnoreRules) Empty() bool { return r == nil || len(r.rules) == 0 }

// Ignored reports whether a file or directory is ignored. rel is its slash
// path under the directory searched; given is the same path as the user
// would write it (the directory argument joined with rel), also tried by
// anchored patterns.
func (r *IgnoreRules) Ignored(rel, given string, isDir bool) bool {
	if r == nil {
		return false
	}
	ignored := false
	base := path.Base(rel)
	for _, rule := range r.rules {
		if rule.dirOnly && !isDir {
			continue
		}
		var hit bool
		if rule.anchored {
			hit = matchSegments(rule.segs, strings.Split(rel, "/"))
			if !hit && given != "" && given != rel {
				hit = matchSegments(rule.segs, strings.Split(strings.TrimPrefix(path.Clean(given), "./"), "/"))
			}
		} else {
			hit, _ = path.Match(rule.segs[0], base)
		}
		if hit {
			ignored = !rule.negate
		}
	}
	return ignored
}

// matchSegments matches a pattern's segments against a path's, "**"
// standing for any number of segments. It is a table over (pattern,
// path) positions, so no pattern makes it slower than their product.
func matchSegments(pat, name []string) bool {
	// next[j]: pat[i+1:] matches name[j:]; cur[j]: pat[i:] matches name[j:].
	next := make([]bool, len(name)+1)
	cur := make([]bool, len(name)+1)
	next[len(name)] = true
	for i := len(pat) - 1; i >= 0; i-- {
		for j := len(name); j >= 0; j-- {
			switch {
			case pat[i] == "**":
				cur[j] = next[j] || j < len(name) && cur[j+1]
			case j == len(name):
				cur[j] = false
			default:
				ok, _ := path.Match(pat[i], name[j])
				cur[j] = ok && next[j+1]
			}
		}
		next, cur = cur, next
	}
	return next[0]
}
