package cache

import (
	"io/fs"
	"os"
)

// fileStat is the part of an lstat result the scan needs, read the same way
// on every OS. Times are Unix nanoseconds.
type fileStat struct {
	mode   fs.FileMode // type bits only
	size   int64
	blocks int64 // bytes on disk (st_blocks*512 where the OS reports blocks)
	atime  int64
	mtime  int64
	ctime  int64 // 0 where the OS reports none (ZipHashes needs it)
	dev    uint64
	ino    uint64
	nlink  uint64
	err    error // set when the entry could not be stat'ed
}

func (st fileStat) isDir() bool { return st.mode.IsDir() }

// statOf extracts a fileStat from an Lstat result.
func statOf(fi fs.FileInfo) fileStat {
	st := sysStat(fi)
	st.mode = fi.Mode().Type()
	st.size = fi.Size()
	if st.blocks < 0 {
		// No block count on this OS: round the size up to 4 KiB as a
		// filesystem would.
		st.blocks = (fi.Size() + 4095) &^ 4095
	}
	if st.mtime == 0 {
		st.mtime = fi.ModTime().UnixNano()
	}
	return st
}

// lstatPath stats one path without following it.
func lstatPath(path string) (fileStat, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return fileStat{}, err
	}
	return statOf(fi), nil
}
