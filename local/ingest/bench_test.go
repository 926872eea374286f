package ingest

import (
	"bytes"
	"testing"
	"time"

	"github.com/snag-dev/snag/internal/loadgen"
)

// benchPipeline runs what the server does per request body: decompress,
// parse the envelope, normalize its event (and release it once stored).
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
		ne, err := Normalize(env.EventItem().Payload, NormalizeOptions{EventID: env.Header.EventID})
		if err != nil {
			b.Fatal(err)
		}
		ne.Release()
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

// BenchmarkPipelineLoadgen5KB: what the load generator sends at -size 5k,
// cycling through 64 distinct envelopes; per event.
func BenchmarkPipelineLoadgen5KB(b *testing.B) {
	envs, _ := loadgen.Envelopes(64, 5<<10, time.UnixMilli(1795551036908))
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
		ne, err := Normalize(env.EventItem().Payload, NormalizeOptions{EventID: env.Header.EventID})
		if err != nil {
			b.Fatal(err)
		}
		ne.Release()
	}
}
