package cache

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// stNoatime is ST_NOATIME in statfs(2)'s f_flags (same value as MS_NOATIME).
const stNoatime = 0x400

func mountAtime(root string) AtimeInfo {
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return AtimeInfo{Reason: "cannot read mount options: " + err.Error()}
	}
	if st.Flags&stNoatime != 0 {
		return AtimeInfo{Reason: "the filesystem is mounted noatime, so reads leave no trace; showing download times"}
	}
	return AtimeInfo{Available: true}
}

func diskSpace(root string) (DiskSpace, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return DiskSpace{}, err
	}
	return DiskSpace{Total: int64(st.Blocks) * st.Bsize, Free: int64(st.Bavail) * st.Bsize}, nil
}

// openatNoAtime is openat with O_NOATIME, so reading does not count as
// use. O_NOATIME is only for the file's owner; for others it opens the
// file normally.
func openatNoAtime(dirfd int, name string, flags int) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, flags|unix.O_NOATIME, 0)
		if err == unix.EPERM {
			fd, err = unix.Openat(dirfd, name, flags, 0)
		}
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// openNoAtime opens a file for reading without moving its access time, so
// that looking at the cache does not make everything look recently used.
// O_NOATIME needs the caller to own the file; otherwise the file is opened
// normally and preserved is false.
func openNoAtime(path string) (f *os.File, preserved bool, err error) {
	f, err = os.OpenFile(path, os.O_RDONLY|unix.O_NOATIME, 0)
	if errors.Is(err, unix.EPERM) {
		f, err = os.Open(path)
		return f, false, err
	}
	return f, true, err
}
