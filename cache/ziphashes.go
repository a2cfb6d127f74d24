package cache

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"sync"
)

// Hashing a module zip means inflating every file in it: on the machines
// we measured that runs at 40-125 MB/s per core, twenty times slower than
// copying the zip. go writes a zip once and never changes it, so modcache
// remembers, per zip, the hash it found together with the file's identity
// (device, inode, size, mtime, ctime). Only a zip that passed
// zip.CheckZip is remembered. A later check trusts the remembered hash
// only while all five are unchanged: any write, rename over or chmod moves
// ctime, which user space cannot set back, so a match means these are the
// bytes that were hashed. verify fills it and push reads it, so a push
// after a verify does not inflate everything again.

// ZipHashesOff as a ZipHashes directory hashes every zip from scratch.
const ZipHashesOff = "off"

// ZipHashes is the memo of checked zip hashes for one module cache. A nil
// *ZipHashes remembers nothing. Safe for concurrent use.
type ZipHashes struct {
	file    string
	mu      sync.Mutex
	loaded  bool
	entries map[string]zipHashEntry // by zip path
	dirty   bool
	// seen are the zips this run looked up or stored: they exist, so
	// Save need not stat them again.
	seen map[string]bool
}

type zipHashEntry struct {
	ID zipIdentity `json:"id"`
	H1 string      `json:"h1"`
}

// zipIdentity is what must stay the same for a remembered hash to hold.
type zipIdentity struct {
	Dev, Ino     uint64
	Size         int64
	Mtime, Ctime int64
}

// identityOf reports fi's identity, or false where the OS gives no ctime:
// without one an unchanged file cannot be told from a rewritten one.
func identityOf(fi fs.FileInfo) (zipIdentity, bool) {
	st := statOf(fi)
	if st.ctime == 0 {
		return zipIdentity{}, false
	}
	return zipIdentity{Dev: st.dev, Ino: st.ino, Size: st.size, Mtime: st.mtime, Ctime: st.ctime}, true
}

// OpenZipHashes names the memo for the module cache at root, kept in dir
// ("" the user cache directory, next to the scan index; ZipHashesOff none).
// It reads nothing: the file is read on first use, by the workers that
// hash, not by whoever sets the work up (a UI's event loop). A memo that
// cannot be read only means hashing again, so there is no error; the
// result is nil when there is nowhere to keep it.
func OpenZipHashes(root, dir string) *ZipHashes {
	if dir == ZipHashesOff {
		return nil
	}
	file := statePath(root, dir, "verified", ".json")
	if file == "" {
		return nil
	}
	return &ZipHashes{file: file}
}

// load reads the file once; m.mu is held.
func (m *ZipHashes) load() {
	if m.loaded {
		return
	}
	m.loaded = true
	m.entries, m.seen = map[string]zipHashEntry{}, map[string]bool{}
	if data, err := os.ReadFile(m.file); err == nil {
		json.Unmarshal(data, &m.entries)
	}
}

// Lookup returns the remembered hash of the zip whose current stat is fi.
func (m *ZipHashes) Lookup(zip string, fi fs.FileInfo) (string, bool) {
	if m == nil {
		return "", false
	}
	id, ok := identityOf(fi)
	if !ok {
		return "", false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.load()
	m.seen[zip] = true
	e, ok := m.entries[zip]
	return e.H1, ok && e.ID == id
}

// Store remembers h1 for a zip that passed zip.CheckZip, given its stat
// from before it was checked. If the file changed meanwhile nothing is
// remembered.
func (m *ZipHashes) Store(zip string, before fs.FileInfo, h1 string) {
	if m == nil {
		return
	}
	id, ok := identityOf(before)
	if !ok {
		return
	}
	after, err := os.Lstat(zip)
	if err != nil {
		return
	}
	if id2, _ := identityOf(after); id2 != id {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.load()
	m.entries[zip] = zipHashEntry{ID: id, H1: h1}
	m.seen[zip] = true
	m.dirty = true
}

// Save writes the memo atomically; failures cost only time later. Entries
// of zips that are gone (pruned, or go clean -modcache) are dropped as it
// writes, so the memo does not grow with every zip ever hashed.
func (m *ZipHashes) Save() {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.dirty {
		return
	}
	for zip := range m.entries {
		if m.seen[zip] {
			continue
		}
		if _, err := os.Lstat(zip); errors.Is(err, fs.ErrNotExist) {
			delete(m.entries, zip)
		}
	}
	data, err := json.Marshal(m.entries)
	if err == nil && writeState(m.file, func(w io.Writer) error { _, err := w.Write(data); return err }) == nil {
		m.dirty = false
	}
}
