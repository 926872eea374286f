package serve

import (
	"math"
	"os"
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	for _, tc := range []struct {
		name, env string
		set       bool
		want      int
	}{
		{name: "unset", want: gcPercent},
		{name: "GOGC set", env: "GOGC", set: true, want: 100},
		{name: "GOMEMLIMIT set", env: "GOMEMLIMIT", set: true, want: 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"GOGC", "GOMEMLIMIT"} {
				t.Setenv(k, "") // restored after the test
				os.Unsetenv(k)
			}
			if tc.set {
				t.Setenv(tc.env, "100")
			}
			prevPercent := debug.SetGCPercent(100)
			prevLimit := debug.SetMemoryLimit(math.MaxInt64)
			defer func() {
				debug.SetGCPercent(prevPercent)
				debug.SetMemoryLimit(prevLimit)
			}()

			tuneGC()
			if got := debug.SetGCPercent(100); got != tc.want {
				t.Errorf("GC percent %d, want %d", got, tc.want)
			}
			wantLimit := int64(math.MaxInt64)
			if !tc.set {
				wantLimit = memoryLimit
			}
			if got := debug.SetMemoryLimit(-1); got != wantLimit {
				t.Errorf("memory limit %d, want %d", got, wantLimit)
			}
		})
	}
}
