package cache

import (
	"fmt"
	"path/filepath"

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
