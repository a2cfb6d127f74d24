//go:build unix

package cache

import (
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// safeDir is a directory inside the cache root, opened one path element at
// a time with O_NOFOLLOW, so no symlink was followed to reach it. Every
// change below goes through its descriptor (the *at system calls), so a
// symlink planted later cannot redirect a delete outside the root either.
type safeDir struct {
	fd   int
	name string // full path, for messages and for read-only path calls
}

const dirFlags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC

// openSafe opens root/rel, where rel is slash-separated and relative. The
// root itself may be a symlink the user chose (Locate resolves it); nothing
// below it is followed.
func openSafe(root, rel string) (*safeDir, error) {
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: root, Err: err}
	}
	name := root
	if rel != "" {
		for _, elem := range strings.Split(rel, "/") {
			name += string(os.PathSeparator) + elem
			if err := checkElem(elem); err != nil {
				unix.Close(fd)
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			next, err := unix.Openat(fd, elem, dirFlags, 0)
			unix.Close(fd)
			if err != nil {
				return nil, &os.PathError{Op: "open", Path: name, Err: noFollowErr(err)}
			}
			fd = next
		}
	}
	return &safeDir{fd: fd, name: name}, nil
}

// noFollowErr explains what O_NOFOLLOW|O_DIRECTORY refused.
func noFollowErr(err error) error {
	if err == unix.ELOOP || err == unix.ENOTDIR {
		return errSymlink
	}
	return err
}

func (d *safeDir) Close() { unix.Close(d.fd) }

func (d *safeDir) path(name string) string { return d.name + string(os.PathSeparator) + name }

// remove unlinks a file or symlink (never what a symlink points to). A
// missing file is not an error: an interrupted delete may be run again.
func (d *safeDir) remove(name string) error {
	err := unix.Unlinkat(d.fd, name, 0)
	if err == nil || err == unix.ENOENT {
		return nil
	}
	return &os.PathError{Op: "remove", Path: d.path(name), Err: err}
}

// create makes an empty file, as go writes .partial.
func (d *safeDir) create(name string) error {
	fd, err := unix.Openat(d.fd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o666)
	if err != nil {
		return &os.PathError{Op: "create", Path: d.path(name), Err: err}
	}
	return unix.Close(fd)
}

// exists reports whether name is present, without following it.
func (d *safeDir) exists(name string) bool {
	var st unix.Stat_t
	return unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil
}

// mtime returns name's modification time, without following it.
func (d *safeDir) mtime(name string) (time.Time, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return time.Time{}, &os.PathError{Op: "lstat", Path: d.path(name), Err: err}
	}
	return time.Unix(st.Mtim.Unix()), nil
}

// removeAll deletes the directory name and everything in it. Directories
// are made writable on the way down, as go clean -modcache does, because go
// leaves them read-only. Entries are unlinked, never followed, so a symlink
// inside a tree is removed while what it points to stays. If name itself is
// a symlink, it is refused: go never writes one there.
func (d *safeDir) removeAll(name string) error {
	err := removeAllAt(d.fd, name, d.path(name))
	if err == unix.EACCES || err == unix.EPERM {
		// A parent that is not writable (go leaves prefix directories
		// writable, hand-made caches may not): make it so and retry.
		var st unix.Stat_t
		if unix.Fstat(d.fd, &st) == nil && unix.Fchmod(d.fd, uint32(st.Mode&0o7777)|0o700) == nil {
			err = removeAllAt(d.fd, name, d.path(name))
		}
	}
	if err == nil || err == unix.ENOENT {
		return nil
	}
	if err == errSymlink {
		return fmt.Errorf("%s: %w", d.path(name), err)
	}
	return &os.PathError{Op: "remove", Path: d.path(name), Err: err}
}

// removeAllAt removes the directory name under parent in one pass: open
// without following, make writable, unlink the entries, recurse into
// subdirectories, then remove the directory itself. The listing is read
// whole before anything is unlinked, since reading a directory while
// removing from it may skip entries on some filesystems. Errors are bare
// errnos (or errSymlink) for the caller to wrap once.
func removeAllAt(parent int, name, full string) error {
	for try := 0; ; try++ {
		err := removeOnce(parent, name, full)
		// ENOTEMPTY: something was added meanwhile; go again.
		if err != unix.ENOTEMPTY && err != unix.EEXIST || try == 2 {
			return err
		}
	}
}

func removeOnce(parent int, name, full string) error {
	fd, err := unix.Openat(parent, name, dirFlags, 0)
	if err != nil {
		return noFollowErr(err)
	}
	f := os.NewFile(uintptr(fd), full)
	// Owner rwx is all removal needs; the mode is gone with the directory.
	if err := unix.Fchmod(fd, 0o700); err != nil {
		f.Close()
		return err
	}
	ents, err := f.ReadDir(-1)
	if err != nil {
		f.Close()
		return err
	}
	var firstErr error
	for _, e := range ents {
		var err error
		if e.IsDir() {
			err = removeAllAt(fd, e.Name(), full+string(os.PathSeparator)+e.Name())
		} else {
			err = unix.Unlinkat(fd, e.Name(), 0)
		}
		if err != nil && err != unix.ENOENT && firstErr == nil {
			firstErr = err
		}
	}
	f.Close()
	if firstErr != nil {
		return firstErr
	}
	return unix.Unlinkat(parent, name, unix.AT_REMOVEDIR)
}

// lockFile is lock, also returning the locked file for reading and writing
// (list is locked and rewritten in place). It is opened through the
// directory's handle and never through a symlink.
func (d *safeDir) lockFile(name string, wait time.Duration) (*os.File, func(), error) {
	fd, err := unix.Openat(d.fd, name, unix.O_RDWR|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o666)
	if err != nil {
		return nil, nil, &os.PathError{Op: "open", Path: d.path(name), Err: err}
	}
	f := os.NewFile(uintptr(fd), d.path(name))
	deadline := time.Now().Add(wait)
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			// Closing the file releases the flock.
			return f, func() { f.Close() }, nil
		}
		if err != unix.EWOULDBLOCK && err != unix.EINTR {
			f.Close()
			return nil, nil, &os.PathError{Op: "flock", Path: d.path(name), Err: err}
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, nil, errLockHeld
		}
		time.Sleep(delay)
	}
}

// names lists the directory through its handle. It opens the directory
// afresh relative to the handle (never by path, so nothing can swap it),
// for an offset of its own, and close-on-exec: a go command started
// meanwhile must not inherit it, as it would a dup.
func (d *safeDir) names() ([]string, error) {
	fd, err := unix.Openat(d.fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: d.name, Err: err}
	}
	f := os.NewFile(uintptr(fd), d.name)
	defer f.Close()
	return f.Readdirnames(-1)
}
