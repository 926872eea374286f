package grouping_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/snag-dev/snag/api"
	"github.com/snag-dev/snag/local/grouping"
	"github.com/snag-dev/snag/local/ingest"
)

// TestHashesMatchesCompute: Hashes reuses its memory from one event to the
// next; on every corpus case, in two orders and from several goroutines at
// once, it must give exactly Compute's hashes.
func TestHashesMatchesCompute(t *testing.T) {
	cases := loadCorpus(t)
	events := make([]*api.Event, len(cases))
	want := make([][]string, len(cases))
	for i, c := range cases {
		ne, err := ingest.Normalize(c.Input, ingest.NormalizeOptions{})
		if err != nil {
			t.Fatalf("%s: normalize: %v", c.ID, err)
		}
		events[i] = ne.Event
		want[i] = grouping.Compute(ne.Event, grouping.Options{EventRules: true}).Hashes
	}
	check := func(i int) error {
		if got := grouping.Hashes(events[i], grouping.Options{EventRules: true}); !slices.Equal(got, want[i]) {
			return fmt.Errorf("%s: Hashes %v, Compute %v", cases[i].ID, got, want[i])
		}
		return nil
	}
	for i := range events {
		if err := check(i); err != nil {
			t.Error(err)
		}
	}
	for i := len(events) - 1; i >= 0; i-- {
		if err := check(i); err != nil {
			t.Error(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(events))
	for w := range 4 {
		wg.Go(func() {
			for k := range events {
				if err := check((k*7 + w) % len(events)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
