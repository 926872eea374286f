package ingest

import (
	"testing"
	"time"
)

func TestFormatRateLimits(t *testing.T) {
	tests := []struct {
		limits []RateLimit
		header string
		retry  string
	}{
		{[]RateLimit{{RetryAfter: 60 * time.Second, Categories: []string{"transaction"}}}, "60:transaction:key", "60"},
		{[]RateLimit{
			{RetryAfter: 60 * time.Second, Categories: []string{"transaction"}, Scope: "key"},
			{RetryAfter: 2700 * time.Second, Categories: []string{"default", "error", "security"}, Scope: "organization"},
		}, "60:transaction:key, 2700:default;error;security:organization", "2700"},
		{[]RateLimit{{RetryAfter: 1500 * time.Millisecond, Scope: "project", ReasonCode: "quota_exceeded"}}, "2::project:quota_exceeded", "2"},
		{[]RateLimit{{RetryAfter: 10 * time.Second, Categories: []string{"metric_bucket"}, Scope: "organization", Namespaces: []string{"custom"}}},
			"10:metric_bucket:organization::custom", "10"},
		{[]RateLimit{{RetryAfter: -time.Second}}, "0::key", "0"},
	}
	for _, tt := range tests {
		if got := FormatRateLimits(tt.limits); got != tt.header {
			t.Errorf("FormatRateLimits = %q, want %q", got, tt.header)
		}
		if got := RetryAfter(tt.limits); got != tt.retry {
			t.Errorf("RetryAfter = %q, want %q", got, tt.retry)
		}
	}
	h := RateLimitHeaders([]RateLimit{{RetryAfter: time.Minute}})
	if h["X-Sentry-Rate-Limits"] != "60::key" || h["Retry-After"] != "60" {
		t.Errorf("RateLimitHeaders = %v", h)
	}
}

func TestClassify(t *testing.T) {
	tests := map[string]Kind{
		"event": KindEvent, "attachment": KindAttachment, "user_report": KindUserReport, "feedback": KindFeedback,
		"transaction": KindDrop, "span": KindDrop, "session": KindDrop, "sessions": KindDrop, "client_report": KindDrop,
		"log": KindDrop, "replay_event": KindDrop, "replay_recording": KindDrop, "profile": KindDrop,
		"profile_chunk": KindDrop, "check_in": KindDrop, "statsd": KindDrop, "metric_buckets": KindDrop,
		"otel_log": KindDrop, "something_new": KindDrop,
	}
	for typ, want := range tests {
		if got := Classify(typ); got != want {
			t.Errorf("Classify(%q) = %v, want %v", typ, got, want)
		}
	}
	if c := Categories("attachment"); len(c) != 2 || c[0] != "attachment" {
		t.Errorf("Categories(attachment) = %v", c)
	}
	if c := Categories("client_report"); c != nil {
		t.Errorf("Categories(client_report) = %v", c)
	}
}
