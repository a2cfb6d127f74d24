package cache

import (
	"io/fs"
	"syscall"
)

func sysStat(fi fs.FileInfo) fileStat {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileStat{blocks: -1}
	}
	return fileStat{
		blocks: st.Blocks * 512,
		atime:  st.Atimespec.Nano(),
		mtime:  st.Mtimespec.Nano(),
		ctime:  st.Ctimespec.Nano(),
		dev:    uint64(st.Dev),
		ino:    st.Ino,
		nlink:  uint64(st.Nlink),
	}
}
