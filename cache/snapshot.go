package cache

import (
	"sort"
	"time"

	"golang.org/x/mod/module"
)

// Snapshot assembles what the scan has measured so far. During a scan the
// tree sizes are still growing; after Run returns it is the final answer.
func (s *Scanner) Snapshot() *Cache {
	// Two statfs calls per scan, not per snapshot: a UI takes several
	// snapshots a second while the scan runs.
	s.fsOnce.Do(func() {
		s.atime = atimeOf(s.root)
		s.disk, _ = diskSpace(s.root)
	})
	c := &Cache{Root: s.root, Atime: s.atime, Disk: s.disk, ScannedAt: time.Now()}
	s.mu.Lock()
	accs := make([]*verAcc, 0, len(s.versions))
	for _, v := range s.versions {
		accs = append(accs, v)
	}
	vcs := make([]*vcsAcc, 0, len(s.vcs))
	for _, r := range s.vcs {
		vcs = append(vcs, r)
	}
	sumdb := make(map[string]*acc, len(s.sumdb))
	for k, a := range s.sumdb {
		sumdb[k] = a
	}
	strays := append([]*strayAcc(nil), s.strays...)
	unknown := append([]*unknownAcc(nil), s.unknown...)
	c.Problems = append([]Problem(nil), s.problems...)
	s.mu.Unlock()

	var versions []*Version
	for _, a := range accs {
		v := a.build(c.Atime.Available)
		versions = append(versions, v)
		if v.State == Partial && !v.LockHeld {
			c.Strays = append(c.Strays, Stray{
				Path:  partialRel(a.escPath, a.escVer),
				Kind:  "partial",
				Bytes: v.TreeBytes,
			})
		}
	}
	assembled := Assemble(s.root, versions)
	c.Modules, c.Usage = assembled.Modules, assembled.Usage

	for _, r := range vcs {
		r.mu.Lock()
		if !r.hasDir && r.url == "" {
			// A .lock left by go, which never deletes them: not a clone.
			r.mu.Unlock()
			c.Usage.Other += r.bytes.Load()
			continue
		}
		repo := VCSRepo{
			Dir: "cache/vcs/" + r.hash, URL: r.url,
			Bytes: r.bytes.Load(), Files: int(r.files.Load()),
			Created: unixTime(r.created),
		}
		if c.Atime.Available && !r.infoTainted {
			repo.LastUsed = unixTime(r.infoAtime)
		}
		r.mu.Unlock()
		c.VCS = append(c.VCS, repo)
		c.Usage.VCS += repo.Bytes
	}
	sort.Slice(c.VCS, func(i, j int) bool { return c.VCS[i].Bytes > c.VCS[j].Bytes })

	for name, a := range sumdb {
		c.SumDB = append(c.SumDB, SumDB{Name: name, Bytes: a.bytes.Load(), Files: int(a.files.Load())})
		c.Usage.SumDB += a.bytes.Load()
	}
	sort.Slice(c.SumDB, func(i, j int) bool { return c.SumDB[i].Name < c.SumDB[j].Name })

	for _, a := range strays {
		c.Strays = append(c.Strays, Stray{Path: a.path, Kind: a.kind, Bytes: a.bytes.Load()})
		c.Usage.Strays += a.bytes.Load()
	}
	sort.Slice(c.Strays, func(i, j int) bool { return c.Strays[i].Path < c.Strays[j].Path })
	for _, a := range unknown {
		c.Unknown = append(c.Unknown, Unknown{Path: a.path, Reason: a.reason, Bytes: a.bytes.Load()})
		c.Usage.Unknown += a.bytes.Load()
	}
	sort.Slice(c.Unknown, func(i, j int) bool { return c.Unknown[i].Path < c.Unknown[j].Path })
	sort.Slice(c.Problems, func(i, j int) bool { return c.Problems[i].Path < c.Problems[j].Path })

	c.Usage.Other += s.other.Load()
	c.Usage.Files = s.files.Load()
	c.Usage.Total = c.Usage.Trees + c.Usage.Zips + c.Usage.Meta + c.Usage.VCS +
		c.Usage.SumDB + c.Usage.Strays + c.Usage.Unknown + c.Usage.Other
	return c
}

// build turns the accumulated facts into a Version.
func (a *verAcc) build(atimeOK bool) *Version {
	a.mu.Lock()
	defer a.mu.Unlock()
	path, _ := module.UnescapePath(a.escPath)
	v := &Version{
		Path:      path,
		Version:   a.version(),
		Has:       a.has,
		TreeBytes: a.tree.bytes.Load(),
		ZipBytes:  a.zipBytes,
		MetaBytes: a.metaBytes,
		Files:     int(a.tree.files.Load()),
		Published: unixTime(a.published),
		LockHeld:  a.lockHeld,
	}
	v.InfoProblem = a.infoProblem
	v.State, v.Problem = classify(a.has, a.infoProblem, a.lockHeld)
	if a.has&HasInfo != 0 {
		v.Downloaded = unixTime(a.infoMtime)
	} else {
		v.Downloaded = unixTime(a.earliest)
	}
	if atimeOK {
		used := max(a.metaAtime, a.tree.atime.Load())
		if !a.infoTainted {
			used = max(used, a.infoAtime)
		}
		v.LastUsed = unixTime(used)
	}
	return v
}

func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// atimeOf is mountAtime, replaceable in tests that cannot mount a noatime
// filesystem.
var atimeOf = mountAtime
