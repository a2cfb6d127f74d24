package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/windows"
)

// safeDir is a directory inside the cache root whose every element was
// checked not to be a symlink or junction. Windows has no *at calls in
// the standard library, so operations use paths; each entry is checked
// with Lstat before it is removed, and reparse points are never entered.
type safeDir struct {
	name string
}

func openSafe(root, rel string) (*safeDir, error) {
	name := root
	if fi, err := os.Stat(root); err != nil {
		return nil, err
	} else if !fi.IsDir() {
		return nil, &os.PathError{Op: "open", Path: root, Err: errors.New("not a directory")}
	}
	if rel != "" {
		for _, elem := range strings.Split(rel, "/") {
			name = filepath.Join(name, elem)
			if err := checkElem(elem); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			fi, err := os.Lstat(name)
			if err != nil {
				return nil, err
			}
			if !fi.IsDir() || fi.Mode()&(fs.ModeSymlink|fs.ModeIrregular) != 0 {
				return nil, &os.PathError{Op: "open", Path: name, Err: errSymlink}
			}
		}
	}
	return &safeDir{name: name}, nil
}

func (d *safeDir) Close() {}

func (d *safeDir) path(name string) string { return filepath.Join(d.name, name) }

func (d *safeDir) remove(name string) error {
	err := os.Remove(d.path(name))
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func (d *safeDir) create(name string) error {
	p := d.path(name)
	if fi, err := os.Lstat(p); err == nil && !fi.Mode().IsRegular() {
		return &os.PathError{Op: "create", Path: p, Err: errSymlink}
	}
	return os.WriteFile(p, nil, 0o666)
}

func (d *safeDir) exists(name string) bool {
	_, err := os.Lstat(d.path(name))
	return err == nil
}

func (d *safeDir) mtime(name string) (time.Time, error) {
	fi, err := os.Lstat(d.path(name))
	if err != nil {
		return time.Time{}, err
	}
	return fi.ModTime(), nil
}

func (d *safeDir) removeAll(name string) error {
	p := d.path(name)
	fi, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() || fi.Mode()&(fs.ModeSymlink|fs.ModeIrregular) != 0 {
		return &os.PathError{Op: "remove", Path: p, Err: errSymlink}
	}
	return removeAllPath(p)
}

// removeAllPath removes a directory tree without entering links: WalkDir
// reports a symlink or junction as a non-directory, which os.Remove
// unlinks.
func removeAllPath(dir string) error {
	os.Chmod(dir, 0o700)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if e.IsDir() && e.Type()&fs.ModeSymlink == 0 {
			if err := removeAllPath(p); err != nil {
				return err
			}
			continue
		}
		os.Chmod(p, 0o600) // read-only files cannot be deleted on Windows
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return os.Remove(dir)
}

// lockFile takes the LockFileEx lock go's lockedfile takes on name,
// polling for up to wait, and returns the locked file with its unlock.
func (d *safeDir) lockFile(name string, wait time.Duration) (*os.File, func(), error) {
	p := d.path(name)
	if fi, err := os.Lstat(p); err == nil && !fi.Mode().IsRegular() {
		return nil, nil, &os.PathError{Op: "open", Path: p, Err: errSymlink}
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, nil, err
	}
	h := windows.Handle(f.Fd())
	const flags = windows.LOCKFILE_EXCLUSIVE_LOCK | windows.LOCKFILE_FAIL_IMMEDIATELY
	deadline := time.Now().Add(wait)
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		// lockedfile locks the whole range with the maximum length.
		err := windows.LockFileEx(h, flags, 0, ^uint32(0), ^uint32(0), new(windows.Overlapped))
		if err == nil {
			return f, func() { windows.UnlockFileEx(h, 0, ^uint32(0), ^uint32(0), new(windows.Overlapped)); f.Close() }, nil
		}
		if err != windows.ERROR_LOCK_VIOLATION && err != windows.ERROR_IO_PENDING {
			f.Close()
			return nil, nil, &os.PathError{Op: "lock", Path: p, Err: err}
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, nil, errLockHeld
		}
		time.Sleep(delay)
	}
}

// names lists the directory.
func (d *safeDir) names() ([]string, error) {
	ents, err := os.ReadDir(d.name)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	return names, nil
}
