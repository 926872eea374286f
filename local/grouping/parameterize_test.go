package grouping

import "testing"

func TestNormalizeMessage(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"no variables here", "no variables here"},
		{"testing testing 1, 2, 3", "testing testing <int>, <int>, <int>"},
		{"Wed Apr 17 22:31:45 2019: foobar.bazblafasel@example.invalid logged in (error 42) time spent 1234.33 --- correlation id 88ee7c66-29a9-4a4a-bc26-c72d76c5de14, checksum da39a3ee5e6b4b0d3255bfef95601890afd80709 (md5 d41d8cd98f00b204e9800998ecf8427e); payload timestamp 2019-04-17T20:29:05Z (submitted from 127.0.0.1 via 2001:0db8:85a3:0000:0000:8a2e:0370:7334 via ::1) at offset 0xfeedbeef",
			"<date>: <email> logged in (error <int>) time spent <float> --- correlation id <uuid>, checksum <sha1> (md5 <md5>); payload timestamp <date> (submitted from <ip> via <ip> via <ip>) at offset <hex>"},
		{"Loading chunk 158 failed.\n(timeout: https://s1.sentry-cdn.com/_static/dist/passwordStrength.js)", "Loading chunk <int> failed.\n(timeout: <url>"},
		{"one\n\n  \ntwo\nthree", "one\ntwo..."},
		{"abc123 x-12 v2.5 -7", "abc123 x<int> v2.<int> <int>"},
		{"took 1532ms, then 2.5s", "took <duration>, then <duration>"},
		{"visit api.example.com now", "visit <hostname> now"},
		{"file.py and index.js", "file.py and index.js"},
		{"key=value flag=true name='bob' q=\"x y\"", "key=value flag=<bool> name=<quoted_str> q=<quoted_str>"},
		{"on 2024-05-01 at 10:30:00", "on <date> at <date>"},
		{"Version 1.2.3.4 of 256.1.1.1", "Version <ip> of <float>.<float>"},
		{"RELEASE SAVEPOINT \"s140078941939520_x761\"", "RELEASE SAVEPOINT <quoted_identifier>"},
		{"trace 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01 ok", "trace <traceparent> ok"},
		{"   ", "..."},
		{"ünïcödé 42", "ünïcödé <int>"},
	} {
		if got := normalizeMessage(c.in); got != c.want {
			t.Errorf("normalizeMessage(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestGlob(t *testing.T) {
	for _, c := range []struct {
		pat, s string
		path   bool
		want   bool
	}{
		{"**/node_modules/**", "/app/node_modules/x.js", true, true},
		{"**/node_modules/**", "/app/src/x.js", true, false},
		{"sun.*", "sun.reflect.Foo", false, true},
		{"*.js", "a/b.js", true, false},
		{"**.js", "a/b.js", true, true},
		{"a?c", "abc", false, true},
		{"[ab]x", "bx", false, true},
		{"ChunkLoadError*", "ChunkLoadError: x", false, true},
	} {
		g := compileGlob(c.pat, c.path)
		if got := g.match(c.s); got != c.want {
			t.Errorf("glob %q (path %v) on %q = %v, want %v", c.pat, c.path, c.s, got, c.want)
		}
	}
	if !matchPath(ptr(compileGlob("**/node_modules/**", true)), "node_modules/x.js") {
		t.Error("a relative path should match as if it started with /")
	}
}

func ptr[T any](v T) *T { return &v }

func TestParseRulesErrors(t *testing.T) {
	for _, text := range []string{"-app", "path:x", "nosuch:x -app", "path:x +frobnicate"} {
		if _, err := ParseStackTraceRules(text); err == nil {
			t.Errorf("ParseStackTraceRules(%q) succeeded", text)
		}
	}
	rs, err := ParseStackTraceRules("# comment\nstack.function:foo ^-group -group  # trailing\n")
	if err != nil || len(rs.rules) != 1 || rs.rules[0].text != "function:foo ^-group -group" {
		t.Errorf("rules = %+v, %v", rs, err)
	}
	fp, err := ParseFingerprintRules(`error.type:"Some Error" !tags.env:dev -> a, "{{ type }}" title="T: {{ value }}"`)
	if err != nil || len(fp) != 1 || len(fp[0].Fingerprint) != 2 || fp[0].Attributes["title"] != "T: {{ value }}" || !fp[0].Matchers[1].Negated {
		t.Errorf("fingerprint rules = %+v, %v", fp, err)
	}
}
