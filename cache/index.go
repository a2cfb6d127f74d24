package cache

import (
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// The persisted index lets a second scan skip the expensive part. Go never
// changes an extracted tree after writing it, so a tree whose directory has
// the same device, inode and mtime as last time has the same size; only new
// trees are walked. It lives in the user cache dir, never in GOMODCACHE.

// indexFormat changes whenever indexFile changes shape. A file of another
// format, or one that fails to decode, is ignored and rebuilt.
const indexFormat = 3

type indexFile struct {
	Format   int
	Root     string
	Versions map[string]*indexEntry // by escaped "path@version"
	Dirs     map[string]*dirMemo    // by slash path relative to the root
}

type indexEntry struct {
	TreeDev, TreeIno uint64
	TreeMtime        int64
	TreeBytes        int64
	Files            int64
	TreeAtime        int64
	Probe            string

	InfoSize, InfoMtime int64
	Published           int64
	InfoProblem         string
	InfoTainted         bool
}

func (e *indexEntry) sameTree(st fileStat) bool {
	return e.TreeIno != 0 && e.TreeDev == st.dev && e.TreeIno == st.ino && e.TreeMtime == st.mtime
}

// entry looks a key up in a possibly nil index.
func (ix *indexFile) entry(key string) *indexEntry {
	if ix == nil {
		return nil
	}
	return ix.Versions[key]
}

// indexPath names the index file for root, or "" when no safe place exists.
func indexPath(root, dir string) string { return statePath(root, dir, "index", ".gob") }

// statePath is where modcache keeps a file of its own about the cache at
// root (the scan index, the memo of verified zips): in dir, "" meaning
// modcache's folder in the user cache directory, named for kind and a hash
// of root. It is "" when there is no such place, or when dir lies inside
// the cache: nothing of modcache's is ever written there.
func statePath(root, dir, kind, ext string) string {
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(base, "modcache")
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	// Never write inside the module cache.
	if dir == root || strings.HasPrefix(dir, root+string(filepath.Separator)) {
		return ""
	}
	sum := sha256.Sum256([]byte(root))
	return filepath.Join(dir, kind+"-"+hex.EncodeToString(sum[:8])+ext)
}

func loadIndex(path, root string) *indexFile {
	if path == "" {
		return nil
	}
	var ix indexFile
	if !readGob(path, &ix) || ix.Format != indexFormat || ix.Root != root {
		return nil
	}
	return &ix
}

func saveIndex(path string, s *Scanner, c *Cache) error {
	if path == "" {
		return nil
	}
	ix := indexFile{Format: indexFormat, Root: s.root, Versions: map[string]*indexEntry{}, Dirs: s.dirMemos}
	s.mu.Lock()
	for key, v := range s.versions {
		v.mu.Lock()
		e := &indexEntry{
			InfoSize: v.infoSize, InfoMtime: v.infoMtime, Published: v.published,
			InfoProblem: v.infoProblem, InfoTainted: v.infoTainted,
		}
		// A tree with .partial beside it is being extracted (or was
		// interrupted): files may still arrive in its subdirectories,
		// which the root's inode and mtime do not show. Measure it anew.
		if v.has&HasTree != 0 && v.has&HasPartial == 0 {
			e.TreeDev, e.TreeIno, e.TreeMtime = v.treeDev, v.treeIno, v.treeMtime
			e.TreeBytes, e.Files, e.TreeAtime = v.tree.bytes.Load(), v.tree.files.Load(), v.tree.atime.Load()
			v.tree.probeMu.Lock()
			e.Probe = v.tree.probe
			v.tree.probeMu.Unlock()
		}
		v.mu.Unlock()
		ix.Versions[key] = e
	}
	// The scan has finished, so nothing changes the memos any more; do not
	// hold the lock Progress needs while encoding and writing.
	s.mu.Unlock()
	if err := writeGob(path, &ix); err != nil {
		return err
	}
	return writeGob(lastPath(path), c)
}

// writeGob replaces path atomically with v encoded.
func writeGob(path string, v any) error {
	return writeState(path, func(w io.Writer) error { return gob.NewEncoder(w).Encode(v) })
}

// writeState replaces a state file (index, memo) atomically with what
// write produces; the state directory is private to the user.
func writeState(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// readGob decodes path into v, reporting whether it could.
func readGob(path string, v any) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return gob.NewDecoder(f).Decode(v) == nil
}

// The previous scan's result lives next to the index, in its own file so
// that commands that do not show it do not pay to decode it.
func lastPath(index string) string { return strings.TrimSuffix(index, ".gob") + ".last.gob" }

// LoadLast returns the previous scan's result for root, or nil. It is stale
// by definition: a UI shows it at once while a fresh scan runs.
func LoadLast(root, indexDir string) *Cache {
	path := indexPath(root, indexDir)
	if path == "" {
		return nil
	}
	var c Cache
	if !readGob(lastPath(path), &c) || c.Root != root {
		return nil
	}
	return &c
}
