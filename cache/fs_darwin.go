package cache

import (
	"golang.org/x/sys/unix"
)

func mountAtime(root string) AtimeInfo {
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return AtimeInfo{Reason: "cannot read mount options: " + err.Error()}
	}
	if st.Flags&unix.MNT_NOATIME != 0 {
		return AtimeInfo{Reason: "the filesystem is mounted noatime, so reads leave no trace; showing download times"}
	}
	return AtimeInfo{Available: true}
}

func diskSpace(root string) (DiskSpace, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return DiskSpace{}, err
	}
	return DiskSpace{Total: int64(st.Blocks) * int64(st.Bsize), Free: int64(st.Bavail) * int64(st.Bsize)}, nil
}
