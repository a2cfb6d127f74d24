package mirror

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/modcache/modcache/cache"
)

// Hashing a module zip means inflating every file in it: on the machines
// we measured that runs at 40-60 MB/s per core, twenty times slower than
// copying the zip. go writes a zip once and never changes it, so modcache
// remembers, per zip, the hash it verified together with the file's
// identity (device, inode, size, mtime, ctime). A later push trusts the
// remembered hash only while all five are unchanged. Any write, rename
// over or chmod moves ctime, which user space cannot set back, so a match
// means these are the bytes that were verified.

// identity is what must stay the same for a remembered hash to hold.
type identity struct {
	Dev, Ino     uint64
	Size         int64
	Mtime, Ctime int64
}

// MemoOff as Selection.MemoDir verifies every zip from scratch.
const MemoOff = "off"

type memo struct {
	file    string
	mu      sync.Mutex
	entries map[string]memoEntry // by zip path
	dirty   bool
}

type memoEntry struct {
	ID identity `json:"id"`
	H1 string   `json:"h1"`
}

// loadMemo opens the memo for one module cache. dir "" means the user
// cache directory; MemoOff disables it. Any problem reading it only means
// hashing again, so errors give an empty memo.
func loadMemo(dir, root string) *memo {
	if dir == MemoOff {
		return nil
	}
	file := cache.StatePath(root, dir, "verified", ".json")
	if file == "" {
		return nil
	}
	m := &memo{file: file, entries: map[string]memoEntry{}}
	if data, err := os.ReadFile(m.file); err == nil {
		json.Unmarshal(data, &m.entries)
	}
	return m
}

// lookup returns the remembered hash of the zip whose stat is fi.
func (m *memo) lookup(zip string, fi fs.FileInfo) (string, bool) {
	if m == nil {
		return "", false
	}
	id, ok := fileIdentity(fi)
	if !ok {
		return "", false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[zip]
	return e.H1, ok && e.ID == id
}

// store remembers h1 for the zip, given its stat from before it was hashed.
// If the file changed meanwhile nothing is remembered.
func (m *memo) store(zip string, before fs.FileInfo, h1 string) {
	if m == nil {
		return
	}
	id, ok := fileIdentity(before)
	if !ok {
		return
	}
	after, err := os.Lstat(zip)
	if err != nil {
		return
	}
	if id2, _ := fileIdentity(after); id2 != id {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries[zip] = memoEntry{ID: id, H1: h1}
	m.dirty = true
}

// save writes the memo atomically; failures cost only time later.
func (m *memo) save() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.dirty {
		return
	}
	data, err := json.Marshal(m.entries)
	if err != nil {
		return
	}
	if err := os.MkdirAll(filepath.Dir(m.file), 0o777); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(m.file), filepath.Base(m.file)+"*.tmp")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr == nil && cerr == nil && os.Rename(tmp.Name(), m.file) == nil {
		m.dirty = false
		return
	}
	os.Remove(tmp.Name())
}
