package mirror

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/tlog"
)

// sumSet holds known go.sum hashes, keyed "path version" for zips and
// "path version/go.mod" for go.mod files, from the project's go.sum files
// and from the checksum database records cached beside the modules.
type sumSet struct {
	root string // module cache, for cached sumdb lookups

	mu   sync.Mutex
	sums map[string][]string
	dbs  []string // names of cached checksum databases
	seen map[string]bool
}

func newSumSet(root string) *sumSet {
	s := &sumSet{root: root, sums: map[string][]string{}, seen: map[string]bool{}}
	entries, _ := os.ReadDir(filepath.Join(root, "cache", "download", "sumdb"))
	for _, e := range entries {
		if e.IsDir() {
			s.dbs = append(s.dbs, e.Name())
		}
	}
	return s
}

// addGoSum adds the lines of a go.sum file. Malformed lines are skipped, as
// they would make go fail anyway.
func (s *sumSet) addGoSum(data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for line := range strings.SplitSeq(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		s.add(f[0]+" "+f[1], f[2])
	}
}

func (s *sumSet) addGoSumFile(path string) {
	if data, err := os.ReadFile(path); err == nil {
		s.addGoSum(data)
	}
}

func (s *sumSet) add(key, hash string) {
	if !slices.Contains(s.sums[key], hash) {
		s.sums[key] = append(s.sums[key], hash)
	}
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
	key := m.Path + " " + m.Version
	if gomod {
		key += "/go.mod"
	}
	return s.sums[key]
}

func (s *sumSet) readLookups(m module.Version) {
	escPath, err1 := module.EscapePath(m.Path)
	escVer, err2 := module.EscapeVersion(m.Version)
	if err1 != nil || err2 != nil {
		return
	}
	for _, db := range s.dbs {
		data, err := os.ReadFile(lookupPath(s.root, db, escPath, escVer))
		if err != nil {
			continue
		}
		if _, text, _, err := tlog.ParseRecord(data); err == nil {
			for line := range strings.SplitSeq(string(text), "\n") {
				if f := strings.Fields(line); len(f) == 3 {
					s.add(f[0]+" "+f[1], f[2])
				}
			}
		}
	}
}

func lookupPath(root, db, escPath, escVer string) string {
	return filepath.Join(root, "cache", "download", "sumdb", db, "lookup", filepath.FromSlash(escPath)+"@"+escVer)
}

// hashGoMod is the go.sum "/go.mod" hash of a go.mod file's bytes.
func hashGoMod(data []byte) (string, error) {
	return dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
}
