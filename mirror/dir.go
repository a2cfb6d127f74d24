package mirror

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/modcache/modcache/proxy"
)

// dirTarget is a GOPROXY tree on a local or mounted filesystem, or with
// athens set, the same files in Athens' disk-storage layout (athens.go).
type dirTarget struct {
	root   string
	athens bool
	swept  sync.Map // directories cleared of killed pushes' temp files (sweep)
}

func newDir(root string, athens bool) (*dirTarget, error) {
	if fi, err := os.Stat(root); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("mirror %s is not a directory", root)
	}
	return &dirTarget{root: root, athens: athens}, nil
}

func (d *dirTarget) String() string {
	if d.athens {
		return "athens://" + filepath.ToSlash(d.root)
	}
	return d.root
}

func (d *dirTarget) Features() Features {
	if d.athens {
		return Features{}
	}
	return goproxyLayout
}

func (d *dirTarget) Close() error { return nil }

// path maps a GOPROXY name to the file that holds it.
func (d *dirTarget) path(name string) (string, error) {
	if d.athens {
		return athensPath(d.root, name)
	}
	if _, err := parseName(name); err != nil {
		return "", err
	}
	return filepath.Join(d.root, filepath.FromSlash(name)), nil
}

func (d *dirTarget) Same(ctx context.Context, name string, src *Source) (bool, error) {
	p, err := d.path(name)
	if err != nil {
		return false, err
	}
	d.sweep(filepath.Dir(p))
	// Stat before opening: opening a FIFO left at that name would block.
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() || fi.Size() != src.Size {
		return false, nil
	}
	f, err := os.Open(p)
	if err != nil {
		return false, err
	}
	defer f.Close()
	r, err := src.Open()
	if err != nil {
		return false, err
	}
	defer r.Close()
	return sameBytes(&countingReader{ctx: ctx, r: f}, r, src.Size)
}

// sameBytes compares two readers of equal length, size. Both files are
// local, so comparing bytes is cheaper than hashing both, and stops at the
// first difference. The buffers fit small files (.info, .mod): a re-push
// compares thousands of them.
func sameBytes(a, b io.Reader, size int64) (bool, error) {
	n := int(min(64<<10, size+1))
	bufA, bufB := make([]byte, n), make([]byte, n)
	for {
		n, errA := io.ReadFull(a, bufA)
		if errA != nil && errA != io.EOF && errA != io.ErrUnexpectedEOF {
			return false, errA
		}
		m, errB := io.ReadFull(b, bufB[:n])
		if errB != nil && errB != io.EOF && errB != io.ErrUnexpectedEOF {
			return false, errB
		}
		if m != n || !bytes.Equal(bufA[:n], bufB[:m]) {
			return false, nil
		}
		if errA != nil { // a has ended; b must end here too
			k, _ := b.Read(bufB[:1])
			return k == 0, nil
		}
	}
}

// copyChunk bounds how long a copy runs between checks for cancellation.
// io.CopyN from one *os.File to another still uses copy_file_range.
const copyChunk = 8 << 20

// Put writes a temp file beside the final name and renames it into place,
// the way go writes its own cache, so a reader (or a web server) never
// sees part of a file. The temp name ends in .tmp, like go's.
func (d *dirTarget) Put(ctx context.Context, name string, src *Source, progress func(int64)) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	d.sweep(filepath.Dir(p))
	return writeAtomic(ctx, p, src, progress)
}

// sweep clears dir of the temp files killed pushes left there, once per
// push: a push writes or skips many files in one directory, and reading
// the directory for each would cost in proportion to its size every time.
func (d *dirTarget) sweep(dir string) {
	if _, done := d.swept.LoadOrStore(dir, true); !done {
		removeStaleTemps(dir, "")
	}
}

// writeAtomic writes src to p by temp file and rename.
func writeAtomic(ctx context.Context, p string, src *Source, progress func(int64)) (err error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
		return err
	}
	r, err := src.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	tmp, err := os.CreateTemp(filepath.Dir(p), filepath.Base(p)+"*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := io.CopyN(tmp, r, copyChunk)
		if n > 0 && progress != nil {
			progress(n)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	// CreateTemp makes 0600 files; a mirror is meant to be read by a web
	// server running as another user.
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// staleTemp is how old a temp file beside a pushed file must be before a
// later push takes it for the leftover of a killed one; younger ones may
// belong to a push running now.
const staleTemp = time.Hour

// removeStaleTemps removes the temp files killed pushes left in dir: named
// as writeAtomic and CreateTemp name them, a file's name (prefix, when
// given; any name otherwise), CreateTemp's digits, .tmp. Best effort: they
// are only clutter, never served under a final name.
func removeStaleTemps(dir, prefix string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		rest, ok := strings.CutSuffix(e.Name(), ".tmp")
		stem := strings.TrimRight(rest, "0123456789")
		if !ok || stem == rest || stem == "" || (prefix != "" && stem != prefix) || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTemp {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func (d *dirTarget) Get(ctx context.Context, name string) ([]byte, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	// Only a regular file (a symlink to one is fine, as in Same): opening
	// a FIFO someone left there would block for good.
	if fi, err := os.Stat(p); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", p)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readSmall(f, name)
}

func (d *dirTarget) Versions(ctx context.Context, modPath string) ([]string, error) {
	if d.athens {
		return athensVersions(d.root, modPath)
	}
	return listedVersions(ctx, d.Get, modPath)
}

// Catalog lists the modules the tree holds.
func (d *dirTarget) Catalog(ctx context.Context) ([]string, error) {
	if d.athens {
		return athensCatalog(ctx, d.root)
	}
	paths, err := proxy.CatalogDir(ctx, d.root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // nothing pushed yet
	}
	return paths, err
}
