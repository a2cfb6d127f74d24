package cache

import (
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
	escPath, escVer, err := escape(m.Path, m.Version)
	if err != nil {
		return nil
	}
	var out []GoSumLine
	for _, db := range dbs {
		data, err := readFileNoAtime(SumDBLookupPath(root, db, escPath, escVer), 64<<10)
		if err != nil {
			continue
		}
		if _, text, _, err := tlog.ParseRecord(data); err == nil {
			out = append(out, parseGoSum(text)...)
		}
	}
	return out
}

// SumDBLookupPath is where go caches database db's record of an escaped
// path and version.
func SumDBLookupPath(root, db, escPath, escVer string) string {
	return filepath.Join(root, "cache", "download", "sumdb", db, "lookup", filepath.FromSlash(escPath)+"@"+escVer)
}
