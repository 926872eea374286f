package server

import (
	"sync"
	"time"
)

// limiter is a token bucket per project: rate events a second with a burst
// of the same size. A zero rate means no limit.
type limiter struct {
	rate float64
	now  func() time.Time

	mu      sync.Mutex
	buckets map[int64]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perSecond int, now func() time.Time) *limiter {
	return &limiter{rate: float64(perSecond), now: now, buckets: map[int64]*bucket{}}
}

// take spends n tokens of the project's bucket. When there are not enough
// it spends none and says how long until there will be.
func (l *limiter) take(project int64, n int) (ok bool, wait time.Duration) {
	if l == nil || l.rate <= 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[project]
	if b == nil {
		b = &bucket{tokens: l.rate, last: now}
		l.buckets[project] = b
	}
	b.tokens = min(l.rate, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= float64(n) {
		b.tokens -= float64(n)
		return true, 0
	}
	need := float64(n) - b.tokens
	return false, time.Duration(need / l.rate * float64(time.Second))
}
