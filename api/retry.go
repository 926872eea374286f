package api

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxRetryAfter caps how long one Retry-After makes us wait: a server asking
// for an hour is better answered with an error than with a silent hang.
const MaxRetryAfter = 60 * time.Second

// retryPolicy is sentry-cli's: exponential backoff from 1 s, ×1.5 a step,
// at most 5 s, with jitter; 5 retries. Unlike sentry-cli it also retries 429,
// after the Retry-After the server asked for.
type retryPolicy struct {
	maxRetries int
	initial    time.Duration
	factor     float64
	maxDelay   time.Duration
	sleep      func(ctx context.Context, d time.Duration) error
	// jitter returns a number in [0, 1); tests fix it.
	jitter func() float64
}

func defaultRetryPolicy() retryPolicy {
	return retryPolicy{
		maxRetries: 5,
		initial:    time.Second,
		factor:     1.5,
		maxDelay:   5 * time.Second,
		sleep:      sleepCtx,
		jitter:     rand.Float64,
	}
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoff is the wait before retry number attempt+1: the exponential step
// spread over [½, 1½) of itself so that clients that failed together do not
// come back together, then capped.
func (p retryPolicy) backoff(attempt int) time.Duration {
	d := float64(p.initial) * math.Pow(p.factor, float64(attempt))
	d *= 0.5 + p.jitter()
	return min(time.Duration(d), p.maxDelay)
}

// isIdempotent reports whether sending a request twice does no more than
// sending it once, which is what makes a blind retry safe.
func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

// retryableStatus is sentry-cli's list: gateway and storage errors that say
// nothing about the request itself (524 is Cloudflare's timeout).
func retryableStatus(code int) bool {
	switch code {
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout,
		http.StatusInsufficientStorage, 524:
		return true
	}
	return false
}

// next decides whether attempt (0 for the first send) is retried and after
// how long.
func (p retryPolicy) next(ctx context.Context, attempt int, idempotent bool, resp *response, err error) (time.Duration, bool) {
	if attempt >= p.maxRetries || ctx.Err() != nil {
		return 0, false
	}
	var wait time.Duration
	var he *HTTPError
	var te *transportError
	switch {
	case errors.As(err, &he) && he.StatusCode == http.StatusTooManyRequests:
		// Sentry's rate limiter refuses before the endpoint runs, so even a
		// POST was not applied and may be sent again.
		wait = he.RetryAfter
		if wait <= 0 {
			wait = p.backoff(attempt)
		}
		wait = min(wait, MaxRetryAfter)
	case errors.As(err, &he) && retryableStatus(he.StatusCode) && idempotent:
		wait = p.backoff(attempt)
		if he.RetryAfter > wait {
			wait = min(he.RetryAfter, MaxRetryAfter)
		}
	case errors.As(err, &te) && idempotent:
		// Our own per-attempt timeout is a transport error too; the caller's
		// context ending is not (checked above).
		wait = p.backoff(attempt)
	default:
		return 0, false
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
		return 0, false
	}
	return wait, true
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || math.IsNaN(secs) || math.IsInf(secs, 0) {
			return 0, false
		}
		return time.Duration(min(secs, 24*3600) * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
