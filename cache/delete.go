package cache

import (
	"archive/zip"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// The safe-delete protocol (DESIGN.md), per version:
//
//	flock <v>.lock → write <v>.partial → remove the tree → (full) remove
//	.zip, .ziphash, .mod, .info → rewrite list → remove .partial → unlock
//
// The lock keeps go from downloading or extracting the version while we
// work. The .partial marker is written before the tree is touched, so a
// crash anywhere leaves a state go repairs on its own: with .partial present
// go ignores the tree (DownloadDir reports it partial), removes it and
// extracts again from the zip, and go mod verify skips it.
//
// In full mode the zip goes before .ziphash. A zip without .ziphash makes
// go mod verify fail ("missing ziphash"); a .ziphash without zip or tree is
// "nothing downloaded" to verify and a fetch away from complete for a build.
// .mod goes before .info because an .info alone is what a version query
// leaves, a state go writes itself. A crash between removing .mod and
// rewriting list leaves list naming a version without .mod; only a cache
// served as a GOPROXY notices, and the next prune, finding the orphan
// .partial, rewrites the list.

var (
	errSymlink  = errors.New("is a symlink or not a directory; refusing to go through it")
	errLockHeld = errors.New("locked by a running go command")
	errEscapes  = errors.New("path element would leave the module cache; refusing")
)

// checkElem refuses path elements that could lead outside the root.
func checkElem(elem string) error {
	if elem == "" || elem == "." || elem == ".." || strings.ContainsAny(elem, `/\`+"\x00") {
		return errEscapes
	}
	return nil
}

// stepHook is called after each step of a delete; tests return an error
// to stop there, as a crash would, leaving the files as they are.
var stepHook func(item, step string) error

func step(item, name string) error {
	if stepHook == nil {
		return nil
	}
	return stepHook(item, name)
}

// verPaths names a version's files relative to the root, slash-separated.
type verPaths struct {
	vdir    string // cache/download/<esc path>/@v
	escVer  string
	treeDir string // the tree's parent
	tree    string // the tree's last element: <last path elem>@<esc version>
}

func versionPaths(modPath, version string) (verPaths, error) {
	escPath, escVer, err := escape(modPath, version)
	if err != nil {
		return verPaths{}, err
	}
	treeDir, tree := treeRel(escPath, escVer)
	return verPaths{
		vdir:    "cache/download/" + escPath + "/@v",
		escVer:  escVer,
		treeDir: treeDir,
		tree:    tree,
	}, nil
}

// openLocked opens dir (relative to root) and takes lockName in it, as go
// does before it writes there. When the directory is gone or a go command
// holds the lock, d is nil and skip says so; on an error d is nil too.
// release drops the lock and closes d.
func openLocked(root, dir, lockName string, wait time.Duration) (d *safeDir, release func(), skip string, err error) {
	d, err = openSafe(root, dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, "no longer in the cache", nil
	}
	if err != nil {
		return nil, nil, "", err
	}
	unlock, err := d.lock(lockName, wait)
	if err != nil {
		d.Close()
		if err == errLockHeld {
			return nil, nil, errLockHeld.Error(), nil
		}
		return nil, nil, "", err
	}
	return d, func() { unlock(); d.Close() }, "", nil
}

// evict runs the protocol for one planned action. skip is set, and nothing
// is changed, when the version cannot be evicted now.
func evict(root string, a Action, wait time.Duration) (skip string, err error) {
	item := a.Path + "@" + a.Version
	p, err := versionPaths(a.Path, a.Version)
	if err != nil {
		return "", err
	}
	vd, release, skip, err := openLocked(root, p.vdir, p.escVer+".lock", wait)
	if vd == nil {
		return skip, err
	}
	defer release()
	if err := step(item, "locked"); err != nil {
		return "", err
	}
	// The plan came from a scan; under the lock, make sure a dir eviction
	// still leaves go something to extract from, and that go has not
	// fetched or extracted what a full eviction would remove since: a
	// build is using that right now.
	if a.Mode == ModeDir {
		if !vd.exists(p.escVer+".zip") || !vd.exists(p.escVer+".mod") {
			return "its zip or .mod is gone since the scan; removing the tree now would lose it", nil
		}
		if err := zipOpens(vd.path(p.escVer + ".zip")); err != nil {
			return fmt.Sprintf("its zip is damaged (%v), so the tree is the only good copy; run modcache verify --repair", err), nil
		}
	}
	// A tree that is not a directory was not written by go; the safe
	// delete would refuse it part way, after the .partial. Say so now.
	treeRel := path.Join(p.treeDir, p.tree)
	treeFi, treeErr := os.Lstat(filepath.Join(root, filepath.FromSlash(treeRel)))
	if treeErr == nil && !treeFi.IsDir() {
		return fmt.Sprintf("%s is a symlink or a file, which go never writes there; left alone: remove it by hand", treeRel), nil
	}
	if a.Mode == ModeFull && a.seen != 0 &&
		((a.seen&HasZip == 0 && vd.exists(p.escVer+".zip")) || (a.seen&HasTree == 0 && treeErr == nil)) {
		return "go downloaded or extracted it since the scan: a build is using it", nil
	}
	partial := p.escVer + ".partial"
	if err := vd.create(partial); err != nil {
		return "", err
	}
	if err := step(item, "partial"); err != nil {
		return "", err
	}
	if err := deleteTree(root, p.treeDir, p.tree); err != nil {
		return "", err
	}
	if err := step(item, "tree"); err != nil {
		return "", err
	}
	if a.Mode == ModeFull {
		for _, ext := range []string{".zip", ".ziphash", ".mod", ".info"} {
			if err := vd.remove(p.escVer + ext); err != nil {
				return "", err
			}
			if err := step(item, ext); err != nil {
				return "", err
			}
		}
	}
	if err := vd.rewriteList(); err != nil {
		return "", err
	}
	if err := step(item, "list"); err != nil {
		return "", err
	}
	return "", vd.remove(partial)
}

// CheckRoot refuses a directory that is not a module cache before
// anything is removed from it: a --modcache pointing at a home or project
// directory must not have its files taken for go's leftovers.
func CheckRoot(root string) error {
	if fi, err := os.Stat(filepath.Join(root, "cache", "download")); err == nil && fi.IsDir() {
		return nil
	}
	if entries, err := os.ReadDir(root); err == nil && len(entries) == 0 {
		return nil // a cache go has not used yet: nothing to remove either
	}
	return fmt.Errorf("%s does not look like a Go module cache: it has no cache/download directory. modcache removes nothing from it; point --modcache or GOMODCACHE at the directory `go env GOMODCACHE` names", root)
}

// zipOpens reads a zip's central directory: a truncated or overwritten
// zip fails here, cheaply, where only hashing finds a flipped byte.
func zipOpens(path string) error {
	z, err := zip.OpenReader(path)
	if err != nil {
		return err
	}
	return z.Close()
}

// deleteTree removes root/dir/name if it exists.
func deleteTree(root, dir, name string) error {
	if err := checkElem(name); err != nil {
		return fmt.Errorf("%s/%s: %w", dir, name, err)
	}
	pd, err := openSafe(root, dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer pd.Close()
	return pd.removeAll(name)
}

// removeStray cleans one leftover of an interrupted go command, under the
// lock go would hold while writing it.
func removeStray(root string, s Stray, wait, minAge time.Duration, now time.Time) (skip string, err error) {
	dir, name := path.Split(s.Path)
	dir = strings.TrimSuffix(dir, "/")
	if err := checkElem(name); err != nil {
		return "", err
	}
	switch s.Kind {
	case "tmp":
		// Go writes .info and .mod through temp files without holding
		// the version lock, so age is the only safe signal.
		d, err := openSafe(root, dir)
		if errors.Is(err, os.ErrNotExist) {
			return "no longer in the cache", nil
		}
		if err != nil {
			return "", err
		}
		defer d.Close()
		mt, err := d.mtime(name)
		if errors.Is(err, os.ErrNotExist) {
			return "no longer in the cache", nil
		}
		if err != nil {
			return "", err
		}
		if now.Sub(mt) < minAge {
			return "written recently; it may belong to a running go command", nil
		}
		if escVer, ok := tmpVersion(name); ok {
			unlock, err := d.lock(escVer+".lock", wait)
			if err == errLockHeld {
				return errLockHeld.Error(), nil
			}
			if err != nil {
				return "", err
			}
			defer unlock()
		}
		return "", d.remove(name)

	case "partial":
		escPath, escVer, ok := parsePartialRel(dir + "/" + name)
		if !ok {
			return "", errors.New("not a .partial marker go writes; refusing")
		}
		vd, release, skip, err := openLocked(root, dir, escVer+".lock", wait)
		if vd == nil {
			return skip, err
		}
		defer release()
		if !vd.exists(name) {
			return "no longer in the cache", nil
		}
		// What go does on finding .partial: drop the half-extracted tree.
		treeDir, tree := treeRel(escPath, escVer)
		if err := deleteTree(root, treeDir, tree); err != nil {
			return "", err
		}
		if err := vd.rewriteList(); err != nil {
			return "", err
		}
		return "", vd.remove(name)

	case "tmpdir":
		// <esc path>@<esc version>.tmp-NNN from go before 1.16, which
		// held the version lock while extracting into it.
		at := strings.LastIndexByte(s.Path, '@')
		i := strings.Index(s.Path, ".tmp-")
		if at < 0 || i < at {
			return "", errors.New("not a temporary extraction directory go writes; refusing")
		}
		// Without its @v directory there is no lock to take; any other
		// failure to open it (a symlink) must not mean "delete unlocked".
		vd, err := openSafe(root, "cache/download/"+s.Path[:at]+"/@v")
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return "", err
		default:
			defer vd.Close()
			unlock, err := vd.lock(s.Path[at+1:i]+".lock", wait)
			if err == errLockHeld {
				return errLockHeld.Error(), nil
			}
			if err != nil {
				return "", err
			}
			defer unlock()
		}
		return "", deleteTree(root, dir, name)
	}
	return "", fmt.Errorf("unknown kind of leftover %q; refusing", s.Kind)
}

// tmpVersion finds the escaped version in a temp file name go writes:
// <esc version>.<zip|mod|info><digits>.tmp.
func tmpVersion(name string) (string, bool) {
	s := strings.TrimSuffix(name, ".tmp")
	s = strings.TrimRight(s, "0123456789")
	for _, ext := range []string{".zip", ".mod", ".info", ".ziphash"} {
		if v, ok := strings.CutSuffix(s, ext); ok && v != "" {
			return v, true
		}
	}
	return "", false
}

// removeVCS deletes a clone in cache/vcs and its .info under the lock go
// takes to use it. The .info goes first: go reuses a clone only when both
// exist, and starts from scratch (removing the directory) otherwise.
func removeVCS(root string, r VCSRepo, wait time.Duration) (skip string, err error) {
	dir, hash := path.Split(r.Dir)
	if err := checkElem(hash); err != nil {
		return "", err
	}
	d, release, skip, err := openLocked(root, strings.TrimSuffix(dir, "/"), hash+".lock", wait)
	if d == nil {
		return skip, err
	}
	defer release()
	if err := d.remove(hash + ".info"); err != nil {
		return "", err
	}
	if err := step(r.Dir, ".info"); err != nil {
		return "", err
	}
	return "", d.removeAll(hash)
}

// lock takes the exclusive lock go's lockedfile takes on name, polling
// without blocking for up to wait. A go command holding it is downloading
// or extracting that version; after wait the caller skips the version.
func (d *safeDir) lock(name string, wait time.Duration) (unlock func(), err error) {
	_, unlock, err = d.lockFile(name, wait)
	return unlock, err
}
