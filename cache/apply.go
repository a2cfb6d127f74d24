package cache

import (
	"slices"

	"golang.org/x/mod/module"
)

// Apply updates c after a prune so a UI can redraw without a rescan:
// states, sizes, module totals and usage. Sizes come from the scan, as the
// plan's did. A version left with nothing but its .lock (which go never
// deletes, and neither do we) is dropped.
func (c *Cache) Apply(r *PruneResult) {
	if r == nil {
		return
	}
	touched := map[*Module]bool{}
	for _, a := range r.Done {
		m, v := c.find(a.Path, a.Version)
		if v == nil {
			continue
		}
		touched[m] = true
		if a.Mode == ModeFull {
			c.Usage.Zips -= v.ZipBytes
			c.Usage.Meta -= v.MetaBytes
			c.Usage.Total -= v.ZipBytes + v.MetaBytes
			v.ZipBytes, v.MetaBytes = 0, 0
			v.Has = HasLock // taking the lock created it if it was missing
		}
		c.dropTree(v)
	}
	for _, s := range r.Strays {
		c.Strays = slices.DeleteFunc(c.Strays, func(x Stray) bool { return x.Path == s.Path })
		if s.Kind != "partial" {
			c.Usage.Strays -= s.Bytes
			c.Usage.Total -= s.Bytes
			continue
		}
		// An orphan .partial is counted with its version's tree.
		if m, v := c.find(partialVersion(s.Path)); v != nil {
			touched[m] = true
			c.dropTree(v)
		}
	}
	for _, repo := range r.VCS {
		c.VCS = slices.DeleteFunc(c.VCS, func(x VCSRepo) bool { return x.Dir == repo.Dir })
		c.Usage.VCS -= repo.Bytes
		c.Usage.Total -= repo.Bytes
	}
	if c.Disk.Total > 0 {
		c.Disk.Free = min(c.Disk.Total, c.Disk.Free+r.Freed)
	}
	for m := range touched {
		m.Versions = slices.DeleteFunc(m.Versions, (*Version).lockOnly)
		m.rollup()
	}
	c.Modules = slices.DeleteFunc(c.Modules, func(m *Module) bool { return len(m.Versions) == 0 })
}

// dropTree records that v's tree and any .partial marker are gone.
func (c *Cache) dropTree(v *Version) {
	c.Usage.Trees -= v.TreeBytes
	c.Usage.Total -= v.TreeBytes
	v.TreeBytes, v.Files = 0, 0
	v.Has &^= HasTree | HasPartial
	v.LockHeld = false
	v.State, v.Problem = classify(v.Has, v.InfoProblem, false)
}

// partialVersion reads path and version from the relative path of a
// .partial marker: cache/download/<esc path>/@v/<esc version>.partial.
func partialVersion(rel string) (string, string) {
	escPath, escVer, _ := parsePartialRel(rel)
	p, err1 := module.UnescapePath(escPath)
	v, err2 := module.UnescapeVersion(escVer)
	if err1 != nil || err2 != nil {
		return "", ""
	}
	return p, v
}
