package mirror

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"github.com/modcache/modcache/cache"
)

// verifier checks module versions in the cache before anything of them is
// pushed. A version that fails is refused with the reason; nothing
// unverified leaves the machine.
type verifier struct {
	root string
	sums *cache.KnownSums
	memo *cache.ZipHashes // hashes verified earlier, by push or verify
}

// verify checks m's files and returns its plan entry, or why it is
// refused. full versions need .info, .mod and a zip; graph-only ones need
// .mod (go fetches nothing else for them) and take .info along if present.
//
//   - .mod parses and matches the go.sum/checksum database /go.mod hash
//     where one is known;
//   - .info parses and names this version;
//   - the zip passes zip.CheckZip and hashes (dirhash.HashZip) to its
//     .ziphash, and to the go.sum/checksum database hash where known. A zip
//     whose hash is recorded nowhere is refused: only go's own download
//     checks could have vouched for it.
func (v *verifier) verify(m module.Version, full bool) (*VersionPlan, string) {
	f, err := cache.PathsFor(v.root, m.Path, m.Version)
	if err != nil {
		return nil, err.Error()
	}
	vp := &VersionPlan{Path: m.Path, Version: m.Version, Full: full}

	modFi, err := regularFile(f.Mod)
	if err != nil {
		return nil, ".mod " + err.Error()
	}
	mod, err := cache.ReadMod(v.root, m.Path, m.Version)
	if err != nil {
		return nil, "cannot read .mod: " + err.Error()
	}
	if _, err := modfile.ParseLax("go.mod", mod, nil); err != nil {
		return nil, ".mod does not parse: " + firstLine(err.Error())
	}
	vp.ModHash = cache.HashGoMod(mod)
	if want := v.sums.Known(m, true); len(want) > 0 && !slices.Contains(want, vp.ModHash) {
		return nil, fmt.Sprintf(".mod hashes to %s but go.sum or the checksum database says %s", vp.ModHash, want[0])
	}

	infoFi, err := regularFile(f.Info)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !full:
		infoFi = nil // go never asks a mirror for a graph-only version's .info
	case errors.Is(err, fs.ErrNotExist):
		return nil, ".info is not in the cache"
	case err != nil:
		return nil, ".info " + err.Error()
	default:
		if problem := cache.CheckInfoFile(f.Info, m.Version); problem != "" {
			return nil, problem
		}
	}

	var zipFi fs.FileInfo
	if full {
		if zipFi, err = regularFile(f.Zip); err != nil {
			return nil, "zip " + err.Error()
		}
		if vp.ZipHash, err = v.zipHash(m, f, zipFi); err != nil {
			return nil, err.Error()
		}
	}

	add := func(kind, path string, fi fs.FileInfo) {
		name, _ := versionName(m.Path, m.Version, kind)
		vp.Files = append(vp.Files, &File{Name: name, Size: fi.Size(), src: checkedSource(path, fi)})
	}
	add(KindMod, f.Mod, modFi)
	if infoFi != nil {
		add(KindInfo, f.Info, infoFi)
	}
	if zipFi != nil {
		add(KindZip, f.Zip, zipFi)
	}
	return vp, ""
}

// zipHash returns the verified h1 of a version's zip.
func (v *verifier) zipHash(m module.Version, f cache.Files, fi fs.FileInfo) (string, error) {
	recorded, err := cache.ReadZipHash(f.ZipHash)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	known := v.sums.Known(m, false)

	h1, ok := v.memo.Lookup(f.Zip, fi)
	if !ok {
		if h1, err = zipH1(m, f.Zip); err != nil {
			return "", err
		}
		v.memo.Store(f.Zip, fi, h1)
	}
	switch {
	case recorded != "" && recorded != h1:
		return "", fmt.Errorf("zip hashes to %s but .ziphash says %s", h1, recorded)
	case len(known) > 0 && !slices.Contains(known, h1):
		return "", fmt.Errorf("zip hashes to %s but go.sum or the checksum database says %s", h1, known[0])
	case recorded == "" && len(known) == 0:
		return "", fmt.Errorf("the zip's hash is recorded nowhere (no .ziphash, go.sum line or checksum database record); run 'go mod download %s' so go verifies it", m)
	}
	return h1, nil
}

// regularFile stats a cache file, refusing anything but a regular file:
// a symlink could point anywhere.
func regularFile(path string) (fs.FileInfo, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("is not in the cache: %w", fs.ErrNotExist)
		}
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("is not a regular file (%s)", fi.Mode().Type())
	}
	return fi, nil
}

// zipH1 checks a zip with zip.CheckZip and returns its go.sum h1: hash,
// inflating it once.
func zipH1(m module.Version, path string) (string, error) {
	if _, err := modzip.CheckZip(m, path); err != nil {
		return "", fmt.Errorf("zip is invalid: %v", firstLine(err.Error()))
	}
	h1, err := cache.HashZip(path)
	if err != nil {
		return "", fmt.Errorf("zip cannot be hashed: %v", err)
	}
	return h1, nil
}

// checkZipFile checks a zip from an untrusted source (a bundle) against
// the h1 it should have.
func checkZipFile(m module.Version, path, want string) error {
	have, err := zipH1(m, path)
	if err != nil {
		return err
	}
	if have != want {
		return fmt.Errorf("zip hashes to %s, want %s", have, want)
	}
	return nil
}
