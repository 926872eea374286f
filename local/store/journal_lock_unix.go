//go:build unix

package store

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockJournal takes the database's journal lock, a flock on a file beside
// it, without waiting. Only the process holding it writes and recovers
// journal segments: `snag serve` holds it while it runs, and a command that
// opens the same database meanwhile (snag issues --local, the TUI) stores
// what it writes directly instead. The lock goes with the file descriptor,
// so a killed process never leaves it held.
func lockJournal(base string) (*os.File, bool, error) {
	f, err := os.OpenFile(base+"-ingest.lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("open ingest journal lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("lock ingest journal: %w", err)
	}
	return f, true, nil
}
