package mirror

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/modcache/modcache/cache"
)

// A proxy may serve a checksum database: go first asks
// $GOPROXY/sumdb/<db>/supported, and on 200 fetches the database's
// /lookup/<mod>@<v> and /tile/... files from $GOPROXY/sumdb/<db>/ instead
// of the database itself. Those are exactly the files go keeps in
// cache/download/sumdb/<db>/, under the same names, and it only keeps
// them after checking the database's signatures and proofs. Copying them
// lets clients keep GOSUMDB on in a network that cannot reach the
// database: they check the same signed records against the key they know.

// sumdbFiles returns the checksum database files to push: every cached
// tile (proofs need tiles beyond the ones a single record touches), the
// cached lookup of every version in the plan, and last a supported file
// for each database that has any. It also returns the names of the
// databases (of those cached, in dbs) that have files, and the versions
// with no sound lookup in any of them, which a client can check only
// against its go.sum. A lookup that is not a record go would have cached
// is never pushed: go rejects the whole module over it.
func sumdbFiles(root string, dbs []string, versions []*VersionPlan) (files []*File, withFiles []string, unrecorded []module.Version, err error) {
	base := filepath.Join(root, "cache", "download", "sumdb")
	// Each version's lookup name, escaped once for every database.
	type lookup struct {
		v               *VersionPlan
		escPath, escVer string
		found           bool
	}
	var lookups []*lookup
	for _, v := range versions {
		escPath, err1 := module.EscapePath(v.Path)
		escVer, err2 := module.EscapeVersion(v.Version)
		if err1 == nil && err2 == nil {
			lookups = append(lookups, &lookup{v: v, escPath: escPath, escVer: escVer})
		}
	}
	var supported []*File
	for _, db := range dbs {
		n := len(files)
		tiles, err := tileFiles(filepath.Join(base, db), db)
		if err != nil {
			return nil, nil, nil, err
		}
		files = append(files, tiles...)
		for _, l := range lookups {
			m := module.Version{Path: l.v.Path, Version: l.v.Version}
			if _, size, err := cache.ReadLookup(root, db, m); err == nil {
				addSumDBFile(&files, db, "lookup/"+l.escPath+"@"+l.escVer, cache.SumDBLookupPath(root, db, l.escPath, l.escVer), size)
				l.found = true
			}
		}
		if len(files) > n {
			withFiles = append(withFiles, db)
			supported = append(supported, &File{Name: "sumdb/" + db + "/supported", src: BytesSource(nil)})
		}
	}
	for _, l := range lookups {
		if !l.found {
			unrecorded = append(unrecorded, module.Version{Path: l.v.Path, Version: l.v.Version})
		}
	}
	return append(files, supported...), withFiles, unrecorded, nil
}

// tileFiles returns a database's cached tiles, plus the narrower partial
// tiles a client may ask for. go caches the tiles it used to check proofs
// against the newest tree it knew at the time; a client starting from an
// older tree asks for tile/H/L/N.p/W with a smaller W. A partial tile is
// the prefix of any wider tile at the same place (stored hashes never
// change as the log grows), so the narrower ones are cut from the widest
// cached one, as x/mod's client itself does with full tiles.
func tileFiles(dbDir, db string) ([]*File, error) {
	var files []*File
	widest := map[tlog.Tile][]byte{} // by the tile with W set to full width
	have := map[string]bool{}
	tiles := filepath.Join(dbDir, "tile")
	err := filepath.WalkDir(tiles, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == tiles && os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(dbDir, p)
		rel = filepath.ToSlash(rel)
		t, err := tlog.ParseTilePath(rel)
		if err != nil {
			return nil // not something go wrote or would ask for
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		have[rel] = true
		addSumDBFile(&files, db, rel, p, fi.Size())
		full := t
		full.W = 1 << t.H
		if t.L < 0 || t.W == full.W {
			return nil
		}
		if cur, ok := widest[full]; !ok || len(cur) < t.W*tlog.HashSize {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if len(data) == t.W*tlog.HashSize {
				widest[full] = data
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for full, data := range widest {
		if have[full.Path()] {
			continue // a client falls back to the full tile by itself
		}
		for w := 1; w*tlog.HashSize < len(data); w++ {
			t := full
			t.W = w
			if !have[t.Path()] {
				part := data[:w*tlog.HashSize]
				files = append(files, &File{Name: "sumdb/" + db + "/" + t.Path(), Size: int64(len(part)), src: BytesSource(part)})
			}
		}
	}
	slices.SortFunc(files, func(a, b *File) int { return strings.Compare(a.Name, b.Name) })
	return files, nil
}

// addSumDBFile adds the cached file at path, of size bytes, to be pushed
// as sumdb/<db>/<rel>.
func addSumDBFile(files *[]*File, db, rel, path string, size int64) {
	name := "sumdb/" + db + "/" + rel
	if _, err := parseName(name); err != nil {
		return // not something go wrote or would ask for
	}
	*files = append(*files, &File{Name: name, Size: size, src: FileSource(path, size)})
}

// isSupported reports whether a name is a sumdb/<db>/supported marker,
// which is written after the database's other files.
func isSupported(name string) bool {
	return strings.HasPrefix(name, "sumdb/") && strings.HasSuffix(name, "/supported")
}
