package storetest

import (
	"testing"
	"time"

	"github.com/snag-dev/snag/local/store"
)

// The triage data set: two occurrences of a browser TypeError (two users,
// two browsers) and a checkout warning, as a browser SDK sends them. The
// TypeError becomes issue 1 (DEFAULT-1), the warning issue 2 (DEFAULT-2).
const (
	TypeErrorFirst  = "a1000000000000000000000000000001"
	TypeErrorSecond = "a1000000000000000000000000000002"
	CheckoutWarning = "c2000000000000000000000000000001"
)

// TypeErrorEvent is one occurrence of the TypeError (already unminified, as
// `snag serve` stores it), at ts for user and browser.
func TypeErrorEvent(id, ts, user, browser string) string {
	return `{
  "event_id": "` + id + `",
  "timestamp": "` + ts + `",
  "platform": "javascript",
  "level": "error",
  "release": "web@1.4.2",
  "environment": "production",
  "exception": {"values": [{
    "type": "TypeError",
    "value": "Cannot read properties of undefined (reading 'total')",
    "mechanism": {"type": "onerror", "handled": false},
    "stacktrace": {"frames": [
      {"filename": "node_modules/react-dom/cjs/react-dom.production.js", "abs_path": "https://shop.example/node_modules/react-dom/cjs/react-dom.production.js", "function": "commitRoot", "lineno": 8812, "colno": 7, "in_app": false},
      {"filename": "src/main.ts", "abs_path": "https://shop.example/src/main.ts", "function": "boot", "lineno": 12, "colno": 3, "in_app": true,
       "pre_context": ["export function boot() {", "  const cart = load();"], "context_line": "  renderCart(cart);", "post_context": ["}", ""]},
      {"filename": "src/cart.ts", "abs_path": "https://shop.example/src/cart.ts", "function": "renderCart", "lineno": 40, "colno": 22, "in_app": true,
       "pre_context": ["", "export function renderCart(c) {"], "context_line": "  return c.summary.total;", "post_context": ["}"]}
    ]}
  }]},
  "tags": {"browser": "` + browser + `"},
  "user": {"id": "` + user + `", "email": "` + user + `@example.com"},
  "breadcrumbs": [
    {"timestamp": "2026-11-20T10:00:00Z", "category": "navigation", "data": {"from": "/", "to": "/cart"}},
    {"timestamp": "2026-11-20T10:00:01Z", "category": "console", "level": "warning", "message": "cart is empty"}
  ],
  "request": {"url": "https://shop.example/cart", "headers": {"User-Agent": "Mozilla/5.0"}},
  "contexts": {"browser": {"name": "Chrome", "version": "124.0.0", "type": "browser"}},
  "extra": {"cartSize": 3},
  "sdk": {"name": "sentry.javascript.browser", "version": "8.9.0"}
}`
}

// CheckoutEvent is the checkout warning (a message event).
const CheckoutEvent = `{
  "event_id": "` + CheckoutWarning + `",
  "timestamp": "2026-11-20T09:05:00Z",
  "platform": "javascript",
  "level": "warning",
  "logger": "checkout",
  "release": "web@1.4.1",
  "environment": "staging",
  "message": "Checkout failed",
  "tags": {"browser": "Chrome 124"},
  "sdk": {"name": "sentry.javascript.browser", "version": "8.9.0"}
}`

// SeedTriage stores the triage data set: the first TypeError at 10:10, the
// warning at 09:05 (received at 10:15), the second TypeError at 11:20, all on
// Now's day.
func SeedTriage(tb testing.TB, st *store.Store) {
	tb.Helper()
	day := func(hm string) time.Time {
		t, err := time.Parse(time.RFC3339, "2026-11-20T"+hm+":00Z")
		if err != nil {
			tb.Fatal(err)
		}
		return t
	}
	Submit(tb, st, day("10:10"), TypeErrorEvent(TypeErrorFirst, "2026-11-20T10:10:00Z", "u-42", "Chrome 124"))
	Submit(tb, st, day("10:15"), CheckoutEvent)
	Submit(tb, st, day("11:20"), TypeErrorEvent(TypeErrorSecond, "2026-11-20T11:20:00Z", "u-43", "Firefox 125"))
}
