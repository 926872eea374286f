package grouping

import (
	"strings"
	"testing"

	"github.com/snag-dev/snag/api"
)

// naiveResolve is resolveInApp without the rule index, the path folding
// and the reused scratch: every rule on every frame, paths lowered up
// front. It returns in_app, the rules that set in_app and grouping, the
// group flags, the categories and the lowered basenames.
func naiveResolve(g *grouper, st *api.Stacktrace, exc *excData) (inApp []bool, appRule, grpRule []*stRule, group []int8, category, base []string) {
	n := len(st.Frames)
	inApp, appRule, grpRule = make([]bool, n), make([]*stRule, n), make([]*stRule, n)
	group, category, base = make([]int8, n), make([]string, n), make([]string, n)
	type frame struct {
		family                      uint8
		function, module, pkg, path string
	}
	frames := make([]frame, n)
	for i := range st.Frames {
		f := &st.Frames[i]
		platform := g.framePlatform(f)
		fam := familyOf(platform)
		set := f.InApp != nil
		if set {
			inApp[i] = *f.InApp
		}
		path := f.AbsPath
		if path == "" {
			path = f.Filename
		}
		if fam == famJS {
			abs := f.AbsPath
			switch {
			case abs == "native" || abs == "[native code]" || (platform == "node" && abs != "" && !nodeAppPath(abs) && !hasSourcemap(f.Data)):
				inApp[i] = false
			case !set:
				lp := strings.ToLower(path)
				if (strings.HasPrefix(lp, "webpack:") && !strings.HasPrefix(f.Filename, "~/")) || strings.HasPrefix(lp, "app:") {
					inApp[i] = !strings.Contains(lp, "/node_modules/")
				}
			}
		}
		function := f.Function
		if function == "" {
			function = f.RawFunction
		}
		frames[i] = frame{fam, function, f.Module, lowerPath(f.Package), lowerPath(path)}
		base[i] = lowerPath(basename(f.Filename))
	}
	matcher := func(m *stMatcher, i int) bool {
		f := &frames[i]
		var ok bool
		switch m.key {
		case keyFamily:
			ok = m.families&f.family != 0
		case keyPath:
			ok = matchPath(&m.glob, f.path)
		case keyPackage:
			ok = f.pkg != "" && matchPath(&m.glob, f.pkg)
		case keyModule:
			ok = f.module != "" && m.glob.match(f.module)
		case keyFunction:
			ok = f.function != "" && m.glob.match(f.function)
		case keyApp:
			ok = inApp[i] == m.app
		case keyCategory:
			ok = category[i] != "" && m.glob.match(category[i])
		case keyErrorType:
			ok = exc != nil && m.glob.match(exc.typ)
		case keyErrorValue:
			ok = exc != nil && m.glob.match(strings.ToLower(exc.value))
		case keyMechanism:
			ok = exc != nil && m.glob.match(exc.mechanism)
		}
		return ok != m.negated
	}
	each := func(selected func(*stRule) bool, fn func(r *stRule, a stAction, j int)) {
		for _, rs := range g.rules {
			for _, r := range rs.rules {
				if !selected(r) {
					continue
				}
				for idx := 0; idx < n; idx++ {
					ok := true
					for k := range r.matchers {
						ok = ok && matcher(&r.matchers[k], idx)
					}
					if !ok {
						continue
					}
					for _, a := range r.actions {
						lo, hi := rangeOf(a.rng, idx, n)
						for j := lo; j < hi; j++ {
							fn(r, a, j)
						}
					}
				}
			}
		}
	}
	each(func(r *stRule) bool { return r.modifies }, func(r *stRule, a stAction, j int) {
		switch a.kind {
		case actApp:
			appRule[j], inApp[j] = r, a.flag
		case actCategory:
			if !strings.HasPrefix(a.value, "\x00") {
				category[j] = a.value
			}
		}
	})
	each(func(r *stRule) bool { return r.groups }, func(r *stRule, a stAction, j int) {
		if a.kind == actGroup {
			grpRule[j], group[j] = r, -1
			if a.flag {
				group[j] = 1
			}
		}
	})
	return
}

// FuzzRuleIndex: resolveInApp must decide exactly what trying every rule
// on every frame decides, whatever the rules and the frames' paths,
// modules, functions and platforms.
func FuzzRuleIndex(f *testing.F) {
	for _, s := range []struct{ rules, path, module, function, platform string }{
		{"", "webpack:///./node_modules/react/index.js", "react/index", "render", "javascript"},
		{"path:**/src/** +app\n!path:**/NODE_MODULES/** -group", `C:\App\Node_Modules\x.js`, "", "f", "node"},
		{"path:**https://unpkg.com/** +app\nmodule:unpkg/** ^-group", "HTTPS:\\\\UNPKG.COM\\x.js", "unpkg/x", "g", "javascript"},
		{"family:javascript function:reportError ^-app -app\napp:no +group", "app:///main.js", "", "reportError", "javascript"},
		{"path:**/İ/** -app\npath:**/k/** +app", "/a/\u212a/İ/x.py", "a.b", "h", "python"},
		{"module:django.* +app\nfunction:handle_* v-group\npath:**/views/** category=ui\ncategory:ui -app", "/srv/app/views/v.py", "django.core", "handle_1", "python"},
		{"!family:javascript +app\npackage:**/libfoo** -app\nerror.type:KeyError -group", "/usr/lib/x.so", "", "main", "native"},
		{"path:**/a://b** -app\npath:**://** -group\npath:**.tsx ^+app", "x/a://b/c.tsx", "", "w", "javascript"},
	} {
		f.Add(s.rules, s.path, s.module, s.function, s.platform)
	}
	mutations := []func(string) string{
		func(s string) string { return s },
		strings.ToUpper,
		func(s string) string { return strings.ReplaceAll(s, "/", `\`) },
		func(s string) string { return "" },
		func(s string) string { return "webpack:///" + s },
	}
	f.Fuzz(func(t *testing.T, rules, path, module, function, platform string) {
		if len(rules) > 512 || len(path)+len(module)+len(function)+len(platform) > 512 {
			return
		}
		rs, err := ParseStackTraceRules(rules)
		if err != nil {
			return
		}
		var frames []api.Frame
		yes, no := true, false
		for i, m := range mutations {
			fr := api.Frame{AbsPath: m(path), Filename: mutations[(i+1)%len(mutations)](path), Module: m(module),
				Function: function, Package: m(path), Platform: []string{"", platform}[i%2]}
			switch i % 3 {
			case 1:
				fr.InApp = &yes
			case 2:
				fr.InApp = &no
			}
			frames = append(frames, fr)
		}
		st := &api.Stacktrace{Frames: frames}
		exc := &excData{typ: "KeyError", value: path, mechanism: "onerror"}
		g := &grouper{platform: platform, rules: []*StackTraceRules{builtinRules, rs}}
		if g.platform == "" {
			g.platform = "other"
		}
		inApp, appRule, grpRule, group, category, base := naiveResolve(g, st, exc)
		fs := g.resolveInApp(st, exc)
		for i := range fs {
			s := &fs[i]
			if s.inApp != inApp[i] || s.appRule != appRule[i] || s.grpRule != grpRule[i] || s.group != group[i] ||
				g.mfs[i].category != category[i] || s.base != base[i] {
				t.Fatalf("frame %d %+v:\nindexed in_app %v by %v, group %d by %v, category %q, base %q\nnaive   in_app %v by %v, group %d by %v, category %q, base %q",
					i, frames[i], s.inApp, s.appRule, s.group, s.grpRule, g.mfs[i].category, s.base,
					inApp[i], appRule[i], group[i], grpRule[i], category[i], base[i])
			}
		}
	})
}
