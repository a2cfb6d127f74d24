package mirror

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Athens' disk storage (gomods/athens pkg/storage/fs) keeps one directory
// per version:
//
//	<root>/<module path>/<version>/go.mod
//	<root>/<module path>/<version>/source.zip
//	<root>/<module path>/<version>/<version>.info
//
// The module path is the decoded one, with its upper case: Athens'
// handlers run paths.DecodePath on the URL's "!x" form before asking
// storage. The version is taken from the URL as is, so it stays in go's
// escaped form; for the usual all-lower-case versions the two agree.
// Athens keeps no list file (List reads the version directories) and has
// no sumdb files: it proxies /sumdb/ to the real database instead.

// athensPath maps a GOPROXY name to the file Athens reads for it.
func athensPath(root, name string) (string, error) {
	f, err := parseName(name)
	if err != nil {
		return "", err
	}
	escVer, err := module.EscapeVersion(f.Version)
	if err != nil && f.Version != "" {
		return "", err
	}
	var file string
	switch f.Kind {
	case KindInfo:
		file = escVer + ".info"
	case KindMod:
		file = "go.mod"
	case KindZip:
		file = "source.zip"
	default:
		return "", fmt.Errorf("Athens disk storage has no place for %s (it keeps no list or checksum database files)", name)
	}
	return filepath.Join(root, filepath.FromSlash(f.Path), escVer, file), nil
}

// athensVersions lists the version directories of a module, as Athens'
// fs.List does.
func athensVersions(root, modPath string) ([]string, error) {
	if err := module.CheckPath(modPath); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(modPath)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var vs []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		v, err := module.UnescapeVersion(e.Name())
		if err == nil && semver.Canonical(v) != "" && strings.HasPrefix(v, semver.Canonical(v)) {
			vs = append(vs, v)
		}
	}
	semver.Sort(vs)
	return vs, nil
}

// athensCatalog finds every <version>/<version>.info, as Athens' catalog
// does, and returns the module paths above them.
func athensCatalog(ctx context.Context, root string) ([]string, error) {
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err != nil {
			if p == root {
				return err
			}
			return nil
		}
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".info") {
			return nil
		}
		verDir := filepath.Dir(p)
		if e.Name() != filepath.Base(verDir)+".info" {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(verDir))
		if err == nil && module.CheckPath(filepath.ToSlash(rel)) == nil {
			seen[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	paths := make([]string, 0, len(seen))
	for p := range seen {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	return paths, err
}
