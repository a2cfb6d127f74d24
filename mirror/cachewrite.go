package mirror

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/lockedfile"
	"golang.org/x/mod/module"

	"github.com/modcache/modcache/cache"
)

// Writing into a module cache follows cmd/go's modfetch step by step, so
// a go command running at the same time, or later, sees what it would
// have written itself.

// toModCache writes every staged version into the module cache at root.
func (b *stagedBundle) toModCache(ctx context.Context, root string) (*ImportResult, error) {
	if err := os.MkdirAll(root, 0o777); err != nil {
		return nil, err
	}
	res := &ImportResult{}
	mods := map[string]bool{} // module paths whose list to rewrite
	for m, names := range b.versions() {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		res.Versions++
		has := map[string]string{} // kind → staged entry name
		for _, name := range names {
			has[b.names[name].Kind] = name
		}
		f, err := cache.PathsFor(root, m.Path, m.Version)
		if err != nil {
			return res, err
		}
		if err := b.writeVersion(res, f, m, has); err != nil {
			return res, fmt.Errorf("%s: %v", m, err)
		}
		mods[m.Path] = true
	}
	for path := range mods {
		if err := cache.RewriteVersionList(root, path); err != nil {
			return res, err
		}
	}
	for name, fn := range b.names {
		if fn.Kind != KindSumDB || isSupported(name) {
			continue
		}
		// cache/download/sumdb/<db>/... under the same names.
		dst := filepath.Join(root, "cache", "download", filepath.FromSlash(name))
		n, wrote, err := writeOnce(dst, b.path(name))
		if err != nil {
			return res, err
		}
		res.count(wrote, n)
	}
	return res, nil
}

func (r *ImportResult) count(wrote bool, size int64) {
	if wrote {
		r.Files++
		r.Bytes += size
	} else {
		r.Skipped++
	}
}

// writeVersion writes one version's files under its lock, as go's
// download does: .mod and .info by rename, then the zip to a temp file,
// its .ziphash, and the zip renamed into place last, so go never sees a
// zip without the hash it checks it against.
func (b *stagedBundle) writeVersion(res *ImportResult, f cache.Files, m module.Version, has map[string]string) error {
	if err := os.MkdirAll(f.Dir, 0o777); err != nil {
		return err
	}
	unlock, err := lockedfile.MutexAt(f.Lock).Lock()
	if err != nil {
		return err
	}
	defer unlock()

	src := b.path(has[KindMod])
	if old, err := os.ReadFile(f.Mod); err == nil {
		mod, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		if !bytes.Equal(old, mod) {
			return fmt.Errorf("the module cache already holds a different .mod (%s); one of them was tampered with", f.Mod)
		}
		res.count(false, 0)
	} else {
		n, wrote, err := writeOnce(f.Mod, src)
		if err != nil {
			return err
		}
		res.count(wrote, n)
	}
	if name := has[KindInfo]; name != "" {
		n, wrote, err := writeOnce(f.Info, b.path(name))
		if err != nil {
			return err
		}
		res.count(wrote, n)
	}
	zipName := has[KindZip]
	if zipName == "" {
		return nil
	}
	want := b.sums[cache.SumKey(m, false)]
	if exists(f.Zip) && exists(f.ZipHash) {
		if have, err := cache.ReadZipHash(f.ZipHash); err != nil || have != want {
			return fmt.Errorf("the module cache already holds this zip with .ziphash %q, but the bundle's hash is %s", have, want)
		}
		if b.sameZip(m, f.Zip, zipName, want) {
			res.count(false, 0)
			return nil
		}
		// The cached zip is damaged: go would fail to extract it, so the
		// bundle's checked copy replaces it, as go mod download would.
		res.Replaced = append(res.Replaced, m)
	}
	// Leftovers of an earlier interrupted write; safe to remove under the lock.
	if old, err := filepath.Glob(filepath.Join(f.Dir, globQuote(filepath.Base(f.Zip))+"*.tmp")); err == nil {
		for _, p := range old {
			os.Remove(p)
		}
	}
	tmp, size, sum, err := copyToTemp(f.Zip, b.path(zipName))
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	// The staged zip passed zip.CheckZip and hashes to its go.sum line. A
	// copy with the same SHA-256 is that zip, byte for byte: go checks a
	// zip before it commits it, and this is the same check without
	// inflating it a second time.
	if staged := b.files[zipName].SHA256; sum != staged {
		return fmt.Errorf("the copy of %s has SHA-256 %s, but the checked entry has %s: the disk changed it while copying", zipName, sum, staged)
	}
	if err := lockedfile.Write(f.ZipHash, strings.NewReader(want), 0o666); err != nil {
		return err
	}
	if err := os.Rename(tmp, f.Zip); err != nil {
		return err
	}
	res.count(true, size)
	return nil
}

// sameZip reports whether the cached zip holds what the checked bundle
// entry holds: the same bytes, or else (go may have zipped the same
// files differently) the same go.sum hash.
func (b *stagedBundle) sameZip(m module.Version, cached, entry, want string) bool {
	if sum, err := FileSource(cached, b.files[entry].Size).SHA256(); err == nil && sum == b.files[entry].SHA256 {
		return true
	}
	h1, err := zipH1(m, cached)
	return err == nil && h1 == want
}

// writeOnce copies src to dst by temp file and rename unless dst exists.
// It returns the bytes written and whether it wrote.
func writeOnce(dst, src string) (int64, bool, error) {
	if exists(dst) {
		return 0, false, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o777); err != nil {
		return 0, false, err
	}
	tmp, n, _, err := copyToTemp(dst, src)
	if err != nil {
		return 0, false, err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return 0, false, err
	}
	return n, true, nil
}

// copyToTemp copies src to a new file named like go's temp files for dst
// (<name><random>.tmp, which go and modcache's scanner both recognise),
// and returns its name, size and the hex SHA-256 of what was written.
func copyToTemp(dst, src string) (string, int64, string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", 0, "", err
	}
	defer in.Close()
	var out *os.File
	for range 100 {
		name := dst + strconv.Itoa(rand.IntN(1e9)) + ".tmp"
		out, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return "", 0, "", err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out.Name())
		return "", 0, "", err
	}
	return out.Name(), n, hex.EncodeToString(h.Sum(nil)), nil
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// globQuote escapes glob metacharacters in a file name.
func globQuote(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
