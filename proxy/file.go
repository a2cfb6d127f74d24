package proxy

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/mod/module"
)

// openFile opens rel (slash-separated, already escaped) under a file://
// remote's root. A missing file is ErrNotFound, as a 404 would be.
func openFile(r Remote, rel string) (io.ReadCloser, error) {
	root, err := remoteRoot(r)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(root, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return f, nil
}

func remoteRoot(r Remote) (string, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return "", err
	}
	return FilePath(u)
}

func catalogFile(ctx context.Context, r Remote) ([]string, error) {
	root, err := remoteRoot(r)
	if err != nil {
		return nil, err
	}
	return CatalogDir(ctx, root)
}

// CatalogDir lists the modules in a GOPROXY tree on disk (a file:// proxy,
// a directory mirror): it walks for "@v" directories, the path from the
// root to each being an escaped module path. It looks neither inside @v
// nor into the top-level sumdb proxy, so the walk costs one readdir per
// path element, not one per file. A missing root is an error.
func CatalogDir(ctx context.Context, root string) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if err != nil {
			// An unreadable corner of the tree should not hide the rest.
			if d != nil && d.IsDir() && p != root {
				return fs.SkipDir
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if d.Name() == "sumdb" && filepath.Dir(p) == root {
			return fs.SkipDir // checksum database proxy, not modules
		}
		if d.Name() != "@v" {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		// Directories that do not unescape (e.g. stray upper case) are not
		// something the go command could have asked for.
		if mod, err := module.UnescapePath(filepath.ToSlash(rel)); err == nil {
			paths = append(paths, mod)
		}
		return fs.SkipDir
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(paths)
	return paths, nil
}
