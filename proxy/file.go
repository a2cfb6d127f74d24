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
// remote's root. A missing file is ErrNotFound, as a 404 would be. Only
// regular files are served: opening a FIFO or a device would wait for a
// writer that may never come.
//
// A hung network mount blocks open and read in the kernel, where no
// context reaches. So both run in goroutines the caller stops waiting for
// when ctx ends: the timeout and ctrl+c still work, and a goroutine stuck
// on a dead mount is left behind until the system call returns, if ever.
// That leak is the price of letting the user go; the process exits
// without waiting for it.
func openFile(ctx context.Context, r Remote, rel string) (io.ReadCloser, error) {
	root, err := remoteRoot(r)
	if err != nil {
		return nil, err
	}
	name := filepath.Join(root, filepath.FromSlash(rel))
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := openRegular(name)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		if errors.Is(o.err, fs.ErrNotExist) {
			return nil, ErrNotFound
		}
		if o.err != nil {
			return nil, o.err
		}
		return &fileBody{ctx: ctx, f: o.f}, nil
	case <-ctx.Done():
		go func() { // close what the open gives, should it ever return
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, context.Cause(ctx)
	}
}

// openRegular opens name if it is a regular file, or a symlink to one. The
// mode is checked before opening, since opening a FIFO for reading blocks,
// and again after, in case the file was replaced in between.
func openRegular(name string) (*os.File, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("not a regular file")}
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	if fi, err = f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("not a regular file")}
	}
	return f, nil
}

// fileBody reads a file:// remote's file, each read in a goroutine that is
// abandoned when ctx ends (see openFile).
type fileBody struct {
	ctx   context.Context
	f     *os.File
	buf   []byte // reads land here, not in the caller's slice: an abandoned read may finish later
	stuck bool   // a read was abandoned; the file is not read again
}

type readResult struct {
	n   int
	err error
}

func (b *fileBody) Read(p []byte) (int, error) {
	if b.stuck {
		return 0, context.Cause(b.ctx)
	}
	if len(b.buf) < len(p) {
		b.buf = make([]byte, len(p))
	}
	buf := b.buf[:len(p)]
	ch := make(chan readResult, 1)
	go func() {
		n, err := b.f.Read(buf)
		ch <- readResult{n, err}
	}()
	select {
	case r := <-ch:
		return copy(p, buf[:r.n]), r.err
	case <-b.ctx.Done():
		b.stuck = true
		b.buf = nil // the abandoned read owns it now
		return 0, context.Cause(b.ctx)
	}
}

// Close does not wait for an abandoned read: closing may block until it
// returns.
func (b *fileBody) Close() error {
	if b.stuck {
		go b.f.Close()
		return nil
	}
	return b.f.Close()
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
