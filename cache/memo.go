package cache

import (
	"errors"
	"io/fs"
	"path/filepath"
)

// Directory memos make a second scan cheap. The directories above the
// trees (path prefixes, cache/download, @v) change only when go adds or
// removes entries, and that moves their mtime. When a directory has the
// inode and mtime recorded last time, its listing is replayed from the
// index instead of read and stat'ed again. Entries whose stat still
// matters are stat'ed afresh: subdirectories (to check their own memo) and
// the files whose access time says a version was used.

// dirMemo is one directory's recorded listing.
type dirMemo struct {
	Ino     uint64
	Mtime   int64
	Entries []memoEntry
}

// memoEntry is one name in a directory. St is nil for entries that are
// stat'ed on every scan.
type memoEntry struct {
	Name string
	Mode fs.FileMode
	St   *statRec
}

// statRec is fileStat with exported fields, for gob.
type statRec struct {
	Mode            fs.FileMode
	Size, Blocks    int64
	Atime, Mtime    int64
	Dev, Ino, Nlink uint64
}

func recOf(st fileStat) *statRec {
	return &statRec{st.mode, st.size, st.blocks, st.atime, st.mtime, st.dev, st.ino, st.nlink}
}

func (r *statRec) stat() fileStat {
	return fileStat{mode: r.Mode, size: r.Size, blocks: r.Blocks, atime: r.Atime, mtime: r.Mtime, dev: r.Dev, ino: r.Ino, nlink: r.Nlink}
}

// freshFunc says which entries of a memoized directory to stat every time.
type freshFunc func(name string, mode fs.FileMode) bool

func freshDirs(_ string, mode fs.FileMode) bool { return mode.IsDir() }

// listMemo is list with a memo: self is the directory's own current stat.
func (s *Scanner) listMemo(dir string, self fileStat, fresh freshFunc, fn func(name, full string, st fileStat)) {
	key := s.rel(dir)
	if m := s.index.dir(key); m != nil && m.Ino == self.ino && m.Mtime == self.mtime {
		s.replay(dir, key, m, fn)
		return
	}
	s.changed.Store(true)
	memo := &dirMemo{Ino: self.ino, Mtime: self.mtime}
	ok := s.list(dir, func(name, full string, st fileStat) {
		e := memoEntry{Name: name, Mode: st.mode}
		if !fresh(name, st.mode) {
			e.St = recOf(st)
		}
		memo.Entries = append(memo.Entries, e)
		fn(name, full, st)
	})
	if ok {
		s.remember(key, memo)
	}
}

func (s *Scanner) replay(dir, key string, m *dirMemo, fn func(name, full string, st fileStat)) {
	s.current.Store(&dir)
	s.dirs.Add(1)
	s.remember(key, m)
	for _, e := range m.Entries {
		full := dir + string(filepath.Separator) + e.Name
		if e.St != nil {
			fn(e.Name, full, e.St.stat())
			continue
		}
		st, err := lstatPath(full)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				s.problem(full, err)
			}
			continue
		}
		fn(e.Name, full, st)
	}
}

func (s *Scanner) remember(key string, m *dirMemo) {
	s.mu.Lock()
	s.dirMemos[key] = m
	s.mu.Unlock()
}

// dir looks a directory memo up in a possibly nil index.
func (ix *indexFile) dir(key string) *dirMemo {
	if ix == nil {
		return nil
	}
	return ix.Dirs[key]
}
