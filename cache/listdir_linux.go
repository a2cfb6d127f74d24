package cache

import (
	"errors"
	"io/fs"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// listDir reads a directory with getdents64 and lstats each entry with
// fstatat relative to the directory's descriptor, as du's fts does. This
// avoids resolving every full path again and the sorting and allocation of
// os.ReadDir; on large caches it is what lets a scan keep up with du.
// The directory is opened O_NOFOLLOW (never through a symlink) and, when
// allowed, O_NOATIME (so looking does not count as use).
func listDir(dir string, fn func(name string, st fileStat)) error {
	fd, err := openDir(dir)
	if err != nil {
		return &fs.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	bufp := direntBufs.Get().(*[]byte)
	defer direntBufs.Put(bufp)
	buf := *bufp
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return &fs.PathError{Op: "readdirent", Path: dir, Err: err}
		}
		if n <= 0 {
			return nil
		}
		for off := 0; off < n; {
			d := (*unix.Dirent)(unsafe.Pointer(&buf[off]))
			off += int(d.Reclen)
			name := direntName(d)
			if name == "." || name == ".." {
				continue
			}
			var st unix.Stat_t
			if err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
				if errors.Is(err, unix.ENOENT) {
					continue // removed since listed: a concurrent go command
				}
				fn(name, fileStat{err: &fs.PathError{Op: "lstat", Path: dir + "/" + name, Err: err}})
				continue
			}
			fn(name, fileStat{
				mode:   unixMode(st.Mode),
				size:   st.Size,
				blocks: st.Blocks * 512,
				atime:  st.Atim.Nano(),
				mtime:  st.Mtim.Nano(),
				dev:    uint64(st.Dev),
				ino:    st.Ino,
				nlink:  uint64(st.Nlink),
			})
		}
	}
}

var direntBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func openDir(dir string) (int, error) {
	return openatNoAtime(unix.AT_FDCWD, dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC)
}

func direntName(d *unix.Dirent) string {
	b := (*[256]byte)(unsafe.Pointer(&d.Name[0]))
	n := 0
	for n < len(b) && b[n] != 0 {
		n++
	}
	return string(b[:n])
}

func unixMode(m uint32) fs.FileMode {
	switch m & unix.S_IFMT {
	case unix.S_IFDIR:
		return fs.ModeDir
	case unix.S_IFLNK:
		return fs.ModeSymlink
	case unix.S_IFREG:
		return 0
	}
	return fs.ModeIrregular
}
