package cache

import (
	"os"

	"golang.org/x/sys/windows"
)

// lockHeld reports whether another process holds the LockFileEx lock that
// cmd/go's lockedfile takes on path.
func lockHeld(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	ol := new(windows.Overlapped)
	const flags = windows.LOCKFILE_FAIL_IMMEDIATELY
	if err := windows.LockFileEx(windows.Handle(f.Fd()), flags, 0, 1, 0, ol); err != nil {
		return true
	}
	windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, ol)
	return false
}
