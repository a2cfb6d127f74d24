//go:build !linux && !darwin && !windows

package cache

import (
	"errors"
)

func mountAtime(root string) AtimeInfo {
	return AtimeInfo{Reason: "access times are not supported on this system; showing download times"}
}

func diskSpace(root string) (DiskSpace, error) {
	return DiskSpace{}, errors.New("free space is not supported on this system")
}
