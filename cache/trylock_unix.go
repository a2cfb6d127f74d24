//go:build unix

package cache

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockHeld reports whether some process holds an exclusive flock on path,
// the primitive cmd/go's lockedfile uses. It probes with a non-blocking
// shared lock on a read-only descriptor, so it never writes.
func lockHeld(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB); err != nil {
		return err == unix.EWOULDBLOCK
	}
	unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false
}
