//go:build unix

package sourcemaps

import (
	"os"
	"syscall"
)

// mapFile maps path read-only. Empty files cannot be mapped and are
// returned as an empty slice.
func mapFile(path string) ([]byte, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := st.Size()
	if size == 0 {
		return []byte{}, nil, nil
	}
	if int64(int(size)) != size {
		return nil, nil, syscall.EFBIG
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED|mmapExtraFlags)
	if err != nil {
		// Some filesystems cannot be mapped; fall back to reading.
		b, rerr := os.ReadFile(path)
		if rerr != nil {
			return nil, nil, rerr
		}
		return b, nil, nil
	}
	return data, func() error { return syscall.Munmap(data) }, nil
}
