package mirror

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// openNoAtime opens a cache file without moving its access time: the atime
// of .mod and .info is how modcache tells when a build last used a version,
// and pushing is not a use. O_NOATIME needs the caller to own the file;
// otherwise it opens normally. (cache has the same helper, unexported.)
func openNoAtime(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NOATIME, 0)
	if errors.Is(err, unix.EPERM) {
		return os.Open(path)
	}
	return f, err
}

// fileIdentity is what changes whenever a file's bytes could have changed:
// a rewrite in place moves mtime and ctime, a replacement changes the
// inode. ctime cannot be set from user space, so a match means the file is
// the one that was verified.
func fileIdentity(fi fs.FileInfo) (identity, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return identity{}, false
	}
	return identity{
		Dev: uint64(st.Dev), Ino: st.Ino, Size: st.Size,
		Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano(),
	}, true
}
