package inflate

import (
	"compress/flate"
	"testing"
)

// The fuzz targets hold the decoder to Go's compress packages: the same
// inputs accepted, the same output, and no panic on anything.

func addSeeds(f *testing.F, name string) {
	for _, data := range [][]byte{
		nil, []byte("a"), []byte(`{"exception":{"values":[{"type":"Error","value":"boom"}]}}`),
		[]byte("abcabcabcabcabcabcabcabcabcabcabcabcabcabc xyz xyz xyz"),
	} {
		for _, level := range []int{flate.NoCompression, flate.BestSpeed, flate.BestCompression, flate.HuffmanOnly} {
			f.Add(compress(f, name, data, level))
		}
	}
}

func FuzzInflate(f *testing.F) {
	addSeeds(f, "deflate")
	f.Fuzz(func(t *testing.T, src []byte) { checkSame(t, "deflate", src) })
}

func FuzzGunzip(f *testing.F) {
	addSeeds(f, "gzip")
	f.Fuzz(func(t *testing.T, src []byte) { checkSame(t, "gzip", src) })
}

func FuzzZlib(f *testing.F) {
	addSeeds(f, "zlib")
	f.Fuzz(func(t *testing.T, src []byte) { checkSame(t, "zlib", src) })
}
