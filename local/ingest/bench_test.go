package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// benchPipeline runs what the server does per request body: decompress,
// parse the envelope, normalize its event.
func benchPipeline(b *testing.B, gz []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(gz)))
	var buf []byte
	for b.Loop() {
		body, err := ReadBody(buf[:0], bytes.NewReader(gz), "gzip", DefaultLimits().Envelope)
		if err != nil {
			b.Fatal(err)
		}
		buf = body
		env, err := ParseEnvelope(body, DefaultLimits())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Normalize(env.EventItem().Payload, NormalizeOptions{EventID: env.Header.EventID}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPipeline5KB: the recorded 6 KB Node error event (frames with context
// lines, contexts, breadcrumbs), gzip-compressed.
func BenchmarkPipeline5KB(b *testing.B) {
	env := mustRead(b, "testdata/fixtures/node/14-event-node-tenant-a.envelope")
	benchPipeline(b, compress(b, "gzip", env))
}

// BenchmarkPipeline50KB: the recorded 46 KB Node event, gzip as the SDK sent it.
func BenchmarkPipeline50KB(b *testing.B) {
	benchPipeline(b, mustRead(b, "testdata/fixtures/node/16-event-node-large.raw"))
}

func BenchmarkNormalize5KB(b *testing.B) {
	env, err := ParseEnvelope(mustRead(b, "testdata/fixtures/node/14-event-node-tenant-a.envelope"), DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	p := env.EventItem().Payload
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := Normalize(p, NormalizeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// loadgenEnvelopes builds n gzip envelopes shaped like bench/ingest's
// events (a third Python, the rest browser JavaScript; 20–40 frames;
// breadcrumbs up to target bytes), deterministically, and the mean size of
// their event JSON.
func loadgenEnvelopes(tb testing.TB, n, target int) ([][]byte, int) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("cart checkout price total user session token render fetch parse update state item order payment retry queue worker cache index route handler request response")
	const ts = 1795551036.908
	size := func(v any) int { b, _ := json.Marshal(v); return len(b) }
	out := make([][]byte, n)
	raw := 0
	for i := range out {
		kind := rng.IntN(100)
		python := kind%3 == 0
		frames := make([]map[string]any, 20+rng.IntN(21))
		for f := range frames {
			w1, w2 := words[f%len(words)], words[(kind*7+f)%len(words)]
			fn := words[(kind+f)%len(words)] + strings.ToUpper(w2[:1]) + w2[1:]
			if python {
				frames[f] = map[string]any{"module": "app." + w1, "filename": "app/" + w1 + ".py", "abs_path": "/srv/app/" + w1 + ".py",
					"function": fn, "lineno": 10 + f*3, "in_app": f > 3}
			} else {
				frames[f] = map[string]any{"filename": "https://shop.example.com/static/js/" + w1 + ".js",
					"function": fn, "lineno": 1 + f, "colno": 100 + f*17, "in_app": f > 5}
			}
		}
		platform, typ, sdk := "javascript", "TypeError", "sentry.javascript.browser"
		if python {
			platform, typ, sdk = "python", "ValueError", "sentry.python"
		}
		id := fmt.Sprintf("%08x%024x", i, rng.Uint64())
		ev := map[string]any{
			"event_id": id, "timestamp": ts, "platform": platform, "level": "error",
			"release": "shop@1." + strconv.Itoa(kind%5), "environment": "production", "server_name": "web-" + strconv.Itoa(rng.IntN(8)),
			"exception": map[string]any{"values": []any{map[string]any{"type": typ + strconv.Itoa(kind), "value": "cannot read " + words[kind%len(words)] + " of undefined (id " + strconv.Itoa(rng.IntN(1e6)) + ")",
				"mechanism": map[string]any{"type": "generic", "handled": true}, "stacktrace": map[string]any{"frames": frames}}}},
			"tags": map[string]string{"browser": "Chrome 130", "os": "Linux", "region": "eu-" + strconv.Itoa(rng.IntN(3)), "feature": words[rng.IntN(len(words))]},
			"user": map[string]any{"id": "user-" + strconv.Itoa(rng.IntN(5000)), "ip_address": "192.0.2." + strconv.Itoa(rng.IntN(250))},
			"sdk":  map[string]any{"name": sdk, "version": "9.0.0", "integrations": []string{"InboundFilters", "FunctionToString", "Breadcrumbs", "GlobalHandlers", "LinkedErrors", "Dedupe", "HttpContext"}},
			"contexts": map[string]any{"trace": map[string]any{"trace_id": fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()), "span_id": fmt.Sprintf("%016x", rng.Uint64())},
				"runtime": map[string]any{"name": platform, "version": "3.12.4"}},
			"request": map[string]any{"url": "https://shop.example.com/" + words[rng.IntN(len(words))], "headers": map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"}},
		}
		var crumbs []any
		for sz := size(ev) + len(`,"breadcrumbs":{"values":[]}`); sz < target; {
			c := map[string]any{"timestamp": ts, "category": "xhr", "message": "GET /api/" + words[rng.IntN(len(words))] + "/" + strconv.Itoa(rng.IntN(1e6)), "level": "info", "data": map[string]any{"status_code": 200}}
			crumbs = append(crumbs, c)
			sz += size(c) + 1
		}
		ev["breadcrumbs"] = map[string]any{"values": crumbs}
		b, err := json.Marshal(ev)
		if err != nil {
			tb.Fatal(err)
		}
		raw += len(b)
		env := fmt.Appendf(nil, `{"event_id":%q,"sent_at":"2026-11-24T20:10:36.970Z"}`+"\n"+`{"type":"event","length":%d}`+"\n", id, len(b))
		env = append(append(env, b...), '\n')
		out[i] = compress(tb, "gzip", env)
	}
	return out, raw / n
}

// BenchmarkPipelineLoadgen5KB: what the load generator sends at -size 5k,
// cycling through 64 distinct envelopes; per event.
func BenchmarkPipelineLoadgen5KB(b *testing.B) {
	envs, _ := loadgenEnvelopes(b, 64, 5<<10)
	b.ReportAllocs()
	var buf []byte
	i := 0
	for b.Loop() {
		body, err := ReadBody(buf[:0], bytes.NewReader(envs[i%len(envs)]), "gzip", DefaultLimits().Envelope)
		if err != nil {
			b.Fatal(err)
		}
		i++
		buf = body
		env, err := ParseEnvelope(body, DefaultLimits())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Normalize(env.EventItem().Payload, NormalizeOptions{EventID: env.Header.EventID}); err != nil {
			b.Fatal(err)
		}
	}
}
