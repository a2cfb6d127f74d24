package cache

import (
	"io/fs"
	"syscall"
)

// Windows reports no block count or inode through Lstat; sizes are rounded
// to the cluster size in statOf and hard links are not deduplicated.
func sysStat(fi fs.FileInfo) fileStat {
	st, ok := fi.Sys().(*syscall.Win32FileAttributeData)
	if !ok {
		return fileStat{blocks: -1, nlink: 1}
	}
	return fileStat{
		blocks: -1,
		atime:  st.LastAccessTime.Nanoseconds(),
		mtime:  st.LastWriteTime.Nanoseconds(),
		nlink:  1,
	}
}
