//go:build !linux

package cache

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// listDir reads a directory and lstats each entry, never following
// symlinks. Linux has a faster version built on getdents and fstatat.
func listDir(dir string, fn func(name string, st fileStat)) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return err
	}
	for _, e := range entries {
		fi, err := os.Lstat(filepath.Join(dir, e.Name()))
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				fn(e.Name(), fileStat{err: err})
			}
			continue
		}
		fn(e.Name(), statOf(fi))
	}
	return nil
}
