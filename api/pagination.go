package api

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ListOptions selects a window of a list endpoint.
type ListOptions struct {
	// Cursor is where to start, from a previous Page's NextCursor; "" is the
	// first page.
	Cursor string
	// PerPage is the page size; 0 leaves Sentry's default (100, also the
	// maximum).
	PerPage int
	// MaxPages stops an iterator after that many pages; 0 reads them all.
	MaxPages int
}

// apply puts the cursor and page size into q; sizeParam is "per_page" on
// most endpoints and "limit" on issue lists.
func (o ListOptions) apply(q url.Values, sizeParam string) url.Values {
	if q == nil {
		q = url.Values{}
	}
	if o.Cursor != "" {
		q.Set("cursor", o.Cursor)
	}
	if o.PerPage > 0 {
		q.Set(sizeParam, strconv.Itoa(o.PerPage))
	}
	return q
}

// Page is one page of a list.
type Page[T any] struct {
	Items []T
	// NextCursor fetches the following page; "" on the last one.
	NextCursor string
	// Hits is the X-Hits total when the server sends it, else -1.
	Hits int
}

// Link is one entry of Sentry's Link header:
//
//	<https://host/api/0/…/?cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"
type Link struct {
	URL     string
	Rel     string // "next" or "previous"
	Results bool   // whether following it yields anything
	Cursor  string
}

// ParseLinkHeader reads a Link header into its entries, skipping malformed
// ones.
func ParseLinkHeader(h string) []Link {
	var links []Link
	for h = strings.TrimSpace(h); h != ""; h = strings.TrimSpace(h) {
		if h[0] != '<' {
			// Not at an entry: skip to the next one.
			_, rest, ok := strings.Cut(h, ",")
			if !ok {
				break
			}
			h = rest
			continue
		}
		end := strings.IndexByte(h, '>')
		if end < 0 {
			break
		}
		l := Link{URL: h[1:end]}
		h = h[end+1:]
		// Parameters run to the next comma outside quotes.
		for {
			h = strings.TrimLeft(h, " \t")
			if h == "" || h[0] == ',' {
				h = strings.TrimPrefix(h, ",")
				break
			}
			if h[0] != ';' {
				// Junk between parameters; resynchronise at the next one.
				i := strings.IndexAny(h, ";,")
				if i < 0 {
					h = ""
					continue
				}
				h = h[i:]
				continue
			}
			h = strings.TrimLeft(h[1:], " \t")
			eq := strings.IndexAny(h, "=;,")
			if eq < 0 || h[eq] != '=' {
				continue // a bare parameter; the loop skips it
			}
			name := strings.ToLower(strings.TrimSpace(h[:eq]))
			h = strings.TrimLeft(h[eq+1:], " \t")
			var val string
			if strings.HasPrefix(h, `"`) {
				closing := strings.IndexByte(h[1:], '"')
				if closing < 0 {
					val, h = h[1:], ""
				} else {
					val, h = h[1:closing+1], h[closing+2:]
				}
			} else {
				i := strings.IndexAny(h, ";,")
				if i < 0 {
					i = len(h)
				}
				val, h = strings.TrimSpace(h[:i]), h[i:]
			}
			switch name {
			case "rel":
				l.Rel = val
			case "results":
				l.Results = val == "true"
			case "cursor":
				l.Cursor = val
			}
		}
		if l.Cursor == "" {
			if u, err := url.Parse(l.URL); err == nil {
				l.Cursor = u.Query().Get("cursor")
			}
		}
		links = append(links, l)
	}
	return links
}

// nextCursor is the cursor of the rel="next" link that has results, or "".
func nextCursor(h http.Header) string {
	for _, l := range ParseLinkHeader(strings.Join(h.Values("Link"), ", ")) {
		if l.Rel == "next" && l.Results {
			return l.Cursor
		}
	}
	return ""
}

// getPage fetches one page of a list endpoint.
func getPage[T any](ctx context.Context, c *Client, path string, q url.Values) (*Page[T], error) {
	var items []T
	resp, err := c.send(ctx, c.newRequest(http.MethodGet, path, q), &items)
	if err != nil {
		return nil, err
	}
	p := &Page[T]{Items: items, NextCursor: nextCursor(resp.header), Hits: -1}
	if n, err := strconv.Atoi(resp.header.Get("X-Hits")); err == nil {
		p.Hits = n
	}
	return p, nil
}

// paginate yields every item of a list endpoint, page after page, following
// the Link header. It stops at the first error, which it yields.
func paginate[T any](ctx context.Context, c *Client, path string, q url.Values, maxPages int) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		q := cloneValues(q)
		seen := map[string]bool{}
		for pages := 0; maxPages <= 0 || pages < maxPages; pages++ {
			p, err := getPage[T](ctx, c, path, q)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range p.Items {
				if !yield(it, nil) {
					return
				}
			}
			// A server that hands back a cursor it already gave would loop
			// us forever.
			if p.NextCursor == "" || seen[p.NextCursor] {
				return
			}
			seen[p.NextCursor] = true
			q.Set("cursor", p.NextCursor)
		}
	}
}

func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}
