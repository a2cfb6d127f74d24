package mirror

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/modcache/modcache/proxy"
)

// Kinds of file in a GOPROXY tree.
const (
	KindInfo  = "info"
	KindMod   = "mod"
	KindZip   = "zip"
	KindList  = "list"
	KindSumDB = "sumdb"
)

// versionName is the GOPROXY name of one of a version's files; kind is
// KindInfo, KindMod or KindZip.
func versionName(modPath, version, kind string) (string, error) {
	escPath, err := module.EscapePath(modPath)
	if err != nil {
		return "", err
	}
	if module.CanonicalVersion(version) != version {
		return "", fmt.Errorf("%s@%s: not a canonical version", modPath, version)
	}
	escVer, err := module.EscapeVersion(version)
	if err != nil {
		return "", err
	}
	return escPath + "/@v/" + escVer + "." + kind, nil
}

// listName is the GOPROXY name of a module's version list.
func listName(modPath string) (string, error) {
	escPath, err := module.EscapePath(modPath)
	if err != nil {
		return "", err
	}
	return escPath + "/@v/list", nil
}

// listedVersions reads a module's @v/list through get, as targets in the
// GOPROXY layout hold it. A missing list means no versions.
func listedVersions(ctx context.Context, get func(context.Context, string) ([]byte, error), modPath string) ([]string, error) {
	name, err := listName(modPath)
	if err != nil {
		return nil, err
	}
	data, err := get(ctx, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return proxy.ParseVersionList(data), nil
}

// fileName is one parsed GOPROXY-tree name.
type fileName struct {
	Kind    string
	Path    string // module path, unescaped (for sumdb, a lookup's only)
	Version string // canonical version (info, mod, zip, a sumdb lookup)
}

// parseName checks a name from an untrusted source (a bundle, a listing)
// and says what it is. Only the names a GOPROXY tree can hold pass: every
// element is clean, nothing climbs out with "..", module paths and
// versions are valid and canonical, and sumdb names are the ones go
// requests. So a name that passes can be joined to a root safely.
func parseName(name string) (fileName, error) {
	bad := func(why string) (fileName, error) {
		return fileName{}, fmt.Errorf("invalid name %q in a GOPROXY tree: %s", name, why)
	}
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, `\`) || strings.ContainsRune(name, 0) {
		return bad("must be a relative slash-separated path")
	}
	if path.Clean(name) != name {
		return bad("not a clean path")
	}
	for elem := range strings.SplitSeq(name, "/") {
		if elem == "." || elem == ".." || elem == "" {
			return bad("has a . or .. element")
		}
	}
	if rest, ok := strings.CutPrefix(name, "sumdb/"); ok {
		return parseSumDBName(name, rest)
	}
	escPath, rest, ok := strings.Cut(name, "/@v/")
	if !ok {
		return bad("not under <module>/@v/ or sumdb/")
	}
	modPath, err := module.UnescapePath(escPath)
	if err != nil {
		return bad(err.Error())
	}
	if rest == "list" {
		return fileName{Kind: KindList, Path: modPath}, nil
	}
	for _, kind := range []string{KindInfo, KindMod, KindZip} {
		escVer, ok := strings.CutSuffix(rest, "."+kind)
		if !ok {
			continue
		}
		v, err := module.UnescapeVersion(escVer)
		if err != nil || module.CanonicalVersion(v) != v || strings.Contains(escVer, "/") {
			return bad("not a canonical version")
		}
		if err := module.Check(modPath, v); err != nil {
			return bad(err.Error())
		}
		return fileName{Kind: kind, Path: modPath, Version: v}, nil
	}
	return bad("not list, .info, .mod or .zip")
}

// parseSumDBName checks sumdb/<db>/{supported,lookup/<mod>@<v>,tile/...}.
// The database name may hold slashes (host/path), so it ends where the
// first known endpoint starts.
func parseSumDBName(name, rest string) (fileName, error) {
	bad := func(why string) (fileName, error) {
		return fileName{}, fmt.Errorf("invalid name %q in a GOPROXY tree: %s", name, why)
	}
	var db, endpoint, lookupPath, lookupVersion string
	for _, sep := range []string{"/supported", "/lookup/", "/tile/"} {
		if i := strings.Index(rest, sep); i > 0 && (db == "" || i < len(db)) {
			db, endpoint = rest[:i], rest[i+1:]
		}
	}
	if db == "" {
		return bad("not a checksum database file")
	}
	for _, c := range db {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-._/", c)) {
			return bad("invalid checksum database name")
		}
	}
	switch {
	case endpoint == "supported":
	case strings.HasPrefix(endpoint, "lookup/"):
		escPath, escVer, ok := strings.Cut(strings.TrimPrefix(endpoint, "lookup/"), "@")
		p, err1 := module.UnescapePath(escPath)
		v, err2 := module.UnescapeVersion(escVer)
		if !ok || err1 != nil || err2 != nil || module.Check(p, v) != nil {
			return bad("invalid checksum database lookup")
		}
		lookupPath, lookupVersion = p, v
	case strings.HasPrefix(endpoint, "tile/"):
		if _, err := tlog.ParseTilePath(endpoint); err != nil {
			return bad("invalid checksum database tile")
		}
	default:
		return bad("not a checksum database file")
	}
	// A lookup names its version, so its record can be checked.
	return fileName{Kind: KindSumDB, Path: lookupPath, Version: lookupVersion}, nil
}
