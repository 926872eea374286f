package ingest

import (
	"strconv"
	"strings"
	"time"
)

// RateLimit is one active quota limit, as announced to SDKs.
type RateLimit struct {
	// RetryAfter is how long the limit lasts; it is written as whole
	// seconds, rounded up (SDKs skip entries that are not integers).
	RetryAfter time.Duration
	// Categories limited; empty means all categories.
	Categories []string
	// Scope is "organization", "project" or "key" (default "key").
	Scope string
	// ReasonCode is optional, e.g. "quota_exceeded".
	ReasonCode string
	// Namespaces only apply to metric_bucket.
	Namespaces []string
}

// Seconds is RetryAfter in whole seconds, rounded up, never negative.
func (l RateLimit) Seconds() int64 {
	if l.RetryAfter <= 0 {
		return 0
	}
	return int64((l.RetryAfter + time.Second - 1) / time.Second)
}

// FormatRateLimits renders the X-Sentry-Rate-Limits header value:
// "retry_after:categories:scope[:reason_code[:namespaces]]" joined by ", ".
func FormatRateLimits(limits []RateLimit) string {
	var b strings.Builder
	for i, l := range limits {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatInt(l.Seconds(), 10))
		b.WriteByte(':')
		b.WriteString(strings.Join(l.Categories, ";"))
		b.WriteByte(':')
		scope := l.Scope
		if scope == "" {
			scope = "key"
		}
		b.WriteString(scope)
		if l.ReasonCode != "" || len(l.Namespaces) > 0 {
			b.WriteByte(':')
			b.WriteString(l.ReasonCode)
		}
		if len(l.Namespaces) > 0 {
			b.WriteByte(':')
			b.WriteString(strings.Join(l.Namespaces, ";"))
		}
	}
	return b.String()
}

// RetryAfter renders the Retry-After header for a 429: the longest of the
// limits, in whole seconds.
func RetryAfter(limits []RateLimit) string {
	var longest int64
	for _, l := range limits {
		longest = max(longest, l.Seconds())
	}
	return strconv.FormatInt(longest, 10)
}

// RateLimitHeaders returns the headers to set on a response (any status;
// a 429 should also carry Retry-After, which this includes).
func RateLimitHeaders(limits []RateLimit) map[string]string {
	if len(limits) == 0 {
		return nil
	}
	return map[string]string{
		"X-Sentry-Rate-Limits": FormatRateLimits(limits),
		"Retry-After":          RetryAfter(limits),
	}
}
