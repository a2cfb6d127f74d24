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
	// A shared lock over the whole range, as lockedfile's exclusive one
	// covers: it fails only while someone holds that.
	h := windows.Handle(f.Fd())
	const flags = windows.LOCKFILE_FAIL_IMMEDIATELY
	err = windows.LockFileEx(h, flags, 0, ^uint32(0), ^uint32(0), new(windows.Overlapped))
	if err != nil {
		return err == windows.ERROR_LOCK_VIOLATION
	}
	windows.UnlockFileEx(h, 0, ^uint32(0), ^uint32(0), new(windows.Overlapped))
	return false
}
