package cache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/module"
)

// ScanOptions tune a scan.
type ScanOptions struct {
	// IndexDir holds persisted indexes; "" means the user cache directory.
	IndexDir string
	// NoIndex measures everything and saves nothing.
	NoIndex bool
	// Workers is the number of parallel directory readers; 0 picks a
	// default that suits both SSDs and warm page caches.
	Workers int
}

// Progress is a snapshot of a running scan, cheap enough to poll every
// 100 ms from a UI.
type Progress struct {
	Files    int64  // files seen
	Bytes    int64  // bytes counted
	Dirs     int64  // directories read
	Versions int    // module versions found
	Reused   int    // of which sizes came from the index
	Current  string // directory being read, relative to the root
	Done     bool
}

// Scanner measures one module cache. Run it once; poll Progress and
// Snapshot from other goroutines while it runs.
type Scanner struct {
	root  string
	opts  ScanOptions
	index *indexFile // previous scan, or nil
	pool  *pool

	files, bytes, dirs, other atomic.Int64
	reused                    atomic.Int64
	current                   atomic.Pointer[string]
	done                      atomic.Bool

	mu       sync.Mutex
	versions map[string]*verAcc // by escaped "path@version"
	vcs      map[string]*vcsAcc // by hash directory name
	sumdb    map[string]*acc
	strays   []*strayAcc
	unknown  []*unknownAcc
	problems []Problem

	paths    sync.Map            // escaped module path -> checkPath's answer
	dirMemos map[string]*dirMemo // listings to persist, by relative dir
	changed  atomic.Bool         // something differs from the index: save it

	fsOnce sync.Once // the filesystem's atime mode and free space, read once
	atime  AtimeInfo
	disk   DiskSpace

	linkMu sync.Mutex
	links  map[[2]uint64]struct{} // hard-linked inodes already counted
}

// Scan measures the module cache at root.
func Scan(ctx context.Context, root string, opts ScanOptions) (*Cache, error) {
	return NewScanner(root, opts).Run(ctx)
}

// NewScanner prepares a scan of root. It does no I/O: Run loads the
// persisted index (unless opts.NoIndex), so a UI can set a scan up under
// its own lock without waiting for the decode.
func NewScanner(root string, opts ScanOptions) *Scanner {
	s := &Scanner{
		root:     root,
		opts:     opts,
		pool:     newPool(),
		versions: map[string]*verAcc{},
		vcs:      map[string]*vcsAcc{},
		sumdb:    map[string]*acc{},
		links:    map[[2]uint64]struct{}{},
		dirMemos: map[string]*dirMemo{},
	}
	return s
}

// Progress returns the scan's counters so far.
func (s *Scanner) Progress() Progress {
	s.mu.Lock()
	n := len(s.versions)
	s.mu.Unlock()
	p := Progress{
		Files: s.files.Load(), Bytes: s.bytes.Load(), Dirs: s.dirs.Load(),
		Versions: n, Reused: int(s.reused.Load()), Done: s.done.Load(),
	}
	if c := s.current.Load(); c != nil {
		p.Current = s.rel(*c)
	}
	return p
}

// Run scans the cache. It never writes inside the root and never follows a
// symlink. Unreadable directories are recorded in Cache.Problems and the
// scan goes on. On success the persisted index is updated.
func (s *Scanner) Run(ctx context.Context) (*Cache, error) {
	defer s.done.Store(true)
	st, err := lstatPath(s.root)
	if err != nil {
		return nil, fmt.Errorf("module cache %s: %w", s.root, err)
	}
	if !st.isDir() {
		return nil, fmt.Errorf("module cache %s is not a directory", s.root)
	}
	// Opening a directory fails exactly when listing it would.
	f, err := os.Open(s.root)
	if err != nil {
		return nil, fmt.Errorf("cannot read module cache %s: %w", s.root, err)
	}
	f.Close()
	if !s.opts.NoIndex {
		s.index = loadIndex(indexPath(s.root, s.opts.IndexDir), s.root)
	}
	started := time.Now()
	s.countOther(st)
	s.pool.push(func() { s.scanModArea(s.root, "", st) })
	workers := s.opts.Workers
	if workers <= 0 {
		workers = min(max(4, 2*runtime.GOMAXPROCS(0)), 16)
	}
	s.pool.run(ctx, workers)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c := s.Snapshot()
	c.ScannedAt = started
	c.Reused = int(s.reused.Load())
	if !s.opts.NoIndex && (s.changed.Load() || s.index == nil || len(s.index.Versions) != len(s.versions)) {
		// A failure to save only costs the next run time; say nothing.
		_ = saveIndex(indexPath(s.root, s.opts.IndexDir), s, c)
	}
	return c, nil
}

func (s *Scanner) rel(full string) string {
	r, err := filepath.Rel(s.root, full)
	if err != nil {
		return full
	}
	return filepath.ToSlash(r)
}

func (s *Scanner) problem(full string, err error) {
	s.mu.Lock()
	s.problems = append(s.problems, Problem{Path: s.rel(full), Err: errText(err)})
	s.mu.Unlock()
}

// errText drops the path from a *PathError, which the Problem already holds.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// list reads a directory and lstats its entries, recording problems.
// Entries that could not be stat'ed are reported and skipped.
func (s *Scanner) list(dir string, fn func(name, full string, st fileStat)) bool {
	s.current.Store(&dir)
	err := listDir(dir, func(name string, st fileStat) {
		full := dir + string(filepath.Separator) + name
		if st.err != nil {
			s.problem(full, st.err)
			return
		}
		fn(name, full, st)
	})
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.problem(dir, err)
		}
		return false
	}
	s.dirs.Add(1)
	return true
}

// diskBytes is the space a file adds to the total: zero for a hard link
// whose inode was already counted, as du does.
func (s *Scanner) diskBytes(st fileStat) int64 {
	if st.nlink > 1 && !st.isDir() {
		key := [2]uint64{st.dev, st.ino}
		s.linkMu.Lock()
		_, seen := s.links[key]
		s.links[key] = struct{}{}
		s.linkMu.Unlock()
		if seen {
			return 0
		}
	}
	return st.blocks
}

func (s *Scanner) countOther(st fileStat) {
	b := s.diskBytes(st)
	s.other.Add(b)
	s.bytes.Add(b)
	if !st.isDir() {
		s.files.Add(1)
	}
}

// modAreaFresh: path-prefix directories are checked against their own
// memo; trees are immutable and their identity is the name.
func modAreaFresh(name string, mode fs.FileMode) bool {
	return mode.IsDir() && !strings.Contains(name, "@")
}

// vdirFresh: the access times of .mod, .ziphash and .info say when go last
// used a version; list is rewritten in place. Zips and locks never change.
func vdirFresh(name string, mode fs.FileMode) bool {
	return name == "list" || strings.HasSuffix(name, ".mod") ||
		strings.HasSuffix(name, ".ziphash") || strings.HasSuffix(name, ".info")
}

// scanModArea reads a directory above the extracted trees: the root, or a
// path prefix such as github.com/user. Names holding '@' are version trees.
func (s *Scanner) scanModArea(dir, rel string, self fileStat) {
	s.listMemo(dir, self, modAreaFresh, func(name, full string, st fileStat) {
		childRel := join(rel, name)
		switch {
		case rel == "" && name == "cache" && st.isDir():
			s.countOther(st)
			s.pool.push(func() { s.scanCacheDir(full, st) })
		case st.isDir() && strings.Contains(name, "@"):
			s.foundTree(full, childRel, st)
		case st.isDir():
			s.countOther(st)
			s.pool.push(func() { s.scanModArea(full, childRel, st) })
		default:
			s.addUnknown(full, childRel, "not written by the go command", st)
		}
	})
}

func join(rel, name string) string {
	if rel == "" {
		return name
	}
	return rel + "/" + name
}

// foundTree handles an extracted tree <esc path>@<esc version>.
func (s *Scanner) foundTree(full, rel string, st fileStat) {
	at := strings.LastIndexByte(rel, '@')
	escPath, escVer := rel[:at], rel[at+1:]
	if i := strings.Index(escVer, ".tmp-"); i >= 0 {
		// Extraction directories of go before 1.16, left by a crash.
		s.addStray(full, rel, "tmpdir", st)
		return
	}
	if reason := s.checkPath(escPath) + checkVersion(escVer); reason != "" {
		s.addUnknown(full, rel, reason, st)
		return
	}
	v := s.version(escPath, escVer)
	v.mu.Lock()
	v.has |= HasTree
	v.treeDev, v.treeIno, v.treeMtime = st.dev, st.ino, st.mtime
	v.noteMtime(st.mtime)
	v.mu.Unlock()

	if e := s.index.entry(escPath + "@" + escVer); e != nil && e.sameTree(st) {
		v.tree.bytes.Store(e.TreeBytes)
		v.tree.files.Store(e.Files)
		v.tree.atime.Store(e.TreeAtime)
		v.tree.probeMu.Lock()
		v.tree.probe = e.Probe // the walk is skipped: keep the file it found
		v.tree.probeMu.Unlock()
		if e.Probe != "" {
			// Refresh the use signal with one stat instead of a walk.
			if pst, err := lstatPath(filepath.Join(full, filepath.FromSlash(e.Probe))); err == nil {
				v.tree.noteAtime(pst.atime, e.Probe)
			}
		}
		s.bytes.Add(e.TreeBytes)
		s.files.Add(e.Files)
		s.reused.Add(1)
		return
	}
	s.changed.Store(true)
	b := s.diskBytes(st)
	v.tree.bytes.Add(b)
	s.bytes.Add(b)
	s.pool.push(func() { s.walk(full, &v.tree, full) })
}

// checkPath returns why an escaped module path is not one go writes, or
// "". Answers are memoized: every version of a module repeats its path.
func (s *Scanner) checkPath(escPath string) string {
	if r, ok := s.paths.Load(escPath); ok {
		return r.(string)
	}
	reason := ""
	if _, err := module.UnescapePath(escPath); err != nil {
		reason = "module path does not unescape: " + err.Error()
	}
	s.paths.Store(escPath, reason)
	return reason
}

// checkVersion returns why an escaped version is not one go writes, or "".
func checkVersion(escVer string) string {
	v, err := module.UnescapeVersion(escVer)
	if err != nil {
		return "version does not unescape: " + err.Error()
	}
	if module.CanonicalVersion(v) != v {
		return "version " + v + " is not canonical"
	}
	return ""
}

// walk measures a subtree into a, reading subdirectories in parallel.
// base is the tree root, for recording the probe file's relative path.
func (s *Scanner) walk(dir string, a *acc, base string) {
	s.list(dir, func(name, full string, st fileStat) {
		b := s.diskBytes(st)
		a.bytes.Add(b)
		s.bytes.Add(b)
		if st.isDir() {
			s.pool.push(func() { s.walk(full, a, base) })
			return
		}
		a.files.Add(1)
		s.files.Add(1)
		if base != "" && st.atime > a.atime.Load() {
			a.noteAtime(st.atime, filepath.ToSlash(full[len(base)+1:]))
		}
	})
}

// scanCacheDir reads GOMODCACHE/cache.
func (s *Scanner) scanCacheDir(dir string, self fileStat) {
	s.listMemo(dir, self, freshDirs, func(name, full string, st fileStat) {
		switch {
		case name == "download" && st.isDir():
			s.countOther(st)
			s.pool.push(func() { s.scanDownload(full, "", st) })
		case name == "vcs" && st.isDir():
			s.countOther(st)
			s.pool.push(func() { s.scanVCS(full) })
		case name == "lock" && !st.isDir():
			// SideLock's file: belongs to go, never removed.
			s.countOther(st)
		default:
			s.addUnknown(full, "cache/"+name, "not written by the go command", st)
		}
	})
}

// scanDownload reads cache/download/<escRel>: path prefixes, @v dirs and,
// at the top, the checksum database cache.
func (s *Scanner) scanDownload(dir, escRel string, self fileStat) {
	s.listMemo(dir, self, freshDirs, func(name, full string, st fileStat) {
		childRel := join(escRel, name)
		switch {
		case escRel == "" && name == "sumdb" && st.isDir():
			s.countOther(st)
			s.pool.push(func() { s.scanSumDB(full) })
		case name == "@v" && st.isDir():
			s.countOther(st)
			s.pool.push(func() { s.scanVDir(full, escRel, st) })
		case st.isDir():
			s.countOther(st)
			s.pool.push(func() { s.scanDownload(full, childRel, st) })
		default:
			s.addUnknown(full, "cache/download/"+childRel, "not written by the go command", st)
		}
	})
}

// download-file kinds, by suffix. .ziphash must be tried before .zip only
// for readability; CutSuffix cannot confuse them.
var vfileSuffixes = []struct {
	suffix string
	has    Has
}{
	{".info", HasInfo}, {".mod", HasMod}, {".zip", HasZip}, {".ziphash", HasZipHash},
	{".lock", HasLock}, {".partial", HasPartial},
}

// scanVDir reads cache/download/<escPath>/@v.
func (s *Scanner) scanVDir(dir, escPath string, self fileStat) {
	relDir := "cache/download/" + escPath + "/@v"
	if reason := s.checkPath(escPath); reason != "" {
		s.addUnknown(dir, relDir, reason, self)
		return
	}
	// By escaped version: several files share one check, and one lookup
	// of the version under the scanner's lock. fn runs on this goroutine.
	type seenVersion struct {
		reason string
		v      *verAcc
	}
	seen := map[string]seenVersion{}
	s.listMemo(dir, self, vdirFresh, func(name, full string, st fileStat) {
		if name == "list" && !st.isDir() {
			s.countOther(st)
			return
		}
		if strings.HasSuffix(name, ".tmp") && !st.isDir() {
			s.addStray(full, relDir+"/"+name, "tmp", st)
			return
		}
		kind, escVer := Has(0), ""
		for _, k := range vfileSuffixes {
			if v, ok := strings.CutSuffix(name, k.suffix); ok {
				kind, escVer = k.has, v
				break
			}
		}
		if kind == 0 || st.isDir() {
			s.addUnknown(full, relDir+"/"+name, "not written by the go command", st)
			return
		}
		sv, ok := seen[escVer]
		if !ok {
			if sv.reason = checkVersion(escVer); sv.reason == "" {
				sv.v = s.version(escPath, escVer)
			}
			seen[escVer] = sv
		}
		if sv.reason != "" {
			s.addUnknown(full, relDir+"/"+name, sv.reason, st)
			return
		}
		s.foundFile(sv.v, full, kind, st)
	})
}

// foundFile records one download file of a version.
func (s *Scanner) foundFile(v *verAcc, full string, kind Has, st fileStat) {
	b := s.diskBytes(st)
	s.bytes.Add(b)
	s.files.Add(1)
	v.mu.Lock()
	defer v.mu.Unlock()
	v.has |= kind
	v.noteMtime(st.mtime)
	switch kind {
	case HasZip:
		v.zipBytes += b
	default:
		v.metaBytes += b
	}
	switch kind {
	case HasMod, HasZipHash:
		v.metaAtime = max(v.metaAtime, st.atime)
	case HasInfo:
		v.infoMtime, v.infoSize = st.mtime, st.size
		v.infoAtime = st.atime
		if e := s.index.entry(v.key()); e != nil && e.InfoSize == st.size && e.InfoMtime == st.mtime {
			v.published, v.infoProblem, v.infoTainted = e.Published, e.InfoProblem, e.InfoTainted
		} else {
			s.changed.Store(true)
			v.published, v.infoProblem, v.infoTainted = readInfo(full, v.version())
		}
	case HasPartial:
		v.lockHeld = lockHeld(strings.TrimSuffix(full, ".partial") + ".lock")
	}
}

// scanVCS reads cache/vcs: <hash> clones, <hash>.info naming the repo, and
// <hash>.lock.
func (s *Scanner) scanVCS(dir string) {
	s.list(dir, func(name, full string, st fileStat) {
		hash, _, _ := strings.Cut(name, ".")
		r := s.vcsRepo(hash)
		b := s.diskBytes(st)
		r.bytes.Add(b)
		s.bytes.Add(b)
		switch {
		case st.isDir() && name == hash:
			r.mu.Lock()
			r.created, r.hasDir = st.mtime, true
			r.mu.Unlock()
			s.pool.push(func() { s.walk(full, &r.acc, "") })
			return
		case name == hash+".info":
			url, preserved, _ := readNoAtime(full, maxInfo)
			r.mu.Lock()
			r.url, r.infoAtime = strings.TrimSpace(string(url)), st.atime
			// go reads this .info on every reuse of the clone: its atime
			// is the use signal, unless our read may have moved it.
			r.infoTainted = !preserved
			r.mu.Unlock()
		}
		r.files.Add(1)
		s.files.Add(1)
	})
}

// scanSumDB measures cache/download/sumdb/<db> per database.
func (s *Scanner) scanSumDB(dir string) {
	s.list(dir, func(name, full string, st fileStat) {
		s.mu.Lock()
		a := s.sumdb[name]
		if a == nil {
			a = &acc{}
			s.sumdb[name] = a
		}
		s.mu.Unlock()
		s.measure(full, st, a)
	})
}

func (s *Scanner) addStray(full, rel, kind string, st fileStat) {
	a := &strayAcc{path: rel, kind: kind}
	s.mu.Lock()
	s.strays = append(s.strays, a)
	s.mu.Unlock()
	s.measure(full, st, &a.acc)
}

// addUnknown counts an entry go did not write (a file, or a whole
// directory) so the totals still add up, and lists it with the reason.
func (s *Scanner) addUnknown(full, rel, reason string, st fileStat) {
	a := &unknownAcc{path: rel, reason: reason}
	s.mu.Lock()
	s.unknown = append(s.unknown, a)
	s.mu.Unlock()
	s.measure(full, st, &a.acc)
}

// measure counts one entry into a: a file at once, a directory by
// walking it in the pool.
func (s *Scanner) measure(full string, st fileStat, a *acc) {
	b := s.diskBytes(st)
	a.bytes.Add(b)
	s.bytes.Add(b)
	if st.isDir() {
		s.pool.push(func() { s.walk(full, a, "") })
	} else {
		a.files.Add(1)
		s.files.Add(1)
	}
}

func (s *Scanner) version(escPath, escVer string) *verAcc {
	key := escPath + "@" + escVer
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.versions[key]
	if v == nil {
		v = &verAcc{escPath: escPath, escVer: escVer}
		s.versions[key] = v
	}
	return v
}

func (s *Scanner) vcsRepo(hash string) *vcsAcc {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.vcs[hash]
	if r == nil {
		r = &vcsAcc{hash: hash}
		s.vcs[hash] = r
	}
	return r
}
