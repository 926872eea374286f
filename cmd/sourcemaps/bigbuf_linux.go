package sourcemaps

import "syscall"

// bigBuffer returns a zeroed buffer of n bytes outside the Go heap, asking
// for transparent huge pages: on VMs where every fresh 4 KiB page costs a
// slow fault, touching a 40 MB bundle buffer took 150 to 250 ms, and about
// 5 ms in 2 MiB pages. release unmaps it; nothing may use the buffer
// after. It falls back to the heap when the mapping fails.
func bigBuffer(n int) (buf []byte, release func()) {
	if n <= 0 {
		return nil, func() {}
	}
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, n), func() {}
	}
	_ = syscall.Madvise(b, 14) // MADV_HUGEPAGE; ignored where THP is off
	return b, func() { _ = syscall.Munmap(b) }
}
