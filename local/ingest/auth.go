package ingest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Carrier says where a request's public key came from.
type Carrier int

// The carriers, in the order Relay checks them.
const (
	CarrierNone          Carrier = iota
	CarrierXSentryAuth           // X-Sentry-Auth: Sentry sentry_key=...
	CarrierAuthorization         // Authorization: Sentry sentry_key=...
	CarrierQuery                 // ?sentry_key=...
	CarrierPath                  // a {sentry_key} path segment (cron, unreal)
	CarrierEnvelope              // the envelope header's "dsn"
)

func (c Carrier) String() string {
	switch c {
	case CarrierXSentryAuth:
		return "X-Sentry-Auth"
	case CarrierAuthorization:
		return "Authorization"
	case CarrierQuery:
		return "query"
	case CarrierPath:
		return "path"
	case CarrierEnvelope:
		return "envelope dsn"
	}
	return "none"
}

// DefaultProtocolVersion is the sentry_version assumed when none is sent.
const DefaultProtocolVersion = 7

// Auth is what a request says about who sent it.
type Auth struct {
	PublicKey string
	SecretKey string // deprecated; never required
	Version   int    // sentry_version (7 unless sent)
	Client    string // sentry_client, else the User-Agent
	Carrier   Carrier
	// ProjectID is the project named by the envelope dsn (0 if none).
	ProjectID uint64
}

// ParseAuth reads the request carriers of a public key: X-Sentry-Auth,
// Authorization (both "Sentry k=v, ..."), and the query string (if it
// mentions "sentry_" at all). pathKey is the key from a route path segment,
// or "". More than one carrier is ErrMultipleAuth (401); a carrier that does
// not parse is ErrBadAuth (401); a key of the wrong shape is ErrBadKey (400).
// No carrier at all is not an error here: the envelope may still carry a
// dsn (see CheckEnvelopeDSN); call Require once the envelope is read.
func ParseAuth(h http.Header, rawQuery, pathKey string) (*Auth, error) {
	type found struct {
		c     Carrier
		pairs map[string]string
	}
	var hits []found
	if v, ok := sentryHeader(h.Values("X-Sentry-Auth")); ok {
		hits = append(hits, found{CarrierXSentryAuth, parsePairs(v)})
	}
	if v, ok := sentryHeader(h.Values("Authorization")); ok {
		hits = append(hits, found{CarrierAuthorization, parsePairs(v)})
	}
	if strings.Contains(rawQuery, "sentry_") {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return nil, newError(ErrBadAuth, http.StatusUnauthorized, "invalid authorization query string", err.Error())
		}
		pairs := map[string]string{}
		for k, vs := range q {
			if strings.HasPrefix(k, "sentry_") && len(vs) > 0 {
				pairs[k] = vs[0]
			}
		}
		if len(pairs) > 0 {
			hits = append(hits, found{CarrierQuery, pairs})
		}
	}
	if pathKey != "" {
		hits = append(hits, found{CarrierPath, map[string]string{"sentry_key": pathKey}})
	}
	a := &Auth{Version: DefaultProtocolVersion, Client: h.Get("User-Agent")}
	switch len(hits) {
	case 0:
		return a, nil
	case 1:
	default:
		return nil, newError(ErrMultipleAuth, http.StatusUnauthorized, ErrMultipleAuth.Error())
	}
	hit := hits[0]
	a.Carrier = hit.c
	key := hit.pairs["sentry_key"]
	if key == "" {
		return nil, newError(ErrBadAuth, http.StatusUnauthorized, "invalid authorization", "missing sentry_key in "+hit.c.String())
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	a.PublicKey = key
	a.SecretKey = hit.pairs["sentry_secret"]
	if v := hit.pairs["sentry_version"]; v != "" {
		major, _, _ := strings.Cut(v, ".")
		n, err := strconv.Atoi(strings.TrimSpace(major))
		if err != nil || n < 0 {
			return nil, newError(ErrBadAuth, http.StatusUnauthorized, "invalid authorization", "invalid sentry_version "+strconv.Quote(v))
		}
		a.Version = n
	}
	if c := hit.pairs["sentry_client"]; c != "" {
		a.Client = c
	}
	return a, nil
}

// sentryHeader returns the first value that starts with "Sentry " (any case).
func sentryHeader(values []string) (string, bool) {
	for _, v := range values {
		v = strings.TrimSpace(v)
		if len(v) >= 7 && strings.EqualFold(v[:7], "sentry ") {
			return v[7:], true
		}
	}
	return "", false
}

// parsePairs reads "k=v, k2=v2"; keys and values are trimmed.
func parsePairs(s string) map[string]string {
	pairs := map[string]string{}
	for part := range strings.SplitSeq(s, ",") {
		k, v, _ := strings.Cut(part, "=")
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if _, dup := pairs[k]; !dup {
			pairs[k] = strings.TrimSpace(v)
		}
	}
	return pairs
}

// checkKey applies Relay's shape rule: 32 ASCII characters, optionally
// followed by ".flag" suffixes.
func checkKey(key string) error {
	k, _, _ := strings.Cut(key, ".")
	if len(k) != 32 {
		return newError(ErrBadKey, http.StatusBadRequest, "invalid project key", "public key must be 32 characters")
	}
	for i := 0; i < len(k); i++ {
		if k[i] >= 0x80 || k[i] <= ' ' {
			return newError(ErrBadKey, http.StatusBadRequest, "invalid project key", "public key must be ASCII")
		}
	}
	return nil
}

// DSN is a parsed Sentry DSN.
type DSN struct {
	Scheme    string
	PublicKey string
	SecretKey string
	Host      string // host[:port]
	Path      string // prefix before the project id, without trailing slash
	ProjectID uint64
}

// ParseDSN reads {scheme}://{key}[:{secret}]@{host}{path}/{project_id}.
func ParseDSN(s string) (*DSN, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User == nil || u.Host == "" {
		return nil, newError(ErrBadKey, http.StatusBadRequest, "invalid dsn", strconv.Quote(s))
	}
	d := &DSN{Scheme: u.Scheme, Host: u.Host, PublicKey: u.User.Username()}
	d.SecretKey, _ = u.User.Password()
	path := strings.TrimRight(u.Path, "/")
	i := strings.LastIndexByte(path, '/')
	id, err := strconv.ParseUint(path[i+1:], 10, 64)
	if i < 0 || err != nil || id == 0 {
		return nil, newError(ErrBadKey, http.StatusBadRequest, "invalid dsn", "bad project id in "+strconv.Quote(s))
	}
	d.ProjectID, d.Path = id, path[:i]
	if err := checkKey(d.PublicKey); err != nil {
		return nil, err
	}
	return d, nil
}

// CheckEnvelopeDSN merges the envelope header's dsn into a. routeProject is
// the project id of the URL (0 for routes without one). A dsn whose key or
// project disagrees with the request is ErrAuthMismatch (400); a dsn that
// does not parse is ErrBadKey (400). An empty dsn changes nothing.
func (a *Auth) CheckEnvelopeDSN(dsn string, routeProject uint64) error {
	if dsn == "" {
		return nil
	}
	d, err := ParseDSN(dsn)
	if err != nil {
		return err
	}
	if routeProject != 0 && d.ProjectID != routeProject {
		return newError(ErrAuthMismatch, http.StatusBadRequest, "project id "+ErrAuthMismatch.Error())
	}
	if a.PublicKey != "" {
		if stripFlags(a.PublicKey) != stripFlags(d.PublicKey) {
			return newError(ErrAuthMismatch, http.StatusBadRequest, "public key "+ErrAuthMismatch.Error())
		}
	} else {
		a.PublicKey, a.SecretKey, a.Carrier = d.PublicKey, d.SecretKey, CarrierEnvelope
	}
	a.ProjectID = d.ProjectID
	return nil
}

func stripFlags(key string) string {
	k, _, _ := strings.Cut(key, ".")
	return k
}

// Require fails with ErrMissingAuth (401) when no carrier gave a key.
func (a *Auth) Require() error {
	if a == nil || a.PublicKey == "" {
		return newError(ErrMissingAuth, http.StatusUnauthorized, ErrMissingAuth.Error())
	}
	return nil
}

// Key is the public key without ".flag" suffixes.
func (a *Auth) Key() string { return stripFlags(a.PublicKey) }
