package mirror

import (
	"io/fs"
	"syscall"
)

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
