package cache

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/mod/module"
)

// Files names the paths go uses for one module version under a root.
type Files struct {
	Tree    string // extracted directory
	Dir     string // cache/download/<esc path>/@v
	Base    string // Dir/<esc version>, without extension
	Info    string
	Mod     string
	Zip     string
	ZipHash string
	Lock    string
	Partial string
	List    string
}

// PathsFor computes the file names of path@version under root, checking
// that both are valid, so a crafted name can never point outside the root.
func PathsFor(root, path, version string) (Files, error) {
	escPath, escVer, err := escape(path, version)
	if err != nil {
		return Files{}, err
	}
	dir := filepath.Join(root, "cache", "download", filepath.FromSlash(escPath), "@v")
	base := filepath.Join(dir, escVer)
	return Files{
		Tree:    filepath.Join(root, filepath.FromSlash(escPath)+"@"+escVer),
		Dir:     dir,
		Base:    base,
		Info:    base + ".info",
		Mod:     base + ".mod",
		Zip:     base + ".zip",
		ZipHash: base + ".ziphash",
		Lock:    base + ".lock",
		Partial: base + ".partial",
		List:    filepath.Join(dir, "list"),
	}, nil
}

// escape checks a module path and canonical version and escapes both, as
// go names them on disk.
func escape(path, version string) (escPath, escVer string, err error) {
	escPath, err = module.EscapePath(path)
	if err != nil {
		return "", "", fmt.Errorf("invalid module path %q: %v", path, err)
	}
	if module.CanonicalVersion(version) != version {
		return "", "", fmt.Errorf("invalid version %q for %s: not canonical", version, path)
	}
	escVer, err = module.EscapeVersion(version)
	if err != nil {
		return "", "", fmt.Errorf("invalid version %q for %s: %v", version, path, err)
	}
	return escPath, escVer, nil
}

// Slash paths relative to the root, for the delete protocol and stray
// reports. Names are escaped already.

// partialRel is a version's .partial marker:
// cache/download/<esc path>/@v/<esc version>.partial.
func partialRel(escPath, escVer string) string {
	return "cache/download/" + escPath + "/@v/" + escVer + ".partial"
}

// parsePartialRel splits what partialRel joins; ok is false for anything
// else.
func parsePartialRel(rel string) (escPath, escVer string, ok bool) {
	rest, ok1 := strings.CutPrefix(rel, "cache/download/")
	escPath, file, ok2 := strings.Cut(rest, "/@v/")
	escVer, ok3 := strings.CutSuffix(file, ".partial")
	return escPath, escVer, ok1 && ok2 && ok3 && !strings.Contains(escVer, "/")
}

// treeRel is where a version's extracted tree lives: its parent directory
// and its last element, <last path element>@<esc version>.
func treeRel(escPath, escVer string) (dir, name string) {
	dir, last := path.Split(escPath)
	return strings.TrimSuffix(dir, "/"), last + "@" + escVer
}
