//go:build !linux

package sourcemaps

// bigBuffer returns a buffer of n bytes; see the Linux version.
func bigBuffer(n int) (buf []byte, release func()) { return make([]byte, n), func() {} }
