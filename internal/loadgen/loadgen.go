// Package loadgen builds the error events the ingest load generator
// (bench/ingest) sends, so that the package benchmarks of the ingest path
// measure the same shapes.
package loadgen

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Envelopes builds n gzip envelopes, each holding one error event of about
// target bytes of JSON with timestamps at (whole seconds), and reports the mean size of the
// event JSON. The events are the same for the same n and target.
func Envelopes(n, target int, at time.Time) ([][]byte, int) {
	rng := rand.New(rand.NewPCG(1, 2))
	ts := float64(at.Unix())
	sentAt := at.UTC().Format(time.RFC3339)
	out := make([][]byte, n)
	var raw int
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	for i := range out {
		ev := Event(rng, i, target, ts)
		b, _ := json.Marshal(ev)
		raw += len(b)
		buf.Reset()
		zw.Reset(&buf)
		fmt.Fprintf(zw, `{"event_id":%q,"sent_at":%q}`+"\n"+`{"type":"event","length":%d}`+"\n", ev["event_id"], sentAt, len(b))
		zw.Write(b)
		zw.Write([]byte("\n"))
		zw.Close()
		out[i] = bytes.Clone(buf.Bytes())
	}
	return out, raw / max(n, 1)
}

var words = strings.Fields("cart checkout price total user session token render fetch parse update state item order payment retry queue worker cache index route handler request response")

// Event builds error event number i, at ts (Unix seconds), shaped like what the SDKs send (compare
// ../shared/fixtures/envelopes): browser JavaScript frames carry filename,
// function, in_app, lineno and colno; Python frames carry module, paths
// and, when the size allows it (50 KB), source context, as sentry-python
// sends by default. Breadcrumbs bring the event to about target bytes;
// the mean over a run lands within a few percent of it.
func Event(rng *rand.Rand, i, target int, ts float64) map[string]any {
	errKind := rng.IntN(100) // ~100 distinct errors
	python := errKind%3 == 0
	withContext := target > 10<<10
	// One error, one code path: the same frames every time it happens.
	nframes := 20 + errKind%21
	frames := make([]map[string]any, nframes)
	for f := range frames {
		w1, w2 := words[f%len(words)], words[(errKind*7+f)%len(words)]
		fn := words[(errKind+f)%len(words)] + strings.ToUpper(w2[:1]) + w2[1:]
		if python {
			fr := map[string]any{"module": "app." + w1, "filename": "app/" + w1 + ".py", "abs_path": "/srv/app/" + w1 + ".py",
				"function": fn, "lineno": 10 + f*3, "in_app": f > 3}
			if withContext {
				fr["context_line"] = "    result = " + fn + "(request)"
				fr["pre_context"] = []string{"", "@log_calls", "def " + fn + "(request):", "    data = request.json()", "    validate(data)"}
				fr["post_context"] = []string{"    if result is None:", "        raise LookupError(data)", "    return result", "", ""}
			}
			frames[f] = fr
		} else {
			frames[f] = map[string]any{"filename": "https://shop.example.com/static/js/" + w1 + ".js",
				"function": fn, "lineno": 1 + f, "colno": 100 + f*17, "in_app": f > 5}
		}
	}
	platform, typ, sdk := "javascript", "TypeError", "sentry.javascript.browser"
	if python {
		platform, typ, sdk = "python", "ValueError", "sentry.python"
	}
	ev := map[string]any{
		"event_id": fmt.Sprintf("%08x%024x", i, rng.Uint64()), "timestamp": ts, "platform": platform, "level": "error",
		"release": "shop@1." + strconv.Itoa(errKind%5), "environment": "production", "server_name": "web-" + strconv.Itoa(rng.IntN(8)),
		"exception": map[string]any{"values": []any{map[string]any{"type": typ + strconv.Itoa(errKind), "value": "cannot read " + words[errKind%len(words)] + " of undefined (id " + strconv.Itoa(rng.IntN(1e6)) + ")",
			"mechanism": map[string]any{"type": "generic", "handled": true}, "stacktrace": map[string]any{"frames": frames}}}},
		"tags": map[string]string{"browser": "Chrome 130", "os": "Linux", "region": "eu-" + strconv.Itoa(rng.IntN(3)), "feature": words[rng.IntN(len(words))]},
		"user": map[string]any{"id": "user-" + strconv.Itoa(rng.IntN(5000)), "ip_address": "192.0.2." + strconv.Itoa(rng.IntN(250))},
		"sdk":  map[string]any{"name": sdk, "version": "9.0.0", "integrations": []string{"InboundFilters", "FunctionToString", "Breadcrumbs", "GlobalHandlers", "LinkedErrors", "Dedupe", "HttpContext"}},
		"contexts": map[string]any{"trace": map[string]any{"trace_id": fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()), "span_id": fmt.Sprintf("%016x", rng.Uint64())},
			"runtime": map[string]any{"name": platform, "version": "3.12.4"}},
		"request": map[string]any{"url": "https://shop.example.com/" + words[rng.IntN(len(words))], "headers": map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"}},
	}
	// Breadcrumbs bring the event to its target size, as real ones do.
	var crumbs []any
	for size := approxSize(ev) + len(`,"breadcrumbs":{"values":[]}`); size < target; {
		c := map[string]any{"timestamp": ts, "category": "xhr", "message": "GET /api/" + words[rng.IntN(len(words))] + "/" + strconv.Itoa(rng.IntN(1e6)), "level": "info", "data": map[string]any{"status_code": 200}}
		crumbs = append(crumbs, c)
		size += approxSize(c) + 1
	}
	ev["breadcrumbs"] = map[string]any{"values": crumbs}
	return ev
}

func approxSize(v any) int { b, _ := json.Marshal(v); return len(b) }
