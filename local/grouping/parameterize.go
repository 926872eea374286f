package grouping

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The parameterization Sentry applies to messages and exception values
// before grouping by them: each match of the first pattern (in this order)
// that matches at a position is replaced by <name>, scanning left to right
// as Python's re.sub does with one alternation of all patterns.
//
//	email, url, hostname (top-100 TLDs), ip (IPv6 and IPv4), traceparent,
//	uuid, sha1, md5, date, duration, hex, float, int, quoted_str ('…' or
//	"…" after '='), bool (after '='); plus quoted SQL savepoint names.
//
// The simple patterns are hand-written scanners; dates and IPv6 addresses
// use regular expressions anchored at the position, tried only where a
// cheap test says they could match.

// Sentry's date pattern, split by the first character so that each part
// stays small enough for the regexp package's backtracker (the order of
// the alternatives within each part is Sentry's).
var dateWordRe = regexp.MustCompile(`^(?:` +
	`(?:(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat),\s\d{1,2}\s(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s\d{2,4}\s\d{1,2}:\d{1,2}(?::\d{1,2})?\s(?:[-\+]\d{2}[0-5]\d|(?:UT|GMT|(?:E|C|M|P)(?:ST|DT)|[A-IK-Z])))` +
	`|(?:(?:(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat)\s)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s[0-3]\d,\s\d{2,4})` +
	`|(?:(?:Sunday|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday),\s\d{2}-(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-\d{2}\s\d{2}:\d{2}:\d{2}\s(?:UT|GMT|(?:E|C|M|P)(?:ST|DT)|[A-IK-Z]))` +
	`|(?:(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat)\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{1,2}\s+\d{2}:\d{2}:\d{2}\s+\d{4})` +
	`)`)

var dateDigitRe = regexp.MustCompile(`^(?:` +
	`(?:\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d\.\d+(?:[+-][0-2]\d:[0-5]\d|Z))` +
	`|(?:\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-5]\d(?:[+-][0-2]\d:[0-5]\d|Z))` +
	`|(?:\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d(?:[+-][0-2]\d:[0-5]\d|Z))` +
	`|(?:\d{4}-\d{2}-\d{2}\s\d{2}:\d{2}:\d{2}(?:\.\d+)?)` +
	`|(?:[1-9]\d?:\d{2}(?::\d{2})?(?:[aApP][Mm])?)` +
	`|(?:\d{4}-[01]\d-[0-3]\d)` +
	`|(?:[0-2]\d:[0-5]\d:[0-5]\d)` +
	`|(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?)` +
	`|(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})?)` +
	`)`)

// matchDate is Sentry's date pattern at i (mayBeDate said it could match).
func matchDate(s string, i int) int {
	window := s[i:min(len(s), i+80)]
	if isDigit(s[i]) {
		if loc := dateDigitRe.FindStringIndex(window); loc != nil {
			return loc[1]
		}
		return 0
	}
	if s[i] == 'd' {
		// datetime.datetime(...) up to the first ')' on the line.
		if len(s) > i+18 && strings.HasPrefix(s[i:], "datetime") && s[i+8] != '\n' && strings.HasPrefix(s[i+9:], "datetime(") {
			for j := i + 18; j < len(s) && s[j] != '\n'; j++ {
				if s[j] == ')' {
					return j + 1 - i
				}
			}
		}
		return 0
	}
	if loc := dateWordRe.FindStringIndex(window); loc != nil {
		return loc[1]
	}
	return 0
}

const ipv4Re = `(?:(?:25[0-5]|(?:2[0-4]|1?[0-9])?[0-9])\.){3}(?:25[0-5]|(?:2[0-4]|1?[0-9])?[0-9])`

var ipv6Re = regexp.MustCompile(`^(?:` +
	`(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}` +
	`|(?:[0-9a-fA-F]{1,4}:){1,7}:` +
	`|(?:[0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}` +
	`|(?:[0-9a-fA-F]{1,4}:){1,5}(?::[0-9a-fA-F]{1,4}){1,2}` +
	`|(?:[0-9a-fA-F]{1,4}:){1,4}(?::[0-9a-fA-F]{1,4}){1,3}` +
	`|(?:[0-9a-fA-F]{1,4}:){1,3}(?::[0-9a-fA-F]{1,4}){1,4}` +
	`|(?:[0-9a-fA-F]{1,4}:){1,2}(?::[0-9a-fA-F]{1,4}){1,5}` +
	`|[0-9a-fA-F]{1,4}:(?:(?::[0-9a-fA-F]{1,4}){1,6})` +
	`|:(?:(?::[0-9a-fA-F]{1,4}){1,7}|:)` +
	`|fe80:(?::[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]+` +
	`|::(?:ffff(?::0{1,4})?:)?` + ipv4Re +
	`|(?:[0-9a-fA-F]{1,4}:){1,4}:` + ipv4Re +
	`)`)

var tlds = func() map[string]bool {
	const list = "com net org jp de uk fr br it ru es me gov pl ca au cn co in nl edu info eu ch id at kr cz mx be tv se tr tw al ua ir vn cl sk ly cc to no fi us pt dk ar hu tk gr il news ro my biz ie za nz sg ee th io xyz pe bg hk rs lt link ph club si site mobi by cat wiki la ga xxx cf hr ng jobs online kz ug gq ae is lv pro fm tips ms sa app"
	m := map[string]bool{}
	for _, t := range strings.Fields(list) {
		m[t] = true
		m[strings.ToUpper(t)] = true
	}
	return m
}()

// scan flags: what a string contains, to skip patterns that cannot match.
type scanFlags struct {
	at, dot, scheme, v6, eq, quote bool
}

func parameterize(s string) string {
	var fl scanFlags
	interesting := false
	colons := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			interesting = true
		case c == '@':
			fl.at, interesting = true, true
		case c == '.':
			fl.dot, interesting = true, true
		case c == '=':
			fl.eq, interesting = true, true
		case c == '"':
			fl.quote = true
		case c == ':':
			colons++
			if i+2 < len(s) && s[i+1] == '/' && s[i+2] == '/' {
				fl.scheme = true
			}
			if i+1 < len(s) && s[i+1] == ':' {
				fl.v6 = true
			}
			interesting = true
		}
	}
	if colons >= 7 || strings.Contains(s, "fe80:") {
		fl.v6 = true
	}
	if fl.quote && strings.Contains(strings.ToUpper(s), "SAVEPOINT \"") {
		interesting = true
	} else {
		fl.quote = false
	}
	if !interesting {
		return s
	}
	var out []byte
	last := 0
	emailSkip := 0
	for i := 0; i < len(s); {
		n, name := 0, ""
		c := s[i]
		if fl.at && i >= emailSkip && isEmailLocal(c) {
			var end int
			n, end = matchEmail(s, i)
			if n == 0 {
				emailSkip = end
			} else {
				name = "email"
			}
		}
		if n == 0 && fl.scheme && (c == 'w' || c == 'h' || c == 'f') {
			if n = matchURL(s, i); n > 0 {
				name = "url"
			}
		}
		if n == 0 && fl.dot && (isAlnum(c) || c == '-') {
			if n = matchHostname(s, i); n > 0 {
				name = "hostname"
			}
		}
		if n == 0 && fl.v6 && (isHexByte(c) || c == ':') {
			if loc := ipv6Re.FindStringIndex(s[i:min(len(s), i+80)]); loc != nil && loc[1] > 0 {
				n, name = loc[1], "ip"
			}
		}
		if n == 0 && fl.dot && isDigit(c) {
			if n = matchIPv4(s, i); n > 0 {
				name = "ip"
			}
		}
		if n == 0 && (c == '0' || c == '1') {
			if n = matchTraceparent(s, i); n > 0 {
				name = "traceparent"
			}
		}
		if n == 0 && isHexByte(c) && boundaryAt(s, i) {
			n, name = matchHashLike(s, i)
		}
		if n == 0 && mayBeDate(s, i) {
			if n = matchDate(s, i); n > 0 {
				name = "date"
			}
		}
		if n == 0 && isDigit(c) {
			if n = matchDuration(s, i); n > 0 {
				name = "duration"
			}
		}
		if n == 0 && c == '0' {
			if n = matchHex(s, i); n > 0 {
				name = "hex"
			}
		}
		if n == 0 && (c == '-' || isDigit(c)) {
			n, name = matchNumber(s, i)
		}
		if n == 0 && fl.quote && c == '"' {
			if n = matchSavepoint(s, i); n > 0 {
				name = "quoted_identifier"
			}
		}
		if n == 0 && fl.eq && i > 0 && s[i-1] == '=' {
			n, name = matchAfterEquals(s, i)
		}
		if n > 0 {
			if out == nil {
				out = make([]byte, 0, len(s))
			}
			out = append(out, s[last:i]...)
			out = append(out, '<')
			out = append(out, name...)
			out = append(out, '>')
			i += n
			last = i
			continue
		}
		if c < utf8.RuneSelf {
			i++
		} else {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
	}
	if out == nil {
		return s
	}
	return string(append(out, s[last:]...))
}

func isAlnum(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z') }

// isWordRune is Python's \w for str patterns.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isWordByte(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

func wordAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	if s[i] < utf8.RuneSelf {
		return isWordByte(s[i])
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isWordRune(r)
}

func wordBefore(s string, i int) bool {
	if i <= 0 {
		return false
	}
	if s[i-1] < utf8.RuneSelf {
		return isWordByte(s[i-1])
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return isWordRune(r)
}

// boundaryAt is \b at i.
func boundaryAt(s string, i int) bool { return wordBefore(s, i) != wordAt(s, i) }

func isEmailLocal(c byte) bool {
	return isAlnum(c) || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0
}

// matchEmail returns the match length, or 0 and where the local part ran
// out (no match can start before that).
func matchEmail(s string, i int) (int, int) {
	j := i
	for j < len(s) && isEmailLocal(s[j]) {
		j++
	}
	if j >= len(s) || s[j] != '@' {
		return 0, j
	}
	k := j + 1
	l := domainLabel(s, k)
	if l == 0 {
		return 0, i + 1
	}
	k += l
	for k < len(s) && s[k] == '.' {
		l := domainLabel(s, k+1)
		if l == 0 {
			break
		}
		k += 1 + l
	}
	return k - i, 0
}

// domainLabel is [a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])? at p.
func domainLabel(s string, p int) int {
	if p >= len(s) || !isAlnum(s[p]) {
		return 0
	}
	j := p + 1
	for j < len(s) && j-p < 63 && (isAlnum(s[j]) || s[j] == '-') {
		j++
	}
	for j > p+1 && s[j-1] == '-' {
		j--
	}
	return j - p
}

func isPySpaceAt(s string, i int) (bool, int) {
	if s[i] < utf8.RuneSelf {
		return isPySpace(s[i]), 1
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	return isPySpaceRune(r), size
}

// matchURL is \b(wss?|https?|ftp)://[^\s/$.?#].[^\s]* at i.
func matchURL(s string, i int) int {
	if !boundaryAt(s, i) {
		return 0
	}
	var k int
	switch {
	case strings.HasPrefix(s[i:], "wss://"):
		k = i + 6
	case strings.HasPrefix(s[i:], "ws://"):
		k = i + 5
	case strings.HasPrefix(s[i:], "https://"):
		k = i + 8
	case strings.HasPrefix(s[i:], "http://"):
		k = i + 7
	case strings.HasPrefix(s[i:], "ftp://"):
		k = i + 6
	default:
		return 0
	}
	if k >= len(s) {
		return 0
	}
	if sp, _ := isPySpaceAt(s, k); sp || strings.IndexByte("/$.?#", s[k]) >= 0 {
		return 0
	}
	_, size := utf8.DecodeRuneInString(s[k:])
	k += size
	if k >= len(s) || s[k] == '\n' {
		return 0
	}
	_, size = utf8.DecodeRuneInString(s[k:])
	k += size
	for k < len(s) {
		sp, size := isPySpaceAt(s, k)
		if sp {
			break
		}
		k += size
	}
	return k - i
}

// matchHostname is \b([a-zA-Z0-9-]{1,63}\.)+?(TLD)\b at i.
func matchHostname(s string, i int) int {
	if !boundaryAt(s, i) {
		return 0
	}
	p := i
	for {
		j := p
		for j < len(s) && (isAlnum(s[j]) || s[j] == '-') {
			j++
		}
		if j == p || j-p > 63 || j >= len(s) || s[j] != '.' {
			return 0
		}
		p = j + 1
		k := p
		for k < len(s) && (s[k]|0x20 >= 'a' && s[k]|0x20 <= 'z') {
			k++
		}
		if k > p && tlds[s[p:k]] && !wordAt(s, k) {
			return k - i
		}
	}
}

func octetMid(s string, p int) int {
	d := 0
	for p+d < len(s) && isDigit(s[p+d]) && d < 4 {
		d++
	}
	if d == 0 || d > 3 || p+d >= len(s) || s[p+d] != '.' {
		return 0
	}
	if d == 3 && !octet3(s[p:p+3]) {
		return 0
	}
	return d
}

func octet3(o string) bool {
	switch o[0] {
	case '1':
		return true
	case '2':
		return o[1] <= '4' || (o[1] == '5' && o[2] <= '5')
	}
	return false
}

func octetLast(s string, p int) int {
	d := 0
	for p+d < len(s) && isDigit(s[p+d]) && d < 3 {
		d++
	}
	if d == 3 && !octet3(s[p:p+3]) {
		d = 2
	}
	return d
}

func matchIPv4(s string, i int) int {
	p := i
	for k := 0; k < 3; k++ {
		d := octetMid(s, p)
		if d == 0 {
			return 0
		}
		p += d + 1
	}
	l := octetLast(s, p)
	if l == 0 {
		return 0
	}
	return p + l - i
}

func isLowerHex(c byte) bool { return isDigit(c) || (c >= 'a' && c <= 'f') }

func hexRun(s string, p, n int, lower bool) bool {
	if p+n > len(s) {
		return false
	}
	for k := p; k < p+n; k++ {
		if lower && !isLowerHex(s[k]) || !lower && !isHexByte(s[k]) {
			return false
		}
	}
	return true
}

// matchTraceparent: 00-<32>-<16>-0[01] (W3C) or 1-<8>-<24> (AWS X-Ray).
func matchTraceparent(s string, i int) int {
	if !boundaryAt(s, i) {
		return 0
	}
	if strings.HasPrefix(s[i:], "00-") && hexRun(s, i+3, 32, true) && i+35 < len(s) && s[i+35] == '-' &&
		hexRun(s, i+36, 16, true) && i+55 <= len(s) && s[i+52] == '-' && s[i+53] == '0' &&
		(s[i+54] == '0' || s[i+54] == '1') && !wordAt(s, i+55) {
		return 55
	}
	if strings.HasPrefix(s[i:], "1-") && hexRun(s, i+2, 8, true) && i+10 < len(s) && s[i+10] == '-' &&
		hexRun(s, i+11, 24, true) && !wordAt(s, i+35) {
		return 35
	}
	return 0
}

// matchHashLike: uuid, sha1 (40 hex) or md5 (32 hex), each between word
// boundaries; the caller checked the boundary at i.
func matchHashLike(s string, i int) (int, string) {
	if hexRun(s, i, 8, false) && i+8 < len(s) && s[i+8] == '-' &&
		hexRun(s, i+9, 4, false) && i+13 < len(s) && s[i+13] == '-' &&
		hexRun(s, i+14, 4, false) && i+18 < len(s) && s[i+18] == '-' &&
		hexRun(s, i+19, 4, false) && i+23 < len(s) && s[i+23] == '-' &&
		hexRun(s, i+24, 12, false) && !wordAt(s, i+36) {
		return 36, "uuid"
	}
	j := i
	for j < len(s) && isHexByte(s[j]) && j-i <= 40 {
		j++
	}
	switch j - i {
	case 40:
		if !wordAt(s, j) {
			return 40, "sha1"
		}
	case 32:
		if !wordAt(s, j) {
			return 32, "md5"
		}
	}
	return 0, ""
}

var dateWords = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// mayBeDate is a quick necessary condition for dateRe at i.
func mayBeDate(s string, i int) bool {
	c := s[i]
	switch {
	case isDigit(c):
		d := 0
		for i+d < len(s) && isDigit(s[i+d]) && d < 5 {
			d++
		}
		if d == 4 && i+4 < len(s) && s[i+4] == '-' {
			return true
		}
		return d <= 2 && i+d < len(s) && s[i+d] == ':'
	case c >= 'A' && c <= 'W':
		if i+3 > len(s) {
			return false
		}
		w := s[i : i+3]
		for _, x := range dateWords {
			if w == x {
				return true
			}
		}
	case c == 'd':
		return strings.HasPrefix(s[i:], "datetime")
	}
	return false
}

func digitsAt(s string, p int) int {
	j := p
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return j - p
}

// matchDuration is \b(\d+ms) or (\d+(\.\d+)?s)\b at i.
func matchDuration(s string, i int) int {
	d := digitsAt(s, i)
	if d == 0 {
		return 0
	}
	if strings.HasPrefix(s[i+d:], "ms") && boundaryAt(s, i) {
		return d + 2
	}
	p := i + d
	if p+1 < len(s) && s[p] == '.' {
		if f := digitsAt(s, p+1); f > 0 && p+1+f < len(s) && s[p+1+f] == 's' && !wordAt(s, p+2+f) {
			return p + 2 + f - i
		}
	}
	if p < len(s) && s[p] == 's' && !wordAt(s, p+1) {
		return d + 1
	}
	return 0
}

// matchHex is \b0[xX][0-9a-fA-F]+\b at i.
func matchHex(s string, i int) int {
	if i+2 >= len(s) || (s[i+1] != 'x' && s[i+1] != 'X') || !boundaryAt(s, i) {
		return 0
	}
	j := i + 2
	for j < len(s) && isHexByte(s[j]) {
		j++
	}
	if j == i+2 || wordAt(s, j) {
		return 0
	}
	return j - i
}

// matchNumber is float (-\d+\.\d+\b | \b\d+\.\d+\b), then int (-\d+\b |
// \b\d+\b), at i.
func matchNumber(s string, i int) (int, string) {
	p := i
	neg := s[i] == '-'
	if neg {
		p++
	} else if !boundaryAt(s, i) {
		return 0, ""
	}
	d := digitsAt(s, p)
	if d == 0 {
		return 0, ""
	}
	q := p + d
	if q+1 < len(s) && s[q] == '.' {
		if f := digitsAt(s, q+1); f > 0 && !wordAt(s, q+1+f) {
			return q + 1 + f - i, "float"
		}
	}
	if !wordAt(s, q) {
		return q - i, "int"
	}
	return 0, ""
}

// matchAfterEquals: quoted_str ('…' or "…") and bool (True/true/False/false)
// right after '='.
func matchAfterEquals(s string, i int) (int, string) {
	switch c := s[i]; c {
	case '\'', '"':
		if j := strings.IndexByte(s[i+1:], c); j > 0 {
			return j + 2, "quoted_str"
		}
		return 0, ""
	}
	for _, b := range [...]string{"True", "true", "False", "false"} {
		if strings.HasPrefix(s[i:], b) {
			return len(b), "bool"
		}
	}
	return 0, ""
}

// matchSavepoint: the quoted name in SAVEPOINT "s1234_x5" (database
// drivers number savepoints per process and connection).
func matchSavepoint(s string, i int) int {
	const kw = "SAVEPOINT "
	if i < len(kw) || !strings.EqualFold(s[i-len(kw):i], kw) {
		return 0
	}
	j := strings.IndexByte(s[i+1:], '"')
	if j <= 0 {
		return 0
	}
	return j + 2
}
