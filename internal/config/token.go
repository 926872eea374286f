package config

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrMalformedToken means a token has a known prefix but not the shape that
// goes with it.
var ErrMalformedToken = errors.New("malformed auth token")

// TokenKind says what sort of Sentry auth token a string is.
type TokenKind string

const (
	TokenNone    TokenKind = "none"
	TokenOrg     TokenKind = "org"     // sntrys_<base64 JSON>_<secret>
	TokenUser    TokenKind = "user"    // sntryu_ + 64 hex, or the legacy bare 64 hex
	TokenUnknown TokenKind = "unknown" // anything else; sent as is
)

const (
	orgTokenPrefix  = "sntrys_"
	userTokenPrefix = "sntryu_"
)

var legacyUserToken = regexp.MustCompile(`^[0-9a-f]{64}$`)

// KindOf classifies a token by its shape alone.
func KindOf(token string) TokenKind {
	switch {
	case token == "":
		return TokenNone
	case strings.HasPrefix(token, orgTokenPrefix):
		return TokenOrg
	case strings.HasPrefix(token, userTokenPrefix), legacyUserToken.MatchString(token):
		return TokenUser
	}
	return TokenUnknown
}

// Mask returns a form of token safe to print: its public prefix, never any of
// the secret.
func Mask(token string) string {
	switch {
	case token == "":
		return ""
	case strings.HasPrefix(token, orgTokenPrefix):
		return orgTokenPrefix + "****"
	case strings.HasPrefix(token, userTokenPrefix):
		return userTokenPrefix + "****"
	}
	return "****"
}

// OrgToken is the payload Sentry embeds in an organization auth token.
type OrgToken struct {
	IssuedAt  float64 `json:"iat"`
	URL       string  `json:"url"`
	RegionURL string  `json:"region_url"`
	Org       string  `json:"org"`
}

// ParseOrgToken decodes the payload of an `sntrys_` token. Self-hosted
// servers have issued tokens with a null or empty url; those decode to "".
func ParseOrgToken(token string) (OrgToken, error) {
	rest, ok := strings.CutPrefix(token, orgTokenPrefix)
	if !ok {
		return OrgToken{}, fmt.Errorf("%w: an org token starts with %q", ErrMalformedToken, orgTokenPrefix)
	}
	// The payload is standard base64, which has no '_', so the secret starts
	// after the last one.
	i := strings.LastIndexByte(rest, '_')
	if i <= 0 || i == len(rest)-1 {
		return OrgToken{}, fmt.Errorf("%w: an org token has the form sntrys_<payload>_<secret>", ErrMalformedToken)
	}
	payload := rest[:i]
	var raw []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err = enc.DecodeString(payload); err == nil {
			break
		}
	}
	if err != nil {
		return OrgToken{}, fmt.Errorf("%w: the org token's payload is not base64", ErrMalformedToken)
	}
	var t struct {
		IssuedAt  float64 `json:"iat"`
		URL       *string `json:"url"`
		RegionURL *string `json:"region_url"`
		Org       *string `json:"org"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return OrgToken{}, fmt.Errorf("%w: the org token's payload is not JSON", ErrMalformedToken)
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	return OrgToken{IssuedAt: t.IssuedAt, URL: deref(t.URL), RegionURL: deref(t.RegionURL), Org: deref(t.Org)}, nil
}
