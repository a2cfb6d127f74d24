package cache

import (
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// Cache is the result of one scan of a module cache.
type Cache struct {
	Root      string
	ScannedAt time.Time
	Modules   []*Module // sorted by path
	VCS       []VCSRepo
	SumDB     []SumDB
	Strays    []Stray   // temp files and orphaned .partial markers
	Unknown   []Unknown // entries whose names do not unescape
	Problems  []Problem // directories or files that could not be read
	Usage     Usage
	Atime     AtimeInfo
	Disk      DiskSpace
	// Reused counts versions whose tree sizes came from the persisted index.
	Reused int
	// Partial marks a snapshot taken while its scan still ran; Snapshot
	// cannot know, so the caller polling it sets this. Sizes are still
	// growing, and a version's state may change once all its files are seen.
	Partial bool
}

// Usage splits the disk usage of the whole root. Total equals what
// `du -sB1 $GOMODCACHE` reports: blocks on disk, each inode once.
type Usage struct {
	Total   int64 `json:"totalBytes"`
	Trees   int64 `json:"extractedBytes"`
	Zips    int64 `json:"zipBytes"`
	Meta    int64 `json:"metaBytes"`
	VCS     int64 `json:"vcsBytes"`
	SumDB   int64 `json:"sumdbBytes"`
	Strays  int64 `json:"strayBytes"`
	Unknown int64 `json:"unknownBytes"`
	// Other is directories, lists and locks that belong to no version.
	Other int64 `json:"otherBytes"`
	Files int64 `json:"files"`
}

// AtimeInfo says whether access times can tell when a version was last used.
type AtimeInfo struct {
	Available bool
	// Reason explains why access times cannot be trusted when !Available.
	Reason string
}

// DiskSpace describes the filesystem holding the cache.
type DiskSpace struct {
	Total int64 // bytes
	Free  int64 // bytes available to an unprivileged user
}

// Module is one module path and the versions of it in the cache.
type Module struct {
	Path     string     // unescaped module path
	Versions []*Version // ascending semver order

	// Rolled up from Versions by rollup.
	Bytes      int64
	LastUsed   time.Time // zero when unavailable
	Downloaded time.Time // newest download
}

// Version is one module version in the cache.
type Version struct {
	Path    string // module path, unescaped
	Version string // canonical version
	State   State
	// Problem says what is wrong when State is Damaged or Partial.
	Problem string
	Has     Has

	TreeBytes int64 // extracted tree, blocks on disk
	ZipBytes  int64
	MetaBytes int64 // .info, .mod, .ziphash, .lock, .partial
	Files     int   // regular files in the extracted tree

	Downloaded time.Time // mtime of .info, else of the earliest file
	LastUsed   time.Time // newest atime of .mod, .info, .ziphash and tree files; zero when unknown
	Published  time.Time // Time field of .info; zero when absent or malformed

	// LockHeld is set for Partial versions whose .lock a go command holds:
	// an extraction is running right now.
	LockHeld bool
	// InfoProblem says what is wrong with .info, if anything; it makes the
	// version Damaged whatever other files it has.
	InfoProblem string `json:"-"`
}

// lockOnly reports whether only the version's .lock is left. Go never
// deletes .lock files, so that is what a failed download or an eviction
// leaves behind: not a version any more.
func (v *Version) lockOnly() bool { return v.Has == HasLock }

// Bytes is everything the version occupies.
func (v *Version) Bytes() int64 { return v.TreeBytes + v.ZipBytes + v.MetaBytes }

// Used is LastUsed when known, else Downloaded. The UI and LRU policies
// use it, and say which one it was via Cache.Atime.
func (v *Version) Used() time.Time {
	if !v.LastUsed.IsZero() {
		return v.LastUsed
	}
	return v.Downloaded
}

// Has records which of the files Go writes for a version are present.
type Has uint16

const (
	HasTree    Has = 1 << iota // extracted directory
	HasZip                     // .zip
	HasZipHash                 // .ziphash
	HasMod                     // .mod
	HasInfo                    // .info
	HasPartial                 // .partial
	HasLock                    // .lock
)

// VCSRepo is a full clone kept by direct (non-proxy) fetches.
type VCSRepo struct {
	Dir      string // relative to the root, slash-separated
	URL      string // "git:https://..." from the .info next to it
	Bytes    int64
	Files    int
	Created  time.Time
	LastUsed time.Time // zero when unknown
}

// SumDB is the checksum database cache for one database.
type SumDB struct {
	Name  string // e.g. sum.golang.org
	Bytes int64
	Files int
}

// Stray is a leftover of an interrupted go command.
type Stray struct {
	Path  string `json:"path"` // relative to the root, slash-separated
	Kind  string `json:"kind"` // "tmp", "partial" or "tmpdir"
	Bytes int64  `json:"bytes"`
}

// Unknown is an entry the scan could not attribute to a module version.
type Unknown struct {
	Path   string `json:"path"` // relative to the root, slash-separated
	Reason string `json:"reason"`
	Bytes  int64  `json:"bytes"`
}

// Problem is a path the scan could not read. The scan goes on without it.
type Problem struct {
	Path string `json:"path"` // relative to the root, slash-separated
	Err  string `json:"error"`
}

// Latest returns the highest version, preferring releases to pre-releases
// as go does for @latest.
func (m *Module) Latest() *Version {
	var best *Version
	for _, v := range m.Versions {
		if best == nil || better(v.Version, best.Version) {
			best = v
		}
	}
	return best
}

func better(a, b string) bool {
	ap, bp := semver.Prerelease(a) != "", semver.Prerelease(b) != ""
	if ap != bp {
		return !ap
	}
	return semver.Compare(a, b) > 0
}

// rollup recomputes a module's totals from its versions.
func (m *Module) rollup() {
	m.Bytes, m.LastUsed, m.Downloaded = 0, time.Time{}, time.Time{}
	for _, v := range m.Versions {
		m.Bytes += v.Bytes()
		if v.LastUsed.After(m.LastUsed) {
			m.LastUsed = v.LastUsed
		}
		if v.Downloaded.After(m.Downloaded) {
			m.Downloaded = v.Downloaded
		}
	}
}

// VersionList returns the module's versions, in semver order.
func (m *Module) VersionList() []string {
	out := make([]string, len(m.Versions))
	for i, v := range m.Versions {
		out[i] = v.Version
	}
	return out
}

// Used is LastUsed when known, else Downloaded.
func (m *Module) Used() time.Time {
	if !m.LastUsed.IsZero() {
		return m.LastUsed
	}
	return m.Downloaded
}

// Find returns the module with the given path, or nil.
func (c *Cache) Find(path string) *Module {
	i, ok := slices.BinarySearchFunc(c.Modules, path, func(m *Module, p string) int { return strings.Compare(m.Path, p) })
	if !ok {
		return nil
	}
	return c.Modules[i]
}

// Lookup returns the given version of a module, or nil.
func (c *Cache) Lookup(path, version string) *Version {
	_, v := c.find(path, version)
	return v
}

// find returns a version with its module; the module is set even when the
// version is not.
func (c *Cache) find(path, version string) (*Module, *Version) {
	m := c.Find(path)
	if m == nil {
		return nil, nil
	}
	for _, v := range m.Versions {
		if v.Version == version {
			return m, v
		}
	}
	return m, nil
}

// VersionCount is the number of module versions in the cache.
func (c *Cache) VersionCount() int {
	n := 0
	for _, m := range c.Modules {
		n += len(m.Versions)
	}
	return n
}

// Clone returns a deep copy, so one goroutine can change a cache (after a
// prune, say) while others keep reading the old one.
func (c *Cache) Clone() *Cache {
	cp := *c
	cp.Modules = make([]*Module, len(c.Modules))
	for i, m := range c.Modules {
		mc := *m
		mc.Versions = make([]*Version, len(m.Versions))
		for j, v := range m.Versions {
			vc := *v
			mc.Versions[j] = &vc
		}
		cp.Modules[i] = &mc
	}
	cp.VCS = append([]VCSRepo(nil), c.VCS...)
	cp.SumDB = append([]SumDB(nil), c.SumDB...)
	cp.Strays = append([]Stray(nil), c.Strays...)
	cp.Unknown = append([]Unknown(nil), c.Unknown...)
	cp.Problems = append([]Problem(nil), c.Problems...)
	return &cp
}

// Assemble builds a Cache from versions: grouped into modules by path,
// modules sorted by path and versions by semver, with module totals and
// the trees/zips/meta usage. Lock-only leftovers are not versions; their
// bytes count as other. The scanner uses it, and so do tests and
// tools that make caches in memory.
func Assemble(root string, versions []*Version) *Cache {
	c := &Cache{Root: root}
	byPath := map[string]*Module{}
	for _, v := range versions {
		if v.lockOnly() {
			c.Usage.Other += v.MetaBytes
			continue
		}
		m := byPath[v.Path]
		if m == nil {
			m = &Module{Path: v.Path}
			byPath[v.Path] = m
			c.Modules = append(c.Modules, m)
		}
		m.Versions = append(m.Versions, v)
		c.Usage.Trees += v.TreeBytes
		c.Usage.Zips += v.ZipBytes
		c.Usage.Meta += v.MetaBytes
	}
	sort.Slice(c.Modules, func(i, j int) bool { return c.Modules[i].Path < c.Modules[j].Path })
	for _, m := range c.Modules {
		sort.Slice(m.Versions, func(i, j int) bool {
			return semver.Compare(m.Versions[i].Version, m.Versions[j].Version) < 0
		})
		m.rollup()
	}
	c.Usage.Total = c.Usage.Trees + c.Usage.Zips + c.Usage.Meta + c.Usage.Other
	return c
}
