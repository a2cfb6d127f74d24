package mirror

import (
	"slices"
	"sync"

	"golang.org/x/mod/module"

	"github.com/modcache/modcache/cache"
)

// sumSet holds known go.sum hashes, keyed "path version" for zips and
// "path version/go.mod" for go.mod files, from the project's go.sum files
// and from the checksum database records cached beside the modules.
type sumSet struct {
	root string // module cache, for cached sumdb lookups

	mu     sync.Mutex
	sums   map[string][]string
	dbs    []string // names of cached checksum databases, once listed
	dbsErr error
	listed bool
	seen   map[string]bool
}

func newSumSet(root string) *sumSet {
	return &sumSet{root: root, sums: map[string][]string{}, seen: map[string]bool{}}
}

// databases lists the cached checksum databases, once. Not before it is
// first needed: a plan's downloads may create the sumdb directory.
func (s *sumSet) databases() ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listDatabases()
}

func (s *sumSet) listDatabases() ([]string, error) {
	if !s.listed {
		s.listed = true
		s.dbs, s.dbsErr = cache.SumDBDatabases(s.root)
	}
	return s.dbs, s.dbsErr
}

// addGoSumFile adds the lines of a go.sum file, if there is one.
// Malformed lines are skipped, as they would make go fail anyway.
func (s *sumSet) addGoSumFile(path string) {
	if lines, err := cache.ReadGoSum(path); err == nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.add(lines)
	}
}

func (s *sumSet) add(lines []cache.GoSumLine) {
	for _, l := range lines {
		key := sumKey(module.Version{Path: l.Path, Version: l.Version}, l.GoMod)
		if !slices.Contains(s.sums[key], l.Hash) {
			s.sums[key] = append(s.sums[key], l.Hash)
		}
	}
}

// sumKey is how go.sum names a version's content ("path version") or its
// go.mod ("path version/go.mod").
func sumKey(m module.Version, gomod bool) string {
	if gomod {
		return m.Path + " " + m.Version + "/go.mod"
	}
	return m.Path + " " + m.Version
}

// known returns the hashes recorded for path@version (zip) or, with
// gomod set, for its go.mod. It reads the cached checksum database record
// of that version the first time. go only writes a lookup to its cache
// after checking the database's signature and inclusion proof, so these
// are as trustworthy as go.sum.
func (s *sumSet) known(m module.Version, gomod bool) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.seen[m.String()] {
		s.seen[m.String()] = true
		s.readLookups(m)
	}
	return s.sums[sumKey(m, gomod)]
}

func (s *sumSet) readLookups(m module.Version) {
	dbs, _ := s.listDatabases() // unreadable: no records to add
	s.add(cache.SumDBLines(s.root, dbs, m))
}
