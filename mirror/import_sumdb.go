package mirror

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb"

	"github.com/modcache/modcache/cache"
)

// checkRecords checks the bundle's checksum database records the way an
// offline go client checks them when it reads them through a mirror: each
// lookup's signed tree against the key of the database go is set to use,
// and the record against that tree with the bundle's tiles (x/mod's sumdb
// client does both, starting from no known tree). A record that fails
// fails the bundle: go trusts a record in its cache and would refuse the
// module over a bad one for good. Every version a checked record names
// must hash as the record says, so a bundle cannot swap a zip and its
// go.sum line together.
//
// Records of any other database cannot be checked here. A mirror's
// clients check them themselves, so they go to a mirror; go trusts its
// cache, so they are left out of a module cache (intoCache). It returns
// the versions of the bundle that no checked record vouches for, which
// rest on the bundle's own go.sum lines, as they would for go.
func (b *stagedBundle) checkRecords(env []string, intoCache bool) (unrecorded []module.Version, err error) {
	db, key := sumDB(env)
	ops := &bundleOps{b: b, db: db, key: key}
	client := sumdb.NewClient(ops)
	var names []string
	for name, fn := range b.names {
		if fn.Kind != KindSumDB {
			continue
		}
		if key == "" || !strings.HasPrefix(name, "sumdb/"+db+"/") {
			if intoCache {
				delete(b.names, name) // not written: see above
			}
			continue
		}
		if fn.Path != "" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	recorded := map[module.Version]bool{}
	for _, name := range names {
		fn := b.names[name]
		m := module.Version{Path: fn.Path, Version: fn.Version}
		for _, suffix := range []string{"", "/go.mod"} {
			lines, err := client.Lookup(m.Path, m.Version+suffix)
			if err != nil {
				return nil, fmt.Errorf("checksum database record %s does not check out against %s: %v", name, db, ops.why(err))
			}
			sumKey := cache.SumKey(m, suffix != "")
			want, inBundle := b.sums[sumKey]
			if inBundle && !slices.Contains(lines, sumKey+" "+want) {
				return nil, fmt.Errorf("the manifest's go.sum line for %s says %s, but the checksum database %s says %v", sumKey, want, db, lines)
			}
		}
		recorded[m] = true
	}
	for m := range b.versions() {
		if !recorded[m] {
			unrecorded = append(unrecorded, m)
		}
	}
	module.Sort(unrecorded)
	return unrecorded, nil
}

// bundleOps serve a checksum database client from the staged bundle,
// with a fresh client's state: no tree known yet, nothing cached.
type bundleOps struct {
	b       *stagedBundle
	db, key string

	mu       sync.Mutex
	latest   []byte
	security string
}

func (o *bundleOps) ReadRemote(path string) ([]byte, error) {
	name := "sumdb/" + o.db + path
	if _, ok := o.b.files[name]; !ok {
		return nil, fmt.Errorf("%s is not in the bundle: %w", name, fs.ErrNotExist)
	}
	return os.ReadFile(o.b.path(name))
}

func (o *bundleOps) ReadConfig(file string) ([]byte, error) {
	if file == "key" {
		return []byte(o.key), nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.latest, nil // <db>/latest; empty at first
}

func (o *bundleOps) WriteConfig(file string, old, new []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !bytes.Equal(old, o.latest) {
		return sumdb.ErrWriteConflict
	}
	o.latest = new
	return nil
}

func (o *bundleOps) ReadCache(string) ([]byte, error) { return nil, fs.ErrNotExist }
func (o *bundleOps) WriteCache(string, []byte)        {}
func (o *bundleOps) Log(string)                       {}

func (o *bundleOps) SecurityError(msg string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.security = msg
}

// why is err with the client's security message, which says what
// disagreed, instead of its bare "security error".
func (o *bundleOps) why(err error) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if errors.Is(err, sumdb.ErrSecurity) && o.security != "" {
		return firstLine(o.security)
	}
	return err.Error()
}
