package cache

import (
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// NTFS last-access updates are controlled system-wide; bit 0 of
// NtfsDisableLastAccessUpdate set means disabled.
func mountAtime(root string) AtimeInfo {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SYSTEM\CurrentControlSet\Control\FileSystem`, registry.QUERY_VALUE)
	if err != nil {
		return AtimeInfo{Available: true}
	}
	defer k.Close()
	v, _, err := k.GetIntegerValue("NtfsDisableLastAccessUpdate")
	if err == nil && v&1 != 0 {
		return AtimeInfo{Reason: "NTFS last-access updates are disabled (NtfsDisableLastAccessUpdate); showing download times"}
	}
	return AtimeInfo{Available: true}
}

func diskSpace(root string) (DiskSpace, error) {
	p, err := windows.UTF16PtrFromString(root)
	if err != nil {
		return DiskSpace{}, err
	}
	var avail, total, free uint64
	if err := windows.GetDiskFreeSpaceEx(p, &avail, &total, &free); err != nil {
		return DiskSpace{}, err
	}
	return DiskSpace{Total: int64(total), Free: int64(avail)}, nil
}
