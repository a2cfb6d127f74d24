package mirror

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"golang.org/x/mod/semver"

	"github.com/modcache/modcache/internal/units"
)

// A bundle is a GOPROXY tree in one archive for carrying to an offline
// network: a tar stream, gzip- or zstd-compressed, whose entries are the
// tree's files under their GOPROXY names, followed by a manifest
// (ManifestName) with every entry's size and SHA-256 and the go.sum lines
// of every module version in it. Import checks all of that before it
// writes anything.

// ManifestName is the bundle's last entry.
const ManifestName = "modcache-bundle.json"

// BundleFormat identifies the manifest layout.
const BundleFormat = "modcache-bundle/1"

// Manifest describes a bundle's contents.
type Manifest struct {
	Format  string         `json:"format"`
	Created time.Time      `json:"created"`
	Files   []ManifestFile `json:"files"`
	// GoSum holds go.sum lines ("path version h1:..." and "path
	// version/go.mod h1:...") for every module version in the bundle, as
	// verified when it was pushed.
	GoSum []string `json:"gosum"`
}

// ManifestFile is one entry of a bundle.
type ManifestFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// bundleTarget writes a new bundle. Entries go to a temp file beside the
// final one; Commit adds the manifest and renames it into place, Close
// without Commit deletes it, so a failed push leaves no bundle behind.
type bundleTarget struct {
	path string
	zstd bool

	mu        sync.Mutex
	tmp       *os.File
	buf       *bufio.Writer
	comp      io.WriteCloser
	tw        *tar.Writer
	files     []ManifestFile
	committed bool

	// The existing bundle's manifest, indexed and kept while the file is
	// unchanged: it is the last entry, so each read decompresses the whole
	// archive, and browsing (or prune's lookups) asks about one module
	// after another.
	readMu  sync.Mutex
	read    *bundleIndex
	readFor fs.FileInfo
}

// bundleIndex is what browsing needs of a manifest.
type bundleIndex struct {
	versions map[string][]string // complete versions (with a zip) by module, semver order
	catalog  []string            // modules with a list, sorted
}

func newBundle(path string) (*bundleTarget, error) {
	switch {
	case strings.HasSuffix(path, ".tar.gz"), strings.HasSuffix(path, ".tgz"):
		return &bundleTarget{path: path}, nil
	case strings.HasSuffix(path, ".tar.zst"):
		return &bundleTarget{path: path, zstd: true}, nil
	}
	return nil, badTarget("bundle %s: name it .tar.gz or .tar.zst, which says how to compress it", path)
}

func (b *bundleTarget) String() string { return "bundle://" + filepath.ToSlash(b.path) }

func (b *bundleTarget) Features() Features { return goproxyLayout }

// Same: every push writes a fresh archive.
func (b *bundleTarget) Same(context.Context, string, *Source) (bool, error) { return false, nil }

func (b *bundleTarget) Get(context.Context, string) ([]byte, error) { return nil, fs.ErrNotExist }

// open starts the archive on the first Put.
func (b *bundleTarget) open() error {
	if b.tw != nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(b.path), 0o777); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(b.path), b.tempName()+"*.tmp")
	if err != nil {
		return err
	}
	b.tmp, b.buf = f, bufio.NewWriterSize(f, 1<<20)
	if b.zstd {
		b.comp, err = zstd.NewWriter(b.buf)
	} else {
		b.comp, err = gzip.NewWriterLevel(b.buf, gzip.DefaultCompression)
	}
	if err != nil {
		return err
	}
	b.tw = tar.NewWriter(b.comp)
	return nil
}

// epoch is every entry's mtime, so two bundles of the same files are
// byte-identical.
var epoch = time.Unix(0, 0)

func (b *bundleTarget) Put(ctx context.Context, name string, src *Source, progress func(int64)) error {
	if _, err := parseName(name); err != nil {
		return err
	}
	r, err := src.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.committed {
		return errors.New("bundle already written")
	}
	if err := b.open(); err != nil {
		return err
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: src.Size, Mode: 0o644, ModTime: epoch, Format: tar.FormatPAX}
	if err := b.tw.WriteHeader(hdr); err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(b.tw, h), &countingReader{ctx: ctx, r: r, progress: progress})
	if err != nil {
		// The tar stream is now broken mid-entry: nothing after this can be
		// a valid bundle.
		b.committed = true
		return fmt.Errorf("%v (the bundle is abandoned; run again)", err)
	}
	if n != src.Size {
		b.committed = true
		return fmt.Errorf("%s changed size while it was copied", name)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	src.setSHA256(sum)
	b.files = append(b.files, ManifestFile{Name: name, Size: n, SHA256: sum})
	return nil
}

// Commit writes the manifest and moves the archive into place.
func (b *bundleTarget) Commit(ctx context.Context, p *Plan) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.committed {
		return errors.New("bundle abandoned after an error")
	}
	if err := b.open(); err != nil {
		return err
	}
	m := Manifest{Format: BundleFormat, Created: time.Now().UTC(), Files: b.files, GoSum: p.GoSum()}
	slices.SortFunc(m.Files, func(x, y ManifestFile) int { return strings.Compare(x.Name, y.Name) })
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: ManifestName, Size: int64(len(data)), Mode: 0o644, ModTime: epoch, Format: tar.FormatPAX}
	if err := b.tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := b.tw.Write(data); err != nil {
		return err
	}
	for _, step := range []func() error{b.tw.Close, b.comp.Close, b.buf.Flush, b.tmp.Sync, func() error { return b.tmp.Chmod(0o644) }, b.tmp.Close} {
		if err := step(); err != nil {
			return fmt.Errorf("bundle %s: %v", b.path, err)
		}
	}
	if err := os.Rename(b.tmp.Name(), b.path); err != nil {
		return err
	}
	b.committed, b.tmp = true, nil
	// What killed pushes of this bundle left: whole bundles' worth of
	// bytes each, on what is often a USB stick.
	removeStaleTemps(filepath.Dir(b.path), b.tempName())
	return nil
}

// tempName is what the bundle's temp file is named from: hidden, so a
// reader of the directory does not take it for a bundle.
func (b *bundleTarget) tempName() string { return "." + filepath.Base(b.path) }

func (b *bundleTarget) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.committed = true
	if b.tmp != nil {
		b.tmp.Close()
		os.Remove(b.tmp.Name())
		b.tmp = nil
	}
	return nil
}

// Versions and Catalog read an existing bundle's manifest. A bundle holds
// a version completely when it has its zip, which is what its list names.
func (b *bundleTarget) Versions(ctx context.Context, modPath string) ([]string, error) {
	idx, err := b.index(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(idx.versions[modPath]), nil
}

func (b *bundleTarget) Catalog(ctx context.Context) ([]string, error) {
	idx, err := b.index(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(idx.catalog), nil
}

// index reads the existing bundle's manifest and indexes it, once per
// version of the file.
func (b *bundleTarget) index(ctx context.Context) (*bundleIndex, error) {
	fi, err := os.Stat(b.path)
	if err != nil {
		return nil, err
	}
	b.readMu.Lock()
	defer b.readMu.Unlock()
	if old := b.readFor; b.read != nil && os.SameFile(old, fi) && old.Size() == fi.Size() && old.ModTime().Equal(fi.ModTime()) {
		return b.read, nil
	}
	m, err := ReadManifest(ctx, b.path)
	if err != nil {
		return nil, err
	}
	idx := &bundleIndex{versions: map[string][]string{}, catalog: []string{}}
	for _, f := range m.Files {
		fn, err := parseName(f.Name)
		switch {
		case err != nil:
		case fn.Kind == KindZip:
			idx.versions[fn.Path] = append(idx.versions[fn.Path], fn.Version)
		case fn.Kind == KindList:
			idx.catalog = append(idx.catalog, fn.Path)
		}
	}
	for _, vs := range idx.versions {
		semver.Sort(vs)
	}
	slices.Sort(idx.catalog)
	idx.catalog = slices.Compact(idx.catalog)
	b.read, b.readFor = idx, fi
	return idx, nil
}

// ReadManifest reads a bundle's manifest. It is the last entry, so the
// whole archive is read.
func ReadManifest(ctx context.Context, path string) (*Manifest, error) {
	var m *Manifest
	err := readBundle(ctx, path, func(hdr *tar.Header, r io.Reader) error {
		if hdr.Name != ManifestName {
			return nil
		}
		var err error
		m, err = decodeManifest(r)
		return err
	})
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("bundle %s has no %s: not a modcache bundle, or cut short", path, ManifestName)
	}
	return m, nil
}

// maxManifest bounds a manifest: about 150 bytes a file, so room for
// 400,000 files, while a crafted one cannot make import hold gigabytes.
const maxManifest = 64 << 20

func decodeManifest(r io.Reader) (*Manifest, error) {
	var m Manifest
	lr := &io.LimitedReader{R: r, N: maxManifest}
	if err := json.NewDecoder(lr).Decode(&m); err != nil {
		if lr.N == 0 {
			return nil, fmt.Errorf("bundle manifest: larger than %s, more than any bundle modcache writes", units.Bytes(maxManifest))
		}
		return nil, fmt.Errorf("bundle manifest: %v (the bundle is damaged or cut short: copy it again)", err)
	}
	if m.Format != BundleFormat {
		return nil, fmt.Errorf("bundle manifest: format %q, want %q", m.Format, BundleFormat)
	}
	return &m, nil
}

// readBundle calls fn for every entry of a bundle, with the entry's
// content. The compression is told by its magic number, not the name.
func readBundle(ctx context.Context, path string, fn func(hdr *tar.Header, r io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	magic, _ := br.Peek(4)
	var r io.Reader
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("bundle %s: %v", path, err)
		}
		defer zr.Close()
		r = zr
	case bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(br)
		if err != nil {
			return fmt.Errorf("bundle %s: %v", path, err)
		}
		defer zr.Close()
		r = zr
	default:
		return fmt.Errorf("bundle %s is neither gzip nor zstd compressed", path)
	}
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("bundle %s: %v", path, err)
		}
		if err := fn(hdr, tr); err != nil {
			return err
		}
	}
}
