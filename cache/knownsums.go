package cache

import (
	"slices"
	"sync"

	"golang.org/x/mod/module"
)

// KnownSums are the hashes known for module versions from outside their
// own files: the go.sum files added to it, and the checksum database
// records go cached under each of its roots (module caches). A push checks
// what it sends against them, and a repair what it installs. Safe for
// concurrent use.
type KnownSums struct {
	roots []string
	// dbs lists each root's cached databases once, when first needed: a
	// plan's downloads may create the sumdb directory.
	dbs []func() ([]string, error)

	mu   sync.Mutex
	sums map[string][]string // by SumKey
	seen map[module.Version]bool
}

// NewKnownSums reads checksum database records under roots.
func NewKnownSums(roots ...string) *KnownSums {
	k := &KnownSums{roots: roots, sums: map[string][]string{}, seen: map[module.Version]bool{}}
	for _, r := range roots {
		k.dbs = append(k.dbs, sync.OnceValues(func() ([]string, error) { return SumDBDatabases(r) }))
	}
	return k
}

// SumKey is how go.sum names a version's content ("path version") or its
// go.mod ("path version/go.mod").
func SumKey(m module.Version, gomod bool) string {
	if gomod {
		return m.Path + " " + m.Version + "/go.mod"
	}
	return m.Path + " " + m.Version
}

// AddGoSumFile adds the lines of a go.sum file, if there is one.
// Malformed lines are skipped, as they would make go fail anyway.
func (k *KnownSums) AddGoSumFile(path string) {
	if lines, err := ReadGoSum(path); err == nil {
		k.mu.Lock()
		defer k.mu.Unlock()
		k.add(lines)
	}
}

func (k *KnownSums) add(lines []GoSumLine) {
	for _, l := range lines {
		key := SumKey(module.Version{Path: l.Path, Version: l.Version}, l.GoMod)
		if !slices.Contains(k.sums[key], l.Hash) {
			k.sums[key] = append(k.sums[key], l.Hash)
		}
	}
}

// Known returns the hashes recorded for m's content or, with gomod set,
// for its go.mod. It reads the cached checksum database records of m the
// first time.
func (k *KnownSums) Known(m module.Version, gomod bool) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.seen[m] {
		k.seen[m] = true
		for i, r := range k.roots {
			dbs, _ := k.dbs[i]() // unreadable: no records to add
			k.add(SumDBLines(r, dbs, m))
		}
	}
	return k.sums[SumKey(m, gomod)]
}

// Databases lists the checksum databases cached under the first root.
func (k *KnownSums) Databases() ([]string, error) { return k.dbs[0]() }
