package cache

import (
	"crypto/sha256"
	"os"

	"golang.org/x/sys/unix"
)

// file hashes the file name in the open directory dir (full is its
// path, for errors). Trees are mostly small files, so this goes straight
// to the system calls: openat relative to the directory (no path walk),
// with O_NOATIME so reading does not count as use, read, close, and none
// of the poller registration os.Open attempts.
func (hs *hasher) file(dir *os.File, name, full string) (s [sha256.Size]byte, size int64, err error) {
	const flags = unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOFOLLOW
	dfd := int(dir.Fd())
	fd, err := openatNoAtime(dfd, name, flags)
	if err != nil {
		return s, 0, &os.PathError{Op: "open", Path: full, Err: err}
	}
	defer unix.Close(fd)
	hs.h.Reset()
	for {
		n, err := unix.Read(fd, hs.buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return s, size, &os.PathError{Op: "read", Path: full, Err: err}
		}
		if n == 0 {
			break
		}
		hs.h.Write(hs.buf[:n])
		size += int64(n)
	}
	hs.h.Sum(s[:0])
	return s, size, nil
}
