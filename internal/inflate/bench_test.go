package inflate

import (
	"bytes"
	"io"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/snag-dev/snag/internal/loadgen"
)

// The bodies the load generator sends (gzip of JSON events), decoded into
// a reused buffer; per event. The klauspost benchmarks are the streaming
// decoder the server used before, for comparison.
func benchBodies(size int) [][]byte {
	envs, _ := loadgen.Envelopes(64, size, time.UnixMilli(1795551036908))
	return envs
}

func benchGunzip(b *testing.B, size int) {
	envs := benchBodies(size)
	var buf []byte
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		out, err := Gunzip(buf[:0], envs[i%len(envs)], 1<<20)
		if err != nil {
			b.Fatal(err)
		}
		buf = out
		i++
	}
}

func benchKlauspost(b *testing.B, size int) {
	envs := benchBodies(size)
	var buf bytes.Buffer
	zr, err := kgzip.NewReader(bytes.NewReader(envs[0]))
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if err := zr.Reset(bytes.NewReader(envs[i%len(envs)])); err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		if _, err := io.Copy(&buf, zr); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkGunzip5KB(b *testing.B)     { benchGunzip(b, 5<<10) }
func BenchmarkGunzip50KB(b *testing.B)    { benchGunzip(b, 50<<10) }
func BenchmarkKlauspost5KB(b *testing.B)  { benchKlauspost(b, 5<<10) }
func BenchmarkKlauspost50KB(b *testing.B) { benchKlauspost(b, 50<<10) }
