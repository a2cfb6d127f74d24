package mirror

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"github.com/modcache/modcache/cache"
	"github.com/modcache/modcache/internal/units"
)

// ImportDest is where Import writes: a mirror, or a module cache.
type ImportDest struct {
	Target   Target // a mirror; when nil, ModCache is used
	ModCache string // a GOMODCACHE root; with a Target, one it must stay out of
	Jobs     int    // parallel writes to Target; 0 means 8
	// Env is the go command's environment: GOSUMDB names the checksum
	// database whose records are checked (see checkRecords), GONOSUMDB
	// and GOPRIVATE the modules it does not cover.
	Env []string
}

// ImportResult says what Import wrote.
type ImportResult struct {
	Versions int   // module versions in the bundle
	Files    int   // files written
	Skipped  int   // files the destination already had
	Bytes    int64 // bytes written
	// Unrecorded are the versions, private ones aside, that no checksum
	// database record in the bundle vouches for: only the bundle's own
	// go.sum lines do. go accepts them offline only where a go.sum names
	// them (or with GONOSUMDB).
	Unrecorded Versions `json:"unrecorded,omitempty"`
	// Replaced are versions whose zip in the module cache was damaged and
	// was replaced with the bundle's.
	Replaced Versions `json:"replaced,omitempty"`
}

// Import checks every entry of a bundle, then writes it to a mirror or
// into a module cache. Nothing is written unless the whole bundle passes:
//
//   - every entry is a regular file whose name is a clean GOPROXY name
//     (no "..", no absolute path, no link or device, no duplicate);
//   - every entry's size and SHA-256 match the manifest, and the manifest
//     names no entry that is missing;
//   - every zip passes zip.CheckZip and hashes to the go.sum line the
//     manifest records for it, every .mod hashes to its /go.mod line, and
//     every .info parses and names its version;
//   - every checksum database record of the database go uses checks out
//     against its key, and agrees with those go.sum lines (checkRecords).
//
// Into a module cache it writes what `go mod download` writes (.info,
// .mod, .zip and a computed .ziphash, under the version's lock) and
// rewrites each @v/list as go does; checksum database records go to
// cache/download/sumdb, where go looks before asking the network.
func Import(ctx context.Context, bundle string, dest ImportDest) (*ImportResult, error) {
	if dest.Target == nil && dest.ModCache == "" {
		return nil, errors.New("import: no destination")
	}
	if dest.Target != nil && dest.ModCache != "" {
		if err := outsideCache(dest.Target, dest.ModCache); err != nil {
			return nil, err
		}
	}
	stage, err := os.MkdirTemp("", "modcache-import-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	b, err := stageBundle(ctx, bundle, stage)
	if err != nil {
		return nil, err
	}
	if err := b.check(); err != nil {
		return nil, fmt.Errorf("bundle %s: %v", bundle, err)
	}
	unrecorded, err := b.checkRecords(dest.Env, dest.Target == nil)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %v", bundle, err)
	}
	var res *ImportResult
	if dest.Target != nil {
		res, err = b.toTarget(ctx, dest.Target, dest.Jobs)
	} else {
		res, err = b.toModCache(ctx, dest.ModCache)
	}
	if res != nil {
		noSumDB := noSumDBPatterns(dest.Env)
		res.Unrecorded = slices.DeleteFunc(unrecorded, func(m module.Version) bool {
			return noSumDB != "" && module.MatchPrefixPatterns(noSumDB, m.Path)
		})
	}
	return res, err
}

// stagedBundle is a bundle unpacked into a private directory.
type stagedBundle struct {
	dir      string
	manifest *Manifest
	files    map[string]ManifestFile // what was unpacked, with its real hash
	names    map[string]fileName
	sums     map[string]string // go.sum key -> hash
}

// entryLimit is the largest entry accepted of each kind: what go itself
// accepts, and generous room for lists and checksum database files.
func entryLimit(kind string) int64 {
	switch kind {
	case KindZip:
		return modzip.MaxZipFile
	case KindMod:
		return modzip.MaxGoMod
	}
	return 16 << 20
}

func stageBundle(ctx context.Context, bundle, dir string) (*stagedBundle, error) {
	b := &stagedBundle{dir: dir, files: map[string]ManifestFile{}, names: map[string]fileName{}, sums: map[string]string{}}
	reject := func(hdr *tar.Header, why string) error {
		return fmt.Errorf("bundle %s: entry %q rejected: %s", bundle, hdr.Name, why)
	}
	err := readBundle(ctx, bundle, func(hdr *tar.Header, r io.Reader) error {
		if hdr.Typeflag != tar.TypeReg {
			return reject(hdr, fmt.Sprintf("not a regular file (tar type %q); links and devices could write outside the tree", hdr.Typeflag))
		}
		if hdr.Name == ManifestName {
			if b.manifest != nil {
				return reject(hdr, "duplicate manifest")
			}
			m, err := decodeManifest(r)
			if err != nil {
				return err
			}
			b.manifest = m
			return nil
		}
		fn, err := parseName(hdr.Name)
		if err != nil {
			return reject(hdr, err.Error())
		}
		if _, dup := b.files[hdr.Name]; dup {
			return reject(hdr, "duplicate entry")
		}
		if hdr.Size < 0 || hdr.Size > entryLimit(fn.Kind) {
			return reject(hdr, fmt.Sprintf("%d bytes is larger than any such file go accepts", hdr.Size))
		}
		p := filepath.Join(dir, filepath.FromSlash(hdr.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, hdr.Size))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("bundle %s: entry %q: %v", bundle, hdr.Name, err)
		}
		b.files[hdr.Name] = ManifestFile{Name: hdr.Name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
		b.names[hdr.Name] = fn
		return nil
	})
	if err != nil {
		return nil, err
	}
	if b.manifest == nil {
		return nil, fmt.Errorf("bundle %s has no %s: not a modcache bundle, or cut short", bundle, ManifestName)
	}
	return b, nil
}

// check compares the staged files with the manifest, then checks each
// module version's files against the manifest's go.sum lines.
func (b *stagedBundle) check() error {
	listed := map[string]bool{}
	for _, mf := range b.manifest.Files {
		got, ok := b.files[mf.Name]
		switch {
		case listed[mf.Name]:
			return fmt.Errorf("manifest names %s twice", mf.Name)
		case !ok:
			return fmt.Errorf("manifest names %s, which the archive lacks", mf.Name)
		case got.Size != mf.Size || got.SHA256 != mf.SHA256:
			return fmt.Errorf("entry %s does not match the manifest (size %d sha256 %s, manifest says %d %s)", mf.Name, got.Size, got.SHA256, mf.Size, mf.SHA256)
		}
		listed[mf.Name] = true
	}
	for name := range b.files {
		if !listed[name] {
			return fmt.Errorf("entry %s is not in the manifest", name)
		}
	}
	for _, line := range b.manifest.GoSum {
		f := strings.Fields(line)
		if len(f) != 3 {
			return fmt.Errorf("manifest has a malformed go.sum line %q", line)
		}
		b.sums[f[0]+" "+f[1]] = f[2]
	}
	for name, fn := range b.names {
		if err := b.checkFile(name, fn); err != nil {
			return fmt.Errorf("entry %s: %v", name, err)
		}
	}
	return nil
}

func (b *stagedBundle) checkFile(name string, fn fileName) error {
	m := module.Version{Path: fn.Path, Version: fn.Version}
	p := b.path(name)
	switch fn.Kind {
	case KindZip:
		if _, ok := b.files[strings.TrimSuffix(name, ".zip")+".mod"]; !ok {
			return errors.New("zip without its .mod")
		}
		want, ok := b.sums[cache.SumKey(m, false)]
		if !ok {
			return errors.New("the manifest records no go.sum hash for it")
		}
		return checkZipFile(m, p, want)
	case KindMod:
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		have := cache.HashGoMod(data)
		switch want, ok := b.sums[cache.SumKey(m, true)]; {
		case !ok:
			return errors.New("the manifest records no go.sum hash for it")
		case want != have:
			return fmt.Errorf(".mod hashes to %s; the manifest says %s", have, want)
		}
	case KindInfo:
		if _, ok := b.files[strings.TrimSuffix(name, ".info")+".mod"]; !ok {
			return errors.New(".info without its .mod")
		}
		if problem := cache.CheckInfoFile(p, m.Version); problem != "" {
			return errors.New(problem)
		}
	case KindSumDB:
		if fn.Path == "" {
			return nil // a tile or supported: go checks tiles against signed heads
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		// go trusts a cached lookup and rejects the module over a bad one.
		_, err = cache.ParseLookup(data, module.Version{Path: fn.Path, Version: fn.Version})
		return err
	}
	return nil
}

func (b *stagedBundle) path(name string) string {
	return filepath.Join(b.dir, filepath.FromSlash(name))
}

func (b *stagedBundle) source(name string) *Source {
	f := b.files[name]
	s := FileSource(b.path(name), f.Size)
	s.setSHA256(f.SHA256)
	return s
}

// versions groups the staged module files by version.
func (b *stagedBundle) versions() map[module.Version][]string {
	vs := map[module.Version][]string{}
	for name, fn := range b.names {
		if fn.Kind == KindInfo || fn.Kind == KindMod || fn.Kind == KindZip {
			m := module.Version{Path: fn.Path, Version: fn.Version}
			vs[m] = append(vs[m], name)
		}
	}
	return vs
}

// toTarget pushes the staged tree with the same machinery as a push, so
// lists are merged with the target's and written last.
func (b *stagedBundle) toTarget(ctx context.Context, t Target, jobs int) (*ImportResult, error) {
	plan := &Plan{Root: b.dir, Target: t.String(), features: t.Features()}
	byVersion := b.versions()
	// Module order, as a push plans it: by path, then semver, so v1.10.0
	// follows v1.9.0.
	order := slices.Collect(maps.Keys(byVersion))
	module.Sort(order)
	for _, m := range order {
		vp := &VersionPlan{Path: m.Path, Version: m.Version, Why: "bundle", ZipHash: b.sums[cache.SumKey(m, false)], ModHash: b.sums[cache.SumKey(m, true)]}
		for _, name := range byVersion[m] {
			vp.Full = vp.Full || b.names[name].Kind == KindZip
			vp.Files = append(vp.Files, &File{Name: name, Size: b.files[name].Size, src: b.source(name)})
		}
		slices.SortFunc(vp.Files, func(x, y *File) int { return strings.Compare(x.Name, y.Name) })
		plan.Versions = append(plan.Versions, vp)
	}
	if t.Features().SumDB {
		var names []string
		for name, fn := range b.names {
			if fn.Kind == KindSumDB {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		for _, name := range names {
			plan.SumDB = append(plan.SumDB, &File{Name: name, Size: b.files[name].Size, src: b.source(name)})
		}
	}
	res, err := NewPush(plan, t, PushOptions{Jobs: jobs}).Run(ctx)
	out := &ImportResult{Versions: len(plan.Versions)}
	if res != nil {
		out.Files, out.Skipped, out.Bytes = res.Sent, res.Skipped, res.Bytes
		if err == nil && len(res.Failures) > 0 {
			err = fmt.Errorf("%s could not be written; the first: %v", units.Count(len(res.Failures), "file"), res.Failures[0])
		}
	}
	return out, err
}
