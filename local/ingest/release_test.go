package ingest

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/snag-dev/snag/internal/loadgen"
)

// A released event's buffers serve the events after it: what those get
// must be exactly what fresh buffers give, whatever the sizes (fewer or
// more frames, a larger JSON) of the events before them.
func TestReleasedBuffersServeTheNextEvents(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var payloads [][]byte
	for i := range 24 {
		size := []int{5 << 10, 50 << 10, 2 << 10}[i%3]
		b, err := json.Marshal(loadgen.Event(rng, i, size, 1795551036))
		if err != nil {
			t.Fatal(err)
		}
		payloads = append(payloads, b)
	}
	opts := NormalizeOptions{ReceivedAt: time.Unix(1795551040, 0)}
	view := func(ne *NormalizedEvent) string {
		ev, err := json.Marshal(ne.Event)
		if err != nil {
			t.Fatal(err)
		}
		return string(ne.JSON) + "\n" + string(ev)
	}
	want := make([]string, len(payloads))
	for i, p := range payloads {
		ne, err := Normalize(p, opts)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = view(ne) // never released
	}
	for round := range 3 {
		for i := range payloads {
			j := (i*7 + round) % len(payloads)
			ne, err := Normalize(payloads[j], opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := view(ne); got != want[j] {
				t.Fatalf("round %d, event %d after a release differs:\n got %.300s\nwant %.300s", round, j, got, want[j])
			}
			ne.Release()
			if ne.Event != nil || ne.JSON != nil {
				t.Fatal("Release left Event or JSON set")
			}
			ne.Release() // twice is harmless
		}
	}
}
