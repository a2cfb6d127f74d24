package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/tlog"
)

// SumDBDatabases lists the checksum databases go has cached records of,
// under cache/download/sumdb. None is not an error.
func SumDBDatabases(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "cache", "download", "sumdb"))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	var dbs []string
	for _, e := range entries {
		if e.IsDir() {
			dbs = append(dbs, e.Name())
		}
	}
	return dbs, nil
}

// SumDBLines returns the go.sum lines the cached records of databases
// dbs give for m. go caches a lookup record only after checking the
// database's signature and inclusion proof, so these are as trustworthy
// as go.sum, and independent of the module's own files.
func SumDBLines(root string, dbs []string, m module.Version) []GoSumLine {
	var out []GoSumLine
	for _, db := range dbs {
		if lines, _, err := ReadLookup(root, db, m); err == nil {
			out = append(out, lines...)
		}
	}
	return out
}

// ReadLookup reads the record database db gave for m, as go cached it,
// and returns m's go.sum lines and the file's size.
func ReadLookup(root, db string, m module.Version) (lines []GoSumLine, size int64, err error) {
	escPath, escVer, err := escape(m.Path, m.Version)
	if err != nil {
		return nil, 0, err
	}
	data, err := readFileNoAtime(SumDBLookupPath(root, db, escPath, escVer), maxLookup)
	if err != nil {
		return nil, 0, err
	}
	lines, err = ParseLookup(data, m)
	return lines, int64(len(data)), err
}

// maxLookup bounds a lookup file: a record is a few go.sum lines and a
// signed tree head.
const maxLookup = 64 << 10

// ParseLookup reads a lookup file as go caches it for m (the record's
// number, its go.sum lines, a blank line, the signed tree head) and
// returns m's lines, or says why data is not that: go rejects the module
// over a bad one. The signature is the client's to check, knowing the
// database's key.
func ParseLookup(data []byte, m module.Version) ([]GoSumLine, error) {
	_, text, rest, err := tlog.ParseRecord(data)
	if err != nil {
		return nil, fmt.Errorf("malformed checksum database record: %v", err)
	}
	if len(rest) == 0 {
		return nil, errors.New("checksum database record without its signed tree head")
	}
	var lines []GoSumLine
	for _, l := range parseGoSum(text) {
		if l.Path == m.Path && l.Version == m.Version {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("checksum database record does not name %s", m)
	}
	return lines, nil
}

// SumDBLookupPath is where go caches database db's record of an escaped
// path and version.
func SumDBLookupPath(root, db, escPath, escVer string) string {
	return filepath.Join(root, "cache", "download", "sumdb", db, "lookup", filepath.FromSlash(escPath)+"@"+escVer)
}
