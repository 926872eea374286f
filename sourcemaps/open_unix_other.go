//go:build unix && !linux

package sourcemaps

const mmapExtraFlags = 0
